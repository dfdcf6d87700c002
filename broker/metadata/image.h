// MetadataImage: the cluster metadata as of some log offset, built by replaying metadata records
// (records.h) in log order: broker registrations, topics (name <-> id), partitions (replicas,
// ISR, leader, epochs, ELR), configs (cluster / broker / topic) and finalized features. Every
// node keeps one: brokers act on it, the active controller decides from it (Kafka's
// MetadataImage / MetadataDelta, and the controller's replay() methods).
//
// apply() asserts the invariants kraftsim's own controller guarantees (a broken one is a bug in
// kraftsim, not a user error): a PartitionRecord names an existing topic, the ISR is a non-empty
// subset of the replicas, a leader is an ISR member and a registered unfenced broker, epochs
// only grow, a fenced broker leads nothing. The image can write itself out as the list of
// records that recreates it (a metadata snapshot) and be rebuilt from such a list.
//
// Plain data: no I/O, no clock; iteration follows std::map order, so it is deterministic.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/metadata/records.h"

namespace kraftsim::metadata {

// Kafka's BrokerRegistration.
struct BrokerRegistration {
  BrokerId id = -1;
  Uuid incarnation_id{};
  std::int64_t epoch = -1;  // == the offset of its RegisterBrokerRecord
  bool fenced = true;
  bool in_controlled_shutdown = false;
  std::vector<BrokerEndpoint> endpoints;
  std::vector<BrokerFeature> features;
  std::optional<std::string> rack;
  bool operator==(const BrokerRegistration&) const = default;
};

// Kafka's PartitionRegistration.
struct PartitionRegistration {
  std::vector<BrokerId> replicas;  // preferred order; replicas[0] is the preferred leader
  std::vector<BrokerId> isr;
  std::vector<BrokerId> removing_replicas;
  std::vector<BrokerId> adding_replicas;
  BrokerId leader = no_leader;
  LeaderRecoveryState leader_recovery_state = LeaderRecoveryState::recovered;
  std::int32_t leader_epoch = 0;     // bumps when the leader changes
  std::int32_t partition_epoch = 0;  // bumps on every change
  std::vector<BrokerId> eligible_leader_replicas;  // KIP-966
  std::vector<BrokerId> last_known_elr;            // KIP-966
  bool has_leader() const { return leader != no_leader; }
  bool isr_contains(BrokerId id) const;
  bool replicas_contain(BrokerId id) const;
  bool operator==(const PartitionRegistration&) const = default;
};

struct TopicImage {
  std::string name;
  Uuid id{};
  std::map<std::int32_t, PartitionRegistration> partitions;
  bool operator==(const TopicImage&) const = default;
};

struct TopicIdPartition {
  Uuid topic_id{};
  std::int32_t partition = -1;
  auto operator<=>(const TopicIdPartition&) const = default;
};

struct ConfigResource {
  ConfigResourceType type = ConfigResourceType::topic;
  std::string name;  // topic name, broker id as text, or "" for the cluster default
  auto operator<=>(const ConfigResource&) const = default;
};

using ConfigMap = std::map<std::string, std::string, std::less<>>;

class MetadataImage {
 public:
  // Replays one record. Records must come in log order (or snapshot order, see
  // snapshot_records()).
  void apply(const MetadataRecord& record);

  // The records that recreate this image when applied to an empty one, in a fixed order:
  // features, cluster and broker configs, broker registrations, then per topic its TopicRecord,
  // ConfigRecords and PartitionRecords (Kafka's image writers do the same per image part).
  std::vector<MetadataRecord> snapshot_records() const;
  static MetadataImage from_snapshot(const std::vector<MetadataRecord>& records);

  // ---- Brokers ----
  const std::map<BrokerId, BrokerRegistration>& brokers() const { return brokers_; }
  const BrokerRegistration* broker(BrokerId id) const;
  // Registered, not fenced and not in controlled shutdown: Kafka's ClusterControlManager.isActive,
  // the test for "may lead or join an ISR".
  bool is_unfenced(BrokerId id) const;
  std::vector<BrokerId> unfenced_brokers() const;  // ascending ids

