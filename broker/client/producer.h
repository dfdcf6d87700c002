// Producer: a Kafka producer as a program on its own node, with the parts of KafkaProducer that
// decide what a broker failure does to a write: Metadata requests to find partition leaders;
// records numbered 0, 1, 2, ... with value "value-<n>" (and key "key-<n mod keys>" when keyed);
// the default partitioner (murmur2 of the key, sticky for keyless records); one batch in flight
// per partition (max.in.flight.requests.per.connection=1), the records that arrive meanwhile
// accumulating into the next batch (up to batch.size); the producer's compression.type; acks 0,
// 1 or all; retries of retriable errors after retry.backoff.ms until delivery.timeout.ms, with
// a metadata refresh when the leader moved; request.timeout.ms per request.
//
// Every outcome goes to the trace, so checkers can hold the cluster to it:
//   produce-acked   {topic, partition, base_offset, records, first_seq, acks}  (acks 1 / all)
//   produce-sent    {topic, partition, records, first_seq}                     (acks=0: no answer)
//   produce-error   {topic, partition, error, first_seq, attempt}              (each failed attempt)
//   produce-failed  {topic, partition, error, first_seq, records}              (given up)
//
// Not yet here (the producer/consumer issue adds them): linger.ms, more than one request in
// flight, idempotence and transactions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "broker/client/client_metadata.h"
#include "broker/client/partitioner.h"
#include "broker/env/env.h"
#include "broker/log/compression.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

// A limit on records waiting in the producer (Kafka bounds it by buffer.memory, 32 MiB).
inline constexpr std::size_t producer_queued_records_max = 1 << 20;

struct ProducerConfig {
  std::vector<NodeId> bootstrap_servers;  // broker ids
  std::string topic;
  replication::Acks acks = replication::Acks::all;  // Kafka 3.0+ default
  log::Compression compression = log::Compression::none;
  std::int64_t batch_size_bytes = 16384;  // batch.size
  Duration start_delay = milliseconds(8000);
  std::int64_t records_per_s = 100;
  std::int64_t records_max = 1000;
  std::int64_t value_bytes = 16;        // value padded to this size
  std::int32_t key_count = 0;           // 0: keyless records (sticky partitioning)
  Duration request_timeout = milliseconds(30000);    // request.timeout.ms
  Duration delivery_timeout = milliseconds(120000);  // delivery.timeout.ms
  Duration retry_backoff = milliseconds(100);        // retry.backoff.ms
};

// "value-<seq>" padded with '.' to value_bytes; checkers decode records with it.
std::string producer_value(std::int64_t seq, std::int64_t value_bytes);

class Producer final : public env::Program {
 public:
  Producer(env::Env& env, ProducerConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;

  std::int64_t acked_records() const { return acked_records_; }
  std::int64_t failed_records() const { return failed_records_; }

 private:
  struct Pending {
    std::int64_t seq = 0;
    std::int64_t created_us = 0;
  };
  struct InFlight {
    std::int64_t first_seq = 0;
    std::int32_t count = 0;
    std::int64_t created_us = 0;  // of the oldest record: delivery.timeout.ms counts from it
    log::Bytes payload;
    int attempt = 0;
    std::uint64_t correlation_id = 0;  // 0: waiting for a retry
    NodeId to = no_node;
    env::TimerId timeout;
  };
  struct PartitionState {
    std::vector<Pending> queue;
    std::optional<InFlight> in_flight;
  };

  void on_metadata();
  void on_produce_response(std::uint64_t correlation_id, const protocol::ProduceResponse& response);
  void on_generate();
  std::int32_t partition_for(const Pending& record);
  void maybe_send(std::int32_t partition);
  void send_in_flight(std::int32_t partition);
  void attempt_failed(std::int32_t partition, replication::ErrorCode error);
  log::Bytes build_batch(const std::vector<Pending>& records) const;

  env::Env& env_;
  ProducerConfig config_;
  StickyPartitioner sticky_;
  std::uint64_t next_correlation_ = 1;
  ClientMetadata metadata_;
  std::map<std::int32_t, PartitionState> partitions_;
  std::vector<Pending> unassigned_;  // generated before the first metadata answer
  std::int64_t next_seq_ = 0;
  std::map<std::uint64_t, std::int32_t> produce_correlations_;  // correlation id -> partition
  std::int64_t acked_records_ = 0;
  std::int64_t failed_records_ = 0;
};

}  // namespace kraftsim::client
