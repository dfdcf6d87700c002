// QuorumController: the KRaft controller's logic (Kafka's QuorumController with its
// ClusterControlManager, ReplicationControlManager and BrokerHeartbeatManager), as a sans-I/O
// state machine. It never touches the network, the disk or a clock: every input carries `now`,
// every effect is data in a ControllerOutput (like the Raft core's Output, broker/raft/output.h).
//
// ROLES. Every controller node has one. While its Raft node is not the leader it is STANDBY: it
// replays committed records into its image and answers every request with NOT_CONTROLLER. When
// the Raft node becomes leader and the driver has handed it every committed record of the older
// epochs, on_become_active() makes it ACTIVE: it validates requests, writes records, tracks broker
// sessions and elects partition leaders. on_become_inactive() (leadership lost) makes it standby
// again.
//
// THE DRIVER'S CONTRACT (what the node wiring must do, in this order, after every input):
//   Inputs: on_<request>() for each request (or on_request()); on_tick() when next_deadline()
//   has come; on_committed_record() / on_committed_control() for every entry the Raft core hands
//   back as committed, data and control records alike, in offset order; on_snapshot_loaded() when
//   Raft installs a snapshot (standby only); on_become_active() / on_become_inactive().
//   Then drain take_output() and apply it in order:
//     1. `records`: append each one, in order, as one Raft entry (QuorumCore::append) with the
//        bytes in `payload`. The controller chose the offsets (a broker epoch is the offset of its
//        RegisterBrokerRecord, as in Kafka), so the offset Raft returns must equal `offset`
//        (assert it). If the append fails because the node is no longer leader, call
//        on_become_inactive().
//     2. `replies`: send each response to the requester named by its token.
//
// COMMIT / RESPONSE CONTRACT. A successful operation's response is released only when every
// record the controller had written when it answered (its own records and all earlier ones) is
// committed: Kafka's "wait for the write offset to commit" (QuorumController's purgatory). So a
// broker never learns its epoch, a new topic or an ISR change that a leader change could undo.
// Requests rejected outright (NOT_CONTROLLER, INCONSISTENT_CLUSTER_ID, STALE_BROKER_EPOCH,
// DUPLICATE_BROKER_REGISTRATION, request-level limits) are answered at once, as Kafka completes
// a failed operation at once. The active controller decides from its image INCLUDING its own
// uncommitted records (Kafka's timeline data structures); on losing leadership it reverts to the
// committed image and fails every pending response with NOT_CONTROLLER. Records it wrote that
// the next leader still commits reach it later through on_committed_record(), like anyone's.
//
// BROKER SESSIONS. Only the active controller tracks them: a registration or a heartbeat with the
// right epoch refreshes the broker's session; an unfenced broker whose last refresh is
// broker.session.timeout.ms (default 9000) old is fenced by on_tick(). Becoming active starts a
// fresh session for every registered broker (Kafka's ClusterControlManager.activate). Brokers
// send heartbeats every broker.heartbeat.interval.ms (default 2000): that is their setting.
//
// FENCING A BROKER (session expiry, want_fence, want_shut_down, re-registration) removes it from
// every ISR and moves the leadership of partitions it led (partition_change.h), then writes a
// FenceBrokerRecord. Unfencing (a heartbeat from a broker that has applied its own registration
// record) writes an UnfenceBrokerRecord, then elects leaders for leaderless partitions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "base/random.h"
#include "base/time.h"
#include "broker/controller/config.h"
#include "broker/controller/requests.h"
#include "broker/metadata/image.h"
#include "broker/metadata/records.h"

namespace kraftsim::controller {

using metadata::MetadataRecord;
using metadata::Offset;
using ControllerEpoch = std::int32_t;  // the Raft epoch in which this controller is active

struct RecordToAppend {
  Offset offset = 0;         // where Raft must put it
  MetadataRecord record;     // for traces and tests
  metadata::Bytes payload;   // encode_record(record): what Raft stores
};

struct Reply {
  ReplyToken token = 0;
  ControllerResponse response;
};

struct ControllerOutput {
  std::vector<RecordToAppend> records;  // step 1: append, in order
  std::vector<Reply> replies;           // step 2: send
  bool empty() const { return records.empty() && replies.empty(); }
};

class QuorumController {
 public:
  // `rng` must outlive the controller: this node's stream (derive_seed(run, "node-N/controller")),
  // used for topic ids (Kafka's Uuid.randomUuid).
  QuorumController(ControllerConfig config, Rng& rng);
  QuorumController(const QuorumController&) = delete;
  QuorumController& operator=(const QuorumController&) = delete;

  // ---- Inputs: the committed log (every role). `now` never goes backwards. ----
  void on_committed_record(Time now, Offset offset, const MetadataRecord& record);
  // A committed Raft control record (LeaderChange): no metadata, but it advances the commit point.
  void on_committed_control(Time now, Offset offset);
  // Standby only: the image becomes exactly the snapshot's; entries below end_offset are covered.
  void on_snapshot_loaded(Time now, Offset end_offset, const std::vector<MetadataRecord>& records);

