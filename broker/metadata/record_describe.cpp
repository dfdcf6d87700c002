// describe(): trace fields of metadata records (see record_describe.h).
#include "broker/metadata/record_describe.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace kraftsim::metadata {

namespace {
std::string topic_name(const Uuid& id, const MetadataImage& image) {
  const TopicImage* t = image.topic(id);
  return t ? t->name : uuid_to_string(id);
}
std::string ids(const std::vector<BrokerId>& v) { return fmt::format("{}", fmt::join(v, ",")); }
}  // namespace

void describe(const MetadataRecord& record, const MetadataImage& image, trace::Fields& out) {
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, RegisterBrokerRecord>) {
          out.emplace_back("broker", r.broker_id);
          out.emplace_back("broker_epoch", r.broker_epoch);
        } else if constexpr (std::is_same_v<R, TopicRecord>) {
          out.emplace_back("topic", r.topic_name);
        } else if constexpr (std::is_same_v<R, PartitionRecord>) {
          out.emplace_back("topic", topic_name(r.topic_id, image));
          out.emplace_back("partition", r.partition_id);
          out.emplace_back("replicas", ids(r.replicas));
          out.emplace_back("isr", ids(r.isr));
          out.emplace_back("leader", r.leader);
          out.emplace_back("leader_epoch", r.leader_epoch);
        } else if constexpr (std::is_same_v<R, PartitionChangeRecord>) {
          out.emplace_back("topic", topic_name(r.topic_id, image));
          out.emplace_back("partition", r.partition_id);
          if (r.isr) out.emplace_back("isr", ids(*r.isr));
          if (r.leader) out.emplace_back("leader", *r.leader);
          if (const auto* p = image.partition(r.topic_id, r.partition_id)) {
            out.emplace_back("leader_epoch", p->leader_epoch);
            out.emplace_back("partition_epoch", p->partition_epoch);
          }
        } else if constexpr (std::is_same_v<R, FenceBrokerRecord> || std::is_same_v<R, UnfenceBrokerRecord>) {
          out.emplace_back("broker", r.id);
          out.emplace_back("broker_epoch", r.epoch);
        } else if constexpr (std::is_same_v<R, ConfigRecord>) {
          out.emplace_back("resource", r.resource_name);
          out.emplace_back("config", r.config_name);
          out.emplace_back("value", r.value.value_or("(deleted)"));
        } else if constexpr (std::is_same_v<R, FeatureLevelRecord>) {
          out.emplace_back("feature", r.feature_name);
          out.emplace_back("level", r.feature_level);
        } else if constexpr (std::is_same_v<R, RemoveTopicRecord>) {
          out.emplace_back("topic", topic_name(r.topic_id, image));
        }
      },
      record);
}

}  // namespace kraftsim::metadata
