// The active controller (broker/controller/quorum_controller.h) driven through a stand-in Raft
// log: registration and broker epochs, heartbeats and sessions, fencing and leader election,
// CreateTopics and AlterPartition with each rejection, commit-before-reply, leadership loss,
// and "controller image == follower image" over random workloads.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/random.h"
#include "broker/controller/quorum_controller.h"

using namespace kraftsim;
using namespace kraftsim::controller;
using metadata::BrokerId;
using metadata::LeaderRecoveryState;
using metadata::MetadataImage;
using metadata::no_leader;
using metadata::Uuid;

namespace {

constexpr const char* test_cluster_id = "tUeiYSM4QW2qCFizw1jz8Q";

ControllerConfig test_config() {
  ControllerConfig config;
  config.node_id = 1;
  config.cluster_id = test_cluster_id;
  return config;
}

Uuid incarnation(BrokerId broker, int start) {
  Uuid u{};
  u[0] = 0x7a;
  u[1] = static_cast<std::uint8_t>(broker);
  u[2] = static_cast<std::uint8_t>(start);
  return u;
}

// One controller node, a Raft log stand-in (entries appended at the offsets the controller
// names; committed when the test says so) and a follower image replaying what commits.
class Cluster {
 public:
  explicit Cluster(ControllerConfig config = test_config()) : controller(std::move(config), rng) {}

  Rng rng{2024};
  QuorumController controller;
  MetadataImage follower;
  Time now = Time::zero();

  struct LogEntry {
    metadata::Offset offset = 0;
    std::optional<metadata::MetadataRecord> record;  // nullopt: a control record (LeaderChange)
  };
  std::vector<LogEntry> log;
  metadata::Offset committed_end = 0;
  std::map<ReplyToken, ControllerResponse> replies;
  ReplyToken next_token = 1;

  metadata::Offset log_end() const { return static_cast<metadata::Offset>(log.size()); }

  void drain() {
    ControllerOutput out = controller.take_output();
    for (auto& r : out.records) {
      REQUIRE(r.offset == log_end());  // the offset Raft would assign
      const auto decoded = metadata::decode_record(r.payload);
      REQUIRE(decoded.ok());
      REQUIRE(*decoded == r.record);
      log.push_back({r.offset, r.record});
    }
    for (auto& reply : out.replies) {
      REQUIRE(replies.count(reply.token) == 0);
      replies.emplace(reply.token, std::move(reply.response));
    }
  }

  // The node becomes Raft leader: its LeaderChange record commits, then the controller activates.
  void elect(ControllerEpoch epoch) {
    log.push_back({log_end(), std::nullopt});
    commit_all();
    controller.on_become_active(now, epoch, log_end());
    drain();
    commit_all();
  }

  void commit_to(metadata::Offset end) {
    while (committed_end < end) {
      const LogEntry& e = log[static_cast<std::size_t>(committed_end)];
      if (e.record) {
        controller.on_committed_record(now, e.offset, *e.record);
        follower.apply(*e.record);
      } else {
        controller.on_committed_control(now, e.offset);
      }
      ++committed_end;
      drain();
    }
  }
  void commit_all() { commit_to(log_end()); }

  // Leadership lost: the uncommitted tail is dropped by the next leader.
  void lose_leadership() {
    controller.on_become_inactive(now);
    drain();
    log.resize(static_cast<std::size_t>(committed_end));
  }

  ReplyToken send(const ControllerRequest& request) {
    const ReplyToken token = next_token++;
    controller.on_request(now, request, token);
    drain();
    return token;
  }

  template <typename Response>
  const Response* reply(ReplyToken token) const {
    const auto it = replies.find(token);
    if (it == replies.end()) return nullptr;
    REQUIRE(std::holds_alternative<Response>(it->second));
    return &std::get<Response>(it->second);
  }

  void advance_to(Time t) {
    REQUIRE(t >= now);
    now = t;
    controller.on_tick(now);
    drain();
  }
  void advance(Duration d) { advance_to(now + d); }

  // ---- Broker-side helpers. ----
  BrokerRegistrationRequest registration(BrokerId id, int start = 1) const {
    BrokerRegistrationRequest r;
    r.broker_id = id;
    r.cluster_id = test_cluster_id;
    r.incarnation_id = incarnation(id, start);
    r.listeners.push_back({"PLAINTEXT", "broker-" + std::to_string(id), 9092, 0});
    return r;
  }

  std::int64_t register_broker(BrokerId id, int start = 1) {
    const ReplyToken t = send(registration(id, start));
    commit_all();
    const auto* r = reply<BrokerRegistrationResponse>(t);
    REQUIRE(r != nullptr);
    REQUIRE(r->error_code == ErrorCode::none);
    epochs[id] = r->broker_epoch;
    return r->broker_epoch;
  }

