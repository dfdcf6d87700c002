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

std::string producer_value(NodeId producer, std::int64_t seq, std::int64_t value_bytes) {
  std::string value = fmt::format("value-{}-{}", producer, seq);
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
  KS_ASSERT(config_.max_in_flight >= 1);
  KS_ASSERT(config_.batch_size_bytes > 0);
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
    return partition_for_key(to_bytes(fmt::format("key-{}", record.key_index % config_.key_count)), partitions);
  }
  return sticky_.next(partitions, record_size_bytes());
}

void Producer::on_generate() {
  if (next_key_index_ >= config_.records_max) return;
  const Pending record{next_key_index_++, env_.now().us()};
  if (metadata_.partition_count() == 0) {
    KS_ASSERT_MSG(unassigned_.size() < producer_queued_records_max, "producer buffer full");
    unassigned_.push_back(record);
  } else {
    append(partition_for(record), record);
    drain();
  }
  const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / config_.records_per_s);
  env_.set_timer(microseconds(interval_us), "producer-record", [this] { on_generate(); });
}

// ---------------------------------------------------------------- the accumulator

void Producer::append(std::int32_t partition, const Pending& record) {
  PartitionState& p = partitions_[partition];
  KS_ASSERT_MSG(p.queue.size() < producer_queued_records_max, "producer buffer full");
  const std::int64_t size = record_size_bytes();
  if (!p.queue.empty() && !p.queue.back().closed) {
    Batch& open = p.queue.back();
    if (open.size_bytes + size <= config_.batch_size_bytes) {
      open.records.push_back(record);
      open.size_bytes += size;
      if (open.size_bytes + size > config_.batch_size_bytes) open.closed = true;  // the next one would not fit
      ++p.next_seq;
      return;
    }
    open.closed = true;
  }
  Batch batch;
  batch.first_seq = p.next_seq++;
  batch.records.push_back(record);
  batch.size_bytes = size;
  batch.created_us = env_.now().us();
  batch.closed = size * 2 > config_.batch_size_bytes;
  p.queue.push_back(std::move(batch));
}

bool Producer::sendable(const PartitionState& p, Time now) const {
  // RecordAccumulator.ready: the head batch is full, has batches behind it, or has lingered.
  if (p.queue.empty()) return false;
  const Batch& head = p.queue.front();
  if (now.us() < head.not_before_us) return false;
  return head.closed || p.queue.size() > 1 || now.us() - head.created_us >= config_.linger.us();
}

void Producer::drain() {
  const Time now = env_.now();
  Time wake = Time::max();
  for (auto& [index, p] : partitions_) {
    const NodeId leader = metadata_.leader(index).id;
    while (leader != no_node && sendable(p, now) && in_flight_per_broker_[leader] < config_.max_in_flight) {
      Batch batch = std::move(p.queue.front());
      p.queue.pop_front();
      send(index, std::move(batch), leader);
    }
    if (p.queue.empty()) continue;
    // When to look again: the head's linger or retry backoff ends (a full or blocked head waits
    // for a response or for metadata instead).
    const Batch& head = p.queue.front();
    const std::int64_t at_us = std::max(head.not_before_us, head.created_us + config_.linger.us());
    if (at_us > now.us()) wake = std::min(wake, Time::zero() + microseconds(at_us));
  }
  if (wake == wake_at_ && wake_timer_.valid()) return;
  if (wake_timer_.valid()) env_.cancel_timer(wake_timer_);
  wake_timer_ = {};
  wake_at_ = wake;
  if (wake == Time::max()) return;
  wake_timer_ = env_.set_timer(wake - now, "producer-linger", [this] {
    wake_timer_ = {};
    wake_at_ = Time::max();
    drain();
  });
}

log::Bytes Producer::build_batch(std::int32_t /*partition*/, const Batch& batch) const {
  log::BatchBuilderConfig bc;
  bc.compression = config_.compression;
  bc.batch_size_bytes = static_cast<std::size_t>(std::max<std::int64_t>(config_.batch_size_bytes, batch.size_bytes) * 2);
  log::BatchBuilder builder(bc);
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const Pending& r = batch.records[i];
    std::optional<log::Bytes> key;
    if (config_.key_count > 0) key = to_bytes(fmt::format("key-{}", r.key_index % config_.key_count));
    const std::string value = producer_value(env_.self(), batch.first_seq + static_cast<std::int64_t>(i), config_.value_bytes);
    const auto outcome = builder.try_append(r.created_us / 1000, key, to_bytes(value));
    KS_ASSERT(outcome == log::AppendOutcome::appended);
  }
  return builder.encode();
}

