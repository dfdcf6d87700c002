// ReplicaManager: hosting partitions, driving their replication cores, serving Produce / Fetch /
// OffsetsForLeaderEpoch / Metadata, the high-watermark checkpoint and log maintenance (see
// replica_manager.h).
#include "broker/node/replica_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "base/assert.h"
#include "broker/log/log_config.h"

namespace kraftsim::node {

namespace {

constexpr Duration alter_partition_retry_backoff = milliseconds(100);  // AlterPartitionManager's retry
constexpr std::uint64_t replica_fetch_max_bytes_default = 1024 * 1024;  // replica.fetch.max.bytes
// How often LogManager's scheduled work looks at the logs: the time-based flush policy
// (log.flush.interval.ms), the recovery-point checkpoint and the retention check each decide
// for themselves whether they are due.
constexpr Duration log_maintenance_tick = milliseconds(1000);

std::string join_ids(const std::vector<NodeId>& ids) {
  std::string out;
  for (NodeId id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

// Kafka's checkpoint file: "0\n<count>\n" then "<topic> <partition> <offset>\n" per entry
// (OffsetCheckpointFile, CheckpointFile.Formatter).
env::Bytes encode_hw_checkpoint(const std::map<ReplicaManager::PartitionKey, std::int64_t>& entries) {
  std::string text = fmt::format("0\n{}\n", entries.size());
  for (const auto& [key, hw] : entries) text += fmt::format("{} {} {}\n", key.first, key.second, hw);
  return env::Bytes(text.begin(), text.end());
}

Result<std::map<ReplicaManager::PartitionKey, std::int64_t>, std::string> decode_hw_checkpoint(const env::Bytes& bytes) {
  std::map<ReplicaManager::PartitionKey, std::int64_t> out;
  const std::string text(bytes.begin(), bytes.end());
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return unexpected(std::string("the last line has no newline"));
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  if (lines.size() < 2 || lines[0] != "0") return unexpected(std::string("expected version 0 on the first line"));
  std::size_t count = 0;
  auto [p, ec] = std::from_chars(lines[1].data(), lines[1].data() + lines[1].size(), count);
  if (ec != std::errc() || p != lines[1].data() + lines[1].size() || count != lines.size() - 2) {
    return unexpected(fmt::format("expected {} entries as the second line says, found {}", lines[1], lines.size() - 2));
  }
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::size_t s1 = line.find(' ');
    const std::size_t s2 = s1 == std::string::npos ? s1 : line.find(' ', s1 + 1);
    std::int32_t partition = 0;
    std::int64_t hw = 0;
    if (s2 == std::string::npos ||
        std::from_chars(line.data() + s1 + 1, line.data() + s2, partition).ptr != line.data() + s2 ||
        std::from_chars(line.data() + s2 + 1, line.data() + line.size(), hw).ptr != line.data() + line.size() ||
        partition < 0 || hw < 0) {
      return unexpected(fmt::format("line {}: expected \"<topic> <partition> <offset>\", got \"{}\"", i + 1, line));
    }
    out[{line.substr(0, s1), partition}] = hw;
  }
  return out;
}

replication::ErrorCode to_replication_error(controller::ErrorCode code) {
  // Both are Kafka's wire values; codes the core does not name fall into its "stale view" branch.
  return static_cast<replication::ErrorCode>(static_cast<std::int16_t>(code));
}

}  // namespace

ReplicaManager::ReplicaManager(env::Env& env, const NodeConfig& config, ReplicaManagerHooks hooks)
    : env_(env), config_(config), hooks_(std::move(hooks)) {}

Result<bool, std::string> ReplicaManager::start() {
  if (!env_.files().exists(hw_checkpoint_file)) return true;
  auto size = env_.files().size(hw_checkpoint_file);
  if (!size.ok()) return unexpected(fmt::format("{}: cannot read its size", hw_checkpoint_file));
  auto bytes = env_.files().read(hw_checkpoint_file, 0, *size);
  if (!bytes.ok()) return unexpected(fmt::format("{}: read failed", hw_checkpoint_file));
  auto entries = decode_hw_checkpoint(*bytes);
  if (!entries.ok()) return unexpected(fmt::format("{}: {}", hw_checkpoint_file, entries.error()));
  checkpointed_hw_ = std::move(entries.value());
  return true;
}

replication::ReplicationConfig ReplicaManager::replication_config(const replication::TopicPartition& tp) const {
  replication::ReplicationConfig c;
  c.node_id = config_.node_id;
  c.topic_partition = tp;
  c.replica_lag_time_max = milliseconds(config_.int_or("replica.lag.time.max.ms", 30000));
  c.replica_fetch_wait_max = milliseconds(config_.int_or("replica.fetch.wait.max.ms", 500));
  c.replica_fetch_backoff = milliseconds(config_.int_or("replica.fetch.backoff.ms", 1000));
  c.replica_socket_timeout = milliseconds(config_.int_or("replica.socket.timeout.ms", 30000));
  c.truncate_on_fetch = config_.bool_or("kraftsim.replica.truncate.on.fetch", false);
  c.legacy_truncate_to_high_watermark = config_.bool_or("legacy.truncate.to.high.watermark", false);
  c.legacy_advance_high_watermark_below_min_isr =
      config_.bool_or("legacy.advance.high.watermark.below.min.isr", false);
  c.test_only_leader_high_watermark_may_decrease = config_.bool_or("kraftsim.test.leader.hw.may.decrease", false);
  c.test_only_leader_epoch_not_bumped = config_.bool_or("kraftsim.test.partition.leader.epoch.not.bumped", false);
  return c;
}

const ReplicaManager::Hosted* ReplicaManager::partition(const std::string& topic, std::int32_t index) const {
  auto it = partitions_.find({topic, index});
  return it == partitions_.end() ? nullptr : it->second.get();
}

ReplicaManager::Hosted* ReplicaManager::find(const replication::TopicPartition& tp) {
  auto it = partitions_.find({tp.topic, tp.partition});
  return it == partitions_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------- metadata

ReplicaManager::Hosted* ReplicaManager::host(const metadata::MetadataImage& image, const metadata::TopicImage& topic,
                                             std::int32_t index) {
  const PartitionKey key{topic.name, index};
  if (auto it = partitions_.find(key); it != partitions_.end()) return it->second.get();
  KS_ASSERT_MSG(partitions_.size() < hosted_partitions_max, "too many hosted partitions");
  // The log's config: the broker's log.* keys overridden by the topic's own configs.
  std::map<std::string, std::string> props = config_.other;
  if (auto it = image.configs().find(metadata::ConfigResource{metadata::ConfigResourceType::topic, topic.name});
      it != image.configs().end()) {
    for (const auto& [k, v] : it->second) props[k] = v;
  }
  const replication::TopicPartition tp{topic.name, index};
  auto log_config = log::parse_log_config(props);
  if (!log_config.ok()) {
    const std::string reason = fmt::format("{}: {}", log_config.error().key, log_config.error().message);
    env_.record("partition-offline", {{"topic", topic.name}, {"partition", index}, {"reason", reason}});
    return nullptr;
  }
  auto opened = log::PartitionLog::open(env_.files(), "", log::TopicPartition{topic.name, index}, *log_config, env_.now());
  if (!opened.ok()) {
    // Kafka marks the log directory offline (KAFKA_STORAGE_ERROR to clients); the broker lives on.
    const std::string reason = log::describe(opened.error());
    env_.record("partition-offline", {{"topic", topic.name}, {"partition", index}, {"reason", reason}});
    return nullptr;
  }
  const log::RecoveryReport& report = (*opened)->recovery_report();
  env_.record("partition-log-opened",
              {{"topic", topic.name}, {"partition", index}, {"clean_shutdown", report.clean_shutdown},
               {"log_start_offset", (*opened)->log_start_offset()}, {"log_end_offset", (*opened)->log_end_offset()},
               {"segments_recovered", static_cast<std::int64_t>(report.segments_recovered)},
               {"truncated_bytes", static_cast<std::int64_t>(report.truncated_bytes)}});
  auto hosted = std::make_unique<Hosted>();
  hosted->topic_partition = tp;
  hosted->topic_id = topic.id;
  hosted->log = std::make_unique<PartitionReplicaLog>(std::move(opened.value()));
  watch_log(*hosted);
  std::int64_t hw = 0;
  if (auto it = checkpointed_hw_.find(key); it != checkpointed_hw_.end()) hw = it->second;
  auto rc = replication_config(tp);
  if (auto bad = replication::validate_config(rc)) {
    env_.record("partition-offline", {{"topic", topic.name}, {"partition", index}, {"reason", *bad}});
    return nullptr;
  }
  hosted->replica = std::make_unique<replication::PartitionReplica>(rc, *hosted->log, env_.now(), hw);
  Hosted* raw = hosted.get();
  partitions_.emplace(key, std::move(hosted));
  start_maintenance_timers();
  return raw;
}

void ReplicaManager::on_metadata_update(const metadata::MetadataImage& image) {
  image_ = &image;
  if (shutting_down_) return;
  const NodeId self = config_.node_id;
  for (const auto& [id, topic] : image.topics()) {
    for (const auto& [index, reg] : topic.partitions) {
      if (!reg.replicas_contain(self)) continue;
      Hosted* p = host(image, topic, index);
      if (p == nullptr) continue;
      replication::PartitionReplica& r = *p->replica;
      const Time now = env_.now();
      // min.insync.replicas: the topic's, else the cluster default, else the broker's static value.
      std::int64_t min_isr = config_.int_or("min.insync.replicas", 1);
      if (auto v = image.topic_config(topic.name, "min.insync.replicas")) {
        std::from_chars(v->data(), v->data() + v->size(), min_isr);
      }
      if (static_cast<int>(min_isr) != p->applied_min_isr) {
        p->applied_min_isr = static_cast<int>(min_isr);
        r.on_min_insync_replicas_changed(now, p->applied_min_isr);
      }
      std::vector<NodeId> ineligible;
      for (NodeId replica : reg.replicas) {
        if (!image.is_unfenced(replica)) ineligible.push_back(replica);
      }
      std::sort(ineligible.begin(), ineligible.end());
      if (ineligible != p->applied_ineligible) {
        p->applied_ineligible = ineligible;
        r.on_ineligible_replicas_changed(now, ineligible);
      }
      const bool changed = reg.leader != p->applied_leader || reg.leader_epoch != p->applied_leader_epoch ||
                           reg.partition_epoch != p->applied_partition_epoch;
      if (changed && reg.leader != metadata::no_leader) {
        p->applied_leader = reg.leader;
        p->applied_leader_epoch = reg.leader_epoch;
        p->applied_partition_epoch = reg.partition_epoch;
        if (reg.leader == self) {
          r.become_leader(now, reg.leader_epoch, reg.partition_epoch, reg.replicas, reg.isr);
        } else {
          r.become_follower(now, reg.leader, reg.leader_epoch);
        }
      }
      apply_output(*p);
    }
  }
}

// ---------------------------------------------------------------- requests

void ReplicaManager::on_request(NodeId from, const protocol::KafkaRpc& rpc) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::MetadataRequest>) {
          on_metadata_request(from, rpc.correlation_id, m);
        } else if constexpr (std::is_same_v<T, protocol::ProduceRequest>) {
          on_produce(from, rpc.correlation_id, m);
        } else if constexpr (std::is_same_v<T, protocol::FetchRequest>) {
          on_fetch(from, rpc.correlation_id, m);
        } else if constexpr (std::is_same_v<T, protocol::ListOffsetsRequest>) {
          on_list_offsets(from, rpc.correlation_id, m);
        } else if constexpr (std::is_same_v<T, protocol::OffsetsForLeaderEpochRequest>) {
          on_offsets_for_leader_epoch(from, rpc.correlation_id, m);
        } else {
          on_response(from, rpc);
        }
      },
      rpc.body);
}

