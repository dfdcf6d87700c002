// VoteTally (roles.h): the answers of the voters to one pre-vote or vote round.
#include "broker/raft/roles.h"

#include <algorithm>

#include "base/assert.h"

namespace kraftsim::raft {

VoteTally::VoteTally(const std::vector<NodeId>& voter_ids) {
  KS_ASSERT(!voter_ids.empty());
  KS_ASSERT(std::is_sorted(voter_ids.begin(), voter_ids.end()));
  voters_.reserve(voter_ids.size());
  for (NodeId id : voter_ids) voters_.emplace_back(id, Answer::none);
}

void VoteTally::record(NodeId voter, bool granted) {
  const auto it = std::lower_bound(voters_.begin(), voters_.end(), voter,
                                   [](const auto& v, NodeId n) { return v.first < n; });
  KS_ASSERT_MSG(it != voters_.end() && it->first == voter, "only voters answer votes");
  it->second = granted ? Answer::granted : Answer::rejected;
}

bool VoteTally::has_answered(NodeId voter) const {
  return std::any_of(voters_.begin(), voters_.end(),
                     [voter](const auto& v) { return v.first == voter && v.second != Answer::none; });
}

std::vector<NodeId> VoteTally::unanswered() const {
  std::vector<NodeId> out;
  for (const auto& [id, answer] : voters_) {
    if (answer == Answer::none) out.push_back(id);
  }
  return out;
}

std::vector<NodeId> VoteTally::granting() const {
  std::vector<NodeId> out;
  for (const auto& [id, answer] : voters_) {
    if (answer == Answer::granted) out.push_back(id);
  }
  return out;
}

std::size_t VoteTally::granted_count() const {
  return static_cast<std::size_t>(
      std::count_if(voters_.begin(), voters_.end(), [](const auto& v) { return v.second == Answer::granted; }));
}

std::size_t VoteTally::rejected_count() const {
  return static_cast<std::size_t>(
      std::count_if(voters_.begin(), voters_.end(), [](const auto& v) { return v.second == Answer::rejected; }));
}

}  // namespace kraftsim::raft
