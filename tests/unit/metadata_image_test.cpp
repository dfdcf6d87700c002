// MetadataImage (broker/metadata/image.h): replaying records builds the brokers, topics,
// partitions and configs; partition epochs follow Kafka's rules; a snapshot recreates the image.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "broker/metadata/image.h"

using namespace kraftsim;
using namespace kraftsim::metadata;

namespace {

Uuid id_of(std::uint8_t n) {
  Uuid u{};
  u[0] = 0x42;
  u[15] = n;
  return u;
}

RegisterBrokerRecord registration(BrokerId id, std::int64_t epoch) {
  RegisterBrokerRecord r;
  r.broker_id = id;
  r.incarnation_id = id_of(static_cast<std::uint8_t>(100 + id));
  r.broker_epoch = epoch;
  r.endpoints.push_back(BrokerEndpoint{"PLAINTEXT", "broker-" + std::to_string(id), 9092, 0});
  return r;
}

PartitionRecord partition(const Uuid& topic, std::int32_t index, std::vector<BrokerId> replicas, BrokerId leader) {
  PartitionRecord r;
  r.partition_id = index;
  r.topic_id = topic;
  r.isr = replicas;
  r.replicas = std::move(replicas);
  r.leader = leader;
  r.leader_epoch = 0;
  r.partition_epoch = 0;
  return r;
}

// Three unfenced brokers and topic "orders" with two partitions: replicas [1,2,3] led by 1 and
// [2,3,1] led by 2.
MetadataImage three_brokers_one_topic() {
  MetadataImage image;
  image.apply(FeatureLevelRecord{"metadata.version", 25});
  for (BrokerId id : {1, 2, 3}) {
    image.apply(registration(id, 10 + id));
    image.apply(UnfenceBrokerRecord{id, 10 + id});
  }
  image.apply(TopicRecord{"orders", id_of(1)});
  image.apply(ConfigRecord{ConfigResourceType::topic, "orders", "min.insync.replicas", "2"});
  image.apply(partition(id_of(1), 0, {1, 2, 3}, 1));
  image.apply(partition(id_of(1), 1, {2, 3, 1}, 2));
  return image;
}

}  // namespace

TEST_CASE("replaying records builds brokers, topics, partitions and configs", "[metadata]") {
  const MetadataImage image = three_brokers_one_topic();
  REQUIRE(image.brokers().size() == 3);
  REQUIRE(image.broker(2)->epoch == 12);
  REQUIRE(image.broker(2)->endpoints.front().host == "broker-2");
  REQUIRE(image.unfenced_brokers() == std::vector<BrokerId>{1, 2, 3});
  REQUIRE(image.topic_by_name("orders")->id == id_of(1));
  REQUIRE(image.topic(id_of(1))->name == "orders");
  REQUIRE(image.leader_of("orders", 0) == 1);
  REQUIRE(image.leader_of("orders", 1) == 2);
  REQUIRE(image.leader_of("orders", 7) == no_leader);
  REQUIRE(image.leader_of("nope", 0) == no_leader);
  REQUIRE(image.partitions_led_by(2) == std::vector<TopicIdPartition>{{id_of(1), 1}});
  REQUIRE(image.partitions_with_isr_member(3).size() == 2);
  REQUIRE(image.partition_count() == 2);
  REQUIRE(image.feature_level("metadata.version") == std::optional<std::int16_t>(25));
  REQUIRE(image.config(ConfigResourceType::topic, "orders", "min.insync.replicas") == std::optional<std::string>("2"));
  REQUIRE(image.config_or(ConfigResourceType::topic, "orders", "retention.ms", "604800000") == "604800000");
}

TEST_CASE("fenced brokers leave the unfenced list, which stays sorted", "[metadata]") {
  MetadataImage image;
  for (BrokerId id : {5, 1, 3}) image.apply(registration(id, 20 + id));
  REQUIRE(image.unfenced_brokers().empty());  // a new registration starts fenced
  image.apply(UnfenceBrokerRecord{5, 25});
  image.apply(UnfenceBrokerRecord{1, 21});
  REQUIRE(image.unfenced_brokers() == std::vector<BrokerId>{1, 5});
  image.apply(FenceBrokerRecord{5, 25});
  REQUIRE(image.unfenced_brokers() == std::vector<BrokerId>{1});
  REQUIRE_FALSE(image.is_unfenced(3));
  REQUIRE_FALSE(image.is_unfenced(99));
}

