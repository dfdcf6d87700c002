// GroupCoordinator: group states, generations, sessions and offsets (see group_coordinator.h).
// The rules follow Kafka's GroupCoordinator.scala (handleJoinGroup, handleSyncGroup,
// handleHeartbeat, handleLeaveGroup, handleCommitOffsets) and GroupMetadataManager.storeOffsets.
#include "broker/coordinator/group_coordinator.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/assert.h"
#include "broker/common/uuid.h"
#include "broker/coordinator/group_hash.h"

namespace kraftsim::coordinator {

using replication::ErrorCode;

const char* to_string(GroupState state) {
  switch (state) {
    case GroupState::empty: return "Empty";
    case GroupState::preparing_rebalance: return "PreparingRebalance";
    case GroupState::completing_rebalance: return "CompletingRebalance";
    case GroupState::stable: return "Stable";
  }
  return "Unknown";
}

namespace {

protocol::JoinGroupResponse join_error(ErrorCode error, std::string member_id = {}) {
  protocol::JoinGroupResponse r;
  r.error_code = error;
  r.member_id = std::move(member_id);
  return r;
}

}  // namespace

GroupCoordinator::GroupCoordinator(CoordinatorConfig config, Rng& rng) : config_(config), rng_(rng) {
  KS_ASSERT(config_.offsets_partitions > 0);
}

// ---------------------------------------------------------------- loading

void GroupCoordinator::on_load_started(Time /*now*/, std::int32_t partition) {
  KS_ASSERT(!loaded_.contains(partition));
  loading_.insert(partition);
}

void GroupCoordinator::on_load_record(std::int32_t partition, const RecordBytes& key,
                                      const std::optional<RecordBytes>& value) {
  KS_ASSERT(loading_.contains(partition));
  auto decoded = decode_key(key);
  if (!decoded.ok()) return;  // Kafka logs and skips what it cannot read
  if (decoded->group_metadata) {
    if (partition_for_group(*decoded->group_metadata, config_.offsets_partitions) != partition) return;
    if (!value) {
      groups_.erase(*decoded->group_metadata);
      return;
    }
    auto v = decode_group_metadata_value(*value);
    if (!v.ok()) return;
    // The group as it was last stored (the latest record wins): generation, leader, members and
    // their assignment. GroupMetadataManager.loadGroup: Stable with members, else Empty.
    Group& group = group_for(*decoded->group_metadata);
    group.generation = v->generation;
    group.protocol_name = v->protocol;
    group.leader = v->leader;
    group.members.clear();
    for (const auto& m : v->members) {
      Member member;
      member.member_id = m.member_id;
      member.client_id = m.client_id;
      member.join_sequence = next_join_sequence_++;
      member.session_timeout = milliseconds(m.session_timeout_ms);
      member.rebalance_timeout = milliseconds(m.rebalance_timeout_ms);
      protocol::JoinGroupRequest::Protocol protocol;
      protocol.name = v->protocol;
      protocol.metadata.topics = m.subscribed_topics;
      for (const auto& tp : m.owned_partitions) protocol.metadata.owned_partitions.push_back({tp.topic, tp.partition});
      member.protocols.push_back(std::move(protocol));
      for (const auto& tp : m.assignment) member.assignment.push_back({tp.topic, tp.partition});
      group.members.emplace(m.member_id, std::move(member));
    }
    group.state = group.members.empty() ? GroupState::empty : GroupState::stable;
    group.join_deadline = Time::max();
    group.initial_delay = false;
    group.sync_store_pending = false;
    return;
  }
  if (!decoded->offset_commit) return;
  const OffsetCommitKey& k = *decoded->offset_commit;
  if (partition_for_group(k.group, config_.offsets_partitions) != partition) return;
  Group& group = group_for(k.group);
  const PartitionKey tp{k.topic, k.partition};
  if (!value) {
    group.offsets.erase(tp);  // a tombstone: the offset was deleted
    return;
  }
  auto v = decode_offset_commit_value(*value);
  if (!v.ok()) return;  // Kafka logs and skips what it cannot read
  group.offsets[tp] = CommittedOffset{v->offset, v->leader_epoch, v->metadata};
}

void GroupCoordinator::on_load_completed(Time now, std::int32_t partition) {
  KS_ASSERT(loading_.erase(partition) == 1);
  loaded_.insert(partition);
  // Loaded members get a full session from now to find the new coordinator and heartbeat.
  for (auto& [id, group] : groups_) {
    if (group.partition != partition) continue;
    for (auto& [member_id, member] : group.members) heartbeat(now, member);
  }
}

void GroupCoordinator::on_unload(Time /*now*/, std::int32_t partition) {
  loading_.erase(partition);
  loaded_.erase(partition);
  // GroupMetadataManager.removeGroupsForPartition: the groups go; members waiting in a join or
  // sync learn NOT_COORDINATOR and look for the new coordinator.
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (it->second.partition != partition) {
      ++it;
      continue;
    }
    for (auto& [id, member] : it->second.members) {
      if (member.awaiting_join) reply(*member.awaiting_join, join_error(ErrorCode::not_coordinator));
      if (member.awaiting_sync) reply(*member.awaiting_sync, protocol::SyncGroupResponse{ErrorCode::not_coordinator, {}});
    }
    it = groups_.erase(it);
  }
  // Commits still waiting for their append fail: the new leader may or may not keep the records
  // (the client retries with the new coordinator).
  for (auto it = pending_commits_.begin(); it != pending_commits_.end();) {
    if (it->second.partition != partition) {
      ++it;
      continue;
    }
    protocol::OffsetCommitResponse r;
    for (const auto& p : it->second.offsets) r.partitions.push_back({p.topic_partition, ErrorCode::not_coordinator});
    reply(it->second.token, std::move(r));
    it = pending_commits_.erase(it);
  }
}