  // A heartbeat from a broker that has applied every committed record.
  ReplyToken heartbeat(BrokerId id, bool want_fence = false, bool want_shut_down = false) {
    BrokerHeartbeatRequest h;
    h.broker_id = id;
    h.broker_epoch = epochs.at(id);
    h.current_metadata_offset = committed_end - 1;
    h.want_fence = want_fence;
    h.want_shut_down = want_shut_down;
    return send(h);
  }

  void start_broker(BrokerId id) {
    register_broker(id);
    const ReplyToken t = heartbeat(id);
    commit_all();
    REQUIRE(reply<BrokerHeartbeatResponse>(t)->is_fenced == false);
  }

  ReplyToken create_topic_request(const std::string& name, std::int32_t partitions, std::int16_t rf,
                                  std::vector<CreateTopicsRequest::CreatableTopicConfig> configs = {}) {
    CreateTopicsRequest request;
    request.topics.push_back({name, partitions, rf, std::move(configs)});
    return send(request);
  }

  CreateTopicsResponse::CreatableTopicResult create_topic(
      const std::string& name, std::int32_t partitions, std::int16_t rf,
      std::vector<CreateTopicsRequest::CreatableTopicConfig> configs = {}) {
    const ReplyToken t = create_topic_request(name, partitions, rf, std::move(configs));
    commit_all();
    const auto* r = reply<CreateTopicsResponse>(t);
    REQUIRE(r != nullptr);
    REQUIRE(r->topics.size() == 1);
    return r->topics.front();
  }

  const metadata::PartitionRegistration& partition(const std::string& topic, std::int32_t index) const {
    const auto* p = follower.partition(topic, index);
    REQUIRE(p != nullptr);
    return *p;
  }

  // AlterPartition from the current leader with the current epochs, unless overridden.
  AlterPartitionRequest alter_isr(const std::string& topic, std::int32_t index, std::vector<BrokerId> new_isr) const {
    const auto& p = partition(topic, index);
    AlterPartitionRequest request;
    request.broker_id = p.leader;
    request.broker_epoch = epochs.at(p.leader);
    AlterPartitionRequest::PartitionData data;
    data.partition_index = index;
    data.leader_epoch = p.leader_epoch;
    data.partition_epoch = p.partition_epoch;
    for (BrokerId id : new_isr) data.new_isr_with_epochs.push_back({id, epochs.at(id)});
    request.topics.push_back({follower.topic_by_name(topic)->id, {data}});
    return request;
  }

  const AlterPartitionResponse::PartitionData& only_partition(const AlterPartitionResponse& r) const {
    REQUIRE(r.error_code == ErrorCode::none);
    REQUIRE(r.topics.size() == 1);
    REQUIRE(r.topics.front().partitions.size() == 1);
    return r.topics.front().partitions.front();
  }

  std::map<BrokerId, std::int64_t> epochs;  // what each broker learned from its registration
};

// Starts a cluster: controller active in epoch 1, brokers 1..n registered and unfenced.
void start(Cluster& c, int brokers) {
  c.elect(1);
  for (BrokerId id = 1; id <= brokers; ++id) c.start_broker(id);
}

}  // namespace

// ---------------------------------------------------------------- registration

TEST_CASE("registration: the broker epoch is the offset of its RegisterBrokerRecord, sent after commit",
          "[controller]") {
  Cluster c;
  c.elect(1);
  // Offset 0: LeaderChange; offset 1: the bootstrap metadata.version record.
  REQUIRE(c.follower.feature_level("metadata.version") == std::optional<std::int16_t>(25));
  const ReplyToken t = c.send(c.registration(1));
  REQUIRE(c.log.size() == 3);
  REQUIRE(std::holds_alternative<metadata::RegisterBrokerRecord>(*c.log[2].record));
  REQUIRE(c.reply<BrokerRegistrationResponse>(t) == nullptr);  // not committed yet
  REQUIRE(c.controller.image().broker(1) != nullptr);           // the controller sees its own write
  REQUIRE(c.follower.broker(1) == nullptr);
  c.commit_all();
  const auto* r = c.reply<BrokerRegistrationResponse>(t);
  REQUIRE(r != nullptr);
  REQUIRE(r->error_code == ErrorCode::none);
  REQUIRE(r->broker_epoch == 2);
  REQUIRE(c.follower.broker(1)->epoch == 2);
  REQUIRE(c.follower.broker(1)->fenced);  // a new registration starts fenced
}

TEST_CASE("registration with another cluster id gets INCONSISTENT_CLUSTER_ID at once", "[controller]") {
  Cluster c;
  c.elect(1);
  auto request = c.registration(1);
  request.cluster_id = "O0l-HBAiRmawtFPn_H4l8w";
  const auto records_before = c.log.size();
  const ReplyToken t = c.send(request);
  REQUIRE(c.log.size() == records_before);
  REQUIRE(c.reply<BrokerRegistrationResponse>(t)->error_code == ErrorCode::inconsistent_cluster_id);
}

