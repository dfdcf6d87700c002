// Configuration of one partition replica (Kafka's broker `replica.*` keys and the topic's
// `min.insync.replicas`), the hard limits of the replication core, and the switches that bring
// back historical Kafka behaviours for teaching and for proving the checkers can fail.
//
// Defaults are Kafka's; scenarios may shrink the timeouts to keep runs short. A bad config is a
// user error: validate_config() returns a message, the core then asserts it got a valid one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/time.h"
#include "broker/replication/types.h"

namespace kraftsim::replication {

// Limits on everything (TigerBeetle style). The core asserts them; drivers keep within them.
inline constexpr std::size_t replicas_max = 64;  // replication factor (Kafka has no cap; 64 is a runaway)
// acks=all produce requests waiting in the purgatory of one partition. Producers bound their
// in-flight requests (max.in.flight.requests.per.connection, default 5), so this is a runaway.
inline constexpr std::size_t produce_purgatory_max = 64 * 1024;
// Rounds of OffsetsForLeaderEpoch (or DivergingEpoch) truncation for one leader epoch. Each
// round strictly lowers the follower's latest epoch (KIP-279), so the epoch cache bounds it.
inline constexpr int truncation_rounds_max = 1024;
// Records in one produce batch (Kafka bounds a batch by bytes, message.max.bytes; this is a runaway).
inline constexpr std::int32_t batch_records_max = 1 << 20;

struct ReplicationConfig {
  NodeId node_id = no_node;            // node.id of this broker
  TopicPartition topic_partition;      // for AlterPartition requests and traces

  // replica.lag.time.max.ms: a follower that has not caught up to the leader's log end for
  // longer than this leaves the ISR.
  Duration replica_lag_time_max = milliseconds(30000);
  // replica.fetch.wait.max.ms: how long the leader holds a follower's Fetch with nothing to return.
  Duration replica_fetch_wait_max = milliseconds(500);
  // replica.fetch.backoff.ms: a follower's pause after a failed Fetch or OffsetsForLeaderEpoch.
  Duration replica_fetch_backoff = milliseconds(1000);
  // replica.socket.timeout.ms: a follower gives up on an unanswered request after this.
  Duration replica_socket_timeout = milliseconds(30000);
  // min.insync.replicas (topic config, default 1): acks=all needs an ISR at least this large,
  // capped at the replication factor (Partition.effectiveMinIsr).
  int min_insync_replicas = 1;

  // --- Protocol generations (all default to the behaviour this project documents) ---
  // Kafka 2.7+ (KIP-595-style truncation in Fetch, IBP >= 2.7): a follower that has a leader
  // epoch fetches at once with lastFetchedEpoch and truncates on the DivergingEpoch the leader
  // answers. Off: KIP-101/KIP-279 (Kafka 0.11-2.6): a new follower first asks
  // OffsetsForLeaderEpoch, truncates, and only then fetches (without lastFetchedEpoch).
  bool truncate_on_fetch = false;

  // --- Legacy switches (teaching and tests only; each re-creates a known data-loss bug) ---
  // Pre-KIP-101 (Kafka < 0.11): a new follower truncates its log to its own high watermark and
  // fetches from there, never comparing leader epochs. Loses acknowledged records when the
  // follower's high watermark is stale and it becomes leader (KIP-101 scenario 1) and lets
  // replicas diverge after a double power loss (scenario 2).
  bool legacy_truncate_to_high_watermark = false;
  // Pre-KIP-966 (Kafka < 3.7): the leader advances the high watermark even while the ISR is
  // smaller than min.insync.replicas, so records only the leader holds count as committed (and
  // a waiting acks=all request gets NOT_ENOUGH_REPLICAS_AFTER_APPEND instead of waiting).
  bool legacy_advance_high_watermark_below_min_isr = false;

  // --- Test-only mutation (kraftsim.test.leader.hw.may.decrease): breaks the protocol on purpose,
  // for partition-hw-monotonic to catch. The leader's high watermark is the smallest log end over
  // the maximal ISR AND every other replica that has fetched in this leadership (a lagging one
  // outside the ISR too), and it is set even when that is lower: Partition.maybeIncrementLeaderHW
  // without its two rules (ISR members only, forward only). A replica that comes back with a
  // shorter log (a power loss) pulls the high watermark down below records already committed. ---
  bool test_only_leader_high_watermark_may_decrease = false;
  // The other side of the controller's test-only mutation kraftsim.test.partition.leader.epoch.not.bumped
  // (metadata::MetadataImage): the image names another leader in the same leader epoch, which the
  // replica otherwise refuses as impossible. With it, the replica follows the new leader as if the
  // epoch were new, which is what lets two leaders of one epoch show their consequences.
  bool test_only_leader_epoch_not_bumped = false;
};

// Returns a message naming the bad setting, or nullopt when the config is usable.
std::optional<std::string> validate_config(const ReplicationConfig& config);

}  // namespace kraftsim::replication
