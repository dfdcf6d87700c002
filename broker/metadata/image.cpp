// Replaying metadata records into a MetadataImage (image.h), with the invariant assertions, the
// read-only queries, and the image <-> snapshot record list conversion.
#include "broker/metadata/image.h"

#include <algorithm>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "base/assert.h"

namespace kraftsim::metadata {

namespace {

bool contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool all_distinct(const std::vector<BrokerId>& ids) {
  std::set<BrokerId> seen(ids.begin(), ids.end());
  return seen.size() == ids.size();
}

PartitionRegistration registration_from(const PartitionRecord& r) {
  PartitionRegistration p;
  p.replicas = r.replicas;
  p.isr = r.isr;
  p.removing_replicas = r.removing_replicas;
  p.adding_replicas = r.adding_replicas;
  p.leader = r.leader;
  p.leader_recovery_state = r.leader_recovery_state;
  p.leader_epoch = r.leader_epoch;
  p.partition_epoch = r.partition_epoch;
  p.eligible_leader_replicas = r.eligible_leader_replicas;
  p.last_known_elr = r.last_known_elr;
  return p;
}

PartitionRecord record_from(const Uuid& topic_id, std::int32_t partition_id, const PartitionRegistration& p) {
  PartitionRecord r;
  r.partition_id = partition_id;
  r.topic_id = topic_id;
  r.replicas = p.replicas;
  r.isr = p.isr;
  r.removing_replicas = p.removing_replicas;
  r.adding_replicas = p.adding_replicas;
  r.leader = p.leader;
  r.leader_recovery_state = p.leader_recovery_state;
  r.leader_epoch = p.leader_epoch;
  r.partition_epoch = p.partition_epoch;
  r.eligible_leader_replicas = p.eligible_leader_replicas;
  r.last_known_elr = p.last_known_elr;
  return r;
}

ConfigRecord config_record(const ConfigResource& resource, const std::string& key, const std::string& value) {
  ConfigRecord r;
  r.resource_type = resource.type;
  r.resource_name = resource.name;
  r.config_name = key;
  r.value = value;
  return r;
}

}  // namespace

bool PartitionRegistration::isr_contains(BrokerId id) const { return contains(isr, id); }
bool PartitionRegistration::replicas_contain(BrokerId id) const { return contains(replicas, id); }

// ---------------------------------------------------------------- replay

void MetadataImage::apply(const MetadataRecord& record) {
  std::visit(
      [this](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, RegisterBrokerRecord>) on_register_broker(r);
        else if constexpr (std::is_same_v<R, TopicRecord>) on_topic(r);
        else if constexpr (std::is_same_v<R, PartitionRecord>) on_partition(r);
        else if constexpr (std::is_same_v<R, ConfigRecord>) on_config(r);
        else if constexpr (std::is_same_v<R, PartitionChangeRecord>) on_partition_change(r);
        else if constexpr (std::is_same_v<R, FenceBrokerRecord>) on_fence_broker(r);
        else if constexpr (std::is_same_v<R, UnfenceBrokerRecord>) on_unfence_broker(r);
        else if constexpr (std::is_same_v<R, RemoveTopicRecord>) on_remove_topic(r);
        else if constexpr (std::is_same_v<R, FeatureLevelRecord>) on_feature_level(r);
        else if constexpr (std::is_same_v<R, ProducerIdsRecord>) on_producer_ids(r);
        else static_assert(std::is_same_v<R, NoOpRecord>, "every record type needs a handler");
      },
      record);
}

void MetadataImage::on_register_broker(const RegisterBrokerRecord& r) {
  KS_ASSERT(r.broker_id >= 0);
  KS_ASSERT(r.broker_epoch >= 0);
  if (const auto it = brokers_.find(r.broker_id); it != brokers_.end()) {
    // A broker epoch is the offset of its registration record, so it only grows (delta invariant).
    KS_ASSERT_MSG(r.broker_epoch > it->second.epoch, "broker epochs must increase");
  }
  // The controller moves leadership off a broker before re-registering it fenced.
  if (r.fenced || r.in_controlled_shutdown) assert_leads_nothing(r.broker_id);
  BrokerRegistration& b = brokers_[r.broker_id];
  b.id = r.broker_id;
  b.incarnation_id = r.incarnation_id;
  b.epoch = r.broker_epoch;
  b.fenced = r.fenced;
  b.in_controlled_shutdown = r.in_controlled_shutdown;
  b.endpoints = r.endpoints;
  b.features = r.features;
  b.rack = r.rack;
}