TEST_CASE("a new incarnation waits for the old session, then re-registers with a new epoch", "[controller]") {
  Cluster c;
  start(c, 2);
  c.create_topic("t", 1, 2);  // broker 1 leads t-0
  const std::int64_t first_epoch = c.epochs.at(1);

  // The process restarted (new incarnation) while its old session is still live.
  const ReplyToken refused = c.send(c.registration(1, /*start=*/2));
  REQUIRE(c.reply<BrokerRegistrationResponse>(refused)->error_code == ErrorCode::duplicate_broker_registration);

  // The same incarnation may re-register; so may a new one once the old session is gone.
  c.advance(milliseconds(5000));
  c.heartbeat(2);
  c.commit_all();
  c.advance(milliseconds(4000));  // broker 1 silent for 9 s: fenced
  c.commit_all();
  REQUIRE_FALSE(c.follower.is_unfenced(1));
  const std::int64_t second_epoch = c.register_broker(1, /*start=*/2);
  REQUIRE(second_epoch > first_epoch);
  REQUIRE(c.follower.broker(1)->incarnation_id == incarnation(1, 2));
  REQUIRE(c.follower.broker(1)->fenced);
}

TEST_CASE("re-registration of a live broker moves its leadership and ISR membership first", "[controller]") {
  Cluster c;
  start(c, 2);
  c.create_topic("t", 1, 2);  // replicas [1,2], leader 1
  REQUIRE(c.partition("t", 0).leader == 1);
  c.register_broker(1);  // same incarnation, e.g. a retried registration
  REQUIRE(c.partition("t", 0).leader == 2);
  REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{2});
  REQUIRE_FALSE(c.follower.is_unfenced(1));
}

// ---------------------------------------------------------------- heartbeats

TEST_CASE("a heartbeat unfences a broker once it has applied its registration record", "[controller]") {
  Cluster c;
  c.elect(1);
  const std::int64_t epoch = c.register_broker(1);

  BrokerHeartbeatRequest behind;
  behind.broker_id = 1;
  behind.broker_epoch = epoch;
  behind.current_metadata_offset = epoch - 1;  // has not applied its own registration yet
  const ReplyToken t1 = c.send(behind);
  c.commit_all();
  REQUIRE(c.reply<BrokerHeartbeatResponse>(t1)->is_fenced);
  REQUIRE_FALSE(c.reply<BrokerHeartbeatResponse>(t1)->is_caught_up);
  REQUIRE_FALSE(c.follower.is_unfenced(1));

  BrokerHeartbeatRequest caught_up = behind;
  caught_up.current_metadata_offset = epoch;
  const ReplyToken t2 = c.send(caught_up);
  REQUIRE(std::holds_alternative<metadata::UnfenceBrokerRecord>(*c.log.back().record));
  REQUIRE(c.reply<BrokerHeartbeatResponse>(t2) == nullptr);  // held until the unfence commits
  c.commit_all();
  REQUIRE_FALSE(c.reply<BrokerHeartbeatResponse>(t2)->is_fenced);
  REQUIRE(c.reply<BrokerHeartbeatResponse>(t2)->is_caught_up);
  REQUIRE(c.follower.is_unfenced(1));

  BrokerHeartbeatRequest stale = caught_up;
  stale.broker_epoch = epoch - 1;
  REQUIRE(c.reply<BrokerHeartbeatResponse>(c.send(stale))->error_code == ErrorCode::stale_broker_epoch);
  BrokerHeartbeatRequest unknown = caught_up;
  unknown.broker_id = 9;
  REQUIRE(c.reply<BrokerHeartbeatResponse>(c.send(unknown))->error_code == ErrorCode::stale_broker_epoch);
}

TEST_CASE("want_fence fences, want_shut_down fences and tells the broker to shut down", "[controller]") {
  Cluster c;
  start(c, 3);
  c.create_topic("t", 3, 3);
  const ReplyToken fence = c.heartbeat(2, /*want_fence=*/true);
  c.commit_all();
  REQUIRE(c.reply<BrokerHeartbeatResponse>(fence)->is_fenced);
  REQUIRE_FALSE(c.follower.is_unfenced(2));
  REQUIRE(c.follower.partitions_with_isr_member(2).empty());

  const ReplyToken shut = c.heartbeat(3, false, /*want_shut_down=*/true);
  c.commit_all();
  REQUIRE(c.reply<BrokerHeartbeatResponse>(shut)->should_shut_down);
  REQUIRE(c.follower.partitions_led_by(3).empty());
  REQUIRE(c.follower.unfenced_brokers() == std::vector<BrokerId>{1});
  for (int p = 0; p < 3; ++p) REQUIRE(c.partition("t", p).leader == 1);
}

// ---------------------------------------------------------------- sessions and elections

