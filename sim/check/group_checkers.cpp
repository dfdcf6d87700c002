// group-single-owner (see group_checkers.h).
#include "sim/check/group_checkers.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

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

}  // namespace

std::unique_ptr<Checker> make_group_single_owner_checker(const ClusterView& /*view*/) {
  return std::make_unique<GroupSingleOwner>();
}

}  // namespace kraftsim::check