bool GroupCoordinator::is_loading(std::int32_t partition) const { return loading_.contains(partition); }
bool GroupCoordinator::is_loaded(std::int32_t partition) const { return loaded_.contains(partition); }

std::optional<ErrorCode> GroupCoordinator::serve_error(const std::string& group_id) const {
  if (group_id.empty()) return ErrorCode::invalid_group_id;
  const std::int32_t partition = partition_for_group(group_id, config_.offsets_partitions);
  if (loading_.contains(partition)) return ErrorCode::coordinator_load_in_progress;
  if (!loaded_.contains(partition)) return ErrorCode::not_coordinator;
  return std::nullopt;
}

GroupCoordinator::Group& GroupCoordinator::group_for(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it != groups_.end()) return it->second;
  KS_ASSERT_MSG(groups_.size() < groups_max, "too many consumer groups");
  Group g;
  g.group_id = group_id;
  g.partition = partition_for_group(group_id, config_.offsets_partitions);
  return groups_.emplace(group_id, std::move(g)).first->second;
}

GroupCoordinator::Group* GroupCoordinator::find_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------- JoinGroup

bool GroupCoordinator::supports_protocols(const Group& group,
                                          const std::vector<protocol::JoinGroupRequest::Protocol>& protocols) const {
  if (protocols.empty()) return false;
  if (group.members.empty()) return true;
  // Every member must support at least one protocol in common (GroupMetadata.supportsProtocols).
  for (const auto& p : protocols) {
    const bool everyone = std::all_of(group.members.begin(), group.members.end(), [&p](const auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(),
                         [&p](const auto& q) { return q.name == p.name; });
    });
    if (everyone) return true;
  }
  return false;
}