// ---------------------------------------------------------------- the sender

void Producer::send(std::int32_t partition, Batch batch, NodeId leader) {
  batch.closed = true;
  if (batch.payload.empty()) batch.payload = build_batch(partition, batch);
  ++batch.attempt;
  const std::uint64_t correlation = next_correlation_++;
  protocol::ProduceRequest req;
  req.topic_partition = {config_.topic, partition};
  req.request.record_count = static_cast<std::int32_t>(batch.records.size());
  req.request.payload = batch.payload;
  req.request.acks = config_.acks;
  req.request.timeout = config_.request_timeout;
  env_.send(leader, protocol::KafkaRpc{correlation, std::move(req)});
  if (config_.acks == replication::Acks::none) {
    // acks=0: the producer never hears back; the batch counts as sent.
    env_.record("produce-sent", {{"topic", config_.topic}, {"partition", partition},
                                 {"records", static_cast<std::int64_t>(batch.records.size())},
                                 {"first_seq", batch.first_seq}});
    return;
  }
  ++in_flight_per_broker_[leader];
  InFlight& f = in_flight_[correlation];
  f.partition = partition;
  f.batch = std::move(batch);
  f.to = leader;
  f.timeout = env_.set_timer(config_.request_timeout, "producer-request-timeout", [this, correlation] {
    auto it = in_flight_.find(correlation);
    if (it == in_flight_.end()) return;
    it->second.timeout = {};
    attempt_failed(correlation, replication::ErrorCode::request_timed_out);
  });
}

void Producer::on_produce_response(std::uint64_t correlation_id, const protocol::ProduceResponse& response) {
  auto it = in_flight_.find(correlation_id);
  if (it == in_flight_.end()) return;  // answered already (timed out, connection lost)
  if (response.error_code != replication::ErrorCode::none) return attempt_failed(correlation_id, response.error_code);
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  --in_flight_per_broker_[f.to];
  if (f.timeout.valid()) env_.cancel_timer(f.timeout);
  const auto count = static_cast<std::int64_t>(f.batch.records.size());
  env_.record("produce-acked", {{"topic", config_.topic},
                                {"partition", f.partition},
                                {"base_offset", response.base_offset},
                                {"records", count},
                                {"first_seq", f.batch.first_seq},
                                {"acks", replication::to_string(config_.acks)},
                                {"attempt", f.batch.attempt}});
  acked_records_ += count;
  drain();
}

void Producer::attempt_failed(std::uint64_t correlation_id, replication::ErrorCode error) {
  auto it = in_flight_.find(correlation_id);
  KS_ASSERT(it != in_flight_.end());
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  --in_flight_per_broker_[f.to];
  if (f.timeout.valid()) env_.cancel_timer(f.timeout);
  Batch& batch = f.batch;
  env_.record("produce-error", {{"topic", config_.topic},
                                {"partition", f.partition},
                                {"error", replication::to_string(error)},
                                {"first_seq", batch.first_seq},
                                {"attempt", batch.attempt}});
  const bool expired = env_.now().us() - batch.created_us >= config_.delivery_timeout.us();
  if (!retriable(error) || expired) {
    const auto count = static_cast<std::int64_t>(batch.records.size());
    env_.record("produce-failed", {{"topic", config_.topic},
                                   {"partition", f.partition},
                                   {"error", expired ? std::string_view("DELIVERY_TIMEOUT") : replication::to_string(error)},
                                   {"first_seq", batch.first_seq},
                                   {"records", count}});
    failed_records_ += count;
  } else {
    // Sender.reenqueueBatch: back to the front of its partition's queue, after the backoff.
    if (stale_metadata(error)) metadata_.invalidate(f.partition);  // until a metadata answer names the leader
    batch.not_before_us = env_.now().us() + config_.retry_backoff.us();
    partitions_[f.partition].queue.push_front(std::move(batch));
  }
  drain();
}

// ---------------------------------------------------------------- network

void Producer::on_metadata() {
  if (metadata_.partition_count() > 0 && !unassigned_.empty()) {
    std::vector<Pending> waiting = std::move(unassigned_);
    unassigned_.clear();
    for (const Pending& record : waiting) append(partition_for(record), record);
  }
  drain();
}

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
  std::vector<std::uint64_t> failed;
  for (const auto& [correlation, f] : in_flight_) {
    if (f.to == peer) failed.push_back(correlation);
  }
  for (std::uint64_t correlation : failed) attempt_failed(correlation, replication::ErrorCode::network_exception);
}

}  // namespace kraftsim::client