void ReplicaManager::on_metadata_request(NodeId from, std::uint64_t correlation_id,
                                         const protocol::MetadataRequest& request) {
  protocol::MetadataResponse out;
  if (image_ != nullptr) {
    out.brokers = image_->unfenced_brokers();
    auto add_topic = [&](const metadata::TopicImage& topic) {
      protocol::MetadataResponse::Topic t;
      t.name = topic.name;
      for (const auto& [index, reg] : topic.partitions) {
        protocol::MetadataResponse::Partition p;
        p.partition_index = index;
        p.leader_id = reg.leader;
        p.leader_epoch = reg.leader_epoch;
        p.replica_nodes = reg.replicas;
        p.isr_nodes = reg.isr;
        t.partitions.push_back(std::move(p));
      }
      out.topics.push_back(std::move(t));
    };
    if (request.topics.empty()) {
      for (const auto& [id, topic] : image_->topics()) add_topic(topic);
    } else {
      for (const std::string& name : request.topics) {
        if (const auto* topic = image_->topic_by_name(name)) {
          add_topic(*topic);
        } else {
          protocol::MetadataResponse::Topic t;
          t.name = name;
          t.error_code = replication::ErrorCode::unknown_topic_or_partition;
          out.topics.push_back(std::move(t));
        }
      }
    }
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, std::move(out)});
}

