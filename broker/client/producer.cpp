// Producer: metadata, partitioning, batching, sending and retrying (see producer.h).
#include "broker/client/producer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

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
    case E::coordinator_load_in_progress:
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

// Through byte pointers: from char iterators the vector copies element by element (no memcpy).
log::Bytes to_bytes(const std::string& s) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(s.data());
  return log::Bytes(data, data + s.size());
}

// producer_value's bytes, written into `value` (one buffer reused for a batch's records: the
// builder encodes each record as it is appended, so no record keeps its own copy).
void write_producer_value(log::Bytes& value, NodeId producer, std::int64_t seq, std::int64_t value_bytes) {
  const ProducerValueText text(producer, seq);
  const std::string_view head = text.view();
  value.assign(std::max(head.size(), static_cast<std::size_t>(std::max<std::int64_t>(value_bytes, 0))),
               static_cast<std::uint8_t>('.'));
  std::memcpy(value.data(), head.data(), head.size());
}

}  // namespace

Producer::Producer(env::Env& env, ProducerConfig config)
    : env_(env),
      config_(std::move(config)),
      sticky_(env.random(), config_.batch_size_bytes),
      metadata_(env, config_.bootstrap_servers, config_.topic, config_.retry_backoff, next_correlation_,
                [this] { on_metadata(); }) {
  metadata_.set_request_timeout(config_.request_timeout);
  KS_ASSERT(config_.records_per_s > 0);
  if (config_.key_distribution == KeyDistribution::zipf && config_.key_count > 0) {
    KS_ASSERT(config_.key_count <= zipf_keys_max);
    KS_ASSERT(config_.zipf_exponent > 0);
    double total = 0;
    zipf_cumulative_.reserve(static_cast<std::size_t>(config_.key_count));
    for (std::int32_t k = 0; k < config_.key_count; ++k) {
      total += 1.0 / std::pow(static_cast<double>(k + 1), config_.zipf_exponent);
      zipf_cumulative_.push_back(total);
    }
    for (double& c : zipf_cumulative_) c /= total;
  }
  KS_ASSERT(config_.max_in_flight >= 1);
  KS_ASSERT(config_.batch_size_bytes > 0);
}

std::int64_t Producer::next_key() {
  if (config_.key_count <= 0) return 0;
  switch (config_.key_distribution) {
    case KeyDistribution::round_robin: return next_id_ % config_.key_count;
    case KeyDistribution::uniform: return env_.random().uniform_int(0, config_.key_count - 1);
    case KeyDistribution::zipf: {
      const double u = env_.random().uniform_real();
      const auto it = std::upper_bound(zipf_cumulative_.begin(), zipf_cumulative_.end(), u);
      return std::min<std::int64_t>(it - zipf_cumulative_.begin(), config_.key_count - 1);
    }
  }
  return 0;
}

void Producer::on_start() {
  env_.set_timer(config_.start_delay, "producer-start", [this] {
    metadata_.request();
    if (config_.idempotence) init_producer_id();
    on_generate();
  });
}

std::int32_t Producer::partition_for(const Pending& record) {
  // The default partitioner: murmur2 of the key, sticky for keyless records (KIP-480/794).
  const std::int32_t partitions = metadata_.partition_count();
  KS_ASSERT(partitions > 0);
  if (config_.key_count > 0) {
    return partition_for_key(to_bytes(fmt::format("key-{}", record.key)), partitions);
  }
  return sticky_.next(partitions, record_size_bytes());
}

// ---------------------------------------------------------------- the application

void Producer::on_generate() {
  if (next_id_ >= config_.records_max || blocked_) return;
  const Pending record{next_id_++, next_key(), env_.now().us()};
  record_history("invoke", record, 0, -1, -1, -1, "");
  if (buffered_bytes_ + record_size_bytes() > config_.buffer_memory_bytes) {
    // KafkaProducer.send blocks in BufferPool.allocate: the application thread waits (and
    // generates nothing) until a completed batch frees memory, at most max.block.ms.
    blocked_ = record;
    block_timer_ = env_.set_timer(config_.max_block, "producer-max-block", [this] { on_block_timeout(); });
    env_.record("producer-blocked", {{"id", record.id}, {"buffered_bytes", buffered_bytes_}});
    return;
  }
  send_record(record);
  const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / config_.records_per_s);
  env_.set_timer(microseconds(interval_us), "producer-record", [this] { on_generate(); });
}