void MetadataImage::on_fence_broker(const FenceBrokerRecord& r) {
  const auto it = brokers_.find(r.id);
  KS_ASSERT_MSG(it != brokers_.end(), "FenceBrokerRecord for an unregistered broker");
  KS_ASSERT_MSG(it->second.epoch == r.epoch, "FenceBrokerRecord for another broker epoch");
  // Kafka's handleBrokerFenced moves leadership away in the records before the fence record.
  assert_leads_nothing(r.id);
  it->second.fenced = true;  // fencing a fenced broker is a no-op, as in Kafka
}

void MetadataImage::on_unfence_broker(const UnfenceBrokerRecord& r) {
  const auto it = brokers_.find(r.id);
  KS_ASSERT_MSG(it != brokers_.end(), "UnfenceBrokerRecord for an unregistered broker");
  KS_ASSERT_MSG(it->second.epoch == r.epoch, "UnfenceBrokerRecord for another broker epoch");
  it->second.fenced = false;
}

void MetadataImage::on_topic(const TopicRecord& r) {
  KS_ASSERT(!r.topic_name.empty());
  KS_ASSERT_MSG(!uuid_is_reserved(r.topic_id), "a topic id is never the zero or the 'one' uuid");
  KS_ASSERT_MSG(topics_.count(r.topic_id) == 0, "duplicate topic id");
  KS_ASSERT_MSG(topic_ids_by_name_.count(r.topic_name) == 0, "duplicate topic name");
  TopicImage& t = topics_[r.topic_id];
  t.name = r.topic_name;
  t.id = r.topic_id;
  topic_ids_by_name_.emplace(r.topic_name, r.topic_id);
  KS_ASSERT(topics_.size() == topic_ids_by_name_.size());
}

void MetadataImage::on_partition(const PartitionRecord& r) {
  TopicImage& t = topic_or_die(r.topic_id);
  KS_ASSERT(r.partition_id >= 0);
  KS_ASSERT_MSG(t.partitions.count(r.partition_id) == 0, "PartitionRecord for an existing partition");
  PartitionRegistration p = registration_from(r);
  KS_ASSERT(p.leader_epoch >= 0);
  KS_ASSERT(p.partition_epoch >= 0);
  assert_partition_valid(p);
  t.partitions.emplace(r.partition_id, std::move(p));
  ++partition_count_;
}

void MetadataImage::on_partition_change(const PartitionChangeRecord& r) {
  TopicImage& t = topic_or_die(r.topic_id);
  const auto it = t.partitions.find(r.partition_id);
  KS_ASSERT_MSG(it != t.partitions.end(), "PartitionChangeRecord for an unknown partition");
  PartitionRegistration& p = it->second;
  const PartitionRegistration before = p;
  if (r.replicas) p.replicas = *r.replicas;
  if (r.isr) p.isr = *r.isr;
  if (r.leader) {
    // Kafka's PartitionRegistration.merge: any leader field starts a new leader epoch (the
    // test-only mutation skips it when the leader changes, see the header).
    p.leader = *r.leader;
    if (!test_only_leader_epoch_not_bumped_ || *r.leader == before.leader) p.leader_epoch = before.leader_epoch + 1;
  }
  if (r.leader_recovery_state) p.leader_recovery_state = *r.leader_recovery_state;
  if (r.eligible_leader_replicas) p.eligible_leader_replicas = *r.eligible_leader_replicas;
  if (r.last_known_elr) p.last_known_elr = *r.last_known_elr;
  p.partition_epoch = before.partition_epoch + 1;  // every change bumps the partition epoch
  KS_ASSERT(p.leader_epoch >= before.leader_epoch);
  KS_ASSERT(p.partition_epoch > before.partition_epoch);
  assert_partition_valid(p);
}

void MetadataImage::on_config(const ConfigRecord& r) {
  KS_ASSERT(r.resource_type == ConfigResourceType::topic || r.resource_type == ConfigResourceType::broker);
  KS_ASSERT(!r.config_name.empty());
  KS_ASSERT_MSG(r.resource_type != ConfigResourceType::topic || !r.resource_name.empty(),
                "a topic config names its topic");
  const ConfigResource resource{r.resource_type, r.resource_name};
  if (r.value) {
    configs_[resource][r.config_name] = *r.value;
    return;
  }
  // A null value deletes the key; an empty resource is dropped so that equal configs compare equal.
  const auto it = configs_.find(resource);
  if (it == configs_.end()) return;
  it->second.erase(r.config_name);
  if (it->second.empty()) configs_.erase(it);
}