void ReplicaManager::on_produce(NodeId from, std::uint64_t correlation_id, const protocol::ProduceRequest& request) {
  const PartitionKey partition{request.topic_partition.topic, request.topic_partition.partition};
  auto [it, fresh] = produce_lanes_.try_emplace({from, partition});
  ProduceLane& lane = it->second;
  if (fresh) lane.id = next_lane_id_++;
  if (lane.busy) {  // the channel is muted: the request waits in the socket until the answer goes out
    KS_ASSERT_MSG(lane.queued.size() < produce_lane_queue_max, "too many produce requests queued on one connection");
    lane.queued.emplace_back(correlation_id, request);
    return;
  }
  lane.busy = true;
  lane.correlation_id = correlation_id;
  handle_produce(from, correlation_id, request);
}

void ReplicaManager::produce_answered(NodeId client, const replication::TopicPartition& tp, std::uint64_t correlation_id) {
  const PartitionKey partition{tp.topic, tp.partition};
  auto it = produce_lanes_.find({client, partition});
  // The connection broke meanwhile: nothing waits on it, or a new connection's lane does not.
  if (it == produce_lanes_.end() || !it->second.busy || it->second.correlation_id != correlation_id) return;
  ProduceLane& lane = it->second;
  if (lane.queued.empty()) {
    produce_lanes_.erase(it);
    return;
  }
  // The processor reads the next request after the response went out: a step of its own (an
  // answer may go out from inside a replica's output). The lane stays busy until then.
  const std::uint64_t id = lane.id;
  env_.set_timer(Duration{}, "produce-read-next", [this, client, id] { read_next_produce(client, id); });
}

void ReplicaManager::read_next_produce(NodeId client, std::uint64_t lane_id) {
  auto it = produce_lanes_.lower_bound({client, PartitionKey{}});
  while (it != produce_lanes_.end() && it->first.first == client && it->second.id != lane_id) ++it;
  if (it == produce_lanes_.end() || it->second.id != lane_id) return;  // dropped with its connection
  ProduceLane& lane = it->second;
  KS_ASSERT(lane.busy && !lane.queued.empty());
  auto [correlation_id, request] = std::move(lane.queued.front());
  lane.queued.pop_front();
  lane.correlation_id = correlation_id;
  handle_produce(client, correlation_id, request);
}

void ReplicaManager::handle_produce(NodeId from, std::uint64_t correlation_id, const protocol::ProduceRequest& request) {
  Hosted* p = shutting_down_ ? nullptr : find(request.topic_partition);
  if (p == nullptr) {
    // Kafka: NOT_LEADER_OR_FOLLOWER when the partition exists but is not hosted here.
    const bool exists = image_ != nullptr &&
                        image_->partition(request.topic_partition.topic, request.topic_partition.partition) != nullptr;
    protocol::ProduceResponse out{request.topic_partition,
                                  exists ? replication::ErrorCode::not_leader_or_follower
                                         : replication::ErrorCode::unknown_topic_or_partition,
                                  -1};
    if (request.request.acks != replication::Acks::none) env_.send(from, protocol::KafkaRpc{correlation_id, out});
    produce_answered(from, request.topic_partition, correlation_id);
    return;
  }
  replication::ProduceRequest r = request.request;
  r.request_id = p->next_token++;
  p->produce_waiting[r.request_id] = {from, correlation_id};
  p->replica->on_produce(env_.now(), std::move(r));
  apply_output(*p);
}

void ReplicaManager::on_fetch(NodeId from, std::uint64_t correlation_id, const protocol::FetchRequest& request) {
  if (request.request.replica_id < 0) return on_consumer_fetch(from, correlation_id, request);
  Hosted* p = shutting_down_ ? nullptr : find(request.topic_partition);
  if (p == nullptr) {
    protocol::FetchResponse out{request.topic_partition, {}};
    out.response.request_id = request.request.request_id;
    out.response.error = replication::ErrorCode::not_leader_or_follower;
    env_.send(from, protocol::KafkaRpc{correlation_id, std::move(out)});
    return;
  }
  replication::FetchRequest r = request.request;
  r.request_id = p->next_token++;
  p->fetch_waiting[r.request_id] = {from, correlation_id};
  p->replica->on_follower_fetch(env_.now(), r);
  apply_output(*p);
}