TEST_CASE("session expiry fences the broker, moves its leadership within the ISR and shrinks ISRs",
          "[controller]") {
  Cluster c;
  start(c, 3);
  c.create_topic("t", 3, 3);  // round robin: [1,2,3] [2,3,1] [3,1,2]
  REQUIRE(c.partition("t", 0).replicas == std::vector<BrokerId>{1, 2, 3});
  REQUIRE(c.partition("t", 1).replicas == std::vector<BrokerId>{2, 3, 1});
  REQUIRE(c.partition("t", 2).leader == 3);
  const Time broker1_last = *c.controller.last_contact(1);

  c.advance(milliseconds(4000));
  c.heartbeat(2);
  c.heartbeat(3);
  c.commit_all();
  REQUIRE(c.controller.next_deadline() == broker1_last + milliseconds(9000));

  c.advance_to(broker1_last + milliseconds(8999));
  REQUIRE(c.follower.is_unfenced(1));
  c.advance_to(broker1_last + milliseconds(9000));
  c.commit_all();
  REQUIRE_FALSE(c.follower.is_unfenced(1));
  REQUIRE(std::holds_alternative<metadata::FenceBrokerRecord>(*c.log.back().record));
  const auto& p0 = c.partition("t", 0);
  REQUIRE(p0.leader == 2);  // next in replica order among the ISR
  REQUIRE(p0.leader_epoch == 1);
  REQUIRE(p0.isr == std::vector<BrokerId>{2, 3});
  const auto& p1 = c.partition("t", 1);
  REQUIRE(p1.leader == 2);
  REQUIRE(p1.leader_epoch == 0);  // leader unchanged: only the partition epoch moves
  REQUIRE(p1.partition_epoch == 1);
  REQUIRE(p1.isr == std::vector<BrokerId>{2, 3});
  REQUIRE(c.follower.partitions_with_isr_member(1).empty());
}

TEST_CASE("no eligible leader: leader -1 with the ISR kept, then recovery when the ISR member returns",
          "[controller]") {
  Cluster c;
  start(c, 2);
  c.create_topic("t", 1, 2);  // replicas [1,2], leader 1
  // Broker 2 falls behind: the leader shrinks the ISR to itself.
  const ReplyToken shrink = c.send(c.alter_isr("t", 0, {1}));
  c.commit_all();
  REQUIRE(c.only_partition(*c.reply<AlterPartitionResponse>(shrink)).error_code == ErrorCode::none);
  REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{1});

  // Broker 1 stops heartbeating; broker 2 keeps going.
  const Time broker1_last = *c.controller.last_contact(1);
  c.advance(milliseconds(5000));
  c.heartbeat(2);
  c.commit_all();
  c.advance_to(broker1_last + milliseconds(9000));
  c.commit_all();
  REQUIRE(c.partition("t", 0).leader == no_leader);  // broker 2 is live but not in the ISR
  REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{1});
  REQUIRE(c.partition("t", 0).leader_epoch == 1);

  // Broker 1 comes back (same process, same epoch): unfenced, and elected again.
  c.heartbeat(1);
  c.commit_all();
  REQUIRE(c.follower.is_unfenced(1));
  REQUIRE(c.partition("t", 0).leader == 1);
  REQUIRE(c.partition("t", 0).leader_epoch == 2);
  REQUIRE(c.partition("t", 0).leader_recovery_state == LeaderRecoveryState::recovered);
}

namespace {

// Replicas [1,2], ISR shrunk to [1], then broker 1's session expires.
void leader_alone_then_lost(Cluster& c, std::vector<CreateTopicsRequest::CreatableTopicConfig> topic_configs) {
  start(c, 2);
  REQUIRE(c.create_topic("t", 1, 2, std::move(topic_configs)).error_code == ErrorCode::none);
  c.send(c.alter_isr("t", 0, {1}));
  c.commit_all();
  const Time broker1_last = *c.controller.last_contact(1);
  c.advance(milliseconds(5000));
  c.heartbeat(2);
  c.commit_all();
  c.advance_to(broker1_last + milliseconds(9000));
  c.commit_all();
}

}  // namespace

TEST_CASE("unclean election happens only with unclean.leader.election.enable", "[controller]") {
  SECTION("off by default: no leader") {
    Cluster c;
    leader_alone_then_lost(c, {});
    REQUIRE(c.partition("t", 0).leader == no_leader);
  }
  SECTION("topic config on: the live out-of-sync replica leads, ISR of one, RECOVERING") {
    Cluster c;
    leader_alone_then_lost(c, {{"unclean.leader.election.enable", "true"}});
    REQUIRE(c.partition("t", 0).leader == 2);
    REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{2});
    REQUIRE(c.partition("t", 0).leader_recovery_state == LeaderRecoveryState::recovering);
  }
  SECTION("cluster default on, topic config off: no leader") {
    ControllerConfig config = test_config();
    config.unclean_leader_election_enable = true;
    Cluster c(config);
    leader_alone_then_lost(c, {{"unclean.leader.election.enable", "false"}});
    REQUIRE(c.partition("t", 0).leader == no_leader);
  }
  SECTION("cluster default on: unclean") {
    ControllerConfig config = test_config();
    config.unclean_leader_election_enable = true;
    Cluster c(config);
    leader_alone_then_lost(c, {});
    REQUIRE(c.partition("t", 0).leader == 2);
  }
}

