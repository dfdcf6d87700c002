// RangeAssignor and RoundRobinAssignor (see assignor.h); member ids sort as Java Strings do
// for ASCII ids (std::map's byte order).
#include "broker/client/assignor.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::client {

const char* to_string(AssignmentStrategy strategy) {
  switch (strategy) {
    case AssignmentStrategy::range: return "range";
    case AssignmentStrategy::roundrobin: return "roundrobin";
  }
  return "range";
}

std::optional<AssignmentStrategy> parse_assignment_strategy(std::string_view name) {
  if (name == "range") return AssignmentStrategy::range;
  if (name == "roundrobin") return AssignmentStrategy::roundrobin;
  return std::nullopt;
}

namespace {

bool subscribes(const protocol::Subscription& s, const std::string& topic) {
  return std::find(s.topics.begin(), s.topics.end(), topic) != s.topics.end();
}

MemberAssignment assign_range(const std::map<std::string, std::int32_t>& partitions_per_topic,
                              const std::map<std::string, protocol::Subscription>& subscriptions) {
  MemberAssignment out;
  for (const auto& [member, s] : subscriptions) out[member];
  for (const auto& [topic, count] : partitions_per_topic) {
    std::vector<std::string> members;  // sorted: the map's order
    for (const auto& [member, s] : subscriptions) {
      if (subscribes(s, topic)) members.push_back(member);
    }
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

}  // namespace

MemberAssignment assign(AssignmentStrategy strategy, const std::map<std::string, std::int32_t>& partitions_per_topic,
                        const std::map<std::string, protocol::Subscription>& subscriptions) {
  return strategy == AssignmentStrategy::range ? assign_range(partitions_per_topic, subscriptions)
                                               : assign_roundrobin(partitions_per_topic, subscriptions);
}

}  // namespace kraftsim::client
