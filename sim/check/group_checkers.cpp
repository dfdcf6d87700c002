// group-single-owner and committed-offset-monotonic (see group_checkers.h).
#include "sim/check/group_checkers.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

namespace kraftsim::check {

namespace {

std::vector<std::string> split_partitions(std::string_view text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in{std::string(text)};
  while (in >> item) out.push_back(item);
  return out;
}

class GroupSingleOwner final : public Checker {
 public:
  std::string_view id() const override { return "group-single-owner"; }
  std::string_view meaning() const override {
    return "in each generation of a consumer group every partition has at most one owner, and at the end exactly "
           "one live member owns each partition";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state, trace::Kind::process}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"group-revoked", "group-joined"};
    return names;
  }

  void on_event(const trace::EventRef& e) override {
    if (e.kind == trace::Kind::process) {
      // A crash, a power loss, an exit or a restart: whatever the process owned is gone.
      if (e.name != "paused" && e.name != "resumed" && e.name != "shutdown-requested") owners_.erase(e.node);
      return;
    }
    if (e.name == "group-revoked") {
      owners_.erase(e.node);
      return;
    }
    if (e.name != "group-joined") return;
    observed();
    const std::string group(e.string_or("group", ""));
    const std::string member(e.string_or("member", ""));
    const auto generation = static_cast<std::int32_t>(e.int_or("generation", -1));
    const auto partitions = split_partitions(e.string_or("partitions", ""));
    topic_partitions_[group] = e.int_or("topic_partitions", 0);
    auto& owned = by_generation_[{group, generation}];
    for (const auto& p : partitions) {
      auto [it, inserted] = owned.emplace(p, Owner{member, e.node});
      if (!inserted && it->second.member != member) {
        violate(e.t_us, fmt::format("group {} generation {}: partition {} is owned by member {} (node {}) and by "
                                    "member {} (node {})",
                                    group, generation, p, it->second.member, it->second.node, member, e.node));
      }
    }
    owners_[e.node] = Joined{group, member, generation, partitions};
  }

  void on_end(std::int64_t t_us) override {
    std::map<std::string, std::int32_t> newest;
    for (const auto& [node, j] : owners_) newest[j.group] = std::max(newest[j.group], j.generation);
    for (const auto& [group, generation] : newest) {
      std::map<std::string, std::vector<std::string>> owners_of;  // partition -> members
      for (const auto& [node, j] : owners_) {
        if (j.group != group) continue;
        if (j.generation != generation) {
          violate(t_us, fmt::format("group {}: at the end, member {} (node {}) is still in generation {} while the "
                                    "group is in generation {}",
                                    group, j.member, node, j.generation, generation));
          continue;
        }
        for (const auto& p : j.partitions) owners_of[p].push_back(j.member);
      }
      const std::int64_t count = topic_partitions_[group];
      for (const auto& [p, members] : owners_of) {
        if (members.size() > 1) {
          violate(t_us, fmt::format("group {}: at the end, partition {} is owned by {} live members", group, p,
                                    members.size()));
        }
      }
      if (static_cast<std::int64_t>(owners_of.size()) < count) {
        violate(t_us, fmt::format("group {}: at the end, only {} of the topic's {} partitions have a live owner "
                                  "(generation {})",
                                  group, owners_of.size(), count, generation));
      }
    }
  }

 private:
  struct Owner {
    std::string member;
    NodeId node = no_node;
  };
  struct Joined {
    std::string group;
    std::string member;
    std::int32_t generation = -1;
    std::vector<std::string> partitions;
  };
  std::map<std::pair<std::string, std::int32_t>, std::map<std::string, Owner>> by_generation_;
  std::map<NodeId, Joined> owners_;  // each consumer process's latest ownership
  std::map<std::string, std::int64_t> topic_partitions_;
};

class CommittedOffsetMonotonic final : public Checker {
 public:
  std::string_view id() const override { return "committed-offset-monotonic"; }
  std::string_view meaning() const override {
    return "per group and partition, no commit the coordinator accepts lowers the committed offset, unless the "
           "committing consumer reset its position (auto.offset.reset) since";
  }
  trace::KindSet kinds() const override { return {trace::Kind::state}; }
  std::span<const std::string_view> state_names() const override {
    static constexpr std::string_view names[] = {"group-joined", "consumer-position", "offset-commit"};
    return names;
  }

  void on_event(const trace::EventRef& e) override {
    if (e.name == "group-joined") {
      members_[{std::string(e.string_or("group", "")), std::string(e.string_or("member", ""))}] =
          Member{e.node, e.int_or("generation", -1)};
      return;
    }
    if (e.name == "consumer-position") {
      const std::string_view how = e.string_or("reset", "");
      if (how == "earliest" || how == "latest") {
        resets_[{e.node, std::string(e.string_or("topic", "")), e.int_or("partition", -1)}] = e.t_us;
      }
      return;
    }
    if (e.name != "offset-commit") return;
    observed();
    const std::string group(e.string_or("group", ""));
    const std::string topic(e.string_or("topic", ""));
    const std::int64_t partition = e.int_or("partition", -1);
    const Commit commit{e.int_or("offset", -1), std::string(e.string_or("member", "")), e.int_or("generation", -1),
                        e.node, e.t_us};
    auto [last, first] = committed_.try_emplace({group, topic, partition}, commit);
    if (first) return;
    if (commit.offset < last->second.offset && !reset_since(group, commit.member, topic, partition, last->second.t_us)) {
      const auto who = members_.find({group, commit.member});
      violate(e.t_us,
              fmt::format("group {} {}-{}: coordinator {} accepted offset {} from member {} ({}) at {} ms (group "
                          "generation {}), below offset {} it accepted from member {} at {} ms (generation {})",
                          group, topic, partition, commit.coordinator, commit.offset, commit.member,
                          who == members_.end() ? std::string("never joined")
                                                : fmt::format("node {}, last joined generation {}", who->second.node,
                                                              who->second.generation),
                          e.t_us / 1000, commit.generation, last->second.offset, last->second.member,
                          last->second.t_us / 1000, last->second.generation));
    }
    last->second = commit;  // what the coordinator stores now
  }

 private:
  struct Member {
    NodeId node = no_node;
    std::int64_t generation = -1;
  };
  struct Commit {
    std::int64_t offset = -1;
    std::string member;
    std::int64_t generation = -1;  // the group's, when the commit was stored
    NodeId coordinator = no_node;
    std::int64_t t_us = 0;
  };

  // Whether the member's consumer reset its position of the partition after `after_us`: then it
  // legitimately commits lower (an unclean election truncated the log below it, say).
  bool reset_since(const std::string& group, const std::string& member, const std::string& topic,
                   std::int64_t partition, std::int64_t after_us) const {
    const auto who = members_.find({group, member});
    if (who == members_.end()) return false;
    const auto reset = resets_.find({who->second.node, topic, partition});
    return reset != resets_.end() && reset->second > after_us;
  }

  std::map<std::pair<std::string, std::string>, Member> members_;  // (group, member id) -> its consumer
  std::map<std::tuple<NodeId, std::string, std::int64_t>, std::int64_t> resets_;  // -> time of the last reset
  std::map<std::tuple<std::string, std::string, std::int64_t>, Commit> committed_;  // (group, topic, partition)
};

}  // namespace

std::unique_ptr<Checker> make_group_single_owner_checker(const ClusterView& /*view*/) {
  return std::make_unique<GroupSingleOwner>();
}

std::unique_ptr<Checker> make_committed_offset_monotonic_checker() { return std::make_unique<CommittedOffsetMonotonic>(); }

}  // namespace kraftsim::check