TEST_CASE("the recovering leader reports recovery through AlterPartition", "[controller]") {
  Cluster c;
    leader_alone_then_lost(c, {{"unclean.leader.election.enable", "true"}});
  REQUIRE(c.partition("t", 0).leader_recovery_state == LeaderRecoveryState::recovering);
  auto request = c.alter_isr("t", 0, {2, 1});  // broker 1 is fenced: refused
  request.topics[0].partitions[0].leader_recovery_state = LeaderRecoveryState::recovering;
  REQUIRE(c.only_partition(*c.reply<AlterPartitionResponse>(c.send(request))).error_code == ErrorCode::invalid_request);
  const ReplyToken done = c.send(c.alter_isr("t", 0, {2}));  // recovered (the default)
  c.commit_all();
  const auto& data = c.only_partition(*c.reply<AlterPartitionResponse>(done));
  REQUIRE(data.error_code == ErrorCode::none);
  REQUIRE(data.leader_recovery_state == LeaderRecoveryState::recovered);
  REQUIRE(c.partition("t", 0).leader_recovery_state == LeaderRecoveryState::recovered);
}

TEST_CASE("test_only_elect_leader_outside_isr elects a lagging replica", "[controller]") {
  for (const bool mutation : {false, true}) {
    ControllerConfig config = test_config();
    config.test_only_elect_leader_outside_isr = mutation;
    Cluster c(config);
    start(c, 3);
    c.create_topic("t", 1, 3);  // [1,2,3], leader 1
    c.send(c.alter_isr("t", 0, {1, 2}));  // 3 lags
    c.commit_all();
    c.heartbeat(2, /*want_fence=*/false);
    c.heartbeat(1, /*want_fence=*/true);  // the leader goes away
    c.commit_all();
    REQUIRE(c.partition("t", 0).leader == (mutation ? 3 : 2));
  }
}

// ---------------------------------------------------------------- CreateTopics

TEST_CASE("CreateTopics places replicas round-robin over unfenced brokers", "[controller]") {
  Cluster c;
  start(c, 3);
  const auto result = c.create_topic("orders", 6, 2, {{"min.insync.replicas", "2"}});
  REQUIRE(result.error_code == ErrorCode::none);
  REQUIRE(result.num_partitions == 6);
  REQUIRE(result.replication_factor == 2);
  REQUIRE(c.follower.topic_by_name("orders")->id == result.topic_id);
  const std::vector<std::vector<BrokerId>> expected = {{1, 2}, {2, 3}, {3, 1}, {1, 2}, {2, 3}, {3, 1}};
  for (int p = 0; p < 6; ++p) {
    const auto& partition = c.partition("orders", p);
    REQUIRE(partition.replicas == expected[static_cast<std::size_t>(p)]);
    REQUIRE(partition.isr == partition.replicas);
    REQUIRE(partition.leader == partition.replicas.front());
    REQUIRE(partition.leader_epoch == 0);
    REQUIRE(partition.partition_epoch == 0);
  }
  REQUIRE(c.follower.topic_config("orders", "min.insync.replicas") == std::optional<std::string>("2"));
  // The next topic continues the rotation where the partition count left it.
  c.create_topic("more", 1, 1);
  REQUIRE(c.partition("more", 0).leader == 1);  // 6 partitions so far: start index 6 % 3 = 0
}