void ReplicaManager::on_consumer_fetch(NodeId from, std::uint64_t correlation_id, const protocol::FetchRequest& request) {
  Hosted* p = shutting_down_ ? nullptr : find(request.topic_partition);
  bool readable = false;
  protocol::FetchResponse out = consumer_fetch_response(p, request, readable);
  const Duration wait = std::min(request.request.max_wait, consumer_fetch_wait_max);
  if (!readable && out.response.error == replication::ErrorCode::none && wait > Duration{} &&
      p->consumer_parked.size() < parked_consumer_fetches_max) {
    // Nothing below the high watermark yet: Kafka parks the fetch (fetch.max.wait.ms).
    p->consumer_parked.push_back({from, correlation_id, request, env_.now() + wait});
    arm_consumer_timer(*p);
    return;
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, std::move(out)});
}

protocol::FetchResponse ReplicaManager::consumer_fetch_response(Hosted* p, const protocol::FetchRequest& request,
                                                                bool& readable) {
  readable = false;
  protocol::FetchResponse out{request.topic_partition, {}};
  replication::FetchResponse& resp = out.response;
  resp.request_id = request.request.request_id;
  const std::optional<replication::Epoch> asked = request.request.current_leader_epoch;
  if (p == nullptr || p->replica->role() != replication::Role::leader) {
    resp.error = replication::ErrorCode::not_leader_or_follower;
  } else if (asked && *asked < p->replica->leader_epoch()) {
    resp.error = replication::ErrorCode::fenced_leader_epoch;  // KIP-320
  } else if (asked && *asked > p->replica->leader_epoch()) {
    resp.error = replication::ErrorCode::unknown_leader_epoch;
  } else {
    const replication::Offset hw = p->replica->high_watermark();
    resp.high_watermark = hw;
    resp.log_start_offset = p->log->log_start_offset();
    resp.log_end_offset = p->log->log_end_offset();
    const replication::Offset from_offset = request.request.fetch_offset;
    // Out of range only outside the log (UnifiedLog.read): a position between the high watermark
    // and the log end (a new leader whose high watermark has not caught up with the old one's)
    // reads nothing yet.
    if (from_offset < p->log->log_start_offset() || from_offset > p->log->log_end_offset()) {
      resp.error = replication::ErrorCode::offset_out_of_range;
    } else if (from_offset < hw) {
      // A consumer reads only below the high watermark (Kafka's FetchIsolation.HIGH_WATERMARK).
      auto batches = p->log->read(from_offset, hw, static_cast<std::uint64_t>(std::max(1, request.max_bytes)));
      if (batches.ok()) {
        resp.read_from_offset = from_offset;
        resp.read_up_to_offset = hw;
        resp.records = std::move(batches.value());
        // fetch.min.bytes: enough bytes, or as many as the fetch may carry (DelayedFetch.tryComplete).
        std::int64_t bytes = 0;
        for (const auto& b : resp.records) bytes += static_cast<std::int64_t>(b.payload.size());
        readable = !resp.records.empty() &&
                   (bytes >= std::max(1, request.min_bytes) || bytes >= std::max(1, request.max_bytes));
      } else {
        resp.error = batches.error().code == log::LogErrc::offset_out_of_range ? replication::ErrorCode::offset_out_of_range
                                                                               : replication::ErrorCode::kafka_storage_error;
      }
    }
  }
  return out;
}

void ReplicaManager::complete_consumer_fetches(Hosted& p) {
  if (p.consumer_parked.empty()) return;
  const Time now = env_.now();
  std::vector<Hosted::ParkedConsumerFetch> still;
  for (auto& parked : p.consumer_parked) {
    bool readable = false;
    protocol::FetchResponse out = consumer_fetch_response(shutting_down_ ? nullptr : &p, parked.request, readable);
    if (readable || out.response.error != replication::ErrorCode::none || now >= parked.deadline) {
      env_.send(parked.from, protocol::KafkaRpc{parked.correlation_id, std::move(out)});
    } else {
      still.push_back(std::move(parked));
    }
  }
  p.consumer_parked = std::move(still);
  arm_consumer_timer(p);
}

void ReplicaManager::arm_consumer_timer(Hosted& p) {
  Time deadline = Time::max();
  for (const auto& parked : p.consumer_parked) deadline = std::min(deadline, parked.deadline);
  if (deadline == p.consumer_timer_deadline && p.consumer_timer.valid()) return;
  if (p.consumer_timer.valid()) env_.cancel_timer(p.consumer_timer);
  p.consumer_timer = {};
  p.consumer_timer_deadline = deadline;
  if (deadline == Time::max()) return;
  Hosted* raw = &p;
  p.consumer_timer = env_.set_timer(deadline > env_.now() ? deadline - env_.now() : Duration{}, "consumer-fetch-wait",
                                    [this, raw] {
                                      raw->consumer_timer = {};
                                      raw->consumer_timer_deadline = Time::max();
                                      complete_consumer_fetches(*raw);
                                    });
}

void ReplicaManager::on_list_offsets(NodeId from, std::uint64_t correlation_id, const protocol::ListOffsetsRequest& request) {
  // Partition.fetchOffsetForTimestamp for the two special timestamps, from the leader only
  // (KIP-320 epoch checks as for a fetch). LATEST for a read_uncommitted consumer is the high
  // watermark: what lies above it is not readable yet.
  protocol::ListOffsetsResponse out{request.topic_partition, replication::ErrorCode::none, -1, -1};
  Hosted* p = shutting_down_ ? nullptr : find(request.topic_partition);
  const auto asked = request.current_leader_epoch;
  if (p == nullptr || p->replica->role() != replication::Role::leader) {
    out.error_code = replication::ErrorCode::not_leader_or_follower;
  } else if (asked && *asked < p->replica->leader_epoch()) {
    out.error_code = replication::ErrorCode::fenced_leader_epoch;
  } else if (asked && *asked > p->replica->leader_epoch()) {
    out.error_code = replication::ErrorCode::unknown_leader_epoch;
  } else if (request.timestamp == protocol::list_offsets_earliest) {
    out.offset = p->log->log_start_offset();
    out.leader_epoch = p->replica->leader_epoch();
  } else if (request.timestamp == protocol::list_offsets_latest) {
    out.offset = p->replica->high_watermark();
    out.leader_epoch = p->replica->leader_epoch();
  } else {
    out.error_code = replication::ErrorCode::invalid_request;  // offsets by time: not modelled
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, std::move(out)});
}

