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
          out.add("broker", r.broker_id);
          out.add("broker_epoch", r.broker_epoch);
        } else if constexpr (std::is_same_v<R, TopicRecord>) {
          out.add("topic", r.topic_name);
        } else if constexpr (std::is_same_v<R, PartitionRecord>) {
          out.add("topic", topic_name(r.topic_id, image));
          out.add("partition", r.partition_id);
          out.add("replicas", ids(r.replicas));
          out.add("isr", ids(r.isr));
          out.add("leader", r.leader);
          out.add("leader_epoch", r.leader_epoch);
        } else if constexpr (std::is_same_v<R, PartitionChangeRecord>) {
          out.add("topic", topic_name(r.topic_id, image));
          out.add("partition", r.partition_id);
          if (r.isr) out.add("isr", ids(*r.isr));
          if (r.leader) out.add("leader", *r.leader);
          if (const auto* p = image.partition(r.topic_id, r.partition_id)) {
            out.add("leader_epoch", p->leader_epoch);
            out.add("partition_epoch", p->partition_epoch);
          }
        } else if constexpr (std::is_same_v<R, FenceBrokerRecord> || std::is_same_v<R, UnfenceBrokerRecord>) {
          out.add("broker", r.id);
          out.add("broker_epoch", r.epoch);
        } else if constexpr (std::is_same_v<R, ConfigRecord>) {
          out.add("resource", r.resource_name);
          out.add("config", r.config_name);
          out.add("value", r.value.value_or("(deleted)"));
        } else if constexpr (std::is_same_v<R, FeatureLevelRecord>) {
          out.add("feature", r.feature_name);
          out.add("level", r.feature_level);
        } else if constexpr (std::is_same_v<R, ProducerIdsRecord>) {
          out.add("broker", r.broker_id);
          out.add("next_producer_id", r.next_producer_id);
        } else if constexpr (std::is_same_v<R, RemoveTopicRecord>) {
          out.add("topic", topic_name(r.topic_id, image));
        }
      },
      record);
}

}  // namespace kraftsim::metadata
