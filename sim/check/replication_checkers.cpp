// acked-write-durable and replicas-consistent-below-hw (see replication_checkers.h).
#include "sim/check/replication_checkers.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "base/assert.h"
#include "broker/client/consumer.h"
#include "broker/client/producer.h"

namespace kraftsim::check {

namespace {

const PartitionReplicaView* final_leader(const std::vector<PartitionReplicaView>& replicas) {
  const PartitionReplicaView* best = nullptr;
  for (const auto& r : replicas) {
    if (r.leader && (best == nullptr || r.leader_epoch > best->leader_epoch)) best = &r;
  }
  return best;
}

template <typename Map>
std::vector<PartitionKey> keys_of(const Map& m) {
  std::vector<PartitionKey> out;
  out.reserve(m.size());
  for (const auto& entry : m) {
    if constexpr (std::is_same_v<typename Map::value_type, PartitionKey>) {
      out.push_back(entry);
    } else {
      out.push_back(entry.first);
    }
  }
  return out;
}

PartitionKey partition_of(const trace::EventRef& e) {
  return {std::string(e.string_or("topic", "")), static_cast<std::int32_t>(e.int_or("partition", -1))};
}

class AckedWriteDurable final : public Checker {
 public:
  std::string_view id() const override { return "acked-write-durable"; }
  std::string_view meaning() const override {
    return "every record a producer saw acknowledged is in its partition's final leader's log, at its offset";
  }

  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"produce-acked"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.kind != trace::Kind::state || e.name != "produce-acked") return;
    Acked a;
    a.base_offset = e.int_or("base_offset", -1);
    a.records = e.int_or("records", 0);
    a.first_seq = e.int_or("first_seq", 0);
    a.acks = std::string(e.string_or("acks", "?"));
    a.t_us = e.t_us;
    a.producer = e.node;
    acked_[{std::string(e.string_or("topic", "")), static_cast<std::int32_t>(e.int_or("partition", -1))}].push_back(a);
  }

  std::vector<PartitionKey> end_partitions() const override { return keys_of(acked_); }
  void on_end_partition(std::int64_t t_us, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const std::vector<Acked>& batches = acked_.at(key);
    const PartitionReplicaView* leader = final_leader(replicas);
    if (leader == nullptr) {
      violate(t_us, fmt::format("{}-{}: no leader at the end of the run, so {} acknowledged batches cannot be found",
                                key.first, key.second, batches.size()));
      return;
    }
    std::int64_t lost = 0;
    std::string first;
    for (const Acked& a : batches) {
      auto next = leader->values.lower_bound(a.base_offset);  // the batch's offsets, in step
      for (std::int64_t i = 0; i < a.records; ++i) {
        const std::int64_t offset = a.base_offset + i;
        if (offset < leader->log_start_offset) continue;  // deleted by retention, not lost
        observed();
        const std::int64_t record = a.first_seq + i;
        while (next != leader->values.end() && next->first < offset) ++next;
        const auto it = next != leader->values.end() && next->first == offset ? next : leader->values.end();
        const bool ok = it != leader->values.end() && it->second->producer == a.producer && it->second->record == record;
        if (ok) continue;
        ++lost;
        if (first.empty()) {
          first = fmt::format("offset {} acked at {} ms with acks={} as {}, but the final leader {} (epoch {}, log end {}) {}",
                              offset, a.t_us / 1000, a.acks, client::producer_value(a.producer, record, 0), leader->node,
                              leader->leader_epoch, leader->log_end_offset,
                              it == leader->values.end() ? std::string("does not have it")
                                                         : fmt::format("holds {}", it->second->describe()));
        }
      }
    }
    add_records_affected(lost);
    if (lost > 0) {
      violate(t_us, fmt::format("{}-{}: {} acknowledged record{} lost; first: {}", key.first, key.second, lost,
                                lost == 1 ? "" : "s", first));
    }
  }

 private:
  struct Acked {
    std::int64_t base_offset = 0, records = 0, first_seq = 0, t_us = 0;
    NodeId producer = no_node;
    std::string acks;
  };
  std::map<PartitionKey, std::vector<Acked>> acked_;
};