void Producer::send_record(const Pending& record) {
  buffered_bytes_ += record_size_bytes();
  if (metadata_.partition_count() == 0) {
    KS_ASSERT_MSG(unassigned_.size() < producer_queued_records_max, "producer buffer full");
    unassigned_.push_back(record);
  } else {
    if (append(partition_for(record), record)) drain();
  }
}

void Producer::on_block_timeout() {
  block_timer_ = {};
  if (!blocked_) return;
  const Pending record = *blocked_;
  blocked_.reset();
  // "Failed to allocate memory within the configured max blocking time": send() throws; the
  // record never gets a partition.
  record_history("fail", record, 1, -1, -1, -1, "TimeoutException");
  on_generate();
}

void Producer::release_memory(std::int64_t records) {
  buffered_bytes_ -= records * record_size_bytes();
  KS_ASSERT(buffered_bytes_ >= 0);
  if (!blocked_ || buffered_bytes_ + record_size_bytes() > config_.buffer_memory_bytes) return;
  // The blocked send() returns; it runs as its own step, not inside the sender's bookkeeping.
  env_.set_timer(Duration{}, "producer-unblock", [this] {
    if (!blocked_ || buffered_bytes_ + record_size_bytes() > config_.buffer_memory_bytes) return;
    const Pending record = *blocked_;
    blocked_.reset();
    if (block_timer_.valid()) env_.cancel_timer(block_timer_);
    block_timer_ = {};
    send_record(record);
    const std::int64_t interval_us = std::max<std::int64_t>(1, 1'000'000 / config_.records_per_s);
    env_.set_timer(microseconds(interval_us), "producer-record", [this] { on_generate(); });
  });
}

void Producer::record_history(std::string_view type, const Pending& record, std::int64_t count, std::int32_t partition,
                              std::int64_t offset, std::int64_t seq, std::string_view error) {
  trace::Fields f{{"process", env_.self()}, {"type", type}, {"f", "send"}, {"id", record.id}, {"topic", config_.topic}};
  if (count > 0) f.add("count", count);
  if (type == "invoke" && config_.key_count > 0) f.add("key", fmt::format("key-{}", record.key));
  if (partition >= 0) f.add("partition", partition);
  if (offset >= 0) f.add("offset", offset);
  std::optional<ProducerValueText> value;  // outlives the record call
  if (seq >= 0) f.add("value", value.emplace(env_.self(), seq).view());
  if (!error.empty()) f.add("error", error);
  env_.record("history", std::move(f));
}

void Producer::complete_batch(std::int32_t partition, const Batch& batch, std::int64_t base_offset,
                              std::string_view error) {
  // ProducerBatch.done completes the futures and fires the callbacks of all its records at
  // once, so one event stands for a run of them: sends with consecutive ids (a keyless
  // producer's sticky batch is one run; a keyed producer's records of one partition are
  // interleaved with other partitions' and make several). A long run wrote two history events
  // per record, and the completions were a tenth of its time (docs/PERFORMANCE.md).
  const std::vector<Pending>& records = batch.records;
  for (std::size_t start = 0, end = 0; start < records.size(); start = end) {
    end = start + 1;
    while (end < records.size() && records[end].id == records[end - 1].id + 1) ++end;
    const auto index = static_cast<std::int64_t>(start);
    const auto count = static_cast<std::int64_t>(end - start);
    const Pending& r = records[start];
    if (!error.empty()) {
      record_history("fail", r, count, partition, -1, batch.first_seq + index, error);
    } else if (config_.acks == replication::Acks::none) {
      // acks=0: the callback says success with offset -1; nobody knows whether it landed.
      record_history("info", r, count, partition, -1, batch.first_seq + index, "");
    } else {
      record_history("ok", r, count, partition, base_offset + index, batch.first_seq + index, "");
    }
  }
  release_memory(static_cast<std::int64_t>(batch.records.size()));
}

// ---------------------------------------------------------------- the accumulator