void ReplicaManager::on_offsets_for_leader_epoch(NodeId from, std::uint64_t correlation_id,
                                                 const protocol::OffsetsForLeaderEpochRequest& request) {
  protocol::OffsetsForLeaderEpochResponse out{request.topic_partition, {}};
  Hosted* p = shutting_down_ ? nullptr : find(request.topic_partition);
  if (p == nullptr) {
    out.response.request_id = request.request.request_id;
    out.response.error = replication::ErrorCode::not_leader_or_follower;
  } else {
    out.response = p->replica->on_offsets_for_leader_epoch(env_.now(), request.request);
  }
  env_.send(from, protocol::KafkaRpc{correlation_id, std::move(out)});
}

void ReplicaManager::on_response(NodeId /*from*/, const protocol::KafkaRpc& rpc) {
  auto it = outgoing_.find(rpc.correlation_id);
  if (it == outgoing_.end()) return;  // an answer to a request we gave up on
  const Outgoing out = it->second;
  outgoing_.erase(it);
  auto pit = partitions_.find(out.partition);
  if (pit == partitions_.end() || shutting_down_) return;
  Hosted& p = *pit->second;
  if (const auto* f = std::get_if<protocol::FetchResponse>(&rpc.body)) {
    replication::FetchResponse r = f->response;
    r.request_id = out.request_id;
    p.replica->on_fetch_response(env_.now(), r);
  } else if (const auto* o = std::get_if<protocol::OffsetsForLeaderEpochResponse>(&rpc.body)) {
    replication::OffsetsForLeaderEpochResponse r = o->response;
    r.request_id = out.request_id;
    p.replica->on_offsets_for_leader_epoch_response(env_.now(), r);
  } else {
    return;
  }
  apply_output(p);
}

void ReplicaManager::on_connection_lost(NodeId peer) {
  // The requests a client's broken connection had queued are gone with it (see ProduceLane).
  for (auto it = produce_lanes_.begin(); it != produce_lanes_.end();) {
    it = it->first.first == peer ? produce_lanes_.erase(it) : std::next(it);
  }
  fail_fetches_to(peer);
  for (auto& [key, alter] : alters_) {
    if (alter.correlation_id != 0 && alter.to == peer) retry_alter_partition_later(key);
  }
}

void ReplicaManager::on_connection_refused(NodeId peer) { fail_fetches_to(peer); }

void ReplicaManager::fail_fetches_to(NodeId peer) {
  // Kafka's NetworkClient fails every in-flight request of a broken connection.
  for (auto it = outgoing_.begin(); it != outgoing_.end();) {
    it = it->second.to == peer ? outgoing_.erase(it) : std::next(it);
  }
  for (auto& [key, p] : partitions_) {
    if (shutting_down_) break;
    p->replica->on_connection_lost(env_.now(), peer);
    apply_output(*p);
  }
}

// ---------------------------------------------------------------- the core's output

void ReplicaManager::send_fetch(Hosted& p, const replication::FetchRequestToSend& f) {
  const std::uint64_t correlation = next_correlation_++;
  outgoing_[correlation] = Outgoing{{p.topic_partition.topic, p.topic_partition.partition}, f.request.request_id, f.leader_id};
  protocol::FetchRequest req{p.topic_partition, f.request,
                             static_cast<std::int32_t>(config_.int_or("replica.fetch.max.bytes", replica_fetch_max_bytes_default))};
  env_.send(f.leader_id, protocol::KafkaRpc{correlation, std::move(req)});
}

bool ReplicaManager::flush_pending_below(const log::PartitionLog& log, std::int64_t offset) {
  return offset > log.recovery_point() && log.highest_flush_target_in_flight() >= offset;
}

void ReplicaManager::after_flush(Hosted& p, std::int64_t offset, AfterFlush then,
                                 std::optional<replication::FetchRequestToSend> fetch) {
  KS_ASSERT_MSG(flush_waits_.size() < flush_waits_max, "too many waits for a flush");
  KS_ASSERT((then == AfterFlush::send_fetch) == fetch.has_value());
  const std::uint64_t token = next_flush_wait_++;
  flush_waits_.emplace(token, FlushWait{p.topic_partition, p.replica.get(), then, std::move(fetch)});
  p.log->partition_log().flush(offset, [this, token](log::LogStatus) {
    // A failed flush is the log's to report (a storage error); what waited still goes, or a
    // follower or a producer would wait forever for an answer.
    auto waiting = flush_waits_.find(token);
    if (waiting == flush_waits_.end()) return;
    const FlushWait wait = std::move(waiting->second);
    flush_waits_.erase(waiting);
    Hosted* still = find(wait.partition);
    if (still == nullptr || still->replica.get() != wait.replica || shutting_down_) return;
    switch (wait.then) {
      case AfterFlush::send_fetch: send_fetch(*still, *wait.fetch); break;
      case AfterFlush::send_answers:
        still->answers_wait_for_flush = false;
        send_flushed_answers(*still);
        break;
      case AfterFlush::advance_high_watermark:
        still->high_watermark_waits_for_flush = false;
        still->replica->on_log_flushed(env_.now());
        apply_output(*still);
        break;
    }
  });
}

void ReplicaManager::answer_produce(Hosted& p, NodeId to, std::uint64_t correlation, const replication::ProduceResponse& resp) {
  // Kafka's leader fsyncs inside the append when flush.messages says so (UnifiedLog.append ->
  // flush), before the request handler answers: an answer waits for the flush of its batch. A
  // flush that starts at the append covers the whole batch, so its first offset tells.
  const std::int64_t flushed_below = resp.base_offset >= 0 && !resp.duplicate ? resp.base_offset + 1 : 0;
  protocol::ProduceResponse answer{p.topic_partition, resp.error, resp.base_offset};
  if (p.answers_after_flush.empty() && !flush_pending_below(p.log->partition_log(), flushed_below)) {
    env_.send(to, protocol::KafkaRpc{correlation, std::move(answer)});
    produce_answered(to, p.topic_partition, correlation);
    return;
  }
  KS_ASSERT_MSG(p.answers_after_flush.size() < answers_after_flush_max, "too many produce answers waiting for a flush");
  p.answers_after_flush.push_back(Hosted::AnswerAfterFlush{to, correlation, std::move(answer), flushed_below});
  send_flushed_answers(p);
}

