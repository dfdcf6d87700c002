// GroupCoordinator: the classic consumer-group protocol on the broker that leads a group's
// __consumer_offsets partition (Kafka's GroupCoordinator + GroupMetadataManager, pre-KIP-848),
// as a sans-I/O core: requests, completed appends and ticks go in; replies, records to append and
// trace events come out (take_output), and the driver (broker/node/coordinator_driver.h) does the
// I/O. It never sends, reads a clock or touches a file.
//
// Groups move through Kafka's states (GroupState): Empty -> PreparingRebalance (a member joined,
// left or its session expired) -> CompletingRebalance (every member rejoined, or the rebalance
// timeout removed the laggards; JoinGroup answered, the leader got the member list) -> Stable (the
// leader's SyncGroup carried the assignment). Each completed join bumps the generation. The first
// rebalance of an Empty group waits group.initial.rebalance.delay.ms (KIP-134) for more members.
//
// Offsets: OffsetCommit appends OffsetCommitKey/Value records to the group's partition; the cache
// changes and the reply goes out only when the driver reports the append committed (acks=all).
// OffsetFetch answers from the cache. The leader's SyncGroup stores the group (a GroupMetadata
// record with its members and assignment) and the assignment goes out once that is committed.
// A partition this broker starts leading is loaded from its log first
// (GroupMetadataManager.loadGroupsAndOffsets: offsets, and groups with their members, who keep
// their generation and need no rebalance): COORDINATOR_LOAD_IN_PROGRESS meanwhile; a partition
// it stops leading is unloaded: NOT_COORDINATOR for its groups.
//
// Output ordering contract: replies may go out in any order relative to appends (no reply
// depends on an append of the same output); events are for the trace only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/time.h"
#include "broker/coordinator/offset_records.h"
#include "broker/protocol/kafka_rpc.h"

namespace kraftsim::coordinator {

// Runaways, not workloads: kraftsim's scenarios run a handful of groups and members.
inline constexpr std::size_t groups_max = 1024;
inline constexpr std::size_t members_per_group_max = 256;  // below group.max.size's default
inline constexpr std::size_t pending_commits_max = 4096;

struct CoordinatorConfig {
  std::int32_t offsets_partitions = 50;                           // offsets.topic.num.partitions
  Duration initial_rebalance_delay = milliseconds(3000);          // group.initial.rebalance.delay.ms
  Duration session_timeout_min = milliseconds(6000);              // group.min.session.timeout.ms
  Duration session_timeout_max = milliseconds(1'800'000);         // group.max.session.timeout.ms
  std::size_t group_max_size = members_per_group_max;             // group.max.size
  // Test-only mutation (kraftsim.test.coordinator.accepts.stale.generation.commits): OffsetCommit
  // from a member the group no longer knows or from a stale generation is stored instead of
  // refused with UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION. A zombie member (paused past its session,
  // removed, its partitions moved on) then stores its older position over the new owner's
  // (committed-offset-monotonic reports it).
  bool test_only_accept_stale_generation_commits = false;
};

enum class GroupState { empty, preparing_rebalance, completing_rebalance, stable };
const char* to_string(GroupState state);

// The driver's handle for a request: handed back with its reply.
using RequestToken = std::uint64_t;

struct Reply {
  RequestToken token = 0;
  protocol::KafkaRpc::Body body;
};

// Records to append to __consumer_offsets-<partition> as the leader, acks=all; the driver
// calls on_append_done(append_id, error) when the high watermark passes them or they fail.
struct Append {
  std::uint64_t append_id = 0;
  std::int32_t partition = 0;
  std::vector<std::pair<RecordBytes, RecordBytes>> records;  // (key, value)
};

// A trace event: name plus the fields that apply (empty / -1 fields are left out).
struct CoordinatorEvent {
  const char* name = "";  // "group-rebalance", "group-generation", "offset-commit", "group-member-removed"
  std::string group;
  std::string member;
  std::string reason;
  std::string topic;
  std::int32_t generation = -1;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::int64_t members = -1;
};

struct CoordinatorOutput {
  std::vector<Reply> replies;
  std::vector<Append> appends;
  std::vector<CoordinatorEvent> events;
};

class GroupCoordinator {
 public:
  GroupCoordinator(CoordinatorConfig config, Rng& rng);

  // ---- partitions of __consumer_offsets this broker leads ----
  void on_load_started(Time now, std::int32_t partition);
  // One record of the partition's log, in offset order (key, value; empty value = tombstone).
  void on_load_record(std::int32_t partition, const RecordBytes& key, const std::optional<RecordBytes>& value);
  void on_load_completed(Time now, std::int32_t partition);
  void on_unload(Time now, std::int32_t partition);
  bool is_loading(std::int32_t partition) const;
  bool is_loaded(std::int32_t partition) const;