void MetadataImage::on_remove_topic(const RemoveTopicRecord& r) {
  const auto it = topics_.find(r.topic_id);
  KS_ASSERT_MSG(it != topics_.end(), "RemoveTopicRecord for an unknown topic");
  // Kafka's replay(RemoveTopicRecord) also deletes the topic's configs.
  configs_.erase(ConfigResource{ConfigResourceType::topic, it->second.name});
  KS_ASSERT(partition_count_ >= it->second.partitions.size());
  partition_count_ -= it->second.partitions.size();
  topic_ids_by_name_.erase(it->second.name);
  topics_.erase(it);
  KS_ASSERT(topics_.size() == topic_ids_by_name_.size());
}

void MetadataImage::on_producer_ids(const ProducerIdsRecord& r) {
  // ProducerIdControlManager.replay: blocks only move forward.
  KS_ASSERT_MSG(r.next_producer_id > next_producer_id_, "ProducerIdsRecord must move the next producer id forward");
  next_producer_id_ = r.next_producer_id;
}

void MetadataImage::on_feature_level(const FeatureLevelRecord& r) {
  KS_ASSERT(!r.feature_name.empty());
  KS_ASSERT(r.feature_level >= 0);
  if (r.feature_level == 0) {
    features_.erase(r.feature_name);
  } else {
    features_[r.feature_name] = r.feature_level;
  }
}

TopicImage& MetadataImage::topic_or_die(const Uuid& topic_id) {
  const auto it = topics_.find(topic_id);
  KS_ASSERT_MSG(it != topics_.end(), "record names an unknown topic id");
  return it->second;
}

void MetadataImage::assert_partition_valid(const PartitionRegistration& p) const {
  KS_ASSERT_MSG(!p.replicas.empty(), "a partition has at least one replica");
  KS_ASSERT_MSG(all_distinct(p.replicas), "replicas are distinct");
  KS_ASSERT_MSG(all_distinct(p.isr), "ISR members are distinct");
  // Without ELR (KIP-966) Kafka never empties an ISR: the last member stays (see controller).
  KS_ASSERT_MSG(!p.isr.empty(), "the ISR is never empty");
  for (BrokerId id : p.isr) KS_ASSERT_MSG(p.replicas_contain(id), "ISR members are replicas");
  for (BrokerId id : p.eligible_leader_replicas) KS_ASSERT_MSG(p.replicas_contain(id), "ELR members are replicas");
  if (p.has_leader()) {
    KS_ASSERT_MSG(p.leader >= 0, "leader is a broker id or -1");
    KS_ASSERT_MSG(p.isr_contains(p.leader), "the leader is in the ISR");
    KS_ASSERT_MSG(is_unfenced(p.leader), "the leader is a registered, unfenced broker");
  }
  if (p.leader_recovery_state == LeaderRecoveryState::recovering) {
    // KIP-704: a leader elected uncleanly has an ISR of just itself until it has recovered.
    KS_ASSERT_MSG(p.isr.size() == 1, "a recovering partition has a one-member ISR");
  }
}

void MetadataImage::assert_leads_nothing(BrokerId id) const {
  for (const auto& [topic_id, t] : topics_) {
    for (const auto& [partition_id, p] : t.partitions) {
      KS_ASSERT_MSG(p.leader != id, "a fenced broker must not lead a partition");
    }
  }
}

// ---------------------------------------------------------------- snapshot

std::vector<MetadataRecord> MetadataImage::snapshot_records() const {
  std::vector<MetadataRecord> out;
  for (const auto& [name, level] : features_) out.push_back(FeatureLevelRecord{name, level});
  // ProducersImage.write: the next block start, with no broker (-1, -1).
  if (next_producer_id_ > 0) out.push_back(ProducerIdsRecord{-1, -1, next_producer_id_});
  for (const auto& [resource, entries] : configs_) {
    if (resource.type != ConfigResourceType::broker) continue;
    for (const auto& [key, value] : entries) out.push_back(config_record(resource, key, value));
  }
  for (const auto& [id, b] : brokers_) {
    RegisterBrokerRecord r;
    r.broker_id = b.id;
    r.incarnation_id = b.incarnation_id;
    r.broker_epoch = b.epoch;
    r.endpoints = b.endpoints;
    r.features = b.features;
    r.rack = b.rack;
    r.fenced = b.fenced;
    r.in_controlled_shutdown = b.in_controlled_shutdown;
    out.push_back(std::move(r));
  }
  // Topics in name order, so a snapshot reads like a listing.
  for (const auto& [name, topic_id] : topic_ids_by_name_) {
    const TopicImage& t = topics_.at(topic_id);
    out.push_back(TopicRecord{t.name, t.id});
    if (const auto it = configs_.find(ConfigResource{ConfigResourceType::topic, t.name}); it != configs_.end()) {
      for (const auto& [key, value] : it->second) out.push_back(config_record(it->first, key, value));
    }
    for (const auto& [partition_id, p] : t.partitions) out.push_back(record_from(t.id, partition_id, p));
  }
  // Configs of topics that do not exist (Kafka allows them); after the topics, harmlessly.
  for (const auto& [resource, entries] : configs_) {
    if (resource.type != ConfigResourceType::topic || topic_ids_by_name_.count(resource.name) != 0) continue;
    for (const auto& [key, value] : entries) out.push_back(config_record(resource, key, value));
  }
  return out;
}