void ReplicaManager::send_flushed_answers(Hosted& p) {
  while (!p.answers_after_flush.empty() && !p.answers_wait_for_flush) {
    Hosted::AnswerAfterFlush& next = p.answers_after_flush.front();
    if (flush_pending_below(p.log->partition_log(), next.flushed_below)) {
      p.answers_wait_for_flush = true;
      after_flush(p, next.flushed_below, AfterFlush::send_answers);
      return;
    }
    const NodeId to = next.to;
    const std::uint64_t correlation = next.correlation;
    env_.send(to, protocol::KafkaRpc{correlation, std::move(next.response)});
    p.answers_after_flush.pop_front();
    produce_answered(to, p.topic_partition, correlation);
  }
}

void ReplicaManager::apply_output(Hosted& p) {
  replication::PartitionReplica& r = *p.replica;
  std::vector<std::pair<LocalAppendDone, replication::ProduceResponse>> local_done;
  bool changed = false;
  while (r.has_output()) {
    replication::Output out = r.take_output();
    // 1. log changes: already made; the notable ones go to the trace.
    for (const auto& change : out.log_changes) record_log_change(p, change);
    // 2. fetch responses: read the named batches now, before anything else changes the log.
    for (auto& f : out.fetch_responses) {
      auto waiting = p.fetch_waiting.find(f.response.request_id);
      if (waiting == p.fetch_waiting.end()) continue;
      const auto [to, correlation] = waiting->second;
      p.fetch_waiting.erase(waiting);
      replication::FetchResponse resp = std::move(f.response);
      if (resp.error == replication::ErrorCode::none && resp.read_from_offset < resp.read_up_to_offset) {
        const auto max_bytes = static_cast<std::uint64_t>(config_.int_or("replica.fetch.max.bytes", replica_fetch_max_bytes_default));
        auto batches = p.log->read(resp.read_from_offset, resp.read_up_to_offset, max_bytes);
        if (batches.ok()) {
          resp.records = std::move(batches.value());
        } else {
          resp.error = replication::ErrorCode::kafka_storage_error;
        }
      }
      env_.send(to, protocol::KafkaRpc{correlation, protocol::FetchResponse{p.topic_partition, std::move(resp)}});
    }
    // 3. produce responses, in order; acks=0 gets none (and an error closes the connection,
    // which the producer sees as a lost connection: kraftsim only records it). The broker's own
    // appends are answered after this output is applied.
    for (const auto& resp : out.produce_responses) {
      if (auto local = p.local_waiting.find(resp.request_id); local != p.local_waiting.end()) {
        local_done.emplace_back(std::move(local->second), resp);
        p.local_waiting.erase(local);
        continue;
      }
      auto waiting = p.produce_waiting.find(resp.request_id);
      if (waiting == p.produce_waiting.end()) continue;
      const auto [to, correlation] = waiting->second;
      p.produce_waiting.erase(waiting);
      if (!resp.send_to_producer) {  // acks=0: handled, nothing to send
        produce_answered(to, p.topic_partition, correlation);
        continue;
      }
      if (resp.duplicate) {
        env_.record("produce-duplicate", {{"topic", p.topic_partition.topic}, {"partition", p.topic_partition.partition},
                                          {"producer", to}, {"base_offset", resp.base_offset},
                                          {"error", replication::to_string(resp.error)}});
      }
      answer_produce(p, to, correlation, resp);
    }
    // 4. the follower's requests to its leader. Kafka's fetcher thread appends a response's
    // records, and fsyncs them when flush.messages says so, inline (UnifiedLog.append ->
    // flush) before it builds its next fetch, whose offset tells the leader the follower has
    // them: that fetch waits for the flush the append started.
    for (auto& f : out.fetch_requests) {
      if (flush_pending_below(p.log->partition_log(), f.request.fetch_offset)) {
        after_flush(p, f.request.fetch_offset, AfterFlush::send_fetch, f);
        continue;
      }
      send_fetch(p, f);
    }
    for (auto& o : out.offsets_for_leader_epoch_requests) {
      const std::uint64_t correlation = next_correlation_++;
      outgoing_[correlation] = Outgoing{{p.topic_partition.topic, p.topic_partition.partition}, o.request.request_id, o.leader_id};
      env_.send(o.leader_id, protocol::KafkaRpc{correlation, protocol::OffsetsForLeaderEpochRequest{p.topic_partition, o.request}});
    }
    // 5. AlterPartition to the active controller.
    for (auto& a : out.alter_partition_requests) {
      const std::uint64_t key = next_alter_key_++;
      alters_[key] = PendingAlter{std::move(a), 0, no_node};
      send_alter_partition(key);
    }
    // 6. state changes for the trace.
    for (const auto& change : out.state_changes) record_state(p, change);
    changed = changed || !out.state_changes.empty();
  }
  // A leader whose own log end counts toward its high watermark only once a flush.messages flush
  // ends (ReplicaLog::high_watermark_end_offset) hears when it does.
  if (!p.high_watermark_waits_for_flush && r.role() == replication::Role::leader &&
      p.log->partition_log().high_watermark_end_offset() < p.log->log_end_offset()) {
    p.high_watermark_waits_for_flush = true;
    after_flush(p, p.log->log_end_offset(), AfterFlush::advance_high_watermark);
  }
  arm_timer(p);
  // A higher high watermark or a lost leadership answers the consumers waiting on this partition.
  complete_consumer_fetches(p);
  const replication::TopicPartition tp = p.topic_partition;  // `p` may not outlive the callbacks
  for (auto& [done, resp] : local_done) done(resp.error, resp.base_offset);
  if (changed && hooks_.on_partition_changed) hooks_.on_partition_changed(tp);
}

