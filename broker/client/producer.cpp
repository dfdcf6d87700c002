// Producer: metadata, partitioning, batching, sending and retrying (see producer.h).
#include "broker/client/producer.h"

#include <fmt/format.h>

#include "base/assert.h"
#include "broker/log/record_batch_builder.h"

namespace kraftsim::client {

namespace {

bool retriable(replication::ErrorCode error) {
  using E = replication::ErrorCode;
  switch (error) {
    case E::not_leader_or_follower:
    case E::unknown_topic_or_partition:
    case E::not_enough_replicas:
    case E::not_enough_replicas_after_append:
    case E::request_timed_out:
    case E::network_exception:
    case E::kafka_storage_error:
    case E::fenced_leader_epoch:
    case E::unknown_leader_epoch:
      return true;
    default:
      return false;
  }
}

// Errors after which the producer asks for fresh metadata (Sender.completeBatch: an
// InvalidMetadataException).
bool stale_metadata(replication::ErrorCode error) {
  using E = replication::ErrorCode;
  return error == E::not_leader_or_follower || error == E::unknown_topic_or_partition ||
         error == E::fenced_leader_epoch || error == E::unknown_leader_epoch || error == E::kafka_storage_error ||
         error == E::network_exception;
}

log::Bytes to_bytes(const std::string& s) { return log::Bytes(s.begin(), s.end()); }

}  // namespace

std::string producer_value(std::int64_t seq, std::int64_t value_bytes) {
  std::string value = fmt::format("value-{}", seq);
  if (static_cast<std::int64_t>(value.size()) < value_bytes) value.resize(static_cast<std::size_t>(value_bytes), '.');
  return value;
}

Producer::Producer(env::Env& env, ProducerConfig config)
    : env_(env),
      config_(std::move(config)),
      sticky_(env.random(), config_.batch_size_bytes),
      metadata_(env, config_.bootstrap_servers, config_.topic, config_.retry_backoff, next_correlation_,
                [this] { on_metadata(); }) {
  KS_ASSERT(config_.records_per_s > 0);
}

void Producer::on_start() {
  env_.set_timer(config_.start_delay, "producer-start", [this] {
    metadata_.request();
    on_generate();
  });
}

std::int32_t Producer::partition_for(const Pending& record) {
  // The default partitioner: murmur2 of the key, sticky for keyless records (KIP-480/794).
  const std::int32_t partitions = metadata_.partition_count();
  KS_ASSERT(partitions > 0);
  if (config_.key_count > 0) {
    return partition_for_key(to_bytes(fmt::format("key-{}", record.seq % config_.key_count)), partitions);
  }
  return sticky_.next(partitions, config_.value_bytes);
}

void Producer::on_generate() {
  if (next_seq_ >= config_.records_max) return;
  KS_ASSERT_MSG(unassigned_.size() < producer_queued_records_max, "producer buffer full");
  const Pending record{next_seq_++, env_.now().us()};
  if (metadata_.partition_count() == 0) {
    unassigned_.push_back(record);
  } else {
    const std::int32_t partition = partition_for(record);
    PartitionState& p = partitions_[partition];
    KS_ASSERT_MSG(p.queue.size() < producer_queued_records_max, "producer buffer full");
    p.queue.push_back(record);
    maybe_send(partition);
  }
  const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / config_.records_per_s);
  env_.set_timer(microseconds(interval_us), "producer-record", [this] { on_generate(); });
}

// ---------------------------------------------------------------- metadata

void Producer::on_metadata() {
  if (metadata_.partition_count() > 0 && !unassigned_.empty()) {
    std::vector<Pending> waiting = std::move(unassigned_);
    unassigned_.clear();
    for (const Pending& record : waiting) {
      partitions_[partition_for(record)].queue.push_back(record);
    }
  }
  for (auto& [index, p] : partitions_) {
    if (p.in_flight && p.in_flight->correlation_id == 0) {
      send_in_flight(index);
    } else {
      maybe_send(index);
    }
  }
}

// ---------------------------------------------------------------- sending

log::Bytes Producer::build_batch(const std::vector<Pending>& records) const {
  log::BatchBuilderConfig bc;
  bc.compression = config_.compression;
  bc.batch_size_bytes = static_cast<std::size_t>(config_.batch_size_bytes);
  log::BatchBuilder builder(bc);
  for (const Pending& r : records) {
    std::optional<log::Bytes> key;
    if (config_.key_count > 0) key = to_bytes(fmt::format("key-{}", r.seq % config_.key_count));
    const auto outcome = builder.try_append(r.created_us / 1000, key, to_bytes(producer_value(r.seq, config_.value_bytes)));
    KS_ASSERT(outcome == log::AppendOutcome::appended);
  }
  return builder.encode();
}

void Producer::maybe_send(std::int32_t partition) {
  PartitionState& p = partitions_[partition];
  if (p.in_flight || p.queue.empty() || metadata_.leader(partition).id == no_node) return;
  // The accumulator's batch: the oldest records, as many as batch.size holds (at least one).
  // Records of one partition are consecutive in seq only while they come in order, which
  // checkers do not assume: the batch lists its records' seqs through first_seq + i only when
  // they are consecutive, so a batch stops at a gap.
  std::vector<Pending> records;
  std::int64_t bytes = 0;
  for (const Pending& r : p.queue) {
    if (!records.empty() && (r.seq != records.back().seq + 1 || bytes + config_.value_bytes + 16 > config_.batch_size_bytes)) break;
    records.push_back(r);
    bytes += config_.value_bytes + 16;
  }
  p.queue.erase(p.queue.begin(), p.queue.begin() + static_cast<std::ptrdiff_t>(records.size()));
  InFlight f;
  f.first_seq = records.front().seq;
  f.count = static_cast<std::int32_t>(records.size());
  f.created_us = records.front().created_us;
  f.payload = build_batch(records);
  p.in_flight = std::move(f);
  send_in_flight(partition);
}

