// Unit tests of the pieces of partition replication (broker/replication) on their own: the
// in-memory ReplicaLog, Kafka's follower truncation rule, config validation, and one leader
// driven by hand through Kafka's "caught up as of the previous fetch" rule.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "base/time.h"
#include "broker/replication/config.h"
#include "broker/replication/errors.h"
#include "broker/replication/memory_replica_log.h"
#include "broker/replication/partition_replica.h"
#include "broker/replication/truncation.h"

namespace {

using namespace kraftsim;
using namespace kraftsim::replication;

Bytes bytes_of(const std::string& text) { return Bytes(text.begin(), text.end()); }

// A log with one batch of `count` records per (epoch, count) pair, written as each epoch's leader did.
MemoryReplicaLog log_with(const std::vector<std::pair<Epoch, int>>& batches) {
  MemoryReplicaLog log;
  for (const auto& [epoch, count] : batches) {
    REQUIRE(log.append_as_leader(Time::zero(), epoch, count, bytes_of("x")).error == ErrorCode::none);
  }
  return log;
}

ReplicationConfig config_for(NodeId id) {
  ReplicationConfig config;
  config.node_id = id;
  config.topic_partition = TopicPartition{"my-topic", 0};
  return config;
}

// ====================================================================== MemoryReplicaLog

TEST_CASE("MemoryReplicaLog keeps batches contiguous and its epoch cache in step", "[replication]") {
  MemoryReplicaLog log = log_with({{0, 2}, {0, 3}, {2, 2}, {5, 1}});  // offsets 0-1, 2-4, 5-6, 7
  CHECK(log.log_end_offset() == 8);
  CHECK(log.latest_epoch() == 5);

  SECTION("end_offset_for_epoch answers as Kafka's LeaderEpochFileCache.endOffsetFor") {
    CHECK(log.end_offset_for_epoch(0) == EpochEndOffset{0, 5});
    CHECK(log.end_offset_for_epoch(1) == EpochEndOffset{0, 5});  // the largest epoch <= 1
    CHECK(log.end_offset_for_epoch(2) == EpochEndOffset{2, 7});
    CHECK(log.end_offset_for_epoch(4) == EpochEndOffset{2, 7});
    CHECK(log.end_offset_for_epoch(5) == EpochEndOffset{5, 8});  // the latest ends at the log end
    CHECK(log.end_offset_for_epoch(6).undefined());              // above every known epoch
    CHECK(log.end_offset_for_epoch(undefined_epoch).undefined());
  }

  SECTION("truncation removes whole batches and the epochs that started in them") {
    CHECK(log.truncate_to(Time::zero(), 3) == 2);  // offset 3 is inside the batch 2-4
    CHECK(log.log_end_offset() == 2);
    CHECK(log.latest_epoch() == 0);
    CHECK(log.end_offset_for_epoch(0) == EpochEndOffset{0, 2});
    CHECK(log.end_offset_for_epoch(2).undefined());  // now above every known epoch
    CHECK(log.truncate_to(Time::zero(), 10) == 2);  // beyond the end: nothing
  }

  SECTION("a follower's append must start at the log end") {
    ReplicaBatch batch{8, 2, 6, bytes_of("y")};
    CHECK(log.append_as_follower(Time::zero(), batch));
    CHECK(log.log_end_offset() == 10);
    CHECK(log.latest_epoch() == 6);
    ReplicaBatch gap{11, 1, 6, bytes_of("z")};
    CHECK_FALSE(log.append_as_follower(Time::zero(), gap));
    ReplicaBatch overlap{9, 1, 6, bytes_of("z")};
    CHECK_FALSE(log.append_as_follower(Time::zero(), overlap));
    CHECK(log.log_end_offset() == 10);
  }

  SECTION("an epoch assigned at the log end with nothing written goes at the next truncation") {
    log.assign_epoch(Time::zero(), 7, 8);
    CHECK(log.latest_epoch() == 7);
    CHECK(log.truncate_to(Time::zero(), 8) == 8);
    CHECK(log.latest_epoch() == 5);
  }

  SECTION("reads return whole batches below the bound") {
    const auto batches = log.read(3, 7, 10);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].base_offset == 2);  // the batch holding offset 3
    CHECK(batches[1].base_offset == 5);
    CHECK(log.read(8, 8, 10).empty());
    CHECK(log.read(0, 8, 1).size() == 1);
  }

  SECTION("truncate_fully_and_start_at empties the log and its epochs") {
    log.truncate_fully_and_start_at(Time::zero(), 20);
    CHECK(log.log_start_offset() == 20);
    CHECK(log.log_end_offset() == 20);
    CHECK_FALSE(log.latest_epoch().has_value());
  }
}

// ====================================================================== decide_truncation