  // ---- requests ----
  void on_join_group(Time now, RequestToken token, const protocol::JoinGroupRequest& request);
  void on_sync_group(Time now, RequestToken token, const protocol::SyncGroupRequest& request);
  void on_heartbeat(Time now, RequestToken token, const protocol::HeartbeatRequest& request);
  void on_leave_group(Time now, RequestToken token, const protocol::LeaveGroupRequest& request);
  void on_offset_commit(Time now, RequestToken token, const protocol::OffsetCommitRequest& request);
  void on_offset_fetch(Time now, RequestToken token, const protocol::OffsetFetchRequest& request);
  void on_append_done(Time now, std::uint64_t append_id, replication::ErrorCode error);

  // ---- time ----
  void on_tick(Time now);
  Time next_deadline() const;

  bool has_output() const;
  CoordinatorOutput take_output();

  // ---- read-only, for tests ----
  struct CommittedOffset {
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;
    std::string metadata;
  };
  using PartitionKey = std::pair<std::string, std::int32_t>;
  const std::map<PartitionKey, CommittedOffset>* offsets_of(const std::string& group) const;
  std::optional<GroupState> state_of(const std::string& group) const;
  std::int32_t generation_of(const std::string& group) const;

 private:
  struct Member {
    std::string member_id;
    std::string client_id;
    std::uint64_t join_sequence = 0;  // who joined first (the leader when the old one is gone)
    Duration session_timeout;
    Duration rebalance_timeout;
    std::vector<protocol::JoinGroupRequest::Protocol> protocols;
    Time session_deadline;
    std::optional<RequestToken> awaiting_join;
    std::optional<RequestToken> awaiting_sync;
    std::vector<replication::TopicPartition> assignment;
  };
  struct Group {
    std::string group_id;
    std::int32_t partition = 0;  // of __consumer_offsets
    GroupState state = GroupState::empty;
    std::int32_t generation = 0;
    std::string protocol_name;
    std::string leader;
    std::map<std::string, Member> members;
    Time join_deadline = Time::max();  // PreparingRebalance: when the join phase ends anyway
    Time rebalance_started;
    bool initial_delay = false;  // KIP-134's delayed first rebalance of an Empty group
    bool sync_store_pending = false;  // the leader's assignment is being stored
    std::map<PartitionKey, CommittedOffset> offsets;
  };
  struct PendingCommit {
    RequestToken token = 0;
    std::string group_id;
    std::string member_id;
    std::int32_t partition = 0;
    std::vector<protocol::OffsetCommitRequest::Partition> offsets;
  };

  // NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS for a group this broker cannot serve now.
  std::optional<replication::ErrorCode> serve_error(const std::string& group_id) const;
  Group& group_for(const std::string& group_id);
  Group* find_group(const std::string& group_id);
  void prepare_rebalance(Time now, Group& group, const std::string& reason);
  void maybe_complete_join(Time now, Group& group);
  void complete_join(Time now, Group& group);
  // Appends the group's GroupMetadata record (its generation); returns the append id.
  std::uint64_t store_group(Time now, const Group& group);
  void on_sync_stored(Time now, const std::string& group_id, std::int32_t generation, replication::ErrorCode error);
  static replication::ErrorCode client_error(replication::ErrorCode append_error);
  void remove_member(Time now, Group& group, const std::string& member_id, const std::string& reason);
  std::string select_protocol(const Group& group) const;
  bool supports_protocols(const Group& group, const std::vector<protocol::JoinGroupRequest::Protocol>& protocols) const;
  void reply(RequestToken token, protocol::KafkaRpc::Body body);
  static CoordinatorEvent make_event(const char* name, const Group& group);
  void event(CoordinatorEvent e);
  protocol::JoinGroupResponse join_response(const Group& group, const Member& member) const;
  void heartbeat(Time now, Member& member);

  CoordinatorConfig config_;
  Rng& rng_;
  std::map<std::string, Group> groups_;
  std::set<std::int32_t> loading_;
  std::set<std::int32_t> loaded_;
  std::map<std::uint64_t, PendingCommit> pending_commits_;
  std::map<std::uint64_t, std::pair<std::string, std::int32_t>> pending_syncs_;  // append id -> (group, generation)
  std::uint64_t next_append_id_ = 1;
  std::uint64_t next_join_sequence_ = 1;
  CoordinatorOutput output_;
};

}  // namespace kraftsim::coordinator