void Producer::send_in_flight(std::int32_t partition) {
  PartitionState& p = partitions_[partition];
  KS_ASSERT(p.in_flight);
  InFlight& f = *p.in_flight;
  const NodeId leader = metadata_.leader(partition).id;
  if (leader == no_node) return;  // waits for metadata
  ++f.attempt;
  f.correlation_id = next_correlation_++;
  f.to = leader;
  protocol::ProduceRequest req;
  req.topic_partition = {config_.topic, partition};
  req.request.record_count = f.count;
  req.request.payload = f.payload;
  req.request.acks = config_.acks;
  req.request.timeout = config_.request_timeout;
  env_.send(leader, protocol::KafkaRpc{f.correlation_id, std::move(req)});
  if (config_.acks == replication::Acks::none) {
    // acks=0: the producer never hears back; the batch counts as sent.
    env_.record("produce-sent", {{"topic", config_.topic}, {"partition", partition}, {"records", f.count},
                                 {"first_seq", f.first_seq}});
    p.in_flight.reset();
    maybe_send(partition);
    return;
  }
  produce_correlations_[f.correlation_id] = partition;
  const std::uint64_t correlation = f.correlation_id;
  f.timeout = env_.set_timer(config_.request_timeout, "producer-request-timeout", [this, partition, correlation] {
    PartitionState& state = partitions_[partition];
    if (!state.in_flight || state.in_flight->correlation_id != correlation) return;
    state.in_flight->timeout = {};
    produce_correlations_.erase(correlation);
    attempt_failed(partition, replication::ErrorCode::request_timed_out);
  });
}

void Producer::on_produce_response(std::uint64_t correlation_id, const protocol::ProduceResponse& response) {
  auto it = produce_correlations_.find(correlation_id);
  if (it == produce_correlations_.end()) return;
  const std::int32_t partition = it->second;
  produce_correlations_.erase(it);
  PartitionState& p = partitions_[partition];
  if (!p.in_flight || p.in_flight->correlation_id != correlation_id) return;
  if (p.in_flight->timeout.valid()) env_.cancel_timer(p.in_flight->timeout);
  p.in_flight->timeout = {};
  if (response.error_code != replication::ErrorCode::none) return attempt_failed(partition, response.error_code);
  const InFlight& f = *p.in_flight;
  env_.record("produce-acked", {{"topic", config_.topic},
                                {"partition", partition},
                                {"base_offset", response.base_offset},
                                {"records", f.count},
                                {"first_seq", f.first_seq},
                                {"acks", (replication::to_string(config_.acks))},
                                {"attempt", f.attempt}});
  acked_records_ += f.count;
  p.in_flight.reset();
  maybe_send(partition);
}

void Producer::attempt_failed(std::int32_t partition, replication::ErrorCode error) {
  PartitionState& p = partitions_[partition];
  KS_ASSERT(p.in_flight);
  InFlight& f = *p.in_flight;
  env_.record("produce-error", {{"topic", config_.topic},
                                {"partition", partition},
                                {"error", (replication::to_string(error))},
                                {"first_seq", f.first_seq},
                                {"attempt", f.attempt}});
  f.correlation_id = 0;
  const bool expired = env_.now().us() - f.created_us >= config_.delivery_timeout.us();
  if (!retriable(error) || expired) {
    env_.record("produce-failed", {{"topic", config_.topic},
                                   {"partition", partition},
                                   {"error", expired ? std::string_view("DELIVERY_TIMEOUT") : replication::to_string(error)},
                                   {"first_seq", f.first_seq},
                                   {"records", f.count}});
    failed_records_ += f.count;
    p.in_flight.reset();
    maybe_send(partition);
    return;
  }
  if (stale_metadata(error)) metadata_.invalidate(partition);  // until a metadata answer names the leader
  env_.set_timer(config_.retry_backoff, "producer-retry", [this, partition] {
    PartitionState& state = partitions_[partition];
    if (state.in_flight && state.in_flight->correlation_id == 0) send_in_flight(partition);
  });
}

// ---------------------------------------------------------------- network

void Producer::on_message(const protocol::Message& message) {
  const auto* rpc = std::get_if<protocol::KafkaRpc>(&message.body);
  if (rpc == nullptr) return;
  if (const auto* m = std::get_if<protocol::MetadataResponse>(&rpc->body)) {
    (void)metadata_.on_response(rpc->correlation_id, *m);
  } else if (const auto* r = std::get_if<protocol::ProduceResponse>(&rpc->body)) {
    on_produce_response(rpc->correlation_id, *r);
  }
}

void Producer::on_connection_lost(NodeId peer) {
  metadata_.on_connection_lost(peer);
  // Kafka's NetworkClient fails the in-flight requests of the broken connection: a retriable
  // NETWORK_EXCEPTION; the producer refreshes its metadata.
  for (auto& [index, p] : partitions_) {
    if (!p.in_flight || p.in_flight->correlation_id == 0 || p.in_flight->to != peer) continue;
    produce_correlations_.erase(p.in_flight->correlation_id);
    if (p.in_flight->timeout.valid()) env_.cancel_timer(p.in_flight->timeout);
    p.in_flight->timeout = {};
    attempt_failed(index, replication::ErrorCode::network_exception);
  }
}

}  // namespace kraftsim::client
