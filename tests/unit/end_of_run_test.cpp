// check::finish_run: the end of a run decodes each partition once, in (topic, partition) order,
// shows it only to the checkers that judge it, and calls every on_end after the last partition.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/check/end_of_run.h"

using namespace kraftsim;
using namespace kraftsim::check;

namespace {

// Hosts "a-0" and "b-1" on broker 1 (any other partition: no replica); counts the decodings.
class CountingView final : public ClusterView {
 public:
  std::vector<NodeId> voters() const override { return {1}; }
  std::vector<NodeId> nodes() const override { return {1}; }
  const raft::QuorumCore* quorum(NodeId) const override { return nullptr; }
  bool link_up(NodeId, NodeId) const override { return true; }
  const std::vector<PartitionReplicaView>& partition_replicas(const std::string& topic, std::int32_t partition) const override {
    asked.push_back(topic + "-" + std::to_string(partition));
    replicas_.clear();
    if ((topic == "a" && partition == 0) || (topic == "b" && partition == 1)) {
      PartitionReplicaView v;
      v.node = 1;
      v.leader = true;
      replicas_.push_back(std::move(v));
    }
    return replicas_;
  }
  mutable std::vector<std::string> asked;

 private:
  mutable std::vector<PartitionReplicaView> replicas_;
};

class Recorder final : public Checker {
 public:
  Recorder(std::string name, std::vector<PartitionKey> partitions, std::vector<std::string>& log)
      : name_(std::move(name)), partitions_(std::move(partitions)), log_(log) {}
  std::string_view id() const override { return name_; }
  std::string_view meaning() const override { return "records the end of the run"; }
  trace::KindSet kinds() const override { return {}; }
  void on_event(const trace::EventRef&) override {}
  std::vector<PartitionKey> end_partitions() const override { return partitions_; }
  void on_end_partition(std::int64_t t_us, const PartitionKey& p, const std::vector<PartitionReplicaView>& replicas) override {
    log_.push_back(name_ + " " + p.first + "-" + std::to_string(p.second) + " " + std::to_string(replicas.size()) + " at " +
                   std::to_string(t_us));
  }
  void on_end(std::int64_t) override { log_.push_back(name_ + " end"); }

 private:
  std::string name_;
  std::vector<PartitionKey> partitions_;
  std::vector<std::string>& log_;
};

}  // namespace

TEST_CASE("end of run: one decoding per partition, in order, for the checkers that judge it, then every on_end",
          "[checks]") {
  std::vector<std::string> log;
  // Named out of order and twice; "c-5" is hosted by no broker; "none" judges no partition.
  Recorder first("first", {{"b", 1}, {"a", 0}, {"b", 1}}, log);
  Recorder second("second", {{"c", 5}, {"a", 0}}, log);
  Recorder none("none", {}, log);
  Checker* const checkers[] = {&first, &second, &none};
  const CountingView view;
  finish_run(checkers, view, 42);
  REQUIRE(view.asked == std::vector<std::string>{"a-0", "b-1", "c-5"});
  REQUIRE(log == std::vector<std::string>{"first a-0 1 at 42", "second a-0 1 at 42", "first b-1 1 at 42",
                                          "second c-5 0 at 42", "first end", "second end", "none end"});
}
