// quorum-live-after-faults (see raft_liveness.h).
#include "sim/check/raft_liveness.h"

#include <fmt/format.h>

#include <map>

#include "broker/raft/quorum_core.h"

namespace kraftsim::check {

namespace {

class QuorumLiveness final : public Checker {
 public:
  QuorumLiveness(const ClusterView& view, bool expect_progress, std::int64_t settle_us)
      : view_(view), expect_progress_(expect_progress), settle_us_(settle_us) {}
  std::string_view id() const override { return "quorum-live-after-faults"; }
  std::string_view meaning() const override {
    return "after the faults, connected voters agree on one leader and the metadata log makes progress";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state, trace::Kind::fault}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"raft-state"};
    return names;
  }
  void on_event(const trace::EventRef& e) override {
    if (e.kind == trace::Kind::fault && e.name != "components") {
      last_fault_us_ = e.t_us;
      hw_at_last_fault_ = max_hw_;
    }
    if (e.kind == trace::Kind::state && e.name == "raft-state" && e.string_or("role", "") == "Leader") {
      max_hw_ = std::max(max_hw_, e.int_or("high_watermark", -1));
    }
  }
  void on_end(std::int64_t t_us) override {
    if (t_us - last_fault_us_ < settle_us_) return;  // not applicable: no time to recover
    const auto voters = view_.voters();
    std::vector<NodeId> up;
    for (NodeId v : voters) {
      if (view_.quorum(v) != nullptr) up.push_back(v);
    }
    for (NodeId a : up) {
      for (NodeId b : up) {
        if (a != b && !view_.link_up(a, b)) return;  // still partitioned: not applicable
      }
    }
    if (up.size() < voters.size() / 2 + 1) return;  // no majority alive: nothing to expect
    observed();
    std::map<std::pair<std::int32_t, NodeId>, int> views;  // (epoch, leader) -> voters
    std::string evidence;
    int leaders = 0;
    for (NodeId v : up) {
      const raft::QuorumCore* q = view_.quorum(v);
      leaders += q->role() == raft::Role::leader ? 1 : 0;
      views[{q->epoch(), q->leader_id().value_or(-1)}]++;
      evidence += fmt::format("{}node {}: {} epoch {} leader {}", evidence.empty() ? "" : "; ", v,
                              raft::to_string(q->role()), q->epoch(), q->leader_id().value_or(-1));
    }
    if (leaders != 1 || views.size() != 1) {
      violate(t_us, fmt::format("{} s after the last fault the voters do not agree on one leader: {}",
                                (t_us - last_fault_us_) / 1'000'000, evidence));
      return;
    }
    if (expect_progress_ && max_hw_ <= hw_at_last_fault_) {
      violate(t_us, fmt::format("the high watermark did not move after the last fault (stuck at {}): {}", max_hw_, evidence));
    }
  }

 private:
  const ClusterView& view_;
  bool expect_progress_;
  std::int64_t settle_us_;
  std::int64_t last_fault_us_ = 0;
  std::int64_t max_hw_ = -1;
  std::int64_t hw_at_last_fault_ = -1;
};

}  // namespace

std::unique_ptr<Checker> make_quorum_liveness_checker(const ClusterView& view, bool expect_progress,
                                                      std::int64_t settle_us) {
  return std::make_unique<QuorumLiveness>(view, expect_progress, settle_us);
}

}  // namespace kraftsim::check
