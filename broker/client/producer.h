// Producer: a Kafka producer as a program on its own node, with the parts of KafkaProducer that
// decide what batching and broker failures do to writes:
//  - Metadata requests to find partition leaders (ClientMetadata);
//  - the default partitioner: murmur2 of the key ("key-<n mod keys>" for the n-th record), sticky
//    for keyless records (KIP-480/794);
//  - a record accumulator per partition (RecordAccumulator): records join the open batch until it
//    holds batch.size bytes; a batch is sendable when full, when another batch waits behind it,
//    or linger.ms after it was opened;
//  - a sender that sends sendable batches to their leaders, at most
//    max.in.flight.requests.per.connection requests in flight per broker; with more than one, a
//    retried batch can overtake (Kafka's ordering caveat without idempotence);
//  - acks 0, 1 or all; compression.type; retries of retriable errors after retry.backoff.ms until
//    delivery.timeout.ms or `retries` attempts (the batch goes back to the front of its
//    partition's queue); a metadata refresh when the leader moved; request.timeout.ms per request;
//  - buffer.memory: records waiting or in flight hold memory; a send that does not fit blocks the
//    application (no further records are generated) until memory frees up, and fails with
//    Kafka's TimeoutException after max.block.ms;
//  - enable.idempotence (KIP-98, Kafka 3.0+'s default): before its first batch the producer asks
//    any broker for a producer id (InitProducerId); every batch carries the id, the epoch and the
//    sequence of its first record, numbered per partition from 0 when the batch is first sent.
//    Retried batches go back in sequence order and keep their epoch and sequence, so the leader
//    sees them in order and answers a duplicate (appended before, answer lost) with its original
//    offsets. The sender's rules are Kafka's (RecordAccumulator.shouldStopDrainBatchesForPartition):
//    a retried batch goes only when it is the partition's lowest unresolved sequence, and a new
//    batch waits while the partition's sequence is unresolved or an older epoch's batches are
//    outstanding. A request that times out closes the connection and fails every request in
//    flight on it (NetworkClient), so they come back in order.
//    KIP-360 (TransactionManager, Kafka 2.5+): OUT_OF_ORDER_SEQUENCE_NUMBER for a batch that is
//    not the next expected one is retried; for the next expected one (the broker lost or never
//    had the producer's state) the producer bumps its epoch, renumbers that partition's
//    outstanding batches from 0 and retries. A batch that fails for good with an unknown outcome
//    leaves its partition unresolved until everything in flight is answered; if a gap remains,
//    the epoch goes up too. Other partitions move to the new epoch when nothing of theirs is
//    outstanding: renumbering a batch that may have been appended would append it twice.
//
// The application's view is a history like Jepsen's (the seed's send-with-callback example):
//   history {process, type: invoke|ok|fail|info, f: "send", id, ...}
// invoke when the application calls send() (id numbers the sends); ok is the callback with
// (topic, partition, offset, value); fail the callback with the exception; info for acks=0,
// whose callback reports success without knowing whether the record landed.
//
// Record identity: the records of each partition are numbered from 0 in the order they were
// partitioned; the n-th record of a partition carries the value "value-<producer node>-<n>"
// (padded to value_bytes), so checkers can tell exactly which record an offset should hold.
//
// Every outcome goes to the trace, so checkers can hold the cluster to it:
//   produce-acked   {topic, partition, base_offset, records, first_seq, acks, attempt}  (acks 1 / all)
//   produce-sent    {topic, partition, records, first_seq}            (acks=0: no answer comes)
//   produce-error   {topic, partition, error, first_seq, attempt}     (each failed attempt)
//   produce-failed  {topic, partition, error, first_seq, records}     (given up)
// first_seq is the partition-local number of the batch's first record.
//
// Not here: transactions (transactional.id, KIP-98's coordinator).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/client/client_metadata.h"
#include "broker/client/partitioner.h"
#include "broker/client/record_value.h"
#include "broker/env/env.h"
#include "broker/log/compression.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::client {

// A runaway, not a workload: records waiting in one producer (buffer.memory bounds them first).
inline constexpr std::size_t producer_queued_records_max = 1 << 22;

// Which key each record gets ("key-<k>", k in [0, key_count)): in turn, uniformly at random, or
// Zipf-distributed (key k with weight 1/(k+1)^s: a few hot keys, hence hot partitions).
enum class KeyDistribution { round_robin, uniform, zipf };
inline constexpr std::int32_t zipf_keys_max = 100'000;