bool ReplicaManager::append_local(const replication::TopicPartition& tp, replication::Bytes payload,
                                  std::int32_t record_count, Duration timeout, LocalAppendDone done) {
  Hosted* p = shutting_down_ ? nullptr : find(tp);
  if (p == nullptr) return false;
  KS_ASSERT(record_count > 0);
  replication::ProduceRequest r;
  r.request_id = p->next_token++;
  r.record_count = record_count;
  r.payload = std::move(payload);
  r.acks = replication::Acks::all;
  r.timeout = timeout;
  p->local_waiting[r.request_id] = std::move(done);
  p->replica->on_produce(env_.now(), std::move(r));
  apply_output(*p);
  return true;
}

Result<std::vector<replication::ReplicaBatch>, std::string> ReplicaManager::read_local(
    const replication::TopicPartition& tp, std::int64_t from, std::int64_t to, std::uint64_t max_bytes) {
  Hosted* p = find(tp);
  if (p == nullptr) return unexpected(fmt::format("{}-{} is not hosted here", tp.topic, tp.partition));
  auto batches = p->log->read(from, to, max_bytes);
  if (!batches.ok()) return unexpected(log::describe(batches.error()));
  return std::move(batches.value());
}

void ReplicaManager::arm_timer(Hosted& p) {
  const Time deadline = p.replica->next_deadline();
  if (deadline == p.timer_deadline && p.timer.valid()) return;
  if (p.timer.valid()) env_.cancel_timer(p.timer);
  p.timer = {};
  p.timer_deadline = deadline;
  if (deadline == Time::max()) return;
  Hosted* raw = &p;
  p.timer = env_.set_timer(deadline > env_.now() ? deadline - env_.now() : Duration{}, "replica", [this, raw] {
    raw->timer = {};
    raw->timer_deadline = Time::max();
    raw->replica->on_timer(env_.now());
    apply_output(*raw);
  });
}

void ReplicaManager::record_state(const Hosted& p, const replication::StateChange& c) {
  trace::Fields fields{{"topic", p.topic_partition.topic},
                       {"partition", p.topic_partition.partition},
                       {"role", replication::to_string(c.role)},
                       {"leader", c.leader_id},
                       {"leader_epoch", c.leader_epoch},
                       {"high_watermark", c.high_watermark},
                       {"log_end_offset", c.log_end_offset},
                       {"reason", c.reason}};
  if (c.role == replication::Role::leader) {
    fields.add("isr", join_ids(c.isr));
    fields.add("partition_epoch", c.partition_epoch);
  }
  if (c.fetcher_phase) fields.add("fetcher", replication::to_string(*c.fetcher_phase));
  env_.record("partition-state", fields);
}

// The counter names of Env::count for the bytes appended to partition logs, by codec id.
constexpr std::array<const char*, log::compression_id_max + 1> appended_bytes_counters = {
    "log-appended-bytes-none", "log-appended-bytes-gzip", "log-appended-bytes-snappy", "log-appended-bytes-lz4",
    "log-appended-bytes-zstd"};

void ReplicaManager::watch_log(const Hosted& p) {
  log::PartitionLog& partition_log = p.log->partition_log();
  const Hosted* raw = &p;
  // Kafka's log lines "Rolled new log segment at offset N" and "Deleting segment ... due to
  // retention time / size limit breach", as trace events (one per segment, so few).
  partition_log.set_segment_listener([this, raw](const log::SegmentChange& c) {
    const bool rolled = c.kind == log::SegmentChange::Kind::rolled;
    env_.record(rolled ? "segment-rolled" : "segment-deleted",
                {{"topic", raw->topic_partition.topic},
                 {"partition", raw->topic_partition.partition},
                 {"base_offset", c.base_offset},
                 {"next_offset", c.next_offset},
                 {"size_bytes", static_cast<std::int64_t>(c.size_bytes)},
                 {"reason", c.reason}});
  });
  partition_log.set_append_listener([this](log::Compression codec, std::uint64_t bytes) {
    env_.count(appended_bytes_counters[static_cast<std::size_t>(codec)], static_cast<std::int64_t>(bytes));
  });
}

void ReplicaManager::record_log_change(const Hosted& p, const replication::LogChange& c) {
  using K = replication::LogChange::Kind;
  if (c.kind == K::append_as_leader || c.kind == K::append_as_follower) return;  // the state changes carry the log end
  const char* what = c.kind == K::assign_epoch ? "assign-epoch" : c.kind == K::truncate ? "truncate" : "truncate-fully";
  env_.record("partition-log", {{"topic", p.topic_partition.topic},
                                {"partition", p.topic_partition.partition},
                                {"change", what},
                                {"offset", c.offset},
                                {"log_end_offset", c.log_end_offset},
                                {"epoch", c.epoch},
                                {"below_high_watermark", c.below_high_watermark},
                                {"reason", c.reason}});
}

// ---------------------------------------------------------------- AlterPartition

void ReplicaManager::send_alter_partition(std::uint64_t key) {
  auto it = alters_.find(key);
  if (it == alters_.end() || shutting_down_) return;
  PendingAlter& alter = it->second;
  Hosted* p = find(alter.request.topic_partition);
  const std::optional<NodeId> controller = hooks_.active_controller ? hooks_.active_controller() : std::nullopt;
  if (p == nullptr) {
    alters_.erase(it);
    return;
  }
  if (!controller) return retry_alter_partition_later(key);
  controller::AlterPartitionRequest req;
  req.broker_id = config_.node_id;
  req.broker_epoch = hooks_.broker_epoch ? hooks_.broker_epoch() : -1;
  controller::AlterPartitionRequest::PartitionData data;
  data.partition_index = alter.request.topic_partition.partition;
  data.leader_epoch = alter.request.leader_epoch;
  data.partition_epoch = alter.request.partition_epoch;
  for (NodeId id : alter.request.new_isr) data.new_isr_with_epochs.push_back({id, -1});
  req.topics.push_back({p->topic_id, {std::move(data)}});
  alter.correlation_id = next_correlation_++;
  alter.to = *controller;
  env_.send(*controller, protocol::ControllerRpc{alter.correlation_id, controller::ControllerRequest{std::move(req)}});
}

