// Consumer: metadata, fetching below the high watermark, CRC checks, positions, and in group
// mode the poll loop (see consumer.h).
#include "broker/client/consumer.h"

#include "base/assert.h"
#include "base/hash.h"
#include "broker/client/record_value.h"
#include "broker/log/record_batch.h"

namespace kraftsim::client {

std::uint64_t consumed_digest(std::uint64_t digest, std::int64_t offset, std::uint64_t value_hash) {
  Hasher h;
  h.add_u64(digest);
  h.add_i64(offset);
  h.add_u64(value_hash);
  return h.value();
}

Consumer::Consumer(env::Env& env, ConsumerConfig config)
    : env_(env),
      config_(std::move(config)),
      metadata_(env, config_.bootstrap_servers, config_.topic, config_.retry_backoff, next_correlation_,
                [this] { on_metadata(); }) {
  metadata_.set_request_timeout(config_.request_timeout);
  if (config_.group) {
    ConsumerCoordinator::Hooks hooks;
    hooks.partition_count = [this] { return metadata_.partition_count(); };
    hooks.on_assigned = [this](const std::map<std::int32_t, std::optional<std::int64_t>>& owned) { on_assigned(owned); };
    hooks.on_revoked = [this](const std::vector<std::int32_t>& partitions) { on_revoked(partitions); };
    hooks.committable = [this] { return committable(); };
    coordinator_ = std::make_unique<ConsumerCoordinator>(env_, config_.bootstrap_servers, config_.topic, *config_.group,
                                                         next_correlation_, std::move(hooks));
  }
}

void Consumer::on_start() {
  env_.set_timer(config_.start_delay, "consumer-start", [this] {
    metadata_.request();
    if (!group_mode()) return;
    coordinator_->start();
    poll();
  });
}

void Consumer::on_metadata() {
  if (group_mode()) {
    // Only the assigned partitions (partitions_ holds exactly those).
    for (auto& [index, p] : partitions_) {
      if (!p.in_flight && !p.timer.valid()) fetch(index);
    }
    return;
  }
  for (std::int32_t index = 0; index < metadata_.partition_count(); ++index) {
    PartitionState& p = partitions_[index];
    if (!p.in_flight && !p.timer.valid()) fetch(index);
  }
}

void Consumer::fetch(std::int32_t partition) {
  PartitionState& p = partitions_[partition];
  p.timer = {};
  if (p.stopped || p.in_flight || !p.buffered.empty()) return;
  const ClientMetadata::Leader leader = metadata_.leader(partition);
  if (leader.id == no_node) return metadata_.request();
  const std::uint64_t correlation = next_correlation_++;
  if (!p.position) {
    if (config_.auto_offset_reset == OffsetReset::none) return no_offset(partition);
    protocol::ListOffsetsRequest list;
    list.topic_partition = {config_.topic, partition};
    list.timestamp = config_.auto_offset_reset == OffsetReset::earliest ? protocol::list_offsets_earliest
                                                                          : protocol::list_offsets_latest;
    list.current_leader_epoch = leader.epoch;
    p.in_flight = correlation;
    p.in_flight_to = leader.id;
    fetches_[correlation] = partition;
    env_.send(leader.id, protocol::KafkaRpc{correlation, std::move(list)});
  } else {
    protocol::FetchRequest req;
    req.topic_partition = {config_.topic, partition};
    req.request.replica_id = -1;  // a consumer
    req.request.fetch_offset = *p.position;
    req.request.current_leader_epoch = leader.epoch;
    req.request.max_wait = config_.fetch_max_wait;  // the broker holds the fetch until data or this
    req.max_bytes = config_.max_partition_fetch_bytes;
    req.min_bytes = config_.fetch_min_bytes;
    p.in_flight = correlation;
    p.in_flight_to = leader.id;
    fetches_[correlation] = partition;
    env_.send(leader.id, protocol::KafkaRpc{correlation, std::move(req)});
  }
  p.timer = env_.set_timer(config_.request_timeout, "consumer-request-timeout", [this, partition, correlation] {
    PartitionState& state = partitions_[partition];
    state.timer = {};
    if (state.in_flight != correlation) return;
    state.in_flight.reset();
    fetches_.erase(correlation);
    metadata_.invalidate(partition);
    fetch_later(partition, config_.retry_backoff);
  });
}

void Consumer::fetch_later(std::int32_t partition, Duration after) {
  PartitionState& p = partitions_[partition];
  if (p.timer.valid()) env_.cancel_timer(p.timer);
  p.timer = env_.set_timer(after, "consumer-fetch", [this, partition] { fetch(partition); });
}

std::optional<std::int32_t> Consumer::take_in_flight(std::uint64_t correlation_id) {
  auto it = fetches_.find(correlation_id);
  if (it == fetches_.end()) return std::nullopt;  // an answer to a request we gave up on
  const std::int32_t partition = it->second;
  fetches_.erase(it);
  PartitionState& p = partitions_[partition];
  if (p.in_flight != correlation_id) return std::nullopt;
  p.in_flight.reset();
  if (p.timer.valid()) env_.cancel_timer(p.timer);
  p.timer = {};
  return partition;
}

void Consumer::on_fetch_response(std::uint64_t correlation_id, const protocol::FetchResponse& response) {
  const std::optional<std::int32_t> answered = take_in_flight(correlation_id);
  if (!answered) return;
  const std::int32_t partition = *answered;
  PartitionState& p = partitions_[partition];
  const replication::FetchResponse& r = response.response;
  using E = replication::ErrorCode;
  if (r.error == E::offset_out_of_range) {
    // The position is gone (retention) or ahead of the leader: reset by auto.offset.reset
    // (Kafka's Fetcher logs "Fetch position ... is out of range for partition ...").
    env_.record("consumer-offset-out-of-range",
                {{"topic", config_.topic}, {"partition", partition}, {"offset", p.position.value_or(-1)},
                 {"log_start_offset", r.log_start_offset}, {"log_end_offset", r.log_end_offset}});
    if (config_.auto_offset_reset == OffsetReset::none) return no_offset(partition);
    p.position.reset();
    return fetch_later(partition, config_.retry_backoff);
  }
  if (r.error != E::none) {
    // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, ...: refresh metadata.
    metadata_.invalidate(partition);
    return fetch_later(partition, config_.retry_backoff);
  }
  std::uint64_t digest = 0;
  std::int64_t count = 0;
  KS_ASSERT(p.position.has_value());
  const std::int64_t from = *p.position;
  for (const auto& batch : r.records) {
    auto decoded = log::decode_batch_view(batch.payload);  // the values are only hashed
    if (!decoded.ok()) {
      const std::string error = log::describe(decoded.error());
      env_.record("consumer-corrupt", {{"topic", config_.topic}, {"partition", partition}, {"offset", batch.base_offset},
                                       {"error", error}});
      p.stopped = true;
      break;
    }
    for (const auto& record : decoded->records) {
      const std::int64_t offset = log::record_offset(decoded->header, record);
      if (offset < *p.position) continue;  // a fetch returns whole batches
      const std::string_view value =
          record.value ? std::string_view(reinterpret_cast<const char*>(record.value->data()), record.value->size())
                       : std::string_view();
      if (group_mode()) {
        // Buffered until the application polls (Fetcher.collectFetch).
        KS_ASSERT_MSG(p.buffered.size() < buffered_records_max, "too many buffered records");
        p.buffered.emplace_back(offset, record_value_hash(value));
      } else {
        digest = consumed_digest(digest, offset, record_value_hash(value));
        ++count;
      }
      p.position = offset + 1;
    }
  }
  if (group_mode()) {
    if (p.stopped) return;
    if (p.buffered.empty()) return fetch(partition);
    if (waiting_for_records_ && !processing_) {
      waiting_for_records_ = false;
      if (poll_timer_.valid()) env_.cancel_timer(poll_timer_);
      poll_timer_ = env_.set_timer(Duration{}, "consumer-poll", [this] { poll(); });
    }
    return;
  }
  if (count > 0) {
    consumed_records_ += count;
    env_.record("consumed", {{"topic", config_.topic}, {"partition", partition}, {"from_offset", from},
                             {"next_offset", *p.position}, {"records", count},
                             {"digest", static_cast<std::int64_t>(digest)}});
  }
  if (p.stopped) return;
  fetch(partition);  // an empty answer means fetch.max.wait.ms passed on the broker
}

void Consumer::on_list_offsets_response(std::uint64_t correlation_id, const protocol::ListOffsetsResponse& response) {
  const std::optional<std::int32_t> answered = take_in_flight(correlation_id);
  if (!answered) return;
  const std::int32_t partition = *answered;
  if (response.error_code != replication::ErrorCode::none) {
    metadata_.invalidate(partition);
    return fetch_later(partition, config_.retry_backoff);
  }
  set_start_position(partition, response.offset,
                     config_.auto_offset_reset == OffsetReset::earliest ? "earliest" : "latest");
  fetch(partition);
}

void Consumer::set_start_position(std::int32_t partition, std::int64_t offset, const char* reset) {
  PartitionState& p = partitions_[partition];
  p.position = offset;
  if (!p.processed) p.processed = offset;  // nothing processed yet: commits carry the start
  env_.record("consumer-position", {{"topic", config_.topic}, {"partition", partition}, {"offset", offset},
                                    {"reset", reset}});
}

void Consumer::no_offset(std::int32_t partition) {
  PartitionState& p = partitions_[partition];
  p.stopped = true;
  env_.record("consumer-no-offset", {{"topic", config_.topic}, {"partition", partition}});
}

void Consumer::on_message(const protocol::Message& message) {
  const auto* rpc = std::get_if<protocol::KafkaRpc>(&message.body);
  if (rpc == nullptr) return;
  if (const auto* m = std::get_if<protocol::MetadataResponse>(&rpc->body)) {
    (void)metadata_.on_response(rpc->correlation_id, *m);
  } else if (const auto* f = std::get_if<protocol::FetchResponse>(&rpc->body)) {
    on_fetch_response(rpc->correlation_id, *f);
  } else if (const auto* l = std::get_if<protocol::ListOffsetsResponse>(&rpc->body)) {
    on_list_offsets_response(rpc->correlation_id, *l);
  } else if (group_mode()) {
    (void)coordinator_->on_response(message.from, *rpc);
  }
}

void Consumer::on_shutdown_requested(env::Env& env) {
  if (!group_mode()) return env.exit("graceful shutdown");
  // KafkaConsumer.close: commit (auto-commit), LeaveGroup, then exit once they are on the wire.
  coordinator_->close();
  env.set_timer(milliseconds(100), "consumer-close", [this] { env_.exit("graceful shutdown"); });
}

// ---------------------------------------------------------------- group mode: the poll loop

void Consumer::poll() {
  poll_timer_ = {};
  if (processing_) return;
  coordinator_->poll();
  // Fetcher.fetchRecords: up to max.poll.records, partition after partition, starting where the
  // last poll stopped so that no partition starves.
  std::int32_t budget = config_.max_poll_records;
  processing_batch_.clear();
  std::vector<std::int32_t> owned;
  for (const auto& [index, p] : partitions_) owned.push_back(index);
  const std::string member = coordinator_->member_id();
  const std::int32_t generation = coordinator_->generation();
  for (std::size_t i = 0; i < owned.size() && budget > 0 && coordinator_->may_consume(); ++i) {
    const std::int32_t index = owned[(next_poll_partition_ + i) % owned.size()];
    PartitionState& p = partitions_[index];
    if (p.buffered.empty()) continue;
    const std::int64_t from = p.buffered.front().first;
    std::uint64_t digest = 0;
    std::int64_t count = 0;
    std::int64_t next = from;
    while (!p.buffered.empty() && budget > 0) {
      const auto& [offset, value_hash] = p.buffered.front();
      digest = consumed_digest(digest, offset, value_hash);
      next = offset + 1;
      ++count;
      --budget;
      p.buffered.pop_front();
    }
    consumed_records_ += count;
    env_.record("consumed", {{"topic", config_.topic}, {"partition", index}, {"from_offset", from},
                             {"next_offset", next}, {"records", count}, {"digest", static_cast<std::int64_t>(digest)},
                             {"group", config_.group->group_id}, {"member", member}, {"generation", generation}});
    // The history: poll() is one operation; each partition's slice of its answer is one ok.
    if (processing_batch_.empty()) {
      ++polls_;
      env_.record("history", {{"process", env_.self()}, {"type", "invoke"}, {"f", "poll"}, {"id", polls_}, {"topic", config_.topic}});
    }
    env_.record("history", {{"process", env_.self()}, {"type", "ok"}, {"f", "poll"}, {"id", polls_}, {"topic", config_.topic},
                            {"partition", index}, {"from_offset", from}, {"next_offset", next}, {"records", count}});
    processing_batch_.emplace_back(index, next);
    if (p.buffered.empty() && !p.in_flight && !p.timer.valid()) fetch(index);
  }
  if (!owned.empty()) next_poll_partition_ = (next_poll_partition_ + 1) % owned.size();
  if (processing_batch_.empty()) {
    waiting_for_records_ = true;
    poll_timer_ = env_.set_timer(consumer_poll_timeout, "consumer-poll", [this] { poll(); });
    return;
  }
  if (config_.commit_before_processing) {
    // At-most-once: the polled positions are committed before the records are processed.
    std::map<std::int32_t, std::int64_t> offsets;
    for (const auto& [partition, next] : processing_batch_) offsets[partition] = next;
    coordinator_->commit(offsets);
  }
  const std::int64_t polled = config_.max_poll_records - budget;
  KS_ASSERT(polled > 0 && polled <= config_.max_poll_records);
  processing_ = true;
  poll_timer_ = env_.set_timer(config_.processing_time_per_record * polled, "consumer-process", [this] { on_processed(); });
}

void Consumer::on_processed() {
  KS_ASSERT(processing_ && !processing_batch_.empty());
  poll_timer_ = {};
  processing_ = false;
  for (const auto& [partition, next] : processing_batch_) {
    auto it = partitions_.find(partition);
    if (it != partitions_.end()) it->second.processed = next;  // revoked meanwhile: nothing to advance
  }
  if (config_.commit_after_processing) {
    // The application's explicit commitSync() of what it just processed.
    std::map<std::int32_t, std::int64_t> offsets;
    for (const auto& [partition, next] : processing_batch_) {
      if (partitions_.contains(partition)) offsets[partition] = next;
    }
    coordinator_->commit(offsets);
  }
  processing_batch_.clear();
  poll();
}

void Consumer::on_assigned(const std::map<std::int32_t, std::optional<std::int64_t>>& owned) {
  for (const auto& [partition, committed] : owned) {
    if (partitions_.contains(partition) && partitions_[partition].position) continue;  // kept (test-only switch)
    PartitionState& p = partitions_[partition];
    if (committed) set_start_position(partition, *committed, "committed");
    if (!p.in_flight && !p.timer.valid()) fetch(partition);
  }
}

void Consumer::on_revoked(const std::vector<std::int32_t>& partitions) {
  for (std::int32_t partition : partitions) {
    auto it = partitions_.find(partition);
    if (it == partitions_.end()) continue;
    if (it->second.in_flight) fetches_.erase(*it->second.in_flight);
    if (it->second.timer.valid()) env_.cancel_timer(it->second.timer);
    partitions_.erase(it);
  }
}

std::map<std::int32_t, std::int64_t> Consumer::committable() const {
  std::map<std::int32_t, std::int64_t> out;
  for (const auto& [index, p] : partitions_) {
    if (p.processed) out[index] = *p.processed;
  }
  return out;
}

void Consumer::on_connection_lost(NodeId peer) {
  metadata_.on_connection_lost(peer);
  if (group_mode()) coordinator_->on_connection_lost(peer);
  for (auto& [index, p] : partitions_) {
    if (!p.in_flight || p.in_flight_to != peer) continue;
    fetches_.erase(*p.in_flight);
    p.in_flight.reset();
    metadata_.invalidate(index);
    fetch_later(index, config_.retry_backoff);
  }
}

}  // namespace kraftsim::client