TEST_CASE("CreateTopics rejects bad requests with Kafka's errors", "[controller]") {
  Cluster c;
  start(c, 3);
  c.register_broker(4);  // registered but fenced: does not count for placement
  REQUIRE(c.create_topic("existing", 1, 1).error_code == ErrorCode::none);

  const auto error_of = [&c](const std::string& name, std::int32_t partitions, std::int16_t rf,
                             std::vector<CreateTopicsRequest::CreatableTopicConfig> configs = {}) {
    return c.create_topic(name, partitions, rf, std::move(configs)).error_code;
  };
  REQUIRE(error_of("existing", 1, 1) == ErrorCode::topic_already_exists);
  REQUIRE(error_of("", 1, 1) == ErrorCode::invalid_topic_exception);
  REQUIRE(error_of("..", 1, 1) == ErrorCode::invalid_topic_exception);
  REQUIRE(error_of("bad/name", 1, 1) == ErrorCode::invalid_topic_exception);
  REQUIRE(error_of(std::string(250, 'a'), 1, 1) == ErrorCode::invalid_topic_exception);
  REQUIRE(error_of(std::string(249, 'a'), 1, 1) == ErrorCode::none);
  REQUIRE(error_of("exist.ing", 1, 1) == ErrorCode::none);        // '.' vs '_' only collide with each other
  REQUIRE(error_of("exist_ing", 1, 1) == ErrorCode::invalid_topic_exception);  // collides with exist.ing
  REQUIRE(error_of("zero", 0, 1) == ErrorCode::invalid_partitions);
  REQUIRE(error_of("negative", -5, 1) == ErrorCode::invalid_partitions);
  REQUIRE(error_of("no-replicas", 1, 0) == ErrorCode::invalid_replication_factor);
  // 4 brokers registered, 3 unfenced: replication.factor must be <= the live brokers.
  REQUIRE(error_of("too-many", 1, 4) == ErrorCode::invalid_replication_factor);
  REQUIRE(error_of("just-right", 1, 3) == ErrorCode::none);
  REQUIRE(error_of("defaults", -1, -1) == ErrorCode::none);  // num.partitions, default.replication.factor
  REQUIRE(error_of("bad-config", 1, 1, {{"min.insync.replicas", "0"}}) == ErrorCode::invalid_config);
  REQUIRE(error_of("bad-bool", 1, 1, {{"unclean.leader.election.enable", "yes"}}) == ErrorCode::invalid_config);
  REQUIRE(error_of("unknown-config", 1, 1, {{"no.such.config", "1"}}) == ErrorCode::invalid_config);
  REQUIRE(error_of("null-config", 1, 1, {{"retention.ms", std::nullopt}}) == ErrorCode::invalid_config);
  REQUIRE(c.follower.topic_by_name("too-many") == nullptr);
  REQUIRE(c.follower.topic_by_name("bad-config") == nullptr);

  const auto message = c.create_topic("too-many-2", 1, 4).error_message;
  REQUIRE(message.has_value());
  REQUIRE(message->find("only 3 broker(s)") != std::string::npos);

  CreateTopicsRequest duplicate;
  duplicate.topics.push_back({"dup", 1, 1, {}});
  duplicate.topics.push_back({"dup", 1, 1, {}});
  const ReplyToken t = c.send(duplicate);
  c.commit_all();
  for (const auto& result : c.reply<CreateTopicsResponse>(t)->topics) {
    REQUIRE(result.error_code == ErrorCode::invalid_request);
  }

  CreateTopicsRequest huge;
  huge.topics.push_back({"huge", 10001, 1, {}});
  const ReplyToken h = c.send(huge);
  REQUIRE(c.reply<CreateTopicsResponse>(h)->topics.front().error_code == ErrorCode::policy_violation);

  CreateTopicsRequest validate_only;
  validate_only.validate_only = true;
  validate_only.topics.push_back({"dry-run", 2, 2, {}});
  const auto log_before = c.log.size();
  const ReplyToken v = c.send(validate_only);
  REQUIRE(c.log.size() == log_before);
  REQUIRE(c.reply<CreateTopicsResponse>(v)->topics.front().error_code == ErrorCode::none);
  REQUIRE(c.follower.topic_by_name("dry-run") == nullptr);
}

// ---------------------------------------------------------------- AlterPartition

TEST_CASE("AlterPartition: accepted changes bump the partition epoch and answer after commit", "[controller]") {
  Cluster c;
  start(c, 3);
  c.create_topic("t", 1, 3);
  const ReplyToken t = c.send(c.alter_isr("t", 0, {1, 3}));
  REQUIRE(std::holds_alternative<metadata::PartitionChangeRecord>(*c.log.back().record));
  REQUIRE(c.reply<AlterPartitionResponse>(t) == nullptr);
  c.commit_all();
  const auto& data = c.only_partition(*c.reply<AlterPartitionResponse>(t));
  REQUIRE(data.error_code == ErrorCode::none);
  REQUIRE(data.leader_id == 1);
  REQUIRE(data.leader_epoch == 0);
  REQUIRE(data.partition_epoch == 1);
  REQUIRE(data.isr == std::vector<BrokerId>{1, 3});
  REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{1, 3});

  // Expanding back: accepted too.
  const ReplyToken grow = c.send(c.alter_isr("t", 0, {1, 3, 2}));
  c.commit_all();
  REQUIRE(c.only_partition(*c.reply<AlterPartitionResponse>(grow)).partition_epoch == 2);
}

