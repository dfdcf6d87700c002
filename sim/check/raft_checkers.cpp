// The KRaft invariants (see raft_checkers.h). They read the "raft-state",
// "quorum-state-durable", "raft-recovered" and "raft-flushed" events nodes record, and the
// quorum cores' logs through ClusterView.
#include "sim/check/raft_checkers.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>

#include "base/hash.h"
#include "broker/raft/quorum_core.h"

namespace kraftsim::check {

namespace {

bool is_state(const trace::EventRef& e, std::string_view name) { return e.kind == trace::Kind::state && e.name == name; }

class SingleControllerPerEpoch final : public Checker {
 public:
  std::string_view id() const override { return "single-controller-per-epoch"; }
  std::string_view meaning() const override {
    return "every durable election state and Leader role of an epoch names the same controller";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"quorum-state-durable", "raft-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    NodeId named = no_node;
    if (is_state(e, "quorum-state-durable")) named = static_cast<NodeId>(e.int_or("leader_id", -1));
    else if (is_state(e, "raft-state") && e.string_or("role", "") == "Leader") named = e.node;
    if (named < 0) return;
    const auto epoch = e.int_or("epoch", -1);
    observed();
    auto [it, inserted] = leaders_.emplace(epoch, std::make_pair(named, e.node));
    if (!inserted && it->second.first != named) {
      violate(e.t_us, fmt::format("epoch {} has two leaders: node {} (as seen by node {}) and node {} (as seen by node {} at {} ms)",
                                  epoch, it->second.first, it->second.second, named, e.node, e.t_us / 1000));
    }
  }

 private:
  std::map<std::int64_t, std::pair<NodeId, NodeId>> leaders_;  // epoch -> (leader, who said so)
};

class EpochMonotonic final : public Checker {
 public:
  std::string_view id() const override { return "raft-epoch-monotonic"; }
  std::string_view meaning() const override { return "a node's durable epoch never decreases, across restarts too"; }
  trace::KindSet kinds() const override { return {trace::Kind::state, trace::Kind::disk}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"quorum-state-durable", "raft-recovered"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.kind == trace::Kind::disk && e.name == "disk-replaced") {
      durable_.erase(e.node);  // a new, empty disk starts a new durable history
      return;
    }
    if (!is_state(e, "quorum-state-durable") && !is_state(e, "raft-recovered")) return;
    const auto epoch = e.int_or("epoch", 0);
    observed();
    auto& last = durable_[e.node];
    if (epoch < last) {
      violate(e.t_us, fmt::format("node {} {} epoch {} after durable epoch {} (at {} ms)", e.node,
                                  e.name == "raft-recovered" ? "recovered" : "persisted", epoch, last, e.t_us / 1000));
    }
    if (e.name == "quorum-state-durable") last = std::max(last, epoch);
  }

 private:
  std::map<NodeId, std::int64_t> durable_;
};

// Ordered by epoch, the high watermarks leaders publish never go down: a leader's own never
// does, and a leader never publishes one below what a leader of an earlier epoch published
// (Raft's leader completeness: everything committed is in every later leader's log). A leader
// of an older epoch may publish later in real time (paused, then resumed before it hears of the
// new epoch, it can still count its own epoch's fetches): compared with the later epoch's
// leader that is no regression, as what it publishes was committed in its own epoch.
class HighWatermarkMonotonic final : public Checker {
 public:
  std::string_view id() const override { return "raft-hw-monotonic"; }
  std::string_view meaning() const override {
    return "no leader publishes a high watermark below one a leader of its own or an earlier epoch already published";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"raft-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (!is_state(e, "raft-state") || e.string_or("role", "") != "Leader") return;
    const auto hw = e.int_or("high_watermark", -1);
    if (hw < 0) return;
    observed();
    const std::int64_t epoch = e.int_or("epoch", -1);
    // The highest published by a leader of this or an earlier epoch.
    const Published* before = nullptr;
    for (auto it = by_epoch_.begin(); it != by_epoch_.end() && it->first <= epoch; ++it) {
      if (before == nullptr || it->second.hw > before->hw) before = &it->second;
    }
    if (before != nullptr && hw < before->hw) {
      violate(e.t_us, fmt::format("leader {} of epoch {} published high watermark {} at {} ms, below {} published by "
                                  "leader {} of epoch {}",
                                  e.node, epoch, hw, e.t_us / 1000, before->hw, before->leader, before->epoch));
    }
    Published& mine = by_epoch_[epoch];
    KS_ASSERT(by_epoch_.size() <= epochs_max);
    if (hw > mine.hw) mine = Published{hw, e.node, epoch};
  }

