// Consumer: a Kafka consumer without a group, reading every partition of one topic (assign()
// rather than subscribe()). With no committed offsets, each partition starts where
// auto.offset.reset says, found with ListOffsets: earliest (the log start), latest (the high
// watermark, Kafka's default) or none (the partition stops with an error). The same policy
// applies after OFFSET_OUT_OF_RANGE. It finds leaders with
// Metadata requests, fetches from each leader with the leader epoch it knows (KIP-320), checks
// every batch's CRC (check.crcs=true, Kafka's default) and decodes the records, skipping those
// below its position (a fetch returns whole batches).
//
// The broker parks a fetch with nothing to read for up to fetch.max.wait.ms (500), as Kafka's
// DelayedFetch does, so the consumer fetches again as soon as an answer comes.
// Groups, committed offsets and rebalancing come with the producer/consumer issue.
//
// Trace:
//   consumed        {topic, partition, from_offset, next_offset, records, digest}: one fetch's
//                   records; digest hashes (offset, value) of each (consumed_digest below)
//   consumer-corrupt {topic, partition, offset, error}: a batch failed its CRC or decoding; the
//                   partition stops, as Kafka's consumer throws CorruptRecordException
//   consumer-no-offset {topic, partition}: auto.offset.reset=none and no position: the partition
//                   stops, as Kafka's consumer throws NoOffsetForPartitionException
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/client/client_metadata.h"
#include "broker/env/env.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

// Folds one record into a consumed-records digest; checkers recompute it from the logs.
std::uint64_t consumed_digest(std::uint64_t digest, std::int64_t offset, std::string_view value);

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
};

class Consumer final : public env::Program {
 public:
  Consumer(env::Env& env, ConsumerConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;

  std::int64_t consumed_records() const { return consumed_records_; }

 private:
  struct PartitionState {
    std::optional<std::int64_t> position;  // the next offset to read; none until ListOffsets answers
    std::optional<std::uint64_t> in_flight;
    NodeId in_flight_to = no_node;
    env::TimerId timer;
    bool stopped = false;  // a corrupt batch: Kafka's consumer throws to the application
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

  env::Env& env_;
  ConsumerConfig config_;
  std::map<std::int32_t, PartitionState> partitions_;
  std::map<std::uint64_t, std::int32_t> fetches_;  // correlation id -> partition
  std::uint64_t next_correlation_ = 1;
  ClientMetadata metadata_;
  std::int64_t consumed_records_ = 0;
};

}  // namespace kraftsim::client
