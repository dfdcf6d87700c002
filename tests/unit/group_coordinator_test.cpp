// The group coordinator core on its own (no network, no log): the error codes Kafka's
// GroupCoordinator answers in each state, generations, session expiry, commits answered only
// when their append completes, loading and unloading a partition.
#include <catch2/catch.hpp>

#include "broker/coordinator/group_coordinator.h"
#include "broker/coordinator/group_hash.h"

using namespace kraftsim;
using coordinator::GroupCoordinator;
using coordinator::GroupState;
using replication::ErrorCode;

namespace {

constexpr const char* group = "billing";

struct Harness {
  Rng rng{7};
  coordinator::CoordinatorConfig config = [] {
    coordinator::CoordinatorConfig c;
    c.offsets_partitions = 3;
    c.initial_rebalance_delay = milliseconds(1000);
    return c;
  }();
  GroupCoordinator core{config, rng};
  Time now = Time::zero();
  coordinator::RequestToken next_token = 1;
  std::map<coordinator::RequestToken, protocol::KafkaRpc::Body> replies;
  std::vector<coordinator::Append> appends;

  Harness() {
    const std::int32_t p = coordinator::partition_for_group(group, 3);
    core.on_load_started(now, p);
    core.on_load_completed(now, p);
  }
  void drain() {
    auto out = core.take_output();
    for (auto& r : out.replies) replies[r.token] = std::move(r.body);
    for (auto& a : out.appends) appends.push_back(std::move(a));
  }
  void advance(Duration d) {
    now = now + d;
    if (core.next_deadline() <= now) core.on_tick(now);
    drain();
  }
  template <typename R>
  const R& reply(coordinator::RequestToken token) {
    REQUIRE(replies.contains(token));
    return std::get<R>(replies.at(token));
  }
  coordinator::RequestToken join(const std::string& member) {
    protocol::JoinGroupRequest r;
    r.group_id = group;
    r.client_id = "c";
    r.member_id = member;
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 20000;
    r.protocols.push_back({"range", {{"orders"}, {}}});
    const auto token = next_token++;
    core.on_join_group(now, token, r);
    drain();
    return token;
  }
  coordinator::RequestToken sync(const std::string& member, std::int32_t generation,
                                 std::vector<protocol::SyncGroupRequest::Assignment> assignments = {}) {
    const auto token = next_token++;
    core.on_sync_group(now, token, protocol::SyncGroupRequest{group, generation, member, std::move(assignments)});
    drain();
    return token;
  }
  ErrorCode heartbeat(const std::string& member, std::int32_t generation) {
    const auto token = next_token++;
    core.on_heartbeat(now, token, protocol::HeartbeatRequest{group, generation, member});
    drain();
    return reply<protocol::HeartbeatResponse>(token).error_code;
  }
  // Two members form generation 1 and both send SyncGroup (the leader with an assignment of
  // orders-0 and orders-1); the store of the assignment is left pending in `appends`.
  std::pair<std::string, std::string> two_members_syncing_generation_1() {
    const auto j1 = join("");
    const auto j2 = join("");
    advance(milliseconds(1000));
    const std::string m1 = reply<protocol::JoinGroupResponse>(j1).member_id;
    const std::string m2 = reply<protocol::JoinGroupResponse>(j2).member_id;
    sync(m2, 1);
    sync(m1, 1, {{m1, {{"orders", 0}}}, {m2, {{"orders", 1}}}});
    return {m1, m2};
  }
  void complete_appends(ErrorCode error = ErrorCode::none) {
    auto pending = std::move(appends);
    appends.clear();
    for (const auto& a : pending) core.on_append_done(now, a.append_id, error);
    drain();
  }
};

}  // namespace

TEST_CASE("coordinator: a generation forms after the initial delay, heartbeats then say NONE", "[groups][unit]") {
  Harness h;
  const auto j1 = h.join("");
  const auto j2 = h.join("");
  REQUIRE_FALSE(h.replies.contains(j1));  // group.initial.rebalance.delay.ms holds the first rebalance
  REQUIRE(h.core.state_of(group) == GroupState::preparing_rebalance);
  h.advance(milliseconds(1000));
  const auto& r1 = h.reply<protocol::JoinGroupResponse>(j1);
  const auto& r2 = h.reply<protocol::JoinGroupResponse>(j2);
  REQUIRE(r1.error_code == ErrorCode::none);
  REQUIRE(r1.generation_id == 1);
  REQUIRE(r1.leader == r1.member_id);  // the first to join leads
  REQUIRE(r1.members.size() == 2);     // only the leader gets the members
  REQUIRE(r2.members.empty());
  REQUIRE(r1.member_id.rfind("c-", 0) == 0);
  const auto s2 = h.sync(r2.member_id, 1);
  REQUIRE_FALSE(h.replies.contains(s2));
  const auto s1 = h.sync(r1.member_id, 1, {{r1.member_id, {{"orders", 0}}}, {r2.member_id, {{"orders", 1}}}});
  // The assignment is answered once the GroupMetadata record is committed.
  REQUIRE_FALSE(h.replies.contains(s1));
  REQUIRE(h.appends.size() == 1);
  h.complete_appends();
  REQUIRE(h.reply<protocol::SyncGroupResponse>(s2).assignment == std::vector<replication::TopicPartition>{{"orders", 1}});
  REQUIRE(h.core.state_of(group) == GroupState::stable);
  REQUIRE(h.heartbeat(r1.member_id, 1) == ErrorCode::none);
  REQUIRE(h.heartbeat(r1.member_id, 0) == ErrorCode::illegal_generation);
  REQUIRE(h.heartbeat("stranger", 1) == ErrorCode::unknown_member_id);
}

