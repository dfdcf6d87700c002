// liveness-after-heal (see liveness_after_heal.h).
#include "sim/check/liveness_after_heal.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <variant>

#include "base/assert.h"
#include "broker/raft/quorum_core.h"

namespace kraftsim::check {

namespace {

using TopicPartition = std::pair<std::string, std::int64_t>;

class LivenessAfterHeal final : public Checker {
 public:
  LivenessAfterHeal(const ClusterView& view, std::int64_t quiet_start_us) : view_(view), quiet_start_us_(quiet_start_us) {}
  std::string_view id() const override { return "liveness-after-heal"; }
  std::string_view meaning() const override {
    return "by the end of the quiet phase: one active controller, every partition led by an ISR member, pending "
           "produces completed, consumers caught up";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"partition-state", "history", "consumed", "consumer-position", "group-joined"};
    return names;
  }

  void on_event(const trace::EventRef& e) override {
    if (e.name == "partition-state") {
      const TopicPartition tp{std::string(e.string_or("topic", "")), e.int_or("partition", -1)};
      Leadership& l = partitions_[tp];
      if (e.string_or("role", "") == "Leader" && e.int_or("leader_epoch", -1) >= l.epoch) {
        l.epoch = e.int_or("leader_epoch", -1);
        l.leader = e.node;
        l.isr = std::string(e.string_or("isr", ""));
      }
      return;
    }
    if (e.name == "history") on_history(e);
    if (e.name == "consumed" || e.name == "consumer-position") on_consumer(e);
    if (e.name == "group-joined") group_of_[e.node] = std::string(e.string_or("group", ""));
  }

  std::vector<PartitionKey> end_partitions() const override {
    if (quiet_start_us_ < 0) return {};
    std::vector<PartitionKey> out;
    for (const auto& [tp, l] : partitions_) out.emplace_back(tp.first, static_cast<std::int32_t>(tp.second));
    return out;
  }
  // Whether the partition's last leader (from its partition-state events) is running as leader
  // in that epoch, and is in its ISR.
  void on_end_partition(std::int64_t /*t_us*/, const PartitionKey& key, const std::vector<PartitionReplicaView>& replicas) override {
    const Leadership& l = partitions_.at(TopicPartition{key.first, key.second});
    bool led = false;
    for (const PartitionReplicaView& r : replicas) {
      if (r.leader && r.node == l.leader && r.leader_epoch == l.epoch) led = true;
    }
    const bool in_isr = ("," + l.isr + ",").find(fmt::format(",{},", l.leader)) != std::string::npos;  // "1,2,3"
    if (!led || !in_isr) {
      partition_problems_.push_back(fmt::format("{}-{} has no running leader in its ISR (last leader {} in epoch {}, ISR [{}])",
                                                key.first, key.second, l.leader, l.epoch, l.isr));
    }
  }

  void on_end(std::int64_t t_us) override {
    if (quiet_start_us_ < 0) return;  // no quiet phase: not applicable
    observed();
    std::vector<std::string> problems;
    check_controller(problems);
    problems.insert(problems.end(), partition_problems_.begin(), partition_problems_.end());
    std::int64_t pending = 0;
    const PendingSends* first = nullptr;
    std::int64_t first_producer = -1;
    for (const auto& [producer, sends] : pending_) {
      pending += sends.count;
      if (first == nullptr && sends.count > 0) {
        first = &sends;
        first_producer = producer;
      }
    }
    if (first != nullptr) {
      KS_ASSERT(!first->invoked_us.empty() && first->invoked_us.front() >= 0);  // completed heads are popped
      problems.push_back(fmt::format("{} send(s) invoked before the quiet phase never completed (first: producer {} "
                                     "send {} invoked at {} ms)",
                                     pending, first_producer, first->first_id, first->invoked_us.front() / 1000));
    }
    check_consumers(problems);
    if (problems.empty()) return;
    std::string evidence;
    for (const auto& p : problems) evidence += (evidence.empty() ? "" : "; ") + p;
    violate(t_us, fmt::format("{} s after the heal: {}", (t_us - quiet_start_us_) / 1'000'000, evidence));
  }

 private:
  struct Leadership {
    std::int64_t epoch = -1;
    NodeId leader = no_node;
    std::string isr;
  };