void GroupCoordinator::on_join_group(Time now, RequestToken token, const protocol::JoinGroupRequest& request) {
  if (auto error = serve_error(request.group_id)) return reply(token, join_error(*error));
  const Duration session = milliseconds(request.session_timeout_ms);
  if (session < config_.session_timeout_min || session > config_.session_timeout_max) {
    return reply(token, join_error(ErrorCode::invalid_session_timeout));
  }
  Group& group = group_for(request.group_id);
  if (!supports_protocols(group, request.protocols) || request.protocol_type != "consumer") {
    return reply(token, join_error(ErrorCode::inconsistent_group_protocol));
  }
  std::string member_id = request.member_id;
  if (member_id.empty()) {
    // A new member: the coordinator names it clientId-UUID (KIP-394's MEMBER_ID_REQUIRED round
    // trip is not modelled: the id comes with the join).
    if (group.members.size() >= config_.group_max_size) {
      return reply(token, join_error(ErrorCode::group_max_size_reached));
    }
    member_id = fmt::format("{}-{}", request.client_id.empty() ? "consumer" : request.client_id,
                            uuid_to_string(random_uuid([this] { return rng_.next_u64(); })));
    Member m;
    m.member_id = member_id;
    m.client_id = request.client_id;
    m.join_sequence = next_join_sequence_++;
    group.members.emplace(member_id, std::move(m));
  } else if (!group.members.contains(member_id)) {
    return reply(token, join_error(ErrorCode::unknown_member_id, member_id));
  }
  Member& member = group.members.at(member_id);
  const bool metadata_changed = member.protocols.size() != request.protocols.size() ||
                                !std::equal(member.protocols.begin(), member.protocols.end(), request.protocols.begin(),
                                            [](const auto& a, const auto& b) { return a.name == b.name && a.metadata == b.metadata; });
  member.session_timeout = session;
  member.rebalance_timeout = milliseconds(request.rebalance_timeout_ms);
  member.protocols = request.protocols;
  if (member.awaiting_join) reply(*member.awaiting_join, join_error(ErrorCode::rebalance_in_progress));
  member.awaiting_join = token;
  heartbeat(now, member);

  switch (group.state) {
    case GroupState::empty:
      prepare_rebalance(now, group, fmt::format("member {} joined an empty group", member_id));
      break;
    case GroupState::preparing_rebalance:
      if (group.initial_delay) {
        // KIP-134: each new member pushes the first rebalance out by the delay, up to the
        // rebalance timeout.
        Duration timeout = member.rebalance_timeout;
        for (const auto& [id, m] : group.members) timeout = std::max(timeout, m.rebalance_timeout);
        group.join_deadline = std::min(now + config_.initial_rebalance_delay, group.rebalance_started + timeout);
      }
      maybe_complete_join(now, group);
      break;
    case GroupState::completing_rebalance:
    case GroupState::stable: {
      // An existing member with the same subscription gets the current generation back, with
      // no rebalance (it may have missed the JoinGroup answer); in Stable the leader always
      // rebalances (GroupCoordinator.doCurrentMemberJoinGroup).
      const bool same = request.member_id == member_id && !metadata_changed;
      if (same && (group.state == GroupState::completing_rebalance || member_id != group.leader)) {
        member.awaiting_join.reset();
        return reply(token, join_response(group, member));
      }
      prepare_rebalance(now, group, fmt::format("member {} (re)joined", member_id));
      break;
    }
  }
}

void GroupCoordinator::prepare_rebalance(Time now, Group& group, const std::string& reason) {
  // Members waiting for a sync of the old generation must rejoin.
  for (auto& [id, m] : group.members) {
    if (m.awaiting_sync) {
      reply(*m.awaiting_sync, protocol::SyncGroupResponse{ErrorCode::rebalance_in_progress, {}});
      m.awaiting_sync.reset();
    }
  }
  Duration timeout = Duration{};
  for (const auto& [id, m] : group.members) timeout = std::max(timeout, m.rebalance_timeout);
  group.initial_delay = group.state == GroupState::empty;
  group.rebalance_started = now;
  group.join_deadline = group.initial_delay ? now + std::min(config_.initial_rebalance_delay, timeout) : now + timeout;
  group.state = GroupState::preparing_rebalance;
  {
    CoordinatorEvent e = make_event("group-rebalance", group);
    e.reason = reason;
    e.members = static_cast<std::int64_t>(group.members.size());
    event(std::move(e));
  }
  maybe_complete_join(now, group);
}