TEST_CASE("AlterPartition: each rejection", "[controller]") {
  Cluster c;
  start(c, 3);
  c.create_topic("t", 1, 3);  // [1,2,3], leader 1, epochs 0/0
  const auto partition_error = [&c](const AlterPartitionRequest& request) {
    const ReplyToken t = c.send(request);
    c.commit_all();
    return c.only_partition(*c.reply<AlterPartitionResponse>(t)).error_code;
  };

  auto stale_broker = c.alter_isr("t", 0, {1, 2});
  stale_broker.broker_epoch -= 1;
  REQUIRE(c.reply<AlterPartitionResponse>(c.send(stale_broker))->error_code == ErrorCode::stale_broker_epoch);

  auto old_leader_epoch = c.alter_isr("t", 0, {1, 2});
  old_leader_epoch.topics[0].partitions[0].leader_epoch = -1;
  REQUIRE(partition_error(old_leader_epoch) == ErrorCode::fenced_leader_epoch);

  auto future_leader_epoch = c.alter_isr("t", 0, {1, 2});
  future_leader_epoch.topics[0].partitions[0].leader_epoch = 5;
  REQUIRE(partition_error(future_leader_epoch) == ErrorCode::not_controller);

  auto not_leader = c.alter_isr("t", 0, {1, 2});
  not_leader.broker_id = 2;
  not_leader.broker_epoch = c.epochs.at(2);
  REQUIRE(partition_error(not_leader) == ErrorCode::invalid_request);  // Kafka's answer to a non-leader

  REQUIRE(partition_error(c.alter_isr("t", 0, {2, 3})) == ErrorCode::invalid_request);  // drops the leader
  auto not_replica = c.alter_isr("t", 0, {1});
  not_replica.topics[0].partitions[0].new_isr_with_epochs.push_back({9, -1});
  REQUIRE(partition_error(not_replica) == ErrorCode::invalid_request);

  auto wrong_member_epoch = c.alter_isr("t", 0, {1, 2});
  wrong_member_epoch.topics[0].partitions[0].new_isr_with_epochs[1].broker_epoch = 1;
  REQUIRE(partition_error(wrong_member_epoch) == ErrorCode::ineligible_replica);

  auto unknown_topic = c.alter_isr("t", 0, {1, 2});
  unknown_topic.topics[0].topic_id[5] ^= 0xff;
  REQUIRE(partition_error(unknown_topic) == ErrorCode::unknown_topic_id);
  auto unknown_partition = c.alter_isr("t", 0, {1, 2});
  unknown_partition.topics[0].partitions[0].partition_index = 4;
  REQUIRE(partition_error(unknown_partition) == ErrorCode::unknown_topic_or_partition);

  // A successful change makes the old partition epoch stale.
  const auto first = c.alter_isr("t", 0, {1, 2});
  REQUIRE(partition_error(first) == ErrorCode::none);
  REQUIRE(partition_error(first) == ErrorCode::invalid_update_version);

  // A fenced broker cannot join an ISR.
  c.heartbeat(3, /*want_fence=*/true);
  c.commit_all();
  auto with_fenced = c.alter_isr("t", 0, {1, 2});
  with_fenced.topics[0].partitions[0].new_isr_with_epochs.push_back({3, c.epochs.at(3)});
  REQUIRE(partition_error(with_fenced) == ErrorCode::ineligible_replica);
  REQUIRE(c.partition("t", 0).isr == std::vector<BrokerId>{1, 2});
}

// ---------------------------------------------------------------- leadership

TEST_CASE("losing leadership fails pending requests with NOT_CONTROLLER and reverts the image", "[controller]") {
  Cluster c;
  start(c, 2);
  const MetadataImage committed = c.follower;
  const ReplyToken pending_topic = c.create_topic_request("t", 2, 2);
  const ReplyToken pending_registration = c.send(c.registration(3));
  REQUIRE(c.controller.pending_reply_count() == 2);
  REQUIRE(c.controller.image().topic_by_name("t") != nullptr);

  c.lose_leadership();
  REQUIRE_FALSE(c.controller.is_active());
  REQUIRE(c.controller.pending_reply_count() == 0);
  const auto* topics = c.reply<CreateTopicsResponse>(pending_topic);
  REQUIRE(topics->topics.front().error_code == ErrorCode::not_controller);
  REQUIRE(c.reply<BrokerRegistrationResponse>(pending_registration)->error_code == ErrorCode::not_controller);
  REQUIRE(c.controller.image() == committed);
  REQUIRE(c.controller.image().topic_by_name("t") == nullptr);
  REQUIRE(c.controller.next_deadline() == Time::max());

  // Standby: every request is refused at once.
  REQUIRE(c.reply<BrokerHeartbeatResponse>(c.heartbeat(1))->error_code == ErrorCode::not_controller);
  const ReplyToken standby_topic = c.create_topic_request("u", 1, 1);
  REQUIRE(c.reply<CreateTopicsResponse>(standby_topic)->topics.front().error_code == ErrorCode::not_controller);

  // Re-elected: works again, with fresh sessions for the registered brokers.
  c.elect(2);
  REQUIRE(c.controller.last_contact(1) == std::optional<Time>(c.now));
  REQUIRE(c.create_topic("t", 2, 2).error_code == ErrorCode::none);
  REQUIRE(c.controller.image() == c.follower);
}