class ReplicasConsistent final : public Checker {
 public:
  std::string_view id() const override { return "replicas-consistent-below-hw"; }
  std::string_view meaning() const override {
    return "every replica holds the leader's records below the leader's high watermark and its own log end";
  }

  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"partition-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.kind == trace::Kind::state && e.name == "partition-state") {
      partitions_.insert(partition_of(e));
    }
  }

  std::vector<PartitionKey> end_partitions() const override { return keys_of(partitions_); }
  void on_end_partition(std::int64_t t_us, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const auto& [topic, partition] = key;
    const PartitionReplicaView* leader = final_leader(replicas);
    if (leader == nullptr) return;
    for (const auto& r : replicas) {
      if (&r == leader) continue;
      const std::int64_t end = std::min(leader->high_watermark, r.log_end_offset);
      const std::int64_t start = std::max(leader->log_start_offset, r.log_start_offset);
      // Both logs in step, offset by offset: an offset neither holds (below both log starts)
      // is skipped, one that only one holds is a violation.
      auto next_a = leader->values.lower_bound(start);
      auto next_b = r.values.lower_bound(start);
      while (true) {
        const bool more_a = next_a != leader->values.end() && next_a->first < end;
        const bool more_b = next_b != r.values.end() && next_b->first < end;
        if (!more_a && !more_b) break;
        if (more_a && more_b && &*next_a == &*next_b) {
          // The very same entries (a batch both replicas hold byte for byte, decoded once:
          // PartitionReplicaView): equal for as far as both runs go, below `end`.
          const auto shared = next_a.rest_of_run().first(std::min(next_a.rest_of_run().size(), next_b.rest_of_run().size()));
          const auto below_end = std::partition_point(shared.begin(), shared.end(), [end](const auto& e) { return e.first < end; });
          const auto n = static_cast<std::size_t>(below_end - shared.begin());
          KS_ASSERT(n >= 1);
          observed(static_cast<std::int64_t>(n));
          next_a.skip_in_run(n);
          next_b.skip_in_run(n);
          continue;
        }
        const std::int64_t offset = !more_b ? next_a->first
                                    : !more_a ? next_b->first
                                              : std::min(next_a->first, next_b->first);
        const auto a = more_a && next_a->first == offset ? next_a++ : leader->values.end();
        const auto b = more_b && next_b->first == offset ? next_b++ : r.values.end();
        observed();
        // The same entry when both replicas hold the same batch (decoded once).
        if (a != leader->values.end() && b != r.values.end() && (a->second == b->second || *a->second == *b->second)) continue;
        violate(t_us, fmt::format("{}-{} offset {}: leader {} (epoch {}) has {} but replica {} has {} (leader high "
                                  "watermark {}, replica log end {})",
                                  topic, partition, offset, leader->node, leader->leader_epoch,
                                  a == leader->values.end() ? std::string("nothing") : a->second->describe(), r.node,
                                  b == r.values.end() ? std::string("nothing") : b->second->describe(),
                                  leader->high_watermark, r.log_end_offset));
        break;
      }
    }
  }

 private:
  std::set<PartitionKey> partitions_;
};

class ConsumerReadStable final : public Checker {
 public:
  std::string_view id() const override { return "consumer-read-stable"; }
  std::string_view meaning() const override {
    return "every record a consumer read is, at the end, the record at that offset in the final leader's log";
  }

  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"consumer-corrupt", "consumed"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.kind != trace::Kind::state) return;
    if (e.name == "consumer-corrupt") {
      violate(e.t_us, fmt::format("consumer on node {} got a corrupt batch of {}-{} at offset {}: {}", e.node,
                                  e.string_or("topic", ""), e.int_or("partition", -1), e.int_or("offset", -1),
                                  e.string_or("error", "")));
      return;
    }
    if (e.name != "consumed") return;
    reads_[{std::string(e.string_or("topic", "")), static_cast<std::int32_t>(e.int_or("partition", -1))}].push_back(
        Read{e.int_or("from_offset", 0), e.int_or("next_offset", 0), static_cast<std::uint64_t>(e.int_or("digest", 0)),
             e.t_us, e.node});
  }

  std::vector<PartitionKey> end_partitions() const override { return keys_of(reads_); }
  void on_end_partition(std::int64_t t_us, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const std::vector<Read>& reads = reads_.at(key);
    const PartitionReplicaView* leader = final_leader(replicas);
    if (leader == nullptr) return;
    for (const Read& r : reads) {
      if (r.from < leader->log_start_offset) continue;  // retention deleted what it read
      observed();
      std::uint64_t digest = 0;
      for (auto it = leader->values.lower_bound(r.from); it != leader->values.end() && it->first < r.next; ++it) {
        digest = client::consumed_digest(digest, it->first, it->second->hash);
      }
      if (digest == r.digest) continue;
      violate(t_us, fmt::format("{}-{}: consumer {} read offsets {}..{} at {} ms, but the final leader {} (epoch {}) "
                                "holds other records there",
                                key.first, key.second, r.node, r.from, r.next - 1, r.t_us / 1000, leader->node,
                                leader->leader_epoch));
      break;
    }
  }

 private:
  struct Read {
    std::int64_t from = 0, next = 0;
    std::uint64_t digest = 0;
    std::int64_t t_us = 0;
    NodeId node = no_node;
  };
  std::map<PartitionKey, std::vector<Read>> reads_;
};