void GroupCoordinator::maybe_complete_join(Time now, Group& group) {
  if (group.state != GroupState::preparing_rebalance || group.initial_delay) return;
  const bool all_joined = std::all_of(group.members.begin(), group.members.end(),
                                      [](const auto& m) { return m.second.awaiting_join.has_value(); });
  if (all_joined) complete_join(now, group);
}

std::string GroupCoordinator::select_protocol(const Group& group) const {
  // GroupMetadata.selectProtocol: among the protocols every member supports, each member votes
  // for the first of its own list; the most votes win (ties: the first candidate in the leader's order).
  std::vector<std::string> candidates;
  const Member& first = group.members.at(group.leader);
  for (const auto& p : first.protocols) {
    const bool everyone = std::all_of(group.members.begin(), group.members.end(), [&p](const auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(),
                         [&p](const auto& q) { return q.name == p.name; });
    });
    if (everyone) candidates.push_back(p.name);
  }
  KS_ASSERT(!candidates.empty());
  std::map<std::string, int> votes;
  for (const auto& [id, m] : group.members) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

void GroupCoordinator::complete_join(Time now, Group& group) {
  KS_ASSERT(group.state == GroupState::preparing_rebalance);
  // Members that did not rejoin in time are removed (GroupCoordinator.onCompleteJoin).
  std::vector<std::string> laggards;
  for (const auto& [id, m] : group.members) {
    if (!m.awaiting_join) laggards.push_back(id);
  }
  for (const auto& id : laggards) {
    group.members.erase(id);
    {
      CoordinatorEvent e = make_event("group-member-removed", group);
      e.member = id;
      e.reason = "did not rejoin in time";
      event(std::move(e));
    }
  }
  group.initial_delay = false;
  group.join_deadline = Time::max();
  KS_ASSERT(group.generation < INT32_MAX);
  ++group.generation;
  // A store of the previous generation's assignment may still be on its way: its answer is for
  // a generation that is gone (on_sync_stored ignores it), so it must not hold up this one's
  // leader. Found by the generated-cluster search: a member rejoined while the assignment was
  // being stored, and the group never synced again (tests/unit/group_coordinator_test.cpp).
  group.sync_store_pending = false;
  if (group.members.empty()) {
    group.state = GroupState::empty;
    group.leader.clear();
    group.protocol_name.clear();
    store_group(now, group);
    {
      CoordinatorEvent e = make_event("group-generation", group);
      e.reason = "empty";
      e.members = 0;
      event(std::move(e));
    }
    return;
  }
  if (!group.members.contains(group.leader)) {
    const auto first = std::min_element(group.members.begin(), group.members.end(), [](const auto& a, const auto& b) {
      return a.second.join_sequence < b.second.join_sequence;
    });
    group.leader = first->first;
  }
  group.protocol_name = select_protocol(group);
  group.state = GroupState::completing_rebalance;
  {
    CoordinatorEvent e = make_event("group-generation", group);
    e.member = group.leader;
    e.reason = group.protocol_name;
    e.members = static_cast<std::int64_t>(group.members.size());
    event(std::move(e));
  }
  for (auto& [id, m] : group.members) {
    const RequestToken token = *m.awaiting_join;
    m.awaiting_join.reset();
    m.assignment.clear();
    heartbeat(now, m);
    reply(token, join_response(group, m));
  }
}