bool Producer::append(std::int32_t partition, const Pending& record) {
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
      return open.closed;
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
  return true;
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
  if (config_.idempotence) {
    resolve_sequences();
    maybe_bump_epoch();
  }
  // An idempotent producer sends nothing before it has a producer id.
  const bool may_send = !config_.idempotence || producer_id_ >= 0;
  for (auto& [index, p] : partitions_) {
    // RecordAccumulator.expiredBatches: a batch still waiting delivery.timeout.ms after it was
    // created fails without being sent (again): no leader known, a full pipeline, an epoch bump.
    // The queue is in creation order (retries go back to the front), so the head expires first.
    while (!p.queue.empty() && now.us() - p.queue.front().created_us >= config_.delivery_timeout.us()) {
      Batch expired = std::move(p.queue.front());
      p.queue.pop_front();
      // A batch sent before has an unknown outcome: no new batch of the partition goes until
      // the rest is answered (Sender.sendProducerData -> markSequenceUnresolved).
      if (config_.idempotence && expired.base_sequence >= 0) p.unresolved = true;
      fail_batch(index, std::move(expired), "DELIVERY_TIMEOUT", false);
    }
    const NodeId leader = metadata_.leader(index).id;
    // max.in.flight.requests.per.connection=1 guarantees order (Sender's guaranteeMessageOrder):
    // a partition with a batch in flight is muted, even when its leader moved to another broker
    // whose connection has room.
    const auto muted = [&] { return config_.max_in_flight == 1 && p.in_flight_batches > 0; };
    while (may_send && !muted() && leader != no_node && sendable(p, now) &&
           in_flight_per_broker_[leader] < config_.max_in_flight && !stop_drain(p)) {
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
    wake = std::min(wake, Time::zero() + microseconds(head.created_us + config_.delivery_timeout.us()));
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
  if (batch.base_sequence >= 0) {
    bc.producer_id = producer_id_;
    bc.producer_epoch = batch.seq_epoch;
    bc.base_sequence = batch.base_sequence;
  }
  log::BatchBuilder builder(bc);
  log::Bytes value;
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    const Pending& r = batch.records[i];
    std::optional<log::Bytes> key;
    if (config_.key_count > 0) key = to_bytes(fmt::format("key-{}", r.key));
    write_producer_value(value, env_.self(), batch.first_seq + static_cast<std::int64_t>(i), config_.value_bytes);
    const auto outcome = builder.try_append(r.created_us / 1000, key, value);
    KS_ASSERT(outcome == log::AppendOutcome::appended);
  }
  return builder.encode();
}

// ---------------------------------------------------------------- the sender

void Producer::send(std::int32_t partition, Batch batch, NodeId leader) {
  batch.closed = true;
  if (config_.idempotence && batch.base_sequence < 0) {
    // RecordAccumulator.drain -> TransactionManager.sequenceNumber: the sequence is fixed when the
    // batch is first sent, and a retry keeps it (a new number for a batch that may be in the log
    // would append it twice). maybeUpdateProducerIdAndEpoch: a partition moves to a newer epoch,
    // from sequence 0, once nothing of it is outstanding (stop_drain holds new batches till then).
    PartitionState& p = partitions_[partition];
    if (p.epoch != producer_epoch_) {
      KS_ASSERT(p.outstanding_sequences.empty());
      p.epoch = producer_epoch_;
      p.next_sequence = 0;
      p.last_acked_sequence = -1;
    }
    batch.base_sequence = p.next_sequence;
    batch.seq_epoch = p.epoch;
    KS_ASSERT(p.next_sequence <= std::numeric_limits<std::int32_t>::max() - static_cast<std::int32_t>(batch.records.size()));
    p.next_sequence += static_cast<std::int32_t>(batch.records.size());
    p.outstanding_sequences.insert(batch.base_sequence);
    batch.payload.clear();
  }
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
    complete_batch(partition, batch, -1, "");
    return;
  }
  ++in_flight_per_broker_[leader];
  ++partitions_[partition].in_flight_batches;
  InFlight& f = in_flight_[correlation];
  f.partition = partition;
  f.batch = std::move(batch);
  f.to = leader;
  f.timeout = env_.set_timer(config_.request_timeout, "producer-request-timeout", [this, correlation] {
    auto it = in_flight_.find(correlation);
    if (it == in_flight_.end()) return;
    it->second.timeout = {};
    // NetworkClient.handleTimedOutRequests: the connection is closed and every request in flight
    // on it fails as timed out, so retries go out again in sequence order.
    fail_requests_to(it->second.to, replication::ErrorCode::request_timed_out);
    drain();
  });
}

