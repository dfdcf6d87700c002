// Consumer: a Kafka consumer of one topic, in one of two modes.
//  - Without group.id (assign()): it reads every partition of the topic. With no committed
//    offsets, each partition starts where auto.offset.reset says, found with ListOffsets:
//    earliest (the log start), latest (the high watermark, Kafka's default) or none (the
//    partition stops with an error). Each fetch's records are traced as consumed at once.
//  - With group.id (subscribe()): it is a member of the consumer group (ConsumerCoordinator,
//    consumer_coordinator.h), reads only the partitions assigned to it, starts each at its
//    committed offset (OffsetFetch; none -> auto.offset.reset) and runs the application's poll
//    loop: poll() returns up to max.poll.records buffered records (traced as consumed), the
//    application processes them (processing time per record), and only then does the position
//    that commits use advance. Auto-commit (enable.auto.commit, every auto.commit.interval.ms)
//    and the commit before a rebalance commit those processed positions, so a crash re-delivers
//    what was processed after the last commit (at-least-once). The kraftsim switch
//    commit-before-processing commits the polled positions before processing instead, so a crash
//    skips the batch being processed (at-most-once). commit-after-processing is the explicit
//    commitSync() after each processed poll with auto-commit off: a crash re-delivers at most the
//    batch being processed.
// The same policy applies after OFFSET_OUT_OF_RANGE. It finds leaders with Metadata requests,
// fetches from each leader with the leader epoch it knows (KIP-320), checks every batch's CRC
// (check.crcs=true, Kafka's default) and decodes the records, skipping those below its position
// (a fetch returns whole batches). The broker parks a fetch until fetch.min.bytes are readable
// or fetch.max.wait.ms passes, as Kafka's DelayedFetch does; in group mode a partition is
// fetched again once poll has drained what was buffered for it.
//
// Trace:
//   consumed        {topic, partition, from_offset, next_offset, records, digest[, group, member,
//                   generation]}: one fetch's records (assign mode) or one poll's records of a
//                   partition (group mode); digest hashes (offset, value) of each (consumed_digest)
//   consumer-corrupt {topic, partition, offset, error}: a batch failed its CRC or decoding; the
//                   partition stops, as Kafka's consumer throws CorruptRecordException
//   consumer-no-offset {topic, partition}: auto.offset.reset=none and no position: the partition
//                   stops, as Kafka's consumer throws NoOffsetForPartitionException
//   consumer-position {topic, partition, offset, reset}: where a partition starts (reset is
//                   earliest, latest or committed)
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/client/client_metadata.h"
#include "broker/client/consumer_coordinator.h"
#include "broker/env/env.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

// Folds one record, by its offset and the record_value_hash of its value, into a consumed-records
// digest; checkers recompute it from the logs (which keep values' hashes, not their text).
std::uint64_t consumed_digest(std::uint64_t digest, std::int64_t offset, std::uint64_t value_hash);

enum class OffsetReset { earliest, latest, none };

struct ConsumerConfig {
  std::vector<NodeId> bootstrap_servers;
  std::string topic;
  OffsetReset auto_offset_reset = OffsetReset::latest;  // auto.offset.reset (Kafka's default)
  Duration start_delay = milliseconds(8000);
  Duration fetch_max_wait = milliseconds(500);     // fetch.max.wait.ms
  std::int32_t max_partition_fetch_bytes = 1048576;  // max.partition.fetch.bytes
  Duration request_timeout = milliseconds(30000);  // request.timeout.ms
  Duration retry_backoff = milliseconds(100);      // retry.backoff.ms
  std::int32_t fetch_min_bytes = 1;                // fetch.min.bytes
  // Group mode (subscribe()) when set: group.id and the group settings.
  std::optional<GroupConfig> group;
  std::int32_t max_poll_records = 500;          // max.poll.records
  Duration processing_time_per_record;          // the application's work per record (kraftsim)
  bool commit_before_processing = false;        // kraftsim: commitAsync of the polled positions first
  bool commit_after_processing = false;         // kraftsim: commitSync of the processed positions after each poll
};

// How long the application's poll waits for records (its poll(Duration) argument).
inline constexpr Duration consumer_poll_timeout = milliseconds(100);
// Records a partition buffers between polls: one fetch's worth (max.partition.fetch.bytes).
inline constexpr std::size_t buffered_records_max = 1 << 20;

class Consumer final : public env::Program {
 public:
  Consumer(env::Env& env, ConsumerConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;
  // Graceful shutdown: close() commits (auto-commit) and leaves the group.
  void on_shutdown_requested(env::Env& env) override;

  std::int64_t consumed_records() const { return consumed_records_; }

 private:
  struct PartitionState {
    std::optional<std::int64_t> position;  // the next offset to read; none until ListOffsets answers
    std::optional<std::uint64_t> in_flight;
    NodeId in_flight_to = no_node;
    env::TimerId timer;
    bool stopped = false;  // a corrupt batch: Kafka's consumer throws to the application
    // Group mode: fetched records poll has not returned yet (offset, value), and the position
    // after the last processed record (what commits carry).
    std::deque<std::pair<std::int64_t, std::uint64_t>> buffered;  // offset, record_value_hash(value)
    std::optional<std::int64_t> processed;
  };

  void on_metadata();
  void fetch(std::int32_t partition);
  void fetch_later(std::int32_t partition, Duration after);
  // The partition whose request this answers, its in-flight state cleared; nullopt for an
  // answer nobody waits for any more.
  std::optional<std::int32_t> take_in_flight(std::uint64_t correlation_id);
  void on_fetch_response(std::uint64_t correlation_id, const protocol::FetchResponse& response);
  void on_list_offsets_response(std::uint64_t correlation_id, const protocol::ListOffsetsResponse& response);
  // auto.offset.reset=none: the partition stops (NoOffsetForPartitionException).
  void no_offset(std::int32_t partition);
  // The position is known (committed, or reset by ListOffsets).
  void set_start_position(std::int32_t partition, std::int64_t offset, const char* reset);

  // ---- group mode ----
  bool group_mode() const { return coordinator_ != nullptr; }
  void poll();
  void on_processed();
  void on_assigned(const std::map<std::int32_t, std::optional<std::int64_t>>& owned);
  void on_revoked(const std::vector<std::int32_t>& partitions);
  std::map<std::int32_t, std::int64_t> committable() const;

  env::Env& env_;
  ConsumerConfig config_;
  std::map<std::int32_t, PartitionState> partitions_;
  std::map<std::uint64_t, std::int32_t> fetches_;  // correlation id -> partition
  std::uint64_t next_correlation_ = 1;
  ClientMetadata metadata_;
  std::int64_t consumed_records_ = 0;
  std::int64_t polls_ = 0;  // non-empty polls, numbered for the history
  std::unique_ptr<ConsumerCoordinator> coordinator_;  // group mode only
  env::TimerId poll_timer_;
  bool processing_ = false;
  bool waiting_for_records_ = false;
  std::size_t next_poll_partition_ = 0;
  std::vector<std::pair<std::int32_t, std::int64_t>> processing_batch_;  // (partition, next offset)
};

}  // namespace kraftsim::client