TEST_CASE("coordinator: a silent member expires after session.timeout.ms and the others get REBALANCE_IN_PROGRESS", "[groups][unit]") {
  Harness h;
  const auto [m1, m2] = h.two_members_syncing_generation_1();
  h.complete_appends();
  for (int i = 0; i < 3; ++i) {
    h.advance(milliseconds(3000));
    REQUIRE(h.heartbeat(m1, 1) == ErrorCode::none);  // m2 stays silent
  }
  REQUIRE(h.core.state_of(group) == GroupState::stable);
  h.advance(milliseconds(3000));  // 13 s: m2's session (last heard at 1 s, 10 s) expired
  REQUIRE(h.core.state_of(group) == GroupState::preparing_rebalance);
  REQUIRE(h.heartbeat(m1, 1) == ErrorCode::rebalance_in_progress);
  const auto rejoin = h.join(m1);
  const auto& r = h.reply<protocol::JoinGroupResponse>(rejoin);  // the only member left: completes at once
  REQUIRE(r.generation_id == 2);
  REQUIRE(r.members.size() == 1);
  REQUIRE(h.heartbeat(m2, 1) == ErrorCode::unknown_member_id);
}

TEST_CASE("coordinator: commits are answered when their append completes, errors map to NOT_COORDINATOR", "[groups][unit]") {
  Harness h;
  protocol::OffsetCommitRequest commit;
  commit.group_id = group;  // generation -1 and no member: a commit outside the group protocol
  commit.partitions.push_back({{"orders", 0}, 42, -1, ""});
  h.core.on_offset_commit(h.now, 100, commit);
  h.drain();
  REQUIRE_FALSE(h.replies.contains(100));
  REQUIRE(h.appends.size() == 1);
  REQUIRE(h.appends[0].records.size() == 1);
  protocol::OffsetFetchRequest fetch{group, {{"orders", 0}}};
  h.core.on_offset_fetch(h.now, 101, fetch);
  h.drain();
  REQUIRE(h.reply<protocol::OffsetFetchResponse>(101).partitions[0].committed_offset == -1);  // not committed yet
  h.complete_appends();
  REQUIRE(h.reply<protocol::OffsetCommitResponse>(100).partitions[0].error_code == ErrorCode::none);
  h.core.on_offset_fetch(h.now, 102, fetch);
  h.drain();
  REQUIRE(h.reply<protocol::OffsetFetchResponse>(102).partitions[0].committed_offset == 42);
  commit.partitions[0].committed_offset = 50;
  h.core.on_offset_commit(h.now, 103, commit);
  h.drain();
  h.complete_appends(ErrorCode::not_leader_or_follower);
  REQUIRE(h.reply<protocol::OffsetCommitResponse>(103).partitions[0].error_code == ErrorCode::not_coordinator);
}

TEST_CASE("coordinator: a loading partition answers COORDINATOR_LOAD_IN_PROGRESS, an unloaded one NOT_COORDINATOR, and loading restores offsets", "[groups][unit]") {
  Harness h;
  const std::int32_t p = coordinator::partition_for_group(group, 3);
  h.core.on_unload(h.now, p);
  REQUIRE(h.heartbeat("m", 1) == ErrorCode::not_coordinator);
  h.core.on_load_started(h.now, p);
  REQUIRE(h.heartbeat("m", 1) == ErrorCode::coordinator_load_in_progress);
  h.core.on_load_record(p, coordinator::encode_offset_commit_key({group, "orders", 3}),
                        coordinator::encode_offset_commit_value({77, 2, "", 0}));
  h.core.on_load_record(p, coordinator::encode_group_metadata_key(group),
                        coordinator::encode_group_metadata_value({"consumer", 5, "range", "x", 0, {}}));
  h.core.on_load_completed(h.now, p);
  REQUIRE(h.core.offsets_of(group)->at({"orders", 3}).offset == 77);
  REQUIRE(h.core.generation_of(group) == 5);  // the next generation will be 6, never an old number
  REQUIRE(h.heartbeat("m", 5) == ErrorCode::unknown_member_id);  // members are not restored
  // A group of another partition is not ours.
  std::string other = "g0";
  for (int i = 0; coordinator::partition_for_group(other, 3) == p; ++i) other = "g" + std::to_string(i);
  const auto token = h.next_token++;
  h.core.on_heartbeat(h.now, token, protocol::HeartbeatRequest{other, 1, "m"});
  h.drain();
  REQUIRE(h.reply<protocol::HeartbeatResponse>(token).error_code == ErrorCode::not_coordinator);
}