void Producer::on_produce_response(std::uint64_t correlation_id, const protocol::ProduceResponse& response) {
  auto it = in_flight_.find(correlation_id);
  if (it == in_flight_.end()) return;  // answered already (timed out, connection lost)
  if (response.error_code != replication::ErrorCode::none) {
    attempt_failed(correlation_id, response.error_code);
    drain();
    return;
  }
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  --in_flight_per_broker_[f.to];
  --partitions_[f.partition].in_flight_batches;
  if (f.timeout.valid()) env_.cancel_timer(f.timeout);
  const auto count = static_cast<std::int64_t>(f.batch.records.size());
  if (config_.idempotence && f.batch.base_sequence >= 0) {
    // TransactionManager.handleCompletedBatch.
    PartitionState& p = partitions_[f.partition];
    p.outstanding_sequences.erase(f.batch.base_sequence);
    if (f.batch.seq_epoch == p.epoch) {
      p.last_acked_sequence = std::max(p.last_acked_sequence, f.batch.base_sequence + static_cast<std::int32_t>(count) - 1);
    }
  }
  trace::Fields fields{{"topic", config_.topic},
                       {"partition", f.partition},
                       {"base_offset", response.base_offset},
                       {"records", count},
                       {"first_seq", f.batch.first_seq},
                       {"acks", replication::to_string(config_.acks)},
                       {"attempt", f.batch.attempt}};
  if (f.batch.base_sequence >= 0) fields.add("base_sequence", f.batch.base_sequence);
  // The CRC of the bytes this producer built and the size of its values: what the batch holds,
  // as kafka-dump-log.sh would show it. The end of a run recognises the batch in a replica's log
  // by its offset and verified CRC instead of decoding it (sim/check/produced_batches.h).
  const auto built = log::peek_batch_header(f.batch.payload, log::CrcCheck::skip);
  KS_ASSERT(built.ok());
  fields.add("crc", static_cast<std::int64_t>(built->crc));
  fields.add("value_bytes", config_.value_bytes);
  env_.record("produce-acked", std::move(fields));
  acked_records_ += count;
  complete_batch(f.partition, f.batch, response.base_offset, "");
  drain();
}

void Producer::attempt_failed(std::uint64_t correlation_id, replication::ErrorCode error) {
  auto it = in_flight_.find(correlation_id);
  KS_ASSERT(it != in_flight_.end());
  InFlight f = std::move(it->second);
  in_flight_.erase(it);
  --in_flight_per_broker_[f.to];
  --partitions_[f.partition].in_flight_batches;
  if (f.timeout.valid()) env_.cancel_timer(f.timeout);
  Batch& batch = f.batch;
  env_.record("produce-error", {{"topic", config_.topic},
                                {"partition", f.partition},
                                {"error", replication::to_string(error)},
                                {"first_seq", batch.first_seq},
                                {"attempt", batch.attempt}});
  const bool expired = env_.now().us() - batch.created_us >= config_.delivery_timeout.us();
  const bool out_of_retries = batch.attempt > config_.retries;
  // Sender.canRetry: time and attempts left, and then the error; an idempotent producer's
  // sequence errors are TransactionManager.canRetry's (KIP-360).
  bool retry = false;
  if (!expired && !out_of_retries) {
    retry = config_.idempotence && batch.base_sequence >= 0 ? can_retry_idempotent(f.partition, batch, error)
                                                           : retriable(error);
  }
  if (!retry) {
    // The outcome of an expired batch is unknown: it may be in the log.
    if (expired && config_.idempotence && batch.base_sequence >= 0) partitions_[f.partition].unresolved = true;
    // TransactionManager.handleFailedBatch: a gap is certain when the broker answered and the
    // batch had retries left (Sender.failBatch's adjustSequenceNumbers), or refused its sequence;
    // an expired batch fails as a timeout, its outcome unknown.
    const bool gap = !expired && (!out_of_retries || error == replication::ErrorCode::out_of_order_sequence_number);
    fail_batch(f.partition, std::move(batch),
               expired ? std::string_view("DELIVERY_TIMEOUT") : replication::to_string(error), gap);
    return;
  }
  // Sender.reenqueueBatch: back to the front of its partition's queue, after the backoff.
  if (stale_metadata(error)) metadata_.invalidate(f.partition);  // until a metadata answer names the leader
  batch.not_before_us = env_.now().us() + config_.retry_backoff.us();
  requeue(f.partition, std::move(batch));
}