std::uint64_t GroupCoordinator::store_group(Time now, const Group& group) {
  // GroupMetadataManager.storeGroup: the group as a later coordinator loads it.
  Append append;
  append.append_id = next_append_id_++;
  append.partition = group.partition;
  GroupMetadataValue value;
  value.generation = group.generation;
  value.protocol = group.protocol_name;
  value.leader = group.leader;
  value.current_state_timestamp_ms = now.us() / 1000;
  for (const auto& [id, m] : group.members) {
    MemberMetadata mm;
    mm.member_id = id;
    mm.client_id = m.client_id;
    mm.rebalance_timeout_ms = static_cast<std::int32_t>(m.rebalance_timeout.ms());
    mm.session_timeout_ms = static_cast<std::int32_t>(m.session_timeout.ms());
    for (const auto& p : m.protocols) {
      if (p.name != group.protocol_name) continue;
      mm.subscribed_topics = p.metadata.topics;
      for (const auto& tp : p.metadata.owned_partitions) mm.owned_partitions.push_back({tp.topic, tp.partition});
    }
    for (const auto& tp : m.assignment) mm.assignment.push_back({tp.topic, tp.partition});
    value.members.push_back(std::move(mm));
  }
  append.records.emplace_back(encode_group_metadata_key(group.group_id), encode_group_metadata_value(value));
  const std::uint64_t id = append.append_id;
  output_.appends.push_back(std::move(append));
  return id;
}

protocol::JoinGroupResponse GroupCoordinator::join_response(const Group& group, const Member& member) const {
  protocol::JoinGroupResponse r;
  r.generation_id = group.generation;
  r.protocol_name = group.protocol_name;
  r.leader = group.leader;
  r.member_id = member.member_id;
  if (member.member_id == group.leader) {
    for (const auto& [id, m] : group.members) {
      protocol::JoinGroupResponse::Member entry;
      entry.member_id = id;
      for (const auto& p : m.protocols) {
        if (p.name == group.protocol_name) entry.metadata = p.metadata;
      }
      r.members.push_back(std::move(entry));
    }
  }
  return r;
}

// ---------------------------------------------------------------- SyncGroup

void GroupCoordinator::on_sync_group(Time now, RequestToken token, const protocol::SyncGroupRequest& request) {
  if (auto error = serve_error(request.group_id)) return reply(token, protocol::SyncGroupResponse{*error, {}});
  Group* group = find_group(request.group_id);
  if (group == nullptr || !group->members.contains(request.member_id)) {
    return reply(token, protocol::SyncGroupResponse{ErrorCode::unknown_member_id, {}});
  }
  if (request.generation_id != group->generation) {
    return reply(token, protocol::SyncGroupResponse{ErrorCode::illegal_generation, {}});
  }
  Member& member = group->members.at(request.member_id);
  switch (group->state) {
    case GroupState::empty:
      return reply(token, protocol::SyncGroupResponse{ErrorCode::unknown_member_id, {}});
    case GroupState::preparing_rebalance:
      return reply(token, protocol::SyncGroupResponse{ErrorCode::rebalance_in_progress, {}});
    case GroupState::stable:
      heartbeat(now, member);
      return reply(token, protocol::SyncGroupResponse{ErrorCode::none, member.assignment});
    case GroupState::completing_rebalance:
      break;
  }
  heartbeat(now, member);
  if (member.awaiting_sync) reply(*member.awaiting_sync, protocol::SyncGroupResponse{ErrorCode::rebalance_in_progress, {}});
  member.awaiting_sync = token;
  if (request.member_id != group->leader) return;
  if (group->sync_store_pending) return;  // a second SyncGroup from the leader: the first one's store runs
  // The leader's assignment: store the group (GroupMetadata record) and, once that append is
  // committed, go Stable and answer every member waiting (GroupCoordinator.doSyncGroup). A
  // generation a member was told about is therefore never reused by a later coordinator.
  for (auto& [id, m] : group->members) m.assignment.clear();
  for (const auto& a : request.assignments) {
    auto it = group->members.find(a.member_id);
    if (it != group->members.end()) it->second.assignment = a.partitions;
  }
  group->sync_store_pending = true;
  pending_syncs_[store_group(now, *group)] = {group->group_id, group->generation};
}