  // ---- Inputs: leadership. ----
  // Precondition: every metadata record below next_write_offset has been handed to
  // on_committed_record() (Kafka fires handleLeaderChange for the local leader only once its
  // listener has caught up to the epoch start). next_write_offset is the Raft log end offset.
  void on_become_active(Time now, ControllerEpoch epoch, Offset next_write_offset);
  void on_become_inactive(Time now);

  // ---- Inputs: requests. ----
  void on_request(Time now, const ControllerRequest& request, ReplyToken token);
  void on_broker_registration(Time now, const BrokerRegistrationRequest& request, ReplyToken token);
  void on_broker_heartbeat(Time now, const BrokerHeartbeatRequest& request, ReplyToken token);
  void on_create_topics(Time now, const CreateTopicsRequest& request, ReplyToken token);
  void on_allocate_producer_ids(Time now, const AllocateProducerIdsRequest& request, ReplyToken token);
  void on_alter_partition(Time now, const AlterPartitionRequest& request, ReplyToken token);

  // ---- Inputs: the controller's own writes. ----
  // Active only: write a NoOpRecord (KIP-835: every metadata.max.idle.interval.ms, and as extra
  // load in benchmarks). Returns false when there is no room for another uncommitted record.
  bool write_noop(Time now);

  // ---- Inputs: time. ----
  // The earliest time on_tick() has work (a broker session expiring); Time::max() if none.
  Time next_deadline() const;
  void on_tick(Time now);

  // ---- Output. ----
  ControllerOutput take_output();
  bool has_output() const { return !output_.empty(); }

  // ---- Read-only accessors for checkers, reports and tests. ----
  bool is_active() const { return active_; }
  ControllerEpoch epoch() const { return epoch_; }
  const ControllerConfig& config() const { return config_; }
  // Active: committed records plus this controller's uncommitted ones. Standby: committed only.
  const metadata::MetadataImage& image() const { return image_; }
  const metadata::MetadataImage& committed_image() const { return committed_image_; }
  Offset committed_end_offset() const { return committed_end_offset_; }  // entries below: committed
  Offset next_write_offset() const { return next_write_offset_; }        // active only
  std::size_t uncommitted_record_count() const { return uncommitted_.size(); }
  std::size_t pending_reply_count() const { return pending_.size(); }
  // Active only: when the broker last registered or sent a valid heartbeat.
  std::optional<Time> last_contact(metadata::BrokerId id) const;

 private:
  struct PendingReply {
    Offset wait_end_offset = 0;  // released once committed_end_offset_ >= this
    ReplyToken token = 0;
    ControllerResponse response;
  };

  // Writing.
  void append(MetadataRecord record);
  void reply_now(ReplyToken token, ControllerResponse response);
  void reply_when_committed(ReplyToken token, ControllerResponse response);
  void release_committed_replies();
  // NOT_CONTROLLER when standby, REQUEST_TIMED_OUT when over the limits, else nothing: the
  // same admission rule for every request.
  std::optional<ErrorCode> admission_error() const;
  // The broker's registration if its epoch is `epoch`, else nullptr (STALE_BROKER_EPOCH).
  const metadata::BrokerRegistration* registration_at_epoch(BrokerId id, std::int64_t epoch) const;
  bool can_accept_request() const;       // room for one more pending reply and its records
  bool has_room_for_operation() const;  // room for records_per_operation_max more records

  // Broker lifecycle (Kafka's ReplicationControlManager.handleBrokerFenced / Unfenced).
  void fence_broker(metadata::BrokerId id);
  void unfence_broker(metadata::BrokerId id);
  // Kafka's generateLeaderAndIsrUpdates: for each partition, drop `removed` (if any) from the
  // ISR and elect a leader among acceptable brokers other than `removed`.
  void update_partitions(std::optional<metadata::BrokerId> removed,
                         const std::vector<metadata::TopicIdPartition>& partitions);
  bool unclean_election_allowed(const std::string& topic_name) const;
  bool has_valid_session(metadata::BrokerId id, Time now) const;

  // CreateTopics, one topic (validated against the request so far).
  CreateTopicsResponse::CreatableTopicResult create_topic(const CreateTopicsRequest::CreatableTopic& topic,
                                                          bool validate_only);
  AlterPartitionResponse::PartitionData alter_partition(metadata::BrokerId broker_id, const metadata::TopicImage& topic,
                                                        const AlterPartitionRequest::PartitionData& request);

  void observe_time(Time now);
  void check_invariants() const;

  ControllerConfig config_;
  Rng& rng_;
  bool active_ = false;
  ControllerEpoch epoch_ = -1;
  metadata::MetadataImage image_;            // what the controller decides from
  metadata::MetadataImage committed_image_;  // committed records only
  Offset committed_end_offset_ = 0;
  Offset next_write_offset_ = 0;
  std::deque<std::pair<Offset, MetadataRecord>> uncommitted_;  // active: written, not yet committed
  std::deque<PendingReply> pending_;                           // ordered by wait_end_offset
  std::map<metadata::BrokerId, Time> last_contact_;            // active: broker sessions
  ControllerOutput output_;
  Time last_now_;
};

}  // namespace kraftsim::controller