bool Producer::can_retry_idempotent(std::int32_t partition, const Batch& batch, replication::ErrorCode error) {
  const PartitionState& p = partitions_[partition];
  if (error == replication::ErrorCode::out_of_order_sequence_number) {
    // Not the next expected batch: an earlier one is still unresolved, so this one was early.
    if (!p.unresolved && (batch.sequence_reset || batch.base_sequence != p.last_acked_sequence + 1)) return true;
    // The next expected batch, refused: the leader has a later sequence than this producer ever
    // had acknowledged (it lost, or never had, the state of the earlier ones). Renumber the
    // partition in a new epoch and try again.
    request_epoch_bump(partition);
    return true;
  }
  return retriable(error);
}

void Producer::fail_requests_to(NodeId broker, replication::ErrorCode error) {
  std::vector<std::uint64_t> failed;
  for (const auto& [correlation, f] : in_flight_) {
    if (f.to == broker) failed.push_back(correlation);
  }
  for (std::uint64_t correlation : failed) attempt_failed(correlation, error);
}

void Producer::requeue(std::int32_t partition, Batch batch) {
  std::deque<Batch>& queue = partitions_[partition].queue;
  if (!config_.idempotence || batch.base_sequence < 0) {
    queue.push_front(std::move(batch));
    return;
  }
  // RecordAccumulator.insertInSequenceOrder: retried batches go back in sequence order, ahead of
  // the batches that never had a sequence.
  auto at = queue.begin();
  while (at != queue.end() && at->base_sequence >= 0 && at->seq_epoch == batch.seq_epoch &&
         at->base_sequence < batch.base_sequence) {
    ++at;
  }
  queue.insert(at, std::move(batch));
}

void Producer::fail_batch(std::int32_t partition, Batch batch, std::string_view error, bool sequence_gap) {
  const auto count = static_cast<std::int64_t>(batch.records.size());
  env_.record("produce-failed", {{"topic", config_.topic},
                                 {"partition", partition},
                                 {"error", error},
                                 {"first_seq", batch.first_seq},
                                 {"records", count}});
  failed_records_ += count;
  if (config_.idempotence && batch.base_sequence >= 0) {
    // A sequence known never to be acknowledged leaves a gap later batches of this epoch could
    // not pass, so the partition moves to a new epoch (KIP-360). An unknown outcome (expired)
    // waits for resolve_sequences instead.
    partitions_[partition].outstanding_sequences.erase(batch.base_sequence);
    if (sequence_gap) request_epoch_bump(partition);
  }
  complete_batch(partition, batch, -1, error);
}

void Producer::request_epoch_bump(std::int32_t partition) {
  epoch_bump_needed_ = true;
  partitions_[partition].rewrite_on_bump = true;
}

void Producer::resolve_sequences() {
  for (auto& [index, p] : partitions_) {
    if (!p.unresolved || !p.outstanding_sequences.empty()) continue;
    // Everything sent is answered: if the acknowledged sequences reach the next one, the batch
    // that expired was never appended and nothing is missing; otherwise there is a gap.
    p.unresolved = false;
    if (p.last_acked_sequence + 1 != p.next_sequence) request_epoch_bump(index);
  }
}

bool Producer::stop_drain(const PartitionState& p) const {
  if (!config_.idempotence) return false;
  const Batch& head = p.queue.front();
  if (head.base_sequence < 0) {
    // A new batch: not while an older epoch's batches of this partition are outstanding (a new
    // epoch at sequence 0 could land before them), nor while a sequence is unresolved.
    if (p.epoch != producer_epoch_ && !p.outstanding_sequences.empty()) return true;
    return p.unresolved;
  }
  // A retry goes only as the lowest outstanding sequence: retries go one at a time, in order.
  return !p.outstanding_sequences.empty() && *p.outstanding_sequences.begin() != head.base_sequence;
}

