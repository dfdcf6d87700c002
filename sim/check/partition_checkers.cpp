// single-partition-leader-per-epoch and partition-hw-monotonic (see partition_checkers.h).
#include "sim/check/partition_checkers.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>

namespace kraftsim::check {

namespace {

// Per topic-partition state, found without building a string per event: partition-state events
// are frequent (every high watermark move of every leader records one).
template <typename T>
class PerPartition {
 public:
  T& at(const trace::EventRef& e) {
    const std::string_view topic = e.string_or("topic", "");
    auto it = topics_.find(topic);
    if (it == topics_.end()) it = topics_.emplace(std::string(topic), std::map<std::int32_t, T>{}).first;
    return it->second[static_cast<std::int32_t>(e.int_or("partition", -1))];
  }
  template <typename F>
  void for_each(F f) {
    for (auto& [topic, partitions] : topics_) {
      for (auto& [partition, state] : partitions) f(state);
    }
  }

 private:
  std::map<std::string, std::map<std::int32_t, T>, std::less<>> topics_;
};

bool is_partition_state(const trace::EventRef& e) { return e.kind == trace::Kind::state && e.name == "partition-state"; }
bool is_leader(const trace::EventRef& e) { return e.string_or("role", "") == "Leader"; }

// A process event that ends or starts a process (not a pause, a resume or a shutdown request):
// the broker's replicas are gone or new.
bool ends_process(const trace::EventRef& e) {
  return e.kind == trace::Kind::process && e.name != "paused" && e.name != "resumed" && e.name != "shutdown-requested";
}

class SinglePartitionLeaderPerEpoch final : public Checker {
 public:
  std::string_view id() const override { return "single-partition-leader-per-epoch"; }
  std::string_view meaning() const override {
    return "for each topic-partition and leader epoch, at most one broker ever acts as leader";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"partition-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (!is_partition_state(e) || !is_leader(e)) return;
    observed();
    const std::int64_t epoch = e.int_or("leader_epoch", -1);
    auto& leaders = leaders_.at(e);
    const auto [it, fresh] = leaders.emplace(epoch, Leader{e.node, e.t_us, no_node});
    // Reported once per second leader (its every high watermark move records another event).
    if (fresh || it->second.node == e.node || it->second.reported == e.node) return;
    it->second.reported = e.node;
    violate(e.t_us, fmt::format("{}-{} leader epoch {}: broker {} acted as leader from {} ms and broker {} at {} ms",
                                e.string_or("topic", ""), e.int_or("partition", -1), epoch, it->second.node,
                                it->second.t_us / 1000, e.node, e.t_us / 1000));
  }

 private:
  struct Leader {
    NodeId node = no_node;
    std::int64_t t_us = 0;   // its first partition-state event as leader of the epoch
    NodeId reported = no_node;  // the other broker last reported leading the same epoch
  };
  PerPartition<std::map<std::int64_t, Leader>> leaders_;  // leader epoch -> who led it first
};

class PartitionHighWatermarkMonotonic final : public Checker {
 public:
  std::string_view id() const override { return "partition-hw-monotonic"; }
  std::string_view meaning() const override {
    return "a partition leader's high watermark never decreases while it leads, and every leader's log, from when it "
           "serves requests, reaches every high watermark published before in its leader epoch or an earlier one";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state, trace::Kind::process}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"partition-state", "broker-lifecycle", "broker-listener"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (ends_process(e)) {
      partitions_.for_each([&e](Partition& p) {
        p.tenures.erase(e.node);
        p.unserved.erase(e.node);
      });
      return;
    }
    if (e.kind != trace::Kind::state) return;
    // A starting broker serves nothing until its broker listener opens (once unfenced, as
    // Kafka's BrokerServer): what its first images make it lead before that, from a log a power
    // loss may have shortened, is a leader nobody can reach. It answers for the records
    // committed before from the moment it serves, if it still leads then.
    if (e.name == "broker-lifecycle") {
      if (e.string_or("reason", "") == "started") closed_.insert(e.node);
      return;
    }
    if (e.name == "broker-listener") {
      closed_.erase(e.node);
      partitions_.for_each([this, &e](Partition& p) {
        const auto it = p.unserved.find(e.node);
        if (it == p.unserved.end()) return;
        const Unserved u = it->second;
        p.unserved.erase(it);
        lead(p, u.topic, u.partition, Published{u.state.high_watermark, u.state.epoch, e.node, e.t_us}, u.log_end);
      });
      return;
    }
    if (!is_partition_state(e)) return;
    Partition& p = partitions_.at(e);
    if (!is_leader(e)) {
      p.tenures.erase(e.node);
      p.unserved.erase(e.node);
      return;
    }
    observed();
    const Published now{e.int_or("high_watermark", -1), e.int_or("leader_epoch", -1), e.node, e.t_us};
    const std::int64_t log_end = e.int_or("log_end_offset", -1);
    if (closed_.contains(e.node)) {
      p.unserved[e.node] = Unserved{std::string(e.string_or("topic", "")), e.int_or("partition", -1), now, log_end};
      return;
    }
    lead(p, e.string_or("topic", ""), e.int_or("partition", -1), now, log_end);
  }