void ReplicaManager::retry_alter_partition_later(std::uint64_t key) {
  auto it = alters_.find(key);
  if (it == alters_.end()) return;
  it->second.correlation_id = 0;
  it->second.to = no_node;
  env_.set_timer(alter_partition_retry_backoff, "alter-partition-retry", [this, key] { send_alter_partition(key); });
}

void ReplicaManager::on_alter_partition_response(std::uint64_t correlation_id,
                                                 const controller::AlterPartitionResponse& response) {
  auto it = std::find_if(alters_.begin(), alters_.end(),
                         [correlation_id](const auto& e) { return e.second.correlation_id == correlation_id; });
  if (it == alters_.end() || shutting_down_) return;
  const std::uint64_t key = it->first;
  if (response.error_code != controller::ErrorCode::none) {
    // NOT_CONTROLLER, STALE_BROKER_EPOCH (not registered yet), REQUEST_TIMED_OUT: the request as
    // a whole was not processed; AlterPartitionManager retries it.
    return retry_alter_partition_later(key);
  }
  const replication::AlterPartitionRequest request = it->second.request;
  alters_.erase(it);
  Hosted* p = find(request.topic_partition);
  if (p == nullptr) return;
  replication::AlterPartitionResponse r;
  r.request_id = request.request_id;
  r.error = replication::ErrorCode::unknown_topic_or_partition;
  for (const auto& topic : response.topics) {
    for (const auto& part : topic.partitions) {
      if (topic.topic_id != p->topic_id || part.partition_index != request.topic_partition.partition) continue;
      r.error = to_replication_error(part.error_code);
      r.leader_epoch = part.leader_epoch;
      r.partition_epoch = part.partition_epoch;
      r.isr = part.isr;
    }
  }
  p->replica->on_alter_partition_response(env_.now(), r);
  apply_output(*p);
}

// ---------------------------------------------------------------- checkpoints and maintenance

void ReplicaManager::start_maintenance_timers() {
  if (maintenance_started_) return;
  maintenance_started_ = true;
  env_.set_timer(milliseconds(config_.int_or("replica.high.watermark.checkpoint.interval.ms", 5000)), "hw-checkpoint",
                 [this] { on_hw_checkpoint_timer(); });
  next_retention_check_ = env_.now() + milliseconds(config_.int_or("log.retention.check.interval.ms", 300000));
  env_.set_timer(log_maintenance_tick, "log-maintenance", [this] { on_log_maintenance_timer(); });
}

void ReplicaManager::on_hw_checkpoint_timer() {
  if (shutting_down_) return;
  // ReplicaManager.checkpointHighWatermarks: every hosted partition's high watermark, written
  // to a temporary file, fsynced and renamed over the old one (CheckpointFile.write).
  std::map<PartitionKey, std::int64_t> entries;
  for (const auto& [key, p] : partitions_) entries[key] = p->replica->high_watermark();
  const env::Bytes bytes = encode_hw_checkpoint(entries);
  constexpr const char* tmp = "replication-offset-checkpoint.tmp";
  env::Files& files = env_.files();
  bool ok = files.truncate(tmp, 0).ok() || files.create_exclusive(tmp).ok();
  ok = ok && files.write_at(tmp, 0, bytes).ok();
  if (ok) {
    files.fsync(tmp, [this](env::IoStatus status) {
      if (!status.ok()) return;
      (void)env_.files().rename(tmp, hw_checkpoint_file);
      env_.files().fsync_dir("", [](env::IoStatus) {});
    });
  }
  env_.set_timer(milliseconds(config_.int_or("replica.high.watermark.checkpoint.interval.ms", 5000)), "hw-checkpoint",
                 [this] { on_hw_checkpoint_timer(); });
}

void ReplicaManager::on_log_maintenance_timer() {
  if (shutting_down_) return;
  // LogManager's scheduled tasks: the flush policy by time (log.flush.interval.ms, never by
  // default) with the recovery-point checkpoint, and retention every
  // log.retention.check.interval.ms (300000).
  const Time now = env_.now();
  const bool retention_due = now >= next_retention_check_;
  if (retention_due) next_retention_check_ = now + milliseconds(config_.int_or("log.retention.check.interval.ms", 300000));
  for (auto& [key, p] : partitions_) {
    (void)p->log->partition_log().flush_if_needed(now);
    if (retention_due) {
      auto result = p->log->partition_log().apply_retention(now, p->replica->high_watermark());
      if (result.ok() && result->segments_deleted > 0) {
        env_.record("partition-retention", {{"topic", key.first}, {"partition", key.second},
                                            {"segments_deleted", static_cast<std::int64_t>(result->segments_deleted)},
                                            {"log_start_offset", p->log->log_start_offset()}});
      }
    }
  }
  env_.set_timer(log_maintenance_tick, "log-maintenance", [this] { on_log_maintenance_timer(); });
}

void ReplicaManager::shutdown(std::function<void()> done) {
  shutting_down_ = true;
  for (auto& [key, p] : partitions_) {
    if (p->timer.valid()) env_.cancel_timer(p->timer);
    p->timer = {};
  }
  if (partitions_.empty()) return done();
  auto remaining = std::make_shared<std::size_t>(partitions_.size());
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& [key, p] : partitions_) {
    p->log->partition_log().close(env_.now(), [remaining, shared_done](log::LogStatus) {
      if (--*remaining == 0) (*shared_done)();
    });
  }
}

}  // namespace kraftsim::node