void Producer::maybe_bump_epoch() {
  if (!epoch_bump_needed_ || producer_id_ < 0) return;
  // TransactionManager.bumpIdempotentProducerEpoch: a local bump, no request; the broker takes a
  // new epoch that starts at sequence 0. The partitions that asked for it renumber every batch
  // still outstanding, in sequence order (TxnPartitionMap.startSequencesAtBeginning).
  epoch_bump_needed_ = false;
  KS_ASSERT_MSG(producer_epoch_ < std::numeric_limits<std::int16_t>::max(), "producer epoch exhausted");
  ++producer_epoch_;
  for (auto& [index, p] : partitions_) {
    if (!p.rewrite_on_bump) continue;
    std::vector<Batch*> outstanding;
    for (Batch& b : p.queue) {
      if (b.base_sequence >= 0) outstanding.push_back(&b);
    }
    for (auto& [correlation, f] : in_flight_) {
      if (f.partition == index && f.batch.base_sequence >= 0) outstanding.push_back(&f.batch);
    }
    std::sort(outstanding.begin(), outstanding.end(),
              [](const Batch* a, const Batch* b) { return a->base_sequence < b->base_sequence; });
    std::int32_t sequence = 0;
    p.outstanding_sequences.clear();
    for (Batch* b : outstanding) {
      b->base_sequence = sequence;
      b->seq_epoch = producer_epoch_;
      b->sequence_reset = true;
      b->payload.clear();
      p.outstanding_sequences.insert(sequence);
      sequence += static_cast<std::int32_t>(b->records.size());
    }
    p.epoch = producer_epoch_;
    p.next_sequence = sequence;
    p.last_acked_sequence = -1;
    p.unresolved = false;
    p.rewrite_on_bump = false;
  }
  env_.record("producer-epoch-bump", {{"producer_id", producer_id_}, {"producer_epoch", producer_epoch_}});
}

// ---------------------------------------------------------------- idempotence

void Producer::init_producer_id() {
  init_timer_ = {};
  if (producer_id_ >= 0 || init_in_flight_) return;
  KS_ASSERT(!config_.bootstrap_servers.empty());
  const NodeId to = config_.bootstrap_servers[init_broker_index_ % config_.bootstrap_servers.size()];
  const std::uint64_t correlation = next_correlation_++;
  init_in_flight_ = correlation;
  init_to_ = to;
  env_.send(to, protocol::KafkaRpc{correlation, protocol::InitProducerIdRequest{}});
  init_timer_ = env_.set_timer(config_.request_timeout, "producer-init-timeout", [this, correlation] {
    init_timer_ = {};
    if (init_in_flight_ != correlation) return;
    init_in_flight_.reset();
    ++init_broker_index_;
    init_producer_id();
  });
}

void Producer::on_init_producer_id_response(std::uint64_t correlation_id,
                                            const protocol::InitProducerIdResponse& response) {
  if (init_in_flight_ != correlation_id) return;
  init_in_flight_.reset();
  if (init_timer_.valid()) env_.cancel_timer(init_timer_);
  init_timer_ = {};
  if (response.error_code != replication::ErrorCode::none) {
    // COORDINATOR_LOAD_IN_PROGRESS (no id block yet), or a broker that cannot: ask again.
    ++init_broker_index_;
    init_timer_ = env_.set_timer(config_.retry_backoff, "producer-init-retry", [this] { init_producer_id(); });
    return;
  }
  producer_id_ = response.producer_id;
  producer_epoch_ = response.producer_epoch;
  env_.record("producer-id", {{"producer_id", producer_id_}, {"producer_epoch", producer_epoch_}});
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
  } else if (const auto* i = std::get_if<protocol::InitProducerIdResponse>(&rpc->body)) {
    on_init_producer_id_response(rpc->correlation_id, *i);
  }
}

void Producer::on_connection_lost(NodeId peer) {
  metadata_.on_connection_lost(peer);
  if (init_in_flight_ && init_to_ == peer) {
    init_in_flight_.reset();
    if (init_timer_.valid()) env_.cancel_timer(init_timer_);
    ++init_broker_index_;
    init_timer_ = env_.set_timer(config_.retry_backoff, "producer-init-retry", [this] { init_producer_id(); });
  }
  // Kafka's NetworkClient fails the in-flight requests of the broken connection: a retriable
  // NETWORK_EXCEPTION; the producer refreshes its metadata.
  fail_requests_to(peer, replication::ErrorCode::network_exception);
  drain();
}

}  // namespace kraftsim::client