void GroupCoordinator::on_sync_stored(Time now, const std::string& group_id, std::int32_t generation, ErrorCode error) {
  Group* group = find_group(group_id);
  if (group == nullptr || group->generation != generation || group->state != GroupState::completing_rebalance) return;
  group->sync_store_pending = false;
  if (error != ErrorCode::none) {
    // resetAndPropagateAssignmentError, then a new rebalance.
    for (auto& [id, m] : group->members) {
      m.assignment.clear();
      if (!m.awaiting_sync) continue;
      reply(*m.awaiting_sync, protocol::SyncGroupResponse{error, {}});
      m.awaiting_sync.reset();
    }
    prepare_rebalance(now, *group, "storing the group failed");
    return;
  }
  group->state = GroupState::stable;
  for (auto& [id, m] : group->members) {
    if (!m.awaiting_sync) continue;
    reply(*m.awaiting_sync, protocol::SyncGroupResponse{ErrorCode::none, m.assignment});
    m.awaiting_sync.reset();
  }
}

// ---------------------------------------------------------------- Heartbeat, LeaveGroup

void GroupCoordinator::heartbeat(Time now, Member& member) { member.session_deadline = now + member.session_timeout; }

void GroupCoordinator::on_heartbeat(Time now, RequestToken token, const protocol::HeartbeatRequest& request) {
  if (auto error = serve_error(request.group_id)) return reply(token, protocol::HeartbeatResponse{*error});
  Group* group = find_group(request.group_id);
  if (group == nullptr || !group->members.contains(request.member_id)) {
    return reply(token, protocol::HeartbeatResponse{ErrorCode::unknown_member_id});
  }
  if (request.generation_id != group->generation) return reply(token, protocol::HeartbeatResponse{ErrorCode::illegal_generation});
  heartbeat(now, group->members.at(request.member_id));
  // PreparingRebalance: the member must rejoin (its poll loop calls JoinGroup next).
  reply(token, protocol::HeartbeatResponse{group->state == GroupState::preparing_rebalance ? ErrorCode::rebalance_in_progress
                                                                                           : ErrorCode::none});
}

void GroupCoordinator::on_leave_group(Time now, RequestToken token, const protocol::LeaveGroupRequest& request) {
  if (auto error = serve_error(request.group_id)) return reply(token, protocol::LeaveGroupResponse{*error});
  Group* group = find_group(request.group_id);
  if (group == nullptr || !group->members.contains(request.member_id)) {
    return reply(token, protocol::LeaveGroupResponse{ErrorCode::unknown_member_id});
  }
  remove_member(now, *group, request.member_id, "left the group (LeaveGroup)");
  reply(token, protocol::LeaveGroupResponse{ErrorCode::none});
}

void GroupCoordinator::remove_member(Time now, Group& group, const std::string& member_id, const std::string& reason) {
  auto it = group.members.find(member_id);
  KS_ASSERT(it != group.members.end());
  if (it->second.awaiting_join) reply(*it->second.awaiting_join, join_error(ErrorCode::unknown_member_id));
  if (it->second.awaiting_sync) reply(*it->second.awaiting_sync, protocol::SyncGroupResponse{ErrorCode::unknown_member_id, {}});
  group.members.erase(it);
  {
    CoordinatorEvent e = make_event("group-member-removed", group);
    e.member = member_id;
    e.reason = reason;
    event(std::move(e));
  }
  switch (group.state) {
    case GroupState::stable:
    case GroupState::completing_rebalance:
      prepare_rebalance(now, group, fmt::format("member {} {}", member_id, reason));
      break;
    case GroupState::preparing_rebalance:
      if (group.members.empty()) {
        complete_join(now, group);
      } else {
        maybe_complete_join(now, group);
      }
      break;
    case GroupState::empty:
      break;
  }
}

// ---------------------------------------------------------------- offsets

