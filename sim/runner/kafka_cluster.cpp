// Kafka cluster construction and the checkers' node view (see kafka_cluster.h).
#include "sim/runner/kafka_cluster.h"

#include <algorithm>
#include <array>
#include <deque>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "broker/client/admin_client.h"
#include "broker/client/consumer.h"
#include "broker/client/producer.h"
#include "broker/log/record_batch.h"
#include "broker/common/uuid.h"
#include "broker/node/kafka_node.h"
#include "broker/node/meta_properties.h"

namespace kraftsim::runner {

namespace {

// The whole batches of a segment file given as contiguous pieces (sim::Disk::current_pieces),
// in order, up to the first incomplete one. A batch inside one piece is a view of it; one that
// crosses pieces is copied into `joined`, which keeps it for the caller.
class SegmentBatches {
 public:
  SegmentBatches(const std::vector<log::ByteView>& pieces, std::deque<log::Bytes>& joined)
      : pieces_(pieces), joined_(joined) {}

  std::optional<log::ByteView> next() {
    while (index_ < pieces_.size() && at_ == pieces_[index_].size()) {
      ++index_;
      at_ = 0;
    }
    if (index_ == pieces_.size()) return std::nullopt;
    std::array<std::uint8_t, log::log_overhead_bytes> overhead{};
    if (!peek(overhead)) return std::nullopt;
    const auto length = static_cast<std::int32_t>(log::load_big_endian(overhead, log::batch_field::batch_length, 4));
    const auto size = static_cast<std::size_t>(length) + log::log_overhead_bytes;
    if (length <= 0 || size > log::batch_size_bytes_max) return std::nullopt;
    const log::ByteView here = pieces_[index_].subspan(at_);
    if (size <= here.size()) {
      at_ += size;
      return here.first(size);
    }
    log::Bytes copy(size);
    if (!peek(copy)) return std::nullopt;  // the file ends inside this batch
    skip(size);
    joined_.push_back(std::move(copy));
    return log::ByteView(joined_.back());
  }

 private:
  // Copies the next out.size() bytes without moving; false if the file has fewer.
  bool peek(std::span<std::uint8_t> out) const {
    std::size_t index = index_;
    std::size_t at = at_;
    std::size_t done = 0;
    while (done < out.size()) {
      if (index == pieces_.size()) return false;
      const std::size_t take = std::min(pieces_[index].size() - at, out.size() - done);
      std::copy_n(pieces_[index].begin() + static_cast<std::ptrdiff_t>(at), take, out.begin() + static_cast<std::ptrdiff_t>(done));
      done += take;
      at += take;
      if (at == pieces_[index].size()) {
        ++index;
        at = 0;
      }
    }
    return true;
  }

  void skip(std::size_t count) {
    while (count > 0) {
      const std::size_t take = std::min(pieces_[index_].size() - at_, count);
      at_ += take;
      count -= take;
      if (at_ == pieces_[index_].size() && count > 0) {
        ++index_;
        at_ = 0;
      }
    }
  }