 private:
  struct Published {
    std::int64_t high_watermark = -1;
    std::int64_t epoch = -1;
    NodeId node = no_node;
    std::int64_t t_us = 0;
  };
  // A leadership of a broker whose listener is not open yet, as last reported.
  struct Unserved {
    std::string topic;
    std::int64_t partition = -1;
    Published state;
    std::int64_t log_end = -1;
  };

  struct Partition {
    std::map<NodeId, Published> tenures;  // the brokers leading it now (one, unless fencing failed)
    std::map<NodeId, Unserved> unserved;  // leaderships of brokers whose listener is not open yet
    // Per leader epoch, the highest high watermark a leader of that epoch published. A new leader
    // of epoch E answers for the records committed in E and before (KIP-101/279: the leader of an
    // epoch holds everything committed before it); a broker acting on a stale image in an older
    // epoch (a restart's replay, KafkaRaftClient capping the high watermark it learns at its own
    // log end, and MetadataLoader publishing at it) answers for none of a later epoch's. What such
    // a leader could do wrong (acknowledge, serve) the durability and read checkers see.
    std::map<std::int64_t, Published> highest;

    Published highest_up_to(std::int64_t epoch) const {
      Published best;
      for (auto it = highest.begin(); it != highest.end() && it->first <= epoch; ++it) {
        if (it->second.high_watermark > best.high_watermark) best = it->second;
      }
      return best;
    }
  };

  // A leadership that serves: checks both claims, then records what it published.
  void lead(Partition& p, std::string_view topic, std::int64_t partition, const Published& now, std::int64_t log_end) {
    const auto [tenure, started] = p.tenures.emplace(now.node, now);
    const Published bound = started ? p.highest_up_to(now.epoch) : Published{};
    if (started && log_end < bound.high_watermark) {
      violate(now.t_us, fmt::format("{}-{}: broker {} became leader of epoch {} at {} ms with log end {}, below high "
                                    "watermark {} published by leader {} of epoch {} at {} ms: offsets {}..{} were "
                                    "committed and are gone",
                                    topic, partition, now.node, now.epoch, now.t_us / 1000, log_end, bound.high_watermark,
                                    bound.node, bound.epoch, bound.t_us / 1000, log_end, bound.high_watermark - 1));
      // Reported once: from here on the new leader's log is the partition's history.
      p.highest.erase(p.highest.begin(), p.highest.upper_bound(now.epoch));
    } else if (!started && now.high_watermark < tenure->second.high_watermark) {
      violate(now.t_us, fmt::format("{}-{}: leader {} lowered its high watermark from {} (epoch {}, at {} ms) to {} "
                                    "(epoch {}, at {} ms) while leading",
                                    topic, partition, now.node, tenure->second.high_watermark, tenure->second.epoch,
                                    tenure->second.t_us / 1000, now.high_watermark, now.epoch, now.t_us / 1000));
    }
    tenure->second = now;
    Published& highest = p.highest[now.epoch];
    if (now.high_watermark > highest.high_watermark) highest = now;
  }

  PerPartition<Partition> partitions_;
  std::set<NodeId> closed_;  // brokers started whose broker listener has not opened yet
};

}  // namespace

std::unique_ptr<Checker> make_single_partition_leader_checker() {
  return std::make_unique<SinglePartitionLeaderPerEpoch>();
}

std::unique_ptr<Checker> make_partition_hw_monotonic_checker() {
  return std::make_unique<PartitionHighWatermarkMonotonic>();
}

}  // namespace kraftsim::check