void GroupCoordinator::on_offset_commit(Time now, RequestToken token, const protocol::OffsetCommitRequest& request) {
  const auto answer_all = [&](ErrorCode error) {
    protocol::OffsetCommitResponse r;
    for (const auto& p : request.partitions) r.partitions.push_back({p.topic_partition, error});
    reply(token, std::move(r));
  };
  if (auto error = serve_error(request.group_id)) return answer_all(*error);
  Group* group = find_group(request.group_id);
  if (request.generation_id < 0 && request.member_id.empty()) {
    // A commit outside the group protocol (assign() users, admin tools): only for a group
    // without members; it creates the group (Empty) if needed.
    if (group != nullptr && group->state != GroupState::empty) return answer_all(ErrorCode::unknown_member_id);
    group = &group_for(request.group_id);
  } else if (config_.test_only_accept_stale_generation_commits && group != nullptr &&
             (!group->members.contains(request.member_id) || request.generation_id != group->generation)) {
    // The test-only mutation (CoordinatorConfig): a zombie's commit is stored as if it were current.
  } else {
    if (group == nullptr || !group->members.contains(request.member_id)) return answer_all(ErrorCode::unknown_member_id);
    if (request.generation_id != group->generation) return answer_all(ErrorCode::illegal_generation);
    // CompletingRebalance: the assignment is not known yet. PreparingRebalance with the current
    // generation is accepted: this is the commit of onPartitionsRevoked before rejoining.
    if (group->state == GroupState::completing_rebalance) return answer_all(ErrorCode::rebalance_in_progress);
    heartbeat(now, group->members.at(request.member_id));
  }
  if (pending_commits_.size() >= pending_commits_max) return answer_all(ErrorCode::request_timed_out);
  const std::int32_t partition = partition_for_group(request.group_id, config_.offsets_partitions);
  Append append;
  append.append_id = next_append_id_++;
  append.partition = partition;
  for (const auto& p : request.partitions) {
    append.records.emplace_back(
        encode_offset_commit_key({request.group_id, p.topic_partition.topic, p.topic_partition.partition}),
        encode_offset_commit_value({p.committed_offset, p.committed_leader_epoch, p.committed_metadata,
                                    now.us() / 1000}));
  }
  pending_commits_[append.append_id] = PendingCommit{token, request.group_id, request.member_id, partition, request.partitions};
  output_.appends.push_back(std::move(append));
}

void GroupCoordinator::on_append_done(Time now, std::uint64_t append_id, ErrorCode error) {
  if (auto sync = pending_syncs_.find(append_id); sync != pending_syncs_.end()) {
    const auto [group_id, generation] = sync->second;
    pending_syncs_.erase(sync);
    return on_sync_stored(now, group_id, generation, client_error(error));
  }
  auto it = pending_commits_.find(append_id);
  if (it == pending_commits_.end()) return;
  PendingCommit pending = std::move(it->second);
  pending_commits_.erase(it);
  ErrorCode answer = client_error(error);
  Group* group = find_group(pending.group_id);
  if (answer == ErrorCode::none && group != nullptr && loaded_.contains(pending.partition)) {
    for (const auto& p : pending.offsets) {
      group->offsets[{p.topic_partition.topic, p.topic_partition.partition}] =
          CommittedOffset{p.committed_offset, p.committed_leader_epoch, p.committed_metadata};
      CoordinatorEvent e = make_event("offset-commit", *group);
      e.topic = p.topic_partition.topic;
      e.partition = p.topic_partition.partition;
      e.offset = p.committed_offset;
      e.member = pending.member_id;
      event(std::move(e));
    }
  } else if (answer == ErrorCode::none) {
    answer = ErrorCode::not_coordinator;  // unloaded while the append was in flight
  }
  protocol::OffsetCommitResponse r;
  for (const auto& p : pending.offsets) r.partitions.push_back({p.topic_partition, answer});
  reply(pending.token, std::move(r));
}