class ProducerOrder final : public Checker {
 public:
  std::string_view id() const override { return "producer-order"; }
  std::string_view meaning() const override {
    return "in each partition's final log, each producer's records first appear in the order it sent them";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"produce-acked"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.name == "produce-acked") {
      partitions_.insert(partition_of(e));
    }
  }
  std::vector<PartitionKey> end_partitions() const override { return keys_of(partitions_); }
  void on_end_partition(std::int64_t t_us, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const auto& [topic, partition] = key;
    const PartitionReplicaView* leader = final_leader(replicas);
    if (leader == nullptr) return;
    // Per producer: the largest record number so far. A record seen before is a duplicate (a
    // retry appended twice), not a reordering.
    std::map<std::int64_t, std::int64_t> highest;  // producer -> record
    for (const ProducerRecordAt& r : leader->values.producer_records()) {
      if (r.first_offset != r.offset) continue;
      observed();
      auto& top = highest.try_emplace(r.producer, -1).first->second;
      if (r.record < top) {
        violate(t_us, fmt::format("{}-{} offset {}: producer {}'s record {} comes after its record {} (leader {})", topic,
                                  partition, r.offset, r.producer, r.record, top, leader->node));
        break;
      }
      top = r.record;
    }
  }

 private:
  std::set<PartitionKey> partitions_;
};

class NoDuplicates final : public Checker {
 public:
  std::string_view id() const override { return "idempotent-no-duplicates"; }
  std::string_view meaning() const override {
    return "no producer record is in its partition's final log twice (a retry appended again)";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"produce-acked", "produce-error"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.name == "produce-acked" || e.name == "produce-error") {
      partitions_.insert(partition_of(e));
    }
  }
  std::vector<PartitionKey> end_partitions() const override { return keys_of(partitions_); }
  void on_end_partition(std::int64_t t_us, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const auto& [topic, partition] = key;
    const PartitionReplicaView* leader = final_leader(replicas);
    if (leader == nullptr) return;
    std::size_t reported = 0;
    for (const ProducerRecordAt& r : leader->values.producer_records()) {  // in offset order
      observed();
      if (r.first_offset == r.offset) continue;
      add_records_affected(1);
      if (reported >= duplicates_reported_max) continue;
      ++reported;
      violate(t_us, fmt::format("{}-{}: producer {}'s record {} is at offset {} and again at offset {} (leader {})",
                                topic, partition, r.producer, r.record, r.first_offset, r.offset, leader->node));
    }
  }

 private:
  static constexpr std::size_t duplicates_reported_max = 5;  // per partition: the first few tell the story
  std::set<PartitionKey> partitions_;
};

}  // namespace

std::unique_ptr<Checker> make_no_duplicates_checker() {
  return std::make_unique<NoDuplicates>();
}

std::unique_ptr<Checker> make_producer_order_checker() {
  return std::make_unique<ProducerOrder>();
}

std::unique_ptr<Checker> make_consumer_read_stable_checker() {
  return std::make_unique<ConsumerReadStable>();
}

std::unique_ptr<Checker> make_acked_write_durable_checker() {
  return std::make_unique<AckedWriteDurable>();
}

std::unique_ptr<Checker> make_replicas_consistent_checker() {
  return std::make_unique<ReplicasConsistent>();
}

}  // namespace kraftsim::check