TEST_CASE("coordinator: a group stored at SyncGroup is loaded by the next coordinator with its members and assignment", "[groups][unit]") {
  Harness h;
  const auto j1 = h.join("");
  h.advance(milliseconds(1000));
  const std::string m1 = h.reply<protocol::JoinGroupResponse>(j1).member_id;
  h.sync(m1, 1, {{m1, {{"orders", 0}, {"orders", 1}}}});
  REQUIRE(h.appends.size() == 1);
  const coordinator::Append stored = h.appends[0];
  h.complete_appends();
  // Another broker's coordinator loads the record.
  Harness next;
  const std::int32_t p = coordinator::partition_for_group(group, 3);
  next.core.on_unload(next.now, p);
  next.core.on_load_started(next.now, p);
  for (const auto& [key, value] : stored.records) next.core.on_load_record(p, key, value);
  next.core.on_load_completed(next.now, p);
  REQUIRE(next.core.state_of(group) == GroupState::stable);
  REQUIRE(next.core.generation_of(group) == 1);
  REQUIRE(next.heartbeat(m1, 1) == ErrorCode::none);  // no rejoin needed
  const auto s = next.sync(m1, 1);
  REQUIRE(next.reply<protocol::SyncGroupResponse>(s).assignment ==
          std::vector<replication::TopicPartition>{{"orders", 0}, {"orders", 1}});
  // Its session runs from the load: silent for session.timeout.ms, it is removed.
  next.advance(milliseconds(10'001));
  REQUIRE(next.core.state_of(group) != GroupState::stable);
}

// A store of generation 1's assignment is still on its way when a member joins and generation 2
// begins: generation 2's leader must get its own store (and its members their answers), and the
// old store's late answer must change nothing. The coordinator once kept "a store is pending"
// across generations and ignored every later leader's SyncGroup: the group never synced again
// (found by the generated-cluster search on a slow __consumer_offsets append).
TEST_CASE("coordinator: a rebalance during the assignment's store does not block the next generation's sync", "[groups][unit]") {
  Harness h;
  const auto [m1, m2] = h.two_members_syncing_generation_1();
  REQUIRE(h.appends.size() == 1);  // generation 1's store, not yet committed
  auto old_store = std::move(h.appends);
  h.appends.clear();

  const auto j3 = h.join("");  // a new member: generation 1 will not complete
  REQUIRE(h.core.state_of(group) == GroupState::preparing_rebalance);
  const auto r1 = h.join(m1);
  const auto r2 = h.join(m2);
  h.advance(milliseconds(100));
  std::string leader;
  std::int32_t generation = -1;
  for (const auto token : {r1, r2, j3}) {
    const auto& r = h.reply<protocol::JoinGroupResponse>(token);
    REQUIRE(r.error_code == ErrorCode::none);
    generation = r.generation_id;
    if (!r.members.empty()) leader = r.member_id;
  }
  REQUIRE(generation == 2);
  REQUIRE(leader == m1);
  const std::string m3 = h.reply<protocol::JoinGroupResponse>(j3).member_id;
  const auto s2 = h.sync(m2, 2);
  const auto s3 = h.sync(m3, 2);
  const auto s1 = h.sync(m1, 2, {{m1, {{"orders", 0}}}, {m2, {{"orders", 1}}}, {m3, {{"orders", 2}}}});
  REQUIRE(h.appends.size() == 1);  // generation 2's own store
  // The old store answers late: ignored (its generation is gone).
  for (const auto& a : old_store) h.core.on_append_done(h.now, a.append_id, ErrorCode::none);
  h.drain();
  REQUIRE_FALSE(h.replies.contains(s1));
  REQUIRE(h.core.state_of(group) == GroupState::completing_rebalance);
  h.complete_appends();
  REQUIRE(h.core.state_of(group) == GroupState::stable);
  REQUIRE(h.reply<protocol::SyncGroupResponse>(s3).assignment == std::vector<replication::TopicPartition>{{"orders", 2}});
  REQUIRE(h.reply<protocol::SyncGroupResponse>(s2).error_code == ErrorCode::none);
  REQUIRE(h.reply<protocol::SyncGroupResponse>(s1).error_code == ErrorCode::none);
}