  // A producer's sends invoked before the quiet phase and not completed yet. A producer numbers
  // its sends 0, 1, 2, ... in invocation order, so a window that starts at the oldest pending
  // send is enough: O(1) per send, where a map of (producer, id) cost a tree insert and erase
  // for each of a long run's millions of records (docs/PERFORMANCE.md).
  struct PendingSends {
    std::int64_t first_id = 0;            // the send id of invoked_us.front()
    std::deque<std::int64_t> invoked_us;  // from first_id on: invoke time, or -1 once completed
    std::int64_t count = 0;               // entries that are not -1
  };

  // The fields of a history event this checker reads, taken in one pass over the fields: a
  // producer writes a history event per record (its invoke), and a lookup per field (a scan of
  // the fields each) was most of this checker's share of a long run.
  struct HistoryFields {
    std::string_view f, type, topic;
    std::int64_t process = -1, id = -1, partition = -1, offset = -1;
    std::int64_t count = 1;  // a completion stands for the sends id..id+count-1
  };
  static HistoryFields history_fields(const trace::EventRef& e) {
    HistoryFields h;
    for (const trace::FieldRef& field : e.fields) {
      const std::string_view key = field.key.text();
      const auto* text = std::get_if<std::string_view>(&field.value);
      const auto* number = std::get_if<std::int64_t>(&field.value);
      if (text != nullptr) {
        if (key == "f") h.f = *text;
        else if (key == "type") h.type = *text;
        else if (key == "topic") h.topic = *text;
      } else if (number != nullptr) {
        if (key == "id") h.id = *number;
        else if (key == "process") h.process = *number;
        else if (key == "partition") h.partition = *number;
        else if (key == "offset") h.offset = *number;
        else if (key == "count") h.count = *number;
      }
    }
    return h;
  }

  void on_history(const trace::EventRef& e) {
    const HistoryFields h = history_fields(e);
    if (h.f != "send" || h.id < 0) return;
    const std::int64_t id = h.id;
    if (last_sends_ == nullptr || last_process_ != h.process) {  // a run's history comes mostly from one producer
      last_sends_ = &pending_[h.process];
      last_process_ = h.process;
    }
    PendingSends& sends = *last_sends_;
    if (h.type == "invoke") {
      if (e.t_us >= quiet_start_us_ && quiet_start_us_ >= 0) return;  // judged by nothing: invoked in the quiet phase
      if (sends.invoked_us.empty()) sends.first_id = id;
      const std::int64_t next = sends.first_id + static_cast<std::int64_t>(sends.invoked_us.size());
      if (id < next) return;  // invoked twice: the first invoke counts
      while (sends.first_id + static_cast<std::int64_t>(sends.invoked_us.size()) < id) sends.invoked_us.push_back(-1);
      sends.invoked_us.push_back(e.t_us);
      ++sends.count;
      return;
    }
    if (h.count < 1) return;
    // Only the sends still pending can complete (a trace's count is not trusted to be small).
    const std::int64_t pending_end = sends.first_id + static_cast<std::int64_t>(sends.invoked_us.size());
    const std::int64_t from = std::max(id, sends.first_id);
    const std::int64_t to = id >= pending_end || h.count >= pending_end - id ? pending_end : id + h.count;
    for (std::int64_t done = from; done < to; ++done) complete(sends, done);
    if (h.type == "ok" && e.t_us < quiet_start_us_) {
      if (last_acked_end_ == nullptr || last_acked_partition_ != h.partition || last_acked_topic_ != h.topic) {
        last_acked_end_ = &acked_end_[TopicPartition{std::string(h.topic), h.partition}];
        last_acked_topic_ = std::string(h.topic);
        last_acked_partition_ = h.partition;
      }
      *last_acked_end_ = std::max(*last_acked_end_, h.offset + h.count);
    }
  }

  static void complete(PendingSends& sends, std::int64_t id) {
    const std::int64_t index = id - sends.first_id;
    if (index < 0 || index >= static_cast<std::int64_t>(sends.invoked_us.size())) return;
    std::int64_t& entry = sends.invoked_us[static_cast<std::size_t>(index)];
    if (entry < 0) return;
    entry = -1;
    --sends.count;
    while (!sends.invoked_us.empty() && sends.invoked_us.front() < 0) {
      sends.invoked_us.pop_front();
      ++sends.first_id;
    }
  }