TEST_CASE("a leader change bumps the leader epoch, every change bumps the partition epoch", "[metadata]") {
  MetadataImage image = three_brokers_one_topic();

  PartitionChangeRecord shrink;  // ISR only: leader epoch unchanged
  shrink.topic_id = id_of(1);
  shrink.partition_id = 0;
  shrink.isr = std::vector<BrokerId>{1, 2};
  image.apply(shrink);
  REQUIRE(image.partition(id_of(1), 0)->leader_epoch == 0);
  REQUIRE(image.partition(id_of(1), 0)->partition_epoch == 1);
  REQUIRE(image.partition(id_of(1), 0)->isr == std::vector<BrokerId>{1, 2});

  PartitionChangeRecord new_leader;  // leader and ISR: both epochs move
  new_leader.topic_id = id_of(1);
  new_leader.partition_id = 0;
  new_leader.leader = 2;
  new_leader.isr = std::vector<BrokerId>{2};
  image.apply(new_leader);
  REQUIRE(image.leader_of("orders", 0) == 2);
  REQUIRE(image.partition(id_of(1), 0)->leader_epoch == 1);
  REQUIRE(image.partition(id_of(1), 0)->partition_epoch == 2);

  PartitionChangeRecord no_leader_now;
  no_leader_now.topic_id = id_of(1);
  no_leader_now.partition_id = 0;
  no_leader_now.leader = no_leader;
  image.apply(no_leader_now);
  REQUIRE(image.leader_of("orders", 0) == no_leader);
  REQUIRE(image.partition(id_of(1), 0)->leader_epoch == 2);
  REQUIRE(image.partition(id_of(1), 0)->isr == std::vector<BrokerId>{2});  // the last member stays
  REQUIRE(image.leaderless_partitions() == std::vector<TopicIdPartition>{{id_of(1), 0}});
}

TEST_CASE("topic configs override the cluster default, null deletes, removing a topic drops its configs",
          "[metadata]") {
  MetadataImage image = three_brokers_one_topic();
  image.apply(ConfigRecord{ConfigResourceType::broker, "", "unclean.leader.election.enable", "true"});
  REQUIRE(image.topic_config("orders", "unclean.leader.election.enable") == std::optional<std::string>("true"));
  image.apply(ConfigRecord{ConfigResourceType::topic, "orders", "unclean.leader.election.enable", "false"});
  REQUIRE(image.topic_config("orders", "unclean.leader.election.enable") == std::optional<std::string>("false"));
  image.apply(ConfigRecord{ConfigResourceType::topic, "orders", "unclean.leader.election.enable", std::nullopt});
  REQUIRE(image.topic_config("orders", "unclean.leader.election.enable") == std::optional<std::string>("true"));
  REQUIRE_FALSE(image.topic_config("orders", "segment.bytes").has_value());

  image.apply(RemoveTopicRecord{id_of(1)});
  REQUIRE(image.topic_by_name("orders") == nullptr);
  REQUIRE(image.partition_count() == 0);
  REQUIRE_FALSE(image.config(ConfigResourceType::topic, "orders", "min.insync.replicas").has_value());
  // The name is free again.
  image.apply(TopicRecord{"orders", id_of(2)});
  REQUIRE(image.topic_by_name("orders")->id == id_of(2));
}

TEST_CASE("a snapshot recreates the image exactly", "[metadata]") {
  MetadataImage image = three_brokers_one_topic();
  image.apply(registration(4, 40));  // registered, still fenced
  image.apply(ConfigRecord{ConfigResourceType::broker, "", "min.insync.replicas", "2"});
  image.apply(ConfigRecord{ConfigResourceType::broker, "2", "log.retention.ms", "1000"});
  image.apply(ConfigRecord{ConfigResourceType::topic, "not-yet-created", "retention.ms", "5"});
  image.apply(TopicRecord{"audit", id_of(9)});
  PartitionRecord p = partition(id_of(9), 0, {3, 1}, 3);
  p.eligible_leader_replicas = {1};
  image.apply(p);
  PartitionChangeRecord change;
  change.topic_id = id_of(9);
  change.partition_id = 0;
  change.leader = 1;
  change.isr = std::vector<BrokerId>{1};
  change.leader_recovery_state = LeaderRecoveryState::recovering;
  image.apply(change);
  image.apply(FenceBrokerRecord{3, 13});

  const std::vector<MetadataRecord> snapshot = image.snapshot_records();
  const MetadataImage loaded = MetadataImage::from_snapshot(snapshot);
  REQUIRE(loaded == image);
  REQUIRE(loaded.partition(id_of(9), 0)->leader_epoch == 1);
  REQUIRE(loaded.partition(id_of(9), 0)->partition_epoch == 1);
  REQUIRE(loaded.partition(id_of(9), 0)->leader_recovery_state == LeaderRecoveryState::recovering);
  REQUIRE_FALSE(loaded.is_unfenced(3));

  // Through the codec too, as a snapshot file would carry it.
  MetadataImage decoded;
  for (const auto& record : snapshot) decoded.apply(*decode_record(encode_record(record)));
  REQUIRE(decoded == image);
  // Fixed order: features first, then configs, then brokers, then topics.
  REQUIRE(std::holds_alternative<FeatureLevelRecord>(snapshot.front()));

  // A different image gives a different snapshot.
  MetadataImage other = image;
  other.apply(ConfigRecord{ConfigResourceType::topic, "audit", "retention.ms", "1"});
  REQUIRE_FALSE(MetadataImage::from_snapshot(other.snapshot_records()) == image);
}