struct ProducerConfig {
  std::vector<NodeId> bootstrap_servers;  // broker ids
  std::string topic;
  replication::Acks acks = replication::Acks::all;  // Kafka 3.0+ default
  log::Compression compression = log::Compression::none;
  std::int64_t batch_size_bytes = 16384;  // batch.size
  Duration linger = milliseconds(5);      // linger.ms (Kafka 4.0's default, KIP-1030)
  int max_in_flight = 5;                  // max.in.flight.requests.per.connection
  Duration start_delay = milliseconds(8000);
  std::int64_t records_per_s = 100;
  std::int64_t records_max = 1000;
  std::int64_t value_bytes = 16;        // value padded to this size
  std::int32_t key_count = 0;           // 0: keyless records (sticky partitioning)
  KeyDistribution key_distribution = KeyDistribution::round_robin;
  double zipf_exponent = 1.0;
  Duration request_timeout = milliseconds(30000);    // request.timeout.ms
  Duration delivery_timeout = milliseconds(120000);  // delivery.timeout.ms
  Duration retry_backoff = milliseconds(100);        // retry.backoff.ms
  std::int32_t retries = 2147483647;                 // retries (Kafka 2.1+: Integer.MAX_VALUE)
  bool idempotence = true;                           // enable.idempotence (Kafka 3.0+ default)
  std::int64_t buffer_memory_bytes = 33554432;       // buffer.memory (32 MiB)
  Duration max_block = milliseconds(60000);          // max.block.ms
};

class Producer final : public env::Program {
 public:
  Producer(env::Env& env, ProducerConfig config);

  void on_start() override;
  void on_message(const protocol::Message& message) override;
  void on_connection_lost(NodeId peer) override;

  std::int64_t acked_records() const { return acked_records_; }
  std::int64_t failed_records() const { return failed_records_; }
  std::int64_t producer_id() const { return producer_id_; }
  std::int16_t producer_epoch() const { return producer_epoch_; }

 private:
  struct Pending {
    std::int64_t id = 0;   // the n-th send() (the history's id)
    std::int64_t key = 0;  // "key-<key>" when the records are keyed
    std::int64_t created_us = 0;
  };
  struct Batch {
    std::int64_t first_seq = 0;  // the partition-local number of records[0]
    std::vector<Pending> records;
    std::int64_t size_bytes = 0;  // estimated, as the accumulator counts towards batch.size
    std::int64_t created_us = 0;
    bool closed = false;          // full, or sent before: takes no more records
    log::Bytes payload;           // encoded when first sent; a retry resends the same bytes
    int attempt = 0;
    std::int64_t not_before_us = 0;  // retry.backoff.ms after a failed attempt
    // Idempotence: the sequence of records[0] in producer epoch seq_epoch, given when first sent.
    std::int32_t base_sequence = -1;
    std::int16_t seq_epoch = -1;
    bool sequence_reset = false;  // renumbered by an epoch bump (ProducerBatch.sequenceHasBeenReset)
  };
  struct PartitionState {
    std::deque<Batch> queue;  // waiting to be sent, oldest first (retries in sequence order)
    std::int64_t next_seq = 0;  // record numbering (the value identity), never reset
    // Idempotence (TxnPartitionEntry): the epoch this partition's sequences belong to, the next
    // sequence to give and the last one acknowledged; the base sequences of the batches sent and
    // not yet done (in flight or waiting to be retried); whether a batch failed with an unknown
    // outcome (partitionsWithUnresolvedSequences); whether the next epoch bump renumbers this
    // partition's batches (partitionsToRewriteSequences).
    std::int16_t epoch = -1;
    std::int32_t next_sequence = 0;
    std::int32_t last_acked_sequence = -1;
    std::set<std::int32_t> outstanding_sequences;
    bool unresolved = false;
    bool rewrite_on_bump = false;
    int in_flight_batches = 0;  // sent, not yet answered
  };
  struct InFlight {
    std::int32_t partition = 0;
    Batch batch;
    NodeId to = no_node;
    env::TimerId timeout;
  };