ErrorCode GroupCoordinator::client_error(ErrorCode error) {
  // GroupMetadataManager.storeOffsets' error mapping for the client.
  ErrorCode answer = error;
  switch (error) {
    case ErrorCode::none:
      break;
    case ErrorCode::unknown_topic_or_partition:
    case ErrorCode::not_enough_replicas:
    case ErrorCode::not_enough_replicas_after_append:
      answer = ErrorCode::coordinator_not_available;
      break;
    case ErrorCode::not_leader_or_follower:
    case ErrorCode::kafka_storage_error:
      answer = ErrorCode::not_coordinator;
      break;
    default:
      break;
  }
  return answer;
}

void GroupCoordinator::on_offset_fetch(Time /*now*/, RequestToken token, const protocol::OffsetFetchRequest& request) {
  protocol::OffsetFetchResponse r;
  if (auto error = serve_error(request.group_id)) {
    r.error_code = *error;
    return reply(token, std::move(r));
  }
  const Group* group = find_group(request.group_id);
  for (const auto& tp : request.partitions) {
    protocol::OffsetFetchResponse::Partition p;
    p.topic_partition = tp;
    if (group != nullptr) {
      if (auto it = group->offsets.find({tp.topic, tp.partition}); it != group->offsets.end()) {
        p.committed_offset = it->second.offset;
        p.committed_leader_epoch = it->second.leader_epoch;
        p.metadata = it->second.metadata;
      }
    }
    r.partitions.push_back(std::move(p));
  }
  reply(token, std::move(r));
}

// ---------------------------------------------------------------- time

Time GroupCoordinator::next_deadline() const {
  Time deadline = Time::max();
  for (const auto& [id, group] : groups_) {
    deadline = std::min(deadline, group.join_deadline);
    for (const auto& [mid, m] : group.members) {
      if (!m.awaiting_join && !m.awaiting_sync) deadline = std::min(deadline, m.session_deadline);
    }
  }
  return deadline;
}

void GroupCoordinator::on_tick(Time now) {
  for (auto& [id, group] : groups_) {
    // Sessions: a member that neither heartbeats nor waits in a join or sync is gone
    // (GroupCoordinator.onExpireHeartbeat).
    std::vector<std::string> expired;
    for (const auto& [mid, m] : group.members) {
      if (!m.awaiting_join && !m.awaiting_sync && now >= m.session_deadline) expired.push_back(mid);
    }
    for (const auto& mid : expired) {
      if (group.members.contains(mid)) remove_member(now, group, mid, "session timeout expired");
    }
    if (group.state == GroupState::preparing_rebalance && now >= group.join_deadline) complete_join(now, group);
  }
}

// ---------------------------------------------------------------- output

void GroupCoordinator::reply(RequestToken token, protocol::KafkaRpc::Body body) {
  output_.replies.push_back(Reply{token, std::move(body)});
}

CoordinatorEvent GroupCoordinator::make_event(const char* name, const Group& group) {
  CoordinatorEvent e;
  e.name = name;
  e.group = group.group_id;
  e.generation = group.generation;
  return e;
}

void GroupCoordinator::event(CoordinatorEvent e) { output_.events.push_back(std::move(e)); }

bool GroupCoordinator::has_output() const {
  return !output_.replies.empty() || !output_.appends.empty() || !output_.events.empty();
}

CoordinatorOutput GroupCoordinator::take_output() {
  CoordinatorOutput out = std::move(output_);
  output_ = {};
  return out;
}

// ---------------------------------------------------------------- read-only

const std::map<GroupCoordinator::PartitionKey, GroupCoordinator::CommittedOffset>* GroupCoordinator::offsets_of(
    const std::string& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second.offsets;
}

std::optional<GroupState> GroupCoordinator::state_of(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  return it->second.state;
}

std::int32_t GroupCoordinator::generation_of(const std::string& group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? -1 : it->second.generation;
}

}  // namespace kraftsim::coordinator