TEST_CASE("decide_truncation follows Kafka's getOffsetTruncationState", "[replication]") {
  // Follower: epoch 0 at 0-1, epoch 2 at 2-4 (log end 5).
  MemoryReplicaLog follower = log_with({{0, 2}, {2, 3}});
  const Offset high_watermark = 1;

  // Both know the answered epoch: the smaller of the two ends (KIP-101).
  CHECK(decide_truncation({2, 3}, follower, high_watermark) == TruncationDecision{3, true});
  CHECK(decide_truncation({2, 9}, follower, high_watermark) == TruncationDecision{5, true});
  CHECK(decide_truncation({0, 1}, follower, high_watermark) == TruncationDecision{1, true});
  CHECK(decide_truncation({0, 7}, follower, high_watermark) == TruncationDecision{2, true});
  // The leader answers epoch 1, unknown here: cut after our epoch 0 and ask again (KIP-279).
  CHECK(decide_truncation({1, 4}, follower, high_watermark) == TruncationDecision{2, false});
  // The leader knows no such epoch: back to the high watermark (Kafka's initial fetch offset).
  CHECK(decide_truncation(EpochEndOffset{}, follower, high_watermark) == TruncationDecision{1, true});
  // A pre-2.0 leader (no epoch in the answer): its offset.
  CHECK(decide_truncation({undefined_epoch, 4}, follower, high_watermark) == TruncationDecision{4, true});

  // A follower with no epochs takes the leader's offset.
  MemoryReplicaLog empty;
  CHECK(decide_truncation({3, 4}, empty, 0) == TruncationDecision{0, true});
}

// ====================================================================== config

TEST_CASE("validate_config names the bad setting", "[replication]") {
  ReplicationConfig config = config_for(1);
  CHECK_FALSE(validate_config(config).has_value());

  config.min_insync_replicas = 0;
  REQUIRE(validate_config(config).has_value());
  CHECK(validate_config(config)->find("min.insync.replicas") != std::string::npos);

  config = config_for(1);
  config.replica_socket_timeout = milliseconds(100);
  REQUIRE(validate_config(config).has_value());
  CHECK(validate_config(config)->find("replica.socket.timeout.ms") != std::string::npos);

  config = config_for(1);
  config.legacy_truncate_to_high_watermark = true;
  config.truncate_on_fetch = true;
  CHECK(validate_config(config).has_value());

  CHECK(to_string(ErrorCode::not_enough_replicas_after_append) == "NOT_ENOUGH_REPLICAS_AFTER_APPEND");
  CHECK(to_string(ErrorCode::fenced_leader_epoch) == "FENCED_LEADER_EPOCH");
}

// ====================================================================== caught-up rule

// A follower that keeps pace one batch behind is never at the leader's log end when it fetches,
// yet each fetch shows it had everything the leader had at its previous fetch
// (Replica.updateFetchStateOrThrow): it stays in the ISR.
TEST_CASE("a follower that keeps up one batch behind stays in the ISR", "[replication]") {
  ReplicationConfig config = config_for(1);
  config.replica_lag_time_max = seconds(10);
  MemoryReplicaLog log;
  Time now = Time::zero() + milliseconds(1);
  PartitionReplica leader(config, log, now, 0);
  leader.become_leader(now, 0, 0, {1, 2}, {1, 2});
  std::vector<AlterPartitionRequest> alter_requests;
  const auto collect = [&] {
    Output out = leader.take_output();
    for (const AlterPartitionRequest& r : out.alter_partition_requests) alter_requests.push_back(r);
  };
  collect();
  std::uint64_t request_id = 0;
  const auto fetch = [&](Offset offset) {
    FetchRequest request;
    request.request_id = ++request_id;
    request.replica_id = 2;
    request.fetch_offset = offset;
    request.current_leader_epoch = 0;
    leader.on_follower_fetch(now, request);  // max_wait 0: answered at once
    collect();
  };
  const auto run_timers_until = [&](Time until) {
    while (leader.next_deadline() <= until) {
      now = std::max(now, leader.next_deadline());
      leader.on_timer(now);
      collect();
    }
    now = until;
  };

  fetch(0);
  for (int k = 1; k <= 15; ++k) {
    run_timers_until(Time::zero() + seconds(4 * k));
    ProduceRequest produce;
    produce.request_id = static_cast<std::uint64_t>(k);
    produce.record_count = 1;
    produce.acks = Acks::leader;
    leader.on_produce(now, produce);
    collect();
    fetch(k - 1);  // it has everything but the batch just produced
    REQUIRE(leader.follower_progress(2)->log_end_offset == k - 1);
  }
  CHECK(alter_requests.empty());
  CHECK(leader.isr() == std::vector<NodeId>{1, 2});

  // Once it stops fetching, it leaves after replica.lag.time.max.ms.
  run_timers_until(now + seconds(20));
  REQUIRE(alter_requests.size() == 1);
  CHECK(alter_requests[0].new_isr == std::vector<NodeId>{1});
}

}  // namespace