  void on_metadata();
  void on_generate();
  // The application's send(): into the accumulator, or blocked while buffer.memory is full.
  void send_record(const Pending& record);
  void on_block_timeout();
  void release_memory(std::int64_t records);
  // One history event: an invoke (count 0), or the completion of `count` sends whose ids follow
  // record.id, with offsets from `offset` and values from `seq` (-1 when there are none).
  void record_history(std::string_view type, const Pending& record, std::int64_t count, std::int32_t partition,
                      std::int64_t offset, std::int64_t seq, std::string_view error);
  // A batch is done (acknowledged or given up): its records' completions in the history, one
  // event per run of consecutive send ids, and the memory they held.
  void complete_batch(std::int32_t partition, const Batch& batch, std::int64_t base_offset, std::string_view error);
  // Idempotence: InitProducerId to the next bootstrap broker (KIP-98).
  void init_producer_id();
  void on_init_producer_id_response(std::uint64_t correlation_id, const protocol::InitProducerIdResponse& response);
  void requeue(std::int32_t partition, Batch batch);
  // sequence_gap: the batch's sequence is known not to be in the log (an answer with retries
  // left, or OUT_OF_ORDER_SEQUENCE_NUMBER), so its partition needs a new epoch.
  void fail_batch(std::int32_t partition, Batch batch, std::string_view error, bool sequence_gap);
  // TransactionManager.canRetry for an idempotent producer (may request an epoch bump).
  bool can_retry_idempotent(std::int32_t partition, const Batch& batch, replication::ErrorCode error);
  // KIP-360: requestEpochBumpForPartition; the bump happens at the next drain.
  void request_epoch_bump(std::int32_t partition);
  // TransactionManager.maybeResolveSequences and bumpIdempotentProducerEpoch.
  void resolve_sequences();
  void maybe_bump_epoch();
  // RecordAccumulator.shouldStopDrainBatchesForPartition.
  bool stop_drain(const PartitionState& p) const;
  std::int32_t partition_for(const Pending& record);
  std::int64_t next_key();
  // RecordAccumulator.append; true when the sender must wake (RecordAppendResult's
  // batchIsFull || newBatchCreated): a record joining an open batch changes nothing it would do
  // before that batch's linger timer.
  bool append(std::int32_t partition, const Pending& record);
  bool sendable(const PartitionState& p, Time now) const;
  // Sends every sendable batch the in-flight limits allow, then sets the linger timer.
  void drain();
  void send(std::int32_t partition, Batch batch, NodeId leader);
  void on_produce_response(std::uint64_t correlation_id, const protocol::ProduceResponse& response);
  // One attempt failed (an error answer, a timeout, a broken connection); the caller drains.
  void attempt_failed(std::uint64_t correlation_id, replication::ErrorCode error);
  // NetworkClient closes the connection: every request in flight to `broker` fails with `error`.
  void fail_requests_to(NodeId broker, replication::ErrorCode error);
  log::Bytes build_batch(std::int32_t partition, const Batch& batch) const;
  std::int64_t record_size_bytes() const { return config_.value_bytes + 16; }

  env::Env& env_;
  ProducerConfig config_;
  StickyPartitioner sticky_;
  std::uint64_t next_correlation_ = 1;
  ClientMetadata metadata_;
  std::map<std::int32_t, PartitionState> partitions_;
  std::vector<Pending> unassigned_;  // generated before the first metadata answer
  std::optional<Pending> blocked_;   // the send() waiting for buffer.memory
  env::TimerId block_timer_;
  std::int64_t buffered_bytes_ = 0;  // records generated and not yet completed
  // Idempotence (KIP-98).
  std::int64_t producer_id_ = -1;
  std::int16_t producer_epoch_ = -1;
  std::optional<std::uint64_t> init_in_flight_;
  NodeId init_to_ = no_node;
  env::TimerId init_timer_;
  std::size_t init_broker_index_ = 0;
  bool epoch_bump_needed_ = false;
  std::int64_t next_id_ = 0;
  std::vector<double> zipf_cumulative_;  // key_distribution zipf: P(key <= k), increasing to 1
  std::map<std::uint64_t, InFlight> in_flight_;  // correlation id -> request
  std::map<NodeId, int> in_flight_per_broker_;
  env::TimerId wake_timer_;
  Time wake_at_ = Time::max();
  std::int64_t acked_records_ = 0;
  std::int64_t failed_records_ = 0;
};

}  // namespace kraftsim::client