MetadataImage MetadataImage::from_snapshot(const std::vector<MetadataRecord>& records) {
  MetadataImage image;
  for (const auto& record : records) image.apply(record);
  return image;
}

// ---------------------------------------------------------------- queries

const BrokerRegistration* MetadataImage::broker(BrokerId id) const {
  const auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

bool MetadataImage::is_unfenced(BrokerId id) const {
  const BrokerRegistration* b = broker(id);
  return b != nullptr && !b->fenced && !b->in_controlled_shutdown;
}

std::vector<BrokerId> MetadataImage::unfenced_brokers() const {
  std::vector<BrokerId> out;
  for (const auto& [id, b] : brokers_) {
    if (!b.fenced && !b.in_controlled_shutdown) out.push_back(id);
  }
  return out;  // std::map order: ascending ids
}

const TopicImage* MetadataImage::topic(const Uuid& topic_id) const {
  const auto it = topics_.find(topic_id);
  return it == topics_.end() ? nullptr : &it->second;
}

const TopicImage* MetadataImage::topic_by_name(std::string_view name) const {
  const auto it = topic_ids_by_name_.find(name);
  return it == topic_ids_by_name_.end() ? nullptr : topic(it->second);
}

const PartitionRegistration* MetadataImage::partition(const Uuid& topic_id, std::int32_t partition_id) const {
  const TopicImage* t = topic(topic_id);
  if (t == nullptr) return nullptr;
  const auto it = t->partitions.find(partition_id);
  return it == t->partitions.end() ? nullptr : &it->second;
}

const PartitionRegistration* MetadataImage::partition(std::string_view topic_name, std::int32_t partition_id) const {
  const TopicImage* t = topic_by_name(topic_name);
  return t == nullptr ? nullptr : partition(t->id, partition_id);
}

BrokerId MetadataImage::leader_of(std::string_view topic_name, std::int32_t partition_id) const {
  const PartitionRegistration* p = partition(topic_name, partition_id);
  return p == nullptr ? no_leader : p->leader;
}

std::vector<TopicIdPartition> MetadataImage::partitions_led_by(BrokerId id) const {
  std::vector<TopicIdPartition> out;
  for (const auto& [topic_id, t] : topics_) {
    for (const auto& [partition_id, p] : t.partitions) {
      if (p.leader == id) out.push_back({topic_id, partition_id});
    }
  }
  return out;
}

std::vector<TopicIdPartition> MetadataImage::partitions_with_isr_member(BrokerId id) const {
  std::vector<TopicIdPartition> out;
  for (const auto& [topic_id, t] : topics_) {
    for (const auto& [partition_id, p] : t.partitions) {
      if (p.isr_contains(id)) out.push_back({topic_id, partition_id});
    }
  }
  return out;
}

std::vector<TopicIdPartition> MetadataImage::leaderless_partitions() const {
  std::vector<TopicIdPartition> out;
  for (const auto& [topic_id, t] : topics_) {
    for (const auto& [partition_id, p] : t.partitions) {
      if (!p.has_leader()) out.push_back({topic_id, partition_id});
    }
  }
  return out;
}

std::optional<std::string> MetadataImage::config(ConfigResourceType type, std::string_view resource_name,
                                                 std::string_view key) const {
  const auto it = configs_.find(ConfigResource{type, std::string(resource_name)});
  if (it == configs_.end()) return std::nullopt;
  const auto entry = it->second.find(key);
  if (entry == it->second.end()) return std::nullopt;
  return entry->second;
}

std::string MetadataImage::config_or(ConfigResourceType type, std::string_view resource_name, std::string_view key,
                                     std::string_view fallback) const {
  return config(type, resource_name, key).value_or(std::string(fallback));
}

std::optional<std::string> MetadataImage::topic_config(std::string_view topic_name, std::string_view key) const {
  if (auto value = config(ConfigResourceType::topic, topic_name, key)) return value;
  return config(ConfigResourceType::broker, "", key);
}

std::optional<std::int16_t> MetadataImage::feature_level(std::string_view name) const {
  const auto it = features_.find(name);
  if (it == features_.end()) return std::nullopt;
  return it->second;
}

}  // namespace kraftsim::metadata