  const std::vector<log::ByteView>& pieces_;
  std::deque<log::Bytes>& joined_;
  std::size_t index_ = 0;
  std::size_t at_ = 0;
};

}  // namespace

std::string voters_of(const Scenario& scenario) {
  if (!scenario.voters.empty()) return scenario.voters;
  std::string out;
  for (const NodeSpec& n : scenario.nodes) {
    if (n.roles.find("controller") == std::string::npos) continue;
    out += fmt::format("{}{}@kafka{}:9093", out.empty() ? "" : ",", n.id, n.id);
  }
  return out;
}

std::map<std::string, std::string> node_properties(const Scenario& scenario, const NodeSpec& node) {
  std::map<std::string, std::string> p = scenario.config;
  for (const auto& [k, v] : node.config) p[k] = v;
  p["node.id"] = std::to_string(node.id);
  p["process.roles"] = node.roles;
  p["controller.quorum.voters"] = voters_of(scenario);
  return p;
}

void format_storage(sim::Disk& disk, const std::string& cluster_id, NodeId node_id, Rng& rng) {
  node::MetaProperties meta;
  meta.cluster_id = cluster_id;
  meta.node_id = node_id;
  meta.directory_id = uuid_to_string(random_uuid([&rng] { return rng.next_u64(); }));
  const std::string text = node::encode_meta_properties(meta);
  const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
  auto written = disk.write_at(node::meta_properties_path, 0, env::ByteView(data, text.size()));
  KS_ASSERT(written.ok());
  KS_ASSERT(disk.sync_file(node::meta_properties_path).ok());
  KS_ASSERT(disk.sync_dir("").ok());
}

Result<bool, std::string> build_kafka_cluster(const Scenario& scenario, sim::World& world) {
  Rng format_rng(world.seed(), "format");
  for (const NodeSpec& n : scenario.nodes) {
    auto config = node::parse_node_config(node_properties(scenario, n));
    if (!config.ok()) {
      return unexpected(fmt::format("node {}: {}: {}", n.id, config.error().key, config.error().message));
    }
    node::KafkaNodeOptions options;
    options.config = std::move(config.value());
    options.metadata_writes_per_s = scenario.metadata_writes_per_s;
    for (const std::string& m : scenario.test_only_mutations) {
      if (m == "raft-grant-vote-without-log-check") options.test_only_grant_vote_without_log_check = true;
      if (m == "raft-advance-hw-without-own-epoch-commit") options.test_only_advance_hw_without_own_epoch_commit = true;
    }
    sim::NodeHost& host = world.add_node(n.id, fmt::format("kafka{}", n.id), [options](env::Env& env) {
      return std::make_unique<node::KafkaNode>(env, options);
    });
    if (n.formatted) {
      format_storage(host.disk(), n.format_cluster_id.empty() ? scenario.cluster_id : n.format_cluster_id, n.id,
                     format_rng);
    }
  }
  if (!scenario.topics.empty()) {
    client::AdminClientConfig admin;
    for (const NodeSpec& n : scenario.nodes) {
      if (n.roles.find("controller") != std::string::npos) admin.controllers.push_back(n.id);
    }
    for (const TopicSpec& t : scenario.topics) {
      controller::CreateTopicsRequest::CreatableTopic topic;
      topic.name = t.name;
      topic.num_partitions = t.partitions;
      topic.replication_factor = static_cast<std::int16_t>(t.replication_factor);
      for (const auto& [k, v] : t.config) topic.configs.push_back({k, v});
      admin.topics.push_back(std::move(topic));
    }
    world.add_node(admin_node_id(scenario), "admin", [admin](env::Env& env) {
      return std::make_unique<client::AdminClient>(env, admin);
    });
  }
  std::vector<NodeId> brokers;
  for (const NodeSpec& n : scenario.nodes) {
    if (n.roles.find("broker") != std::string::npos) brokers.push_back(n.id);
  }
  for (std::size_t i = 0; i < scenario.producers.size(); ++i) {
    const ProducerSpec& spec = scenario.producers[i];
    if (brokers.empty()) return unexpected(fmt::format("{}: the cluster has no broker to produce to", spec.pointer));
    client::ProducerConfig pc;
    pc.bootstrap_servers = brokers;
    pc.topic = spec.topic;
    pc.acks = spec.acks == "0" ? replication::Acks::none : spec.acks == "1" ? replication::Acks::leader : replication::Acks::all;
    pc.compression = spec.compression == "gzip"     ? log::Compression::gzip
                     : spec.compression == "snappy" ? log::Compression::snappy
                     : spec.compression == "lz4"    ? log::Compression::lz4
                     : spec.compression == "zstd"   ? log::Compression::zstd
                                                    : log::Compression::none;
    pc.start_delay = spec.start;
    pc.records_per_s = spec.records_per_s;
    pc.records_max = spec.records;
    pc.value_bytes = spec.value_bytes;
    pc.key_count = spec.keys;
    pc.key_distribution = spec.key_distribution == "uniform" ? client::KeyDistribution::uniform
                          : spec.key_distribution == "zipf" ? client::KeyDistribution::zipf
                                                            : client::KeyDistribution::round_robin;
    pc.zipf_exponent = spec.zipf_exponent;
    pc.batch_size_bytes = spec.batch_size;
    pc.linger = spec.linger;
    pc.max_in_flight = spec.max_in_flight;
    pc.request_timeout = spec.request_timeout;
    pc.delivery_timeout = spec.delivery_timeout;
    pc.retry_backoff = spec.retry_backoff;
    pc.retries = spec.retries;
    pc.idempotence = spec.idempotent();
    pc.buffer_memory_bytes = spec.buffer_memory;
    pc.max_block = spec.max_block;
    world.add_node(producer_node_id(scenario, i), fmt::format("producer{}", i), [pc](env::Env& env) {
      return std::make_unique<client::Producer>(env, pc);
    });
  }
  for (std::size_t i = 0; i < scenario.consumers.size(); ++i) {
    const ConsumerSpec& spec = scenario.consumers[i];
    if (brokers.empty()) return unexpected(fmt::format("{}: the cluster has no broker to consume from", spec.pointer));
    client::ConsumerConfig cc;
    cc.bootstrap_servers = brokers;
    cc.topic = spec.topic;
    cc.start_delay = spec.start;
    cc.auto_offset_reset = spec.auto_offset_reset == "earliest" ? client::OffsetReset::earliest
                           : spec.auto_offset_reset == "none"   ? client::OffsetReset::none
                                                                : client::OffsetReset::latest;
    cc.fetch_min_bytes = spec.fetch_min_bytes;
    cc.fetch_max_wait = spec.fetch_max_wait;
    cc.max_partition_fetch_bytes = spec.max_partition_fetch_bytes;
    cc.max_poll_records = spec.max_poll_records;
    cc.processing_time_per_record = spec.processing_time_per_record;
    cc.commit_before_processing = spec.commit_before_processing;
    cc.commit_after_processing = spec.commit_after_processing;
    if (!spec.group_id.empty()) {
      client::GroupConfig g;
      g.group_id = spec.group_id;
      g.client_id = fmt::format("consumer-{}-{}", spec.group_id, i);
      g.strategy = client::parse_assignment_strategy(spec.assignment_strategy).value_or(client::AssignmentStrategy::range);
      g.session_timeout = spec.session_timeout;
      g.heartbeat_interval = spec.heartbeat_interval;
      g.max_poll_interval = spec.max_poll_interval;
      g.enable_auto_commit = spec.enable_auto_commit;
      g.auto_commit_interval = spec.auto_commit_interval;
      g.test_only_ignore_revocation = spec.ignore_revocation;
      cc.group = g;
    }
    world.add_node(consumer_node_id(scenario, i), fmt::format("consumer{}", i), [cc](env::Env& env) {
      return std::make_unique<client::Consumer>(env, cc);
    });
  }
  return true;
}

NodeId consumer_node_id(const Scenario& scenario, std::size_t index) {
  return producer_node_id(scenario, scenario.producers.size() + index);
}

NodeId producer_node_id(const Scenario& scenario, std::size_t index) {
  return admin_node_id(scenario) + 1 + static_cast<NodeId>(index);
}

NodeId admin_node_id(const Scenario& scenario) {
  NodeId max_id = 0;
  for (const NodeSpec& n : scenario.nodes) max_id = std::max(max_id, n.id);
  return max_id + 1000;  // clear of every node id, and stable for a scenario
}

const raft::QuorumCore* WorldClusterView::quorum(NodeId node) const {
  if (!world_.has_node(node)) return nullptr;
  const auto* kafka = dynamic_cast<const node::KafkaNode*>(world_.node(node).program());
  if (kafka == nullptr || !kafka->raft_started()) return nullptr;
  return &kafka->quorum();
}

const std::vector<check::PartitionReplicaView>& WorldClusterView::partition_replicas(const std::string& topic,
                                                                                    std::int32_t partition) const {
  CachedReplicas& cached = replicas_cache_;
  const std::uint64_t now = world_.trace().size();
  if (cached.trace_size == now && now != 0 && cached.partition.first == topic && cached.partition.second == partition) {
    return cached.replicas;
  }
  cached.partition = {topic, partition};
  cached.trace_size = now;
  std::vector<check::PartitionReplicaView>& out = cached.replicas;
  out.clear();  // frees the last partition's arena before this one's is filled
  const std::string dir = fmt::format("{}-{}/", topic, partition);
  // The replicas' values live in one arena. A follower's batch is a byte-for-byte copy of the
  // leader's, so a batch whose bytes were already decoded for another replica (same base offset,
  // same bytes) is not decoded again, and the replicas' views share its entries (a run each); a
  // diverged replica's batch differs and is decoded anew.
  auto arena = std::make_shared<check::ValueArena>();
  struct DecodedBatch {
    log::ByteView bytes;  // on a disk, which does not change while this runs
    check::OffsetValues::Run entries;  // in the arena
  };
  std::map<std::int64_t, std::vector<DecodedBatch>> decoded;  // by base offset
  std::deque<log::Bytes> joined;  // batches copied out of two pieces; DecodedBatch points in
  const auto decode = [&](log::ByteView bytes, const log::BatchHeader& header) -> const DecodedBatch* {
    const std::int64_t base_offset = header.base_offset;
    std::vector<DecodedBatch>& same_base = decoded[base_offset];
    for (const DecodedBatch& d : same_base) {
      // Replicas usually share the very bytes (sim/world/file_bytes.h): then no compare.
      if (d.bytes.data() == bytes.data() && d.bytes.size() == bytes.size()) return &d;
      if (std::equal(d.bytes.begin(), d.bytes.end(), bytes.begin(), bytes.end())) return &d;
    }
    check::ValueArena::Entry* entries = nullptr;
    std::size_t count = 0;
    // An acknowledged batch, byte for byte (its CRC verified): its values are the producer's.
    if (const check::ProducedBatch* known = produced_ == nullptr ? nullptr : produced_->recognise(cached.partition, header, bytes)) {
      ++batches_recognised_;
      count = static_cast<std::size_t>(known->records);
      entries = arena->entries(count);
      for (std::size_t i = 0; i < count; ++i) {
        const auto index = static_cast<std::int64_t>(i);
        entries[i] = {base_offset + index, arena->keep_producer_value(known->producer, known->first_seq + index, known->value_bytes)};
      }
    } else {
      ++batches_decoded_;
      auto batch = log::decode_batch_view(bytes);
      if (!batch.ok()) return nullptr;
      count = batch->records.size();
      entries = arena->entries(count);
      for (std::size_t i = 0; i < count; ++i) {
        const auto& record = batch->records[i];
        const check::RecordValue* value = arena->keep(
            record.value ? std::string_view(reinterpret_cast<const char*>(record.value->data()), record.value->size())
                         : std::string_view());
        entries[i] = {log::record_offset(batch->header, record), value};
      }
    }
    same_base.push_back(DecodedBatch{bytes, check::OffsetValues::Run(entries, count)});
    return &same_base.back();
  };
  for (NodeId id : world_.node_ids()) {
    const auto* kafka = dynamic_cast<const node::KafkaNode*>(world_.node(id).program());
    if (kafka == nullptr || kafka->replica_manager() == nullptr) continue;
    const auto* hosted = kafka->replica_manager()->partition(topic, partition);
    if (hosted == nullptr) continue;
    check::PartitionReplicaView v;
    v.node = id;
    v.leader = hosted->replica->role() == replication::Role::leader;
    v.leader_epoch = hosted->replica->leader_epoch();
    v.high_watermark = hosted->replica->high_watermark();
    v.log_end_offset = hosted->replica->log_end_offset();
    v.log_start_offset = hosted->log->log_start_offset();
    v.values.share(arena);
    // The segment files as they stand (read without side effects), in base-offset order (the
    // names are zero-padded offsets), batch after batch until the log end or a bad batch.
    const sim::Disk& disk = world_.node(id).disk();
    for (const std::string& path : disk.all_paths()) {
      if (path.rfind(dir, 0) != 0 || path.size() < 4 || path.substr(path.size() - 4) != ".log") continue;
      auto pieces = disk.current_pieces(path);
      if (!pieces.ok()) break;
      // A file is pieces of buffers (it shares bytes with the other replicas); batches almost
      // always lie inside one piece, and one that does not is joined in a scratch copy.
      SegmentBatches segment(*pieces, joined);
      while (auto b = segment.next()) {
        auto header = log::peek_batch_header(*b, log::CrcCheck::skip);
        if (!header.ok()) break;
        const DecodedBatch* batch = decode(*b, *header);
        if (batch == nullptr) break;
        // Up to the log end: bytes past it (a torn or unflushed tail) are not the replica's.
        const auto below_end = std::partition_point(batch->entries.begin(), batch->entries.end(),
                                                    [&v](const auto& e) { return e.first < v.log_end_offset; });
        v.values.add_run(batch->entries.first(static_cast<std::size_t>(below_end - batch->entries.begin())));
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace kraftsim::runner