TEST_CASE("a standby controller replays committed records and loads snapshots", "[controller]") {
  Cluster active;
  start(active, 3);
  active.create_topic("t", 2, 3);
  Rng rng(5);
  QuorumController standby(test_config(), rng);
  Time now;
  for (const auto& entry : active.log) {
    if (entry.record) {
      standby.on_committed_record(now, entry.offset, *entry.record);
    } else {
      standby.on_committed_control(now, entry.offset);
    }
  }
  REQUIRE(standby.image() == active.follower);
  REQUIRE(standby.take_output().empty());

  QuorumController from_snapshot(test_config(), rng);
  from_snapshot.on_snapshot_loaded(now, active.log_end(), active.follower.snapshot_records());
  REQUIRE(from_snapshot.image() == active.follower);
  REQUIRE(from_snapshot.committed_end_offset() == active.log_end());
}

TEST_CASE("requests beyond the pending-reply limit get REQUEST_TIMED_OUT", "[controller]") {
  Cluster c;
  start(c, 1);
  c.send(c.registration(2));  // uncommitted: every later reply waits for it
  std::vector<ReplyToken> tokens;
  for (std::size_t i = 0; i + 1 < pending_replies_max; ++i) tokens.push_back(c.heartbeat(1));
  REQUIRE(c.controller.pending_reply_count() == pending_replies_max);
  const ReplyToken refused = c.heartbeat(1);
  REQUIRE(c.reply<BrokerHeartbeatResponse>(refused)->error_code == ErrorCode::request_timed_out);
  c.commit_all();
  REQUIRE(c.controller.pending_reply_count() == 0);
  for (ReplyToken t : tokens) REQUIRE(c.reply<BrokerHeartbeatResponse>(t)->error_code == ErrorCode::none);
}

// ---------------------------------------------------------------- controller image == follower image

TEST_CASE("replaying the controller's records gives the controller's image", "[controller]") {
  rc::prop("random workloads with sessions, elections, ISR changes and leader changes", [](std::uint64_t seed) {
    Rng random(seed);
    Cluster c;
    c.elect(1);
    ControllerEpoch epoch = 1;
    const std::vector<std::string> names = {"a", "b", "c", "d"};
    const int steps = 150;
    for (int step = 0; step < steps; ++step) {
      const auto op = random.below(100);
      const BrokerId broker = static_cast<BrokerId>(1 + random.below(5));
      if (op < 15) {
        const auto t = c.send(c.registration(broker, static_cast<int>(random.below(2))));
        c.commit_all();
        if (const auto* r = c.reply<BrokerRegistrationResponse>(t); r && r->error_code == ErrorCode::none) {
          c.epochs[broker] = r->broker_epoch;
        }
      } else if (op < 45) {
        if (c.epochs.count(broker) != 0) c.heartbeat(broker, random.bernoulli(0.05), false);
      } else if (op < 55) {
        std::vector<CreateTopicsRequest::CreatableTopicConfig> configs;
        if (random.bernoulli(0.5)) configs.push_back({"unclean.leader.election.enable", "true"});
        c.create_topic_request(names[random.below(names.size())], static_cast<std::int32_t>(1 + random.below(4)),
                               static_cast<std::int16_t>(1 + random.below(3)), configs);
      } else if (op < 70) {
        // The leader of a random partition shrinks or grows its ISR.
        const auto& topics = c.follower.topics();
        if (!topics.empty()) {
          auto it = topics.begin();
          std::advance(it, static_cast<long>(random.below(topics.size())));
          const auto& partitions = it->second.partitions;
          if (partitions.empty()) continue;  // TopicRecord committed, PartitionRecords not yet
          const auto index = static_cast<std::int32_t>(random.below(partitions.size()));
          const auto& p = partitions.at(index);
          if (p.has_leader() && c.epochs.count(p.leader) != 0) {
            std::vector<BrokerId> isr = {p.leader};
            for (BrokerId r : p.replicas) {
              if (r != p.leader && c.epochs.count(r) != 0 && random.bernoulli(0.6)) isr.push_back(r);
            }
            c.send(c.alter_isr(it->second.name, index, isr));
          }
        }
      } else if (op < 85) {
        c.advance(milliseconds(static_cast<std::int64_t>(random.below(6000))));
      } else if (op < 95) {
        c.commit_to(std::min(c.committed_end + static_cast<metadata::Offset>(random.below(4)), c.log_end()));
      } else if (op < 98) {
        c.commit_all();
      } else {
        c.lose_leadership();
        c.elect(++epoch);
      }
    }
    c.commit_all();
    RC_ASSERT(c.controller.pending_reply_count() == 0u);
    RC_ASSERT(c.controller.image() == c.follower);
    RC_ASSERT(c.controller.committed_image() == c.follower);
    RC_ASSERT(MetadataImage::from_snapshot(c.follower.snapshot_records()) == c.follower);
    // Every request got exactly one reply.
    RC_ASSERT(c.replies.size() == static_cast<std::size_t>(c.next_token - 1));
  });
}
