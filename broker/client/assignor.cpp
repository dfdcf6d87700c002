// RangeAssignor and RoundRobinAssignor (see assignor.h); member ids sort as Java Strings do
// for ASCII ids (std::map's byte order).
#include "broker/client/assignor.h"

#include <algorithm>
#include <set>

#include "base/assert.h"

namespace kraftsim::client {

const char* to_string(AssignmentStrategy strategy) {
  switch (strategy) {
    case AssignmentStrategy::range: return "range";
    case AssignmentStrategy::roundrobin: return "roundrobin";
    case AssignmentStrategy::cooperative_sticky: return "cooperative-sticky";
  }
  return "range";
}

std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name) {
  if (name == "range") return AssignmentStrategy::range;
  if (name == "roundrobin") return AssignmentStrategy::roundrobin;
  if (name == "cooperative-sticky") return AssignmentStrategy::cooperative_sticky;
  return std::nullopt;
}

namespace {

bool subscribes(const protocol::Subscription& s, const std::string& topic) {
  return std::find(s.topics.begin(), s.topics.end(), topic) != s.topics.end();
}

// The members subscribed to topic, in member-id order (the map's order).
std::vector<std::string> subscribers(const std::map<std::string, protocol::Subscription>& subscriptions,
                                     const std::string& topic) {
  std::vector<std::string> members;
  for (const auto& [member, s] : subscriptions) {
    if (subscribes(s, topic)) members.push_back(member);
  }
  return members;
}

MemberAssignment assign_range(const std::map<std::string, std::int32_t>& partitions_per_topic,
                              const std::map<std::string, protocol::Subscription>& subscriptions) {
  MemberAssignment out;
  for (const auto& [member, s] : subscriptions) out[member];
  for (const auto& [topic, count] : partitions_per_topic) {
    const std::vector<std::string> members = subscribers(subscriptions, topic);
    if (members.empty()) continue;
    const auto n = static_cast<std::int32_t>(members.size());
    const std::int32_t per_member = count / n;
    const std::int32_t extra = count % n;
    for (std::int32_t i = 0; i < n; ++i) {
      const std::int32_t start = per_member * i + std::min(i, extra);
      const std::int32_t length = per_member + (i < extra ? 1 : 0);
      for (std::int32_t p = start; p < start + length; ++p) out[members[static_cast<std::size_t>(i)]].push_back({topic, p});
    }
  }
  return out;
}

MemberAssignment assign_roundrobin(const std::map<std::string, std::int32_t>& partitions_per_topic,
                                   const std::map<std::string, protocol::Subscription>& subscriptions) {
  MemberAssignment out;
  std::vector<std::string> members;
  for (const auto& [member, s] : subscriptions) {
    out[member];
    members.push_back(member);
  }
  if (members.empty()) return out;
  std::size_t next = 0;  // CircularIterator over the sorted members
  for (const auto& [topic, count] : partitions_per_topic) {
    for (std::int32_t p = 0; p < count; ++p) {
      // Skip members not subscribed to this topic (at most one full turn).
      std::size_t tried = 0;
      while (!subscribes(subscriptions.at(members[next % members.size()]), topic) && tried < members.size()) {
        ++next;
        ++tried;
      }
      if (tried == members.size()) break;  // nobody subscribes to the topic
      out[members[next % members.size()]].push_back({topic, p});
      ++next;
    }
  }
  return out;
}

MemberAssignment assign_cooperative_sticky(const std::map<std::string, std::int32_t>& partitions_per_topic,
                                           const std::map<std::string, protocol::Subscription>& subscriptions) {
  MemberAssignment out;
  for (const auto& [member, s] : subscriptions) out[member];
  for (const auto& [topic, count] : partitions_per_topic) {
    const std::vector<std::string> members = subscribers(subscriptions, topic);
    if (members.empty() || count <= 0) continue;
    const auto n = static_cast<std::int32_t>(members.size());
    const std::int32_t min_quota = count / n;
    std::int32_t max_quota_slots = count % n;  // members that may hold min_quota + 1
    // Who owned what (a partition claimed twice stays with the first claimant in member order).
    std::map<std::int32_t, std::string> previous_owner;
    std::map<std::string, std::vector<std::int32_t>> kept;
    for (const std::string& m : members) {
      for (const auto& tp : subscriptions.at(m).owned_partitions) {
        if (tp.topic != topic || tp.partition < 0 || tp.partition >= count || previous_owner.contains(tp.partition)) continue;
        previous_owner[tp.partition] = m;
      }
    }
    // 1. Each member keeps up to its quota of what it owned (constrainedAssign).
    std::set<std::int32_t> assigned;
    for (const std::string& m : members) {
      std::vector<std::int32_t> owned;
      for (const auto& [p, owner] : previous_owner) {
        if (owner == m) owned.push_back(p);
      }
      std::int32_t quota = min_quota;
      if (static_cast<std::int32_t>(owned.size()) > min_quota && max_quota_slots > 0) {
        ++quota;
        --max_quota_slots;
      }
      for (std::int32_t p : owned) {
        if (static_cast<std::int32_t>(kept[m].size()) >= quota) break;
        kept[m].push_back(p);
        assigned.insert(p);
      }
    }
    // 2. The rest go to members below min_quota first, then to members that may take one more.
    std::vector<std::int32_t> unassigned;
    for (std::int32_t p = 0; p < count; ++p) {
      if (!assigned.contains(p)) unassigned.push_back(p);
    }
    std::size_t next = 0;
    for (const std::string& m : members) {
      while (static_cast<std::int32_t>(kept[m].size()) < min_quota && next < unassigned.size()) kept[m].push_back(unassigned[next++]);
    }
    for (const std::string& m : members) {
      if (next >= unassigned.size()) break;
      if (static_cast<std::int32_t>(kept[m].size()) == min_quota && max_quota_slots > 0) {
        kept[m].push_back(unassigned[next++]);
        --max_quota_slots;
      }
    }
    KS_ASSERT_MSG(next == unassigned.size(), "the sticky assignment left partitions out");
    // 3. KIP-429: a partition moving from one member to another is held back this generation;
    // its owner revokes it and rejoins, and the next assignment gives it to the new member.
    for (const std::string& m : members) {
      std::sort(kept[m].begin(), kept[m].end());
      for (std::int32_t p : kept[m]) {
        auto owner = previous_owner.find(p);
        if (owner != previous_owner.end() && owner->second != m) continue;
        out[m].push_back({topic, p});
      }
    }
  }
  return out;
}

}  // namespace

MemberAssignment assign(AssignmentStrategy strategy, const std::map<std::string, std::int32_t>& partitions_per_topic,
                        const std::map<std::string, protocol::Subscription>& subscriptions) {
  switch (strategy) {
    case AssignmentStrategy::range: return assign_range(partitions_per_topic, subscriptions);
    case AssignmentStrategy::roundrobin: return assign_roundrobin(partitions_per_topic, subscriptions);
    case AssignmentStrategy::cooperative_sticky: return assign_cooperative_sticky(partitions_per_topic, subscriptions);
  }
  return {};
}

}  // namespace kraftsim::client