  // ---- Topics and partitions ----
  const std::map<Uuid, TopicImage>& topics() const { return topics_; }
  const TopicImage* topic(const Uuid& topic_id) const;
  const TopicImage* topic_by_name(std::string_view name) const;
  const PartitionRegistration* partition(const Uuid& topic_id, std::int32_t partition) const;
  const PartitionRegistration* partition(std::string_view topic_name, std::int32_t partition) const;
  // no_leader when the partition has no leader or does not exist.
  BrokerId leader_of(std::string_view topic_name, std::int32_t partition) const;
  std::vector<TopicIdPartition> partitions_led_by(BrokerId id) const;       // sorted
  std::vector<TopicIdPartition> partitions_with_isr_member(BrokerId id) const;  // sorted
  std::vector<TopicIdPartition> leaderless_partitions() const;              // sorted
  std::size_t topic_count() const { return topics_.size(); }
  std::size_t partition_count() const { return partition_count_; }

  // ---- Configs ----
  std::optional<std::string> config(ConfigResourceType type, std::string_view resource_name,
                                    std::string_view key) const;
  std::string config_or(ConfigResourceType type, std::string_view resource_name, std::string_view key,
                        std::string_view fallback) const;
  // A topic's effective dynamic value: the topic's own config, else the cluster-wide default
  // (BROKER resource ""); nullopt means "use the static default".
  std::optional<std::string> topic_config(std::string_view topic_name, std::string_view key) const;
  const std::map<ConfigResource, ConfigMap>& configs() const { return configs_; }

  // ---- Producer ids (KIP-730) ----
  // Where the next block of producer ids starts (0 before any was handed out).
  std::int64_t next_producer_id() const { return next_producer_id_; }

  // ---- Features ----
  std::optional<std::int16_t> feature_level(std::string_view name) const;
  const std::map<std::string, std::int16_t, std::less<>>& features() const { return features_; }

  // Test-only mutation (the config key kraftsim.test.partition.leader.epoch.not.bumped, on every
  // node): a PartitionChangeRecord that names another leader keeps the leader epoch, where
  // Kafka's PartitionRegistration.merge always bumps it. Two brokers then lead one partition in
  // the same epoch and KIP-101/KIP-320 cannot tell them apart (single-partition-leader-per-epoch
  // reports it). Not part of the image's contents: from_snapshot() leaves it off.
  void set_test_only_leader_epoch_not_bumped(bool on) { test_only_leader_epoch_not_bumped_ = on; }

  bool operator==(const MetadataImage&) const = default;

 private:
  void on_register_broker(const RegisterBrokerRecord& record);
  void on_topic(const TopicRecord& record);
  void on_partition(const PartitionRecord& record);
  void on_config(const ConfigRecord& record);
  void on_partition_change(const PartitionChangeRecord& record);
  void on_fence_broker(const FenceBrokerRecord& record);
  void on_unfence_broker(const UnfenceBrokerRecord& record);
  void on_remove_topic(const RemoveTopicRecord& record);
  void on_feature_level(const FeatureLevelRecord& record);
  void on_producer_ids(const ProducerIdsRecord& record);

  TopicImage& topic_or_die(const Uuid& topic_id);
  void assert_partition_valid(const PartitionRegistration& partition) const;
  void assert_leads_nothing(BrokerId id) const;

  std::map<BrokerId, BrokerRegistration> brokers_;
  std::map<Uuid, TopicImage> topics_;
  std::map<std::string, Uuid, std::less<>> topic_ids_by_name_;
  std::map<ConfigResource, ConfigMap> configs_;
  std::map<std::string, std::int16_t, std::less<>> features_;
  std::size_t partition_count_ = 0;
  std::int64_t next_producer_id_ = 0;
  bool test_only_leader_epoch_not_bumped_ = false;
};

}  // namespace kraftsim::metadata