 private:
  struct Published {
    std::int64_t hw = -1;
    NodeId leader = no_node;
    std::int64_t epoch = -1;
  };
  static constexpr std::size_t epochs_max = 1u << 20;
  std::map<std::int64_t, Published> by_epoch_;  // epoch -> the highest its leader published
};

class MajorityReachedHighWatermark final : public Checker {
 public:
  explicit MajorityReachedHighWatermark(const ClusterView& view) : view_(view) {}
  std::string_view id() const override { return "raft-majority-reached-hw"; }
  std::string_view meaning() const override {
    return "a leader's published high watermark is flushed on a majority of voters";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"raft-flushed", "raft-truncated", "raft-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (is_state(e, "raft-flushed")) {
      flushed_[e.node] = e.int_or("end_offset", 0);
      return;
    }
    if (is_state(e, "raft-truncated")) {
      auto& f = flushed_[e.node];
      f = std::min(f, e.int_or("offset", 0));
      return;
    }
    if (!is_state(e, "raft-state") || e.string_or("role", "") != "Leader") return;
    const auto hw = e.int_or("high_watermark", -1);
    if (hw <= 0) return;
    observed();
    const auto voters = view_.voters();
    std::size_t reached = 0;
    for (NodeId v : voters) reached += flushed(v) >= hw ? 1 : 0;
    if (reached < voters.size() / 2 + 1) {
      // The evidence is formatted only for a violation: this runs for every published HW.
      std::string evidence;
      for (NodeId v : voters) evidence += fmt::format("{}node {}: {}", evidence.empty() ? "" : ", ", v, flushed(v));
      violate(e.t_us, fmt::format("leader {} of epoch {} published high watermark {} at {} ms but only {} of {} voters "
                                  "had flushed that far ({})",
                                  e.node, e.int_or("epoch", -1), hw, e.t_us / 1000, reached, voters.size(), evidence));
    }
  }

 private:
  std::int64_t flushed(NodeId voter) const {
    const auto it = flushed_.find(voter);
    return it == flushed_.end() ? 0 : it->second;
  }

  const ClusterView& view_;
  std::map<NodeId, std::int64_t> flushed_;
};

class CommittedConsistent final : public Checker {
 public:
  explicit CommittedConsistent(const ClusterView& view) : view_(view) {}
  std::string_view id() const override { return "raft-committed-consistent"; }
  std::string_view meaning() const override {
    return "no two nodes hold different records below their high watermarks, in their logs or snapshots";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"raft-recovered", "metadata-snapshot-written", "raft-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (is_state(e, "raft-recovered")) {
      checked_[e.node] = 0;  // a restarted node's log is compared again from its start
      return;
    }
    if (is_state(e, "metadata-snapshot-written")) {
      // Snapshots cover committed data too: two snapshots of the same offset must be equal.
      observed();
      const auto end = e.int_or("end_offset", -1);
      auto [it, inserted] = snapshots_.emplace(end, std::make_pair(e.int_or("digest", 0), e.node));
      if (!inserted && it->second.first != e.int_or("digest", 0)) {
        violate(e.t_us, fmt::format("the snapshots ending at offset {} differ between node {} and node {} (at {} ms)", end,
                                    it->second.second, e.node, e.t_us / 1000));
      }
      return;
    }
    if (!is_state(e, "raft-state")) return;
    const raft::QuorumCore* core = view_.quorum(e.node);
    if (core == nullptr) return;
    const auto hw = core->high_watermark();
    if (!hw) return;
    const raft::RaftLog& log = core->log();
    const raft::Offset end = std::min(*hw, log.end_offset());
    for (raft::Offset o = std::max(log.start_offset(), checked_[e.node]); o < end; ++o) {
      const raft::Entry& entry = log.at(o);
      Hasher h;
      h.add_i64(entry.epoch);
      h.add_u64(entry.control ? 1 : 0);
      h.add_bytes(std::string_view(reinterpret_cast<const char*>(entry.payload.data()), entry.payload.size()));
      observed();
      Record& first = committed_at(o);
      if (first.node == no_node) {
        first = Record{entry.epoch, h.value(), e.node};
      } else if (first.epoch != entry.epoch || first.hash != h.value()) {
        violate(e.t_us, fmt::format("offset {} is committed as epoch {} on node {} but as epoch {} on node {} (at {} ms)",
                                    o, first.epoch, first.node, entry.epoch, e.node, e.t_us / 1000));
      }
    }
    checked_[e.node] = std::max(checked_[e.node], end);
  }

 private:
  struct Record {
    raft::Epoch epoch = 0;
    std::uint64_t hash = 0;
    NodeId node = no_node;  // the first node seen to commit it; no_node: not seen yet
  };

  // The record of offset o, growing the dense range as needed: committed offsets form a range
  // (a log has no holes), so a deque indexed from the lowest offset seen replaces a tree.
  Record& committed_at(raft::Offset o) {
    if (committed_.empty()) committed_first_ = o;
    for (; o < committed_first_; --committed_first_) committed_.emplace_front();
    while (o - committed_first_ >= static_cast<raft::Offset>(committed_.size())) committed_.emplace_back();
    return committed_[static_cast<std::size_t>(o - committed_first_)];
  }

  const ClusterView& view_;
  std::deque<Record> committed_;  // offset committed_first_ + i -> what was first seen committed there
  raft::Offset committed_first_ = 0;
  std::map<NodeId, raft::Offset> checked_;
  std::map<std::int64_t, std::pair<std::int64_t, NodeId>> snapshots_;  // end offset -> (digest, node)
};

}  // namespace

std::vector<std::unique_ptr<Checker>> make_raft_checkers(const ClusterView& view) {
  std::vector<std::unique_ptr<Checker>> out;
  out.push_back(std::make_unique<SingleControllerPerEpoch>());
  out.push_back(std::make_unique<EpochMonotonic>());
  out.push_back(std::make_unique<HighWatermarkMonotonic>());
  out.push_back(std::make_unique<MajorityReachedHighWatermark>(view));
  out.push_back(std::make_unique<CommittedConsistent>(view));
  return out;
}

}  // namespace kraftsim::check