  // A consumer's reach per partition: the next offset it read to, or where its position was set.
  void on_consumer(const trace::EventRef& e) {
    const TopicPartition tp{std::string(e.string_or("topic", "")), e.int_or("partition", -1)};
    const std::int64_t reach = e.name == "consumed" ? e.int_or("next_offset", -1) : e.int_or("offset", -1);
    auto& r = reach_[e.node][tp];
    r = std::max(r, reach);
    topic_of_[e.node] = tp.first;
  }
  void check_controller(std::vector<std::string>& problems) const {
    std::map<std::pair<std::int32_t, NodeId>, int> views;  // (epoch, leader) -> running voters
    int leaders = 0, up = 0;
    for (NodeId v : view_.voters()) {
      const raft::QuorumCore* q = view_.quorum(v);
      if (q == nullptr) continue;
      ++up;
      leaders += q->role() == raft::Role::leader ? 1 : 0;
      views[{q->epoch(), q->leader_id().value_or(-1)}]++;
    }
    if (up == 0) {
      problems.push_back("no controller is running");
    } else if (leaders != 1 || views.size() != 1) {
      std::string seen;
      for (const auto& [k, n] : views) seen += fmt::format("{}{} voter(s) at epoch {} with leader {}", seen.empty() ? "" : ", ", n, k.first, k.second);
      problems.push_back(fmt::format("the controllers do not agree on one active controller ({} leader(s): {})", leaders, seen));
    }
  }

  // Members of a group count together: the group reads a partition, not a member.
  void check_consumers(std::vector<std::string>& problems) const {
    std::map<std::string, std::map<TopicPartition, std::int64_t>> reach;  // reader -> partition -> reach
    std::map<std::string, std::string> topic;                             // reader -> topic it reads
    for (const auto& [node, partitions] : reach_) {
      const auto g = group_of_.find(node);
      const std::string reader = g == group_of_.end() ? fmt::format("consumer {}", node) : fmt::format("group {}", g->second);
      topic[reader] = topic_of_.at(node);
      for (const auto& [tp, at] : partitions) reach[reader][tp] = std::max(reach[reader][tp], at);
    }
    for (const auto& [reader, partitions] : reach) {
      for (const auto& [tp, end] : acked_end_) {
        if (tp.first != topic.at(reader)) continue;
        const auto it = partitions.find(tp);
        const std::int64_t at = it == partitions.end() ? -1 : it->second;
        if (at < end) {
          problems.push_back(fmt::format("{} read {}-{} only to offset {}, but records up to {} were acknowledged before the "
                                         "quiet phase",
                                         reader, tp.first, tp.second, at, end - 1));
        }
      }
    }
  }

  const ClusterView& view_;
  std::int64_t quiet_start_us_;
  std::map<TopicPartition, Leadership> partitions_;
  std::vector<std::string> partition_problems_;  // from on_end_partition, in partition order
  std::map<std::int64_t, PendingSends> pending_;  // by producer
  PendingSends* last_sends_ = nullptr;            // pending_[last_process_] (map entries do not move)
  std::int64_t last_process_ = -1;
  std::map<TopicPartition, std::int64_t> acked_end_;  // one past the highest offset acknowledged before the quiet phase
  // The acked_end_ entry of the last "ok" (a producer's sends run in batches per partition).
  std::int64_t* last_acked_end_ = nullptr;  // map entries do not move
  std::string last_acked_topic_;
  std::int64_t last_acked_partition_ = -1;
  std::map<NodeId, std::map<TopicPartition, std::int64_t>> reach_;  // consumer -> partition -> reach
  std::map<NodeId, std::string> topic_of_;                            // consumer -> the topic it reads
  std::map<NodeId, std::string> group_of_;                            // consumer -> its group.id
};

}  // namespace

std::unique_ptr<Checker> make_liveness_after_heal_checker(const ClusterView& view, std::int64_t quiet_start_us) {
  return std::make_unique<LivenessAfterHeal>(view, quiet_start_us);
}

}  // namespace kraftsim::check
