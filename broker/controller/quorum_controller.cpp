// The active controller's logic (quorum_controller.h): request handling, broker sessions,
// leader election on fencing and unfencing, and the commit-before-reply bookkeeping.
#include "broker/controller/quorum_controller.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <type_traits>

#include "base/assert.h"
#include "broker/controller/partition_change.h"
#include "broker/controller/replica_placement.h"
#include "broker/controller/topic_validation.h"

namespace kraftsim::controller {

namespace {

using metadata::BrokerId;
using metadata::PartitionRegistration;

constexpr const char* metadata_version_feature = "metadata.version";
constexpr const char* unclean_leader_election_key = "unclean.leader.election.enable";

bool contains(const std::vector<BrokerId>& ids, BrokerId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool all_distinct(const std::vector<BrokerId>& ids) {
  return std::set<BrokerId>(ids.begin(), ids.end()).size() == ids.size();
}

// The same response type, failed with `error`: what a pending request gets when the controller
// loses leadership, or when it is refused outright.
ControllerResponse failed_like(const ControllerResponse& response, ErrorCode error) {
  return std::visit(
      [error](const auto& r) -> ControllerResponse {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, CreateTopicsResponse>) {
          CreateTopicsResponse failed;
          for (const auto& t : r.topics) {
            CreateTopicsResponse::CreatableTopicResult result;
            result.name = t.name;
            result.error_code = error;
            failed.topics.push_back(std::move(result));
          }
          return failed;
        } else {
          R failed;
          failed.error_code = error;
          return failed;
        }
      },
      response);
}

CreateTopicsResponse::CreatableTopicResult topic_error(const std::string& name, ErrorCode error, std::string message) {
  CreateTopicsResponse::CreatableTopicResult result;
  result.name = name;
  result.error_code = error;
  result.error_message = std::move(message);
  return result;
}

}  // namespace

QuorumController::QuorumController(ControllerConfig config, Rng& rng) : config_(std::move(config)), rng_(rng) {
  const auto problem = validate_config(config_);
  KS_ASSERT_MSG(!problem.has_value(), problem ? problem->c_str() : "");
  image_.set_test_only_leader_epoch_not_bumped(config_.test_only_leader_epoch_not_bumped);
  committed_image_.set_test_only_leader_epoch_not_bumped(config_.test_only_leader_epoch_not_bumped);
}

// ---------------------------------------------------------------- committed log

void QuorumController::on_committed_record(Time now, Offset offset, const MetadataRecord& record) {
  observe_time(now);
  KS_ASSERT_MSG(offset >= committed_end_offset_, "committed records come in offset order");
  if (const auto* registration = std::get_if<metadata::RegisterBrokerRecord>(&record)) {
    // The driver appended it where the controller said: the broker epoch is its offset.
    KS_ASSERT_MSG(registration->broker_epoch == offset, "a broker epoch is its registration record's offset");
  }
  if (active_) {
    // Everything committed while active is a record this controller wrote (older epochs' records
    // were replayed before activation): check it is exactly what we wrote, then forget it.
    KS_ASSERT_MSG(!uncommitted_.empty(), "an active controller only sees its own records commit");
    KS_ASSERT(uncommitted_.front().first == offset);
    KS_ASSERT_MSG(uncommitted_.front().second == record, "the committed record differs from the one written");
    uncommitted_.pop_front();
    committed_image_.apply(record);  // image_ already has it
  } else {
    committed_image_.apply(record);
    image_.apply(record);
    KS_ASSERT(uncommitted_.empty());
  }
  committed_end_offset_ = offset + 1;
  release_committed_replies();
  check_invariants();
}

void QuorumController::on_committed_control(Time now, Offset offset) {
  observe_time(now);
  KS_ASSERT_MSG(offset >= committed_end_offset_, "committed records come in offset order");
  // A control record (LeaderChange) precedes the active controller's own records.
  KS_ASSERT(uncommitted_.empty() || uncommitted_.front().first > offset);
  committed_end_offset_ = offset + 1;
  release_committed_replies();
  check_invariants();
}

void QuorumController::on_snapshot_loaded(Time now, Offset end_offset, const std::vector<MetadataRecord>& records) {
  observe_time(now);
  KS_ASSERT_MSG(!active_, "the Raft leader never installs a snapshot");
  KS_ASSERT(end_offset >= committed_end_offset_);
  committed_image_ = metadata::MetadataImage::from_snapshot(records);
  committed_image_.set_test_only_leader_epoch_not_bumped(config_.test_only_leader_epoch_not_bumped);
  image_ = committed_image_;
  committed_end_offset_ = end_offset;
  check_invariants();
}

// ---------------------------------------------------------------- leadership

void QuorumController::on_become_active(Time now, ControllerEpoch epoch, Offset next_write_offset) {
  observe_time(now);
  KS_ASSERT(!active_);
  KS_ASSERT(epoch > epoch_);
  KS_ASSERT(uncommitted_.empty());
  KS_ASSERT(pending_.empty());
  KS_ASSERT(image_ == committed_image_);
  KS_ASSERT_MSG(next_write_offset >= committed_end_offset_, "the log end is at or after the commit point");
  active_ = true;
  epoch_ = epoch;
  next_write_offset_ = next_write_offset;
  // Kafka's ClusterControlManager.activate: every registered broker starts a fresh session.
  last_contact_.clear();
  for (const auto& [id, broker] : image_.brokers()) last_contact_[id] = now;
  // Kafka's bootstrap metadata: an empty log gets the metadata.version feature first.
  if (config_.bootstrap_metadata_version_level > 0 && !image_.feature_level(metadata_version_feature)) {
    append(metadata::FeatureLevelRecord{metadata_version_feature, config_.bootstrap_metadata_version_level});
  }
  check_invariants();
}

void QuorumController::on_become_inactive(Time now) {
  observe_time(now);
  if (!active_) return;
  active_ = false;
  for (auto& pending : pending_) reply_now(pending.token, failed_like(pending.response, ErrorCode::not_controller));
  pending_.clear();
  // Forget what we wrote but did not see commit: whatever of it the next leader commits comes
  // back through on_committed_record().
  uncommitted_.clear();
  image_ = committed_image_;
  last_contact_.clear();
  next_write_offset_ = 0;
  check_invariants();
}

// ---------------------------------------------------------------- requests

void QuorumController::on_request(Time now, const ControllerRequest& request, ReplyToken token) {
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, BrokerRegistrationRequest>) on_broker_registration(now, r, token);
        else if constexpr (std::is_same_v<R, BrokerHeartbeatRequest>) on_broker_heartbeat(now, r, token);
        else if constexpr (std::is_same_v<R, CreateTopicsRequest>) on_create_topics(now, r, token);
        else if constexpr (std::is_same_v<R, AllocateProducerIdsRequest>) on_allocate_producer_ids(now, r, token);
        else on_alter_partition(now, r, token);
      },
      request);
}

void QuorumController::on_broker_registration(Time now, const BrokerRegistrationRequest& request, ReplyToken token) {
  observe_time(now);
  BrokerRegistrationResponse response;
  if (const auto error = admission_error()) {
    response.error_code = *error;
    reply_now(token, response);
    return;
  }
  // ClusterControlManager.registerBroker, in Kafka's order.
  if (request.cluster_id != config_.cluster_id) {
    response.error_code = ErrorCode::inconsistent_cluster_id;
    reply_now(token, response);
    return;
  }
  const metadata::BrokerRegistration* existing = image_.broker(request.broker_id);
  if (request.broker_id < 0 || (existing == nullptr && image_.brokers().size() >= brokers_max)) {
    response.error_code = ErrorCode::invalid_request;
    reply_now(token, response);
    return;
  }
  if (existing != nullptr && has_valid_session(request.broker_id, now) &&
      existing->incarnation_id != request.incarnation_id) {
    // Another process still holds this broker id: the new one retries until that session ends.
    response.error_code = ErrorCode::duplicate_broker_registration;
    reply_now(token, response);
    return;
  }
  if (existing != nullptr) {
    // A re-registering broker restarted (or retried): its log may have lost its unflushed tail, so
    // it must not stay in any ISR or keep leading (kraftsim's rule; Kafka 3.7+ does this for
    // unclean shutdowns, KIP-966). The new registration record then starts it fenced.
    update_partitions(request.broker_id, image_.partitions_with_isr_member(request.broker_id));
  }
  metadata::RegisterBrokerRecord record;
  record.broker_id = request.broker_id;
  record.incarnation_id = request.incarnation_id;
  record.broker_epoch = next_write_offset_;  // Kafka: the broker epoch is the record's offset
  for (const auto& l : request.listeners) {
    record.endpoints.push_back(metadata::BrokerEndpoint{l.name, l.host, l.port, l.security_protocol});
  }
  record.features = request.features;
  record.rack = request.rack;
  record.fenced = true;
  const Offset epoch = record.broker_epoch;
  append(std::move(record));
  KS_ASSERT(image_.broker(request.broker_id)->epoch == epoch);
  last_contact_[request.broker_id] = now;
  response.broker_epoch = epoch;
  reply_when_committed(token, response);
}

void QuorumController::on_broker_heartbeat(Time now, const BrokerHeartbeatRequest& request, ReplyToken token) {
  observe_time(now);
  BrokerHeartbeatResponse response;
  if (const auto error = admission_error()) {
    response.error_code = *error;
    reply_now(token, response);
    return;
  }
  const metadata::BrokerRegistration* broker = registration_at_epoch(request.broker_id, request.broker_epoch);
  if (broker == nullptr) {
    response.error_code = ErrorCode::stale_broker_epoch;
    reply_now(token, response);
    return;
  }
  last_contact_[request.broker_id] = now;
  // The broker has applied its own registration record: it can see the metadata it must serve.
  const bool caught_up = request.current_metadata_offset >= broker->epoch;
  bool should_shut_down = false;
  // BrokerHeartbeatManager.calculateNextBrokerState. Kafka's CONTROLLED_SHUTDOWN (keep serving
  // while leadership moves) is simplified to an immediate fence (see report notes).
  if (broker->fenced) {
    if (request.want_shut_down) {
      should_shut_down = true;
      update_partitions(request.broker_id, image_.partitions_with_isr_member(request.broker_id));
    } else if (!request.want_fence && caught_up) {
      unfence_broker(request.broker_id);
    }
  } else if (request.want_fence || request.want_shut_down) {
    should_shut_down = request.want_shut_down;
    fence_broker(request.broker_id);
  }
  response.is_caught_up = caught_up;
  response.is_fenced = !image_.is_unfenced(request.broker_id);
  response.should_shut_down = should_shut_down;
  reply_when_committed(token, response);
}

void QuorumController::on_allocate_producer_ids(Time now, const AllocateProducerIdsRequest& request,
                                                ReplyToken token) {
  // ProducerIdControlManager.generateNextProducerId (KIP-730): the broker must be registered at
  // that epoch; the block starts where the last one ended and is the broker's once committed.
  observe_time(now);
  AllocateProducerIdsResponse response;
  if (const auto error = admission_error()) {
    response.error_code = *error;
    reply_now(token, response);
    return;
  }
  if (registration_at_epoch(request.broker_id, request.broker_epoch) == nullptr) {
    response.error_code = ErrorCode::stale_broker_epoch;
    reply_now(token, response);
    return;
  }
  const std::int64_t start = image_.next_producer_id();
  KS_ASSERT_MSG(start <= std::numeric_limits<std::int64_t>::max() - producer_id_block_size, "producer ids exhausted");
  append(metadata::ProducerIdsRecord{request.broker_id, request.broker_epoch, start + producer_id_block_size});
  KS_ASSERT(image_.next_producer_id() == start + producer_id_block_size);
  response.producer_id_start = start;
  response.producer_id_len = producer_id_block_size;
  reply_when_committed(token, response);
}

void QuorumController::on_create_topics(Time now, const CreateTopicsRequest& request, ReplyToken token) {
  observe_time(now);
  CreateTopicsResponse response;
  const auto fail_all = [&](ErrorCode error, const std::string& message) {
    for (const auto& t : request.topics) response.topics.push_back(topic_error(t.name, error, message));
    reply_now(token, response);
  };
  if (const auto error = admission_error()) {
    return fail_all(*error, *error == ErrorCode::not_controller ? "This is not the correct controller for this cluster."
                                                                : "The controller is overloaded.");
  }
  // ReplicationControlManager.validateTotalNumberOfPartitions.
  std::size_t total_partitions = 0;
  for (const auto& t : request.topics) {
    const std::int32_t count = t.num_partitions == -1 ? config_.num_partitions : std::max(t.num_partitions, 0);
    total_partitions += static_cast<std::size_t>(count);
  }
  std::size_t total_configs = 0;
  for (const auto& t : request.topics) total_configs += t.configs.size();
  if (total_partitions > partitions_per_request_max || request.topics.size() > partitions_per_request_max) {
    return fail_all(ErrorCode::policy_violation, "Excessively large number of partitions per request.");
  }
  if (total_configs > configs_per_request_max) {
    return fail_all(ErrorCode::policy_violation, "Excessively large number of topic configs per request.");
  }

  std::set<std::string> names_in_request;
  std::set<std::string> duplicate_names;
  for (const auto& t : request.topics) {
    if (!names_in_request.insert(t.name).second) duplicate_names.insert(t.name);
  }
  for (const auto& t : request.topics) {
    if (duplicate_names.count(t.name) != 0) {
      response.topics.push_back(topic_error(t.name, ErrorCode::invalid_request, "Duplicate topic name."));
      continue;
    }
    response.topics.push_back(create_topic(t, request.validate_only));
  }
  KS_ASSERT(response.topics.size() == request.topics.size());
  reply_when_committed(token, response);
}

CreateTopicsResponse::CreatableTopicResult QuorumController::create_topic(
    const CreateTopicsRequest::CreatableTopic& topic, bool validate_only) {
  if (auto problem = validate_topic_name(topic.name)) {
    return topic_error(topic.name, ErrorCode::invalid_topic_exception, *problem);
  }
  if (image_.topic_by_name(topic.name) != nullptr) {
    return topic_error(topic.name, ErrorCode::topic_already_exists, "Topic '" + topic.name + "' already exists.");
  }
  const std::string unified = unify_collision_chars(topic.name);
  for (const auto& [id, existing] : image_.topics()) {
    if (unify_collision_chars(existing.name) == unified) {
      return topic_error(topic.name, ErrorCode::invalid_topic_exception,
                         "Topic '" + topic.name + "' collides with existing topic: " + existing.name);
    }
  }
  const std::int32_t partitions = topic.num_partitions == -1 ? config_.num_partitions : topic.num_partitions;
  const std::int32_t replication_factor =
      topic.replication_factor == -1 ? config_.default_replication_factor : topic.replication_factor;
  if (partitions <= 0) {
    return topic_error(topic.name, ErrorCode::invalid_partitions,
                       "Number of partitions was set to an invalid non-positive value.");
  }
  if (static_cast<std::size_t>(partitions) > partitions_per_topic_max) {
    return topic_error(topic.name, ErrorCode::invalid_partitions,
                       "Number of partitions is above the limit of " + std::to_string(partitions_per_topic_max) + ".");
  }
  if (replication_factor <= 0) {
    return topic_error(topic.name, ErrorCode::invalid_replication_factor,
                       "Replication factor must be larger than 0, or -1 to use the default value.");
  }
  const std::vector<BrokerId> brokers = image_.unfenced_brokers();
  if (static_cast<std::size_t>(replication_factor) > brokers.size()) {
    // The seed notes' tip: replication.factor must be <= the number of (live) brokers.
    return topic_error(topic.name, ErrorCode::invalid_replication_factor,
                       "Unable to replicate the partition " + std::to_string(replication_factor) +
                           " time(s): The target replication factor of " + std::to_string(replication_factor) +
                           " cannot be reached because only " + std::to_string(brokers.size()) +
                           " broker(s) are registered and unfenced.");
  }
  if (topic.configs.size() > topic_configs_max) {
    return topic_error(topic.name, ErrorCode::invalid_config, "Too many topic configs.");
  }
  std::map<std::string, std::string> configs;
  for (const auto& c : topic.configs) {
    if (auto problem = validate_topic_config(c.name, c.value)) {
      return topic_error(topic.name, ErrorCode::invalid_config, *problem);
    }
    configs[c.name] = *c.value;
  }
  if (image_.topic_count() >= topics_max ||
      image_.partition_count() + static_cast<std::size_t>(partitions) > partitions_max) {
    return topic_error(topic.name, ErrorCode::policy_violation, "The cluster's topic or partition limit is reached.");
  }

  CreateTopicsResponse::CreatableTopicResult result;
  result.name = topic.name;
  result.num_partitions = partitions;
  result.replication_factor = static_cast<std::int16_t>(replication_factor);
  if (validate_only) return result;

  metadata::Uuid topic_id = random_uuid([this] { return rng_.next_u64(); });
  while (image_.topic(topic_id) != nullptr) topic_id = random_uuid([this] { return rng_.next_u64(); });
  const auto assignment = place_replicas(brokers, partitions, replication_factor, image_.partition_count());
  append(metadata::TopicRecord{topic.name, topic_id});
  for (const auto& [key, value] : configs) {
    append(metadata::ConfigRecord{metadata::ConfigResourceType::topic, topic.name, key, value});
  }
  for (std::int32_t p = 0; p < partitions; ++p) {
    metadata::PartitionRecord record;
    record.partition_id = p;
    record.topic_id = topic_id;
    record.replicas = assignment[static_cast<std::size_t>(p)];
    record.isr = record.replicas;  // every replica is an unfenced broker
    record.leader = record.replicas.front();
    record.leader_epoch = 0;
    record.partition_epoch = 0;
    append(std::move(record));
  }
  KS_ASSERT(image_.topic(topic_id)->partitions.size() == static_cast<std::size_t>(partitions));
  result.topic_id = topic_id;
  return result;
}

void QuorumController::on_alter_partition(Time now, const AlterPartitionRequest& request, ReplyToken token) {
  observe_time(now);
  AlterPartitionResponse response;
  if (const auto error = admission_error()) {
    response.error_code = *error;
    reply_now(token, response);
    return;
  }
  const metadata::BrokerRegistration* broker = registration_at_epoch(request.broker_id, request.broker_epoch);
  if (broker == nullptr) {
    response.error_code = ErrorCode::stale_broker_epoch;
    reply_now(token, response);
    return;
  }
  std::size_t partition_count = 0;
  for (const auto& t : request.topics) partition_count += t.partitions.size();
  if (partition_count > alter_partition_partitions_max) {
    response.error_code = ErrorCode::invalid_request;
    reply_now(token, response);
    return;
  }
  for (const auto& t : request.topics) {
    AlterPartitionResponse::TopicData topic_response;
    topic_response.topic_id = t.topic_id;
    for (const auto& p : t.partitions) {
      const metadata::TopicImage* topic = image_.topic(t.topic_id);
      if (topic == nullptr) {
        AlterPartitionResponse::PartitionData data;
        data.partition_index = p.partition_index;
        data.error_code = ErrorCode::unknown_topic_id;
        topic_response.partitions.push_back(data);
        continue;
      }
      topic_response.partitions.push_back(alter_partition(request.broker_id, *topic, p));
    }
    response.topics.push_back(std::move(topic_response));
  }
  reply_when_committed(token, response);
}

AlterPartitionResponse::PartitionData QuorumController::alter_partition(
    BrokerId broker_id, const metadata::TopicImage& topic, const AlterPartitionRequest::PartitionData& request) {
  AlterPartitionResponse::PartitionData data;
  data.partition_index = request.partition_index;
  const auto fail = [&data](ErrorCode error) {
    data.error_code = error;
    return data;
  };
  // ReplicationControlManager.validateAlterPartitionData, in Kafka's order.
  const auto it = topic.partitions.find(request.partition_index);
  if (it == topic.partitions.end()) return fail(ErrorCode::unknown_topic_or_partition);
  const PartitionRegistration& current = it->second;
  // A leader ahead of us means we are not the controller that made it leader.
  if (request.leader_epoch > current.leader_epoch) return fail(ErrorCode::not_controller);
  if (request.partition_epoch > current.partition_epoch) return fail(ErrorCode::not_controller);
  if (request.leader_epoch < current.leader_epoch) return fail(ErrorCode::fenced_leader_epoch);
  if (broker_id != current.leader) return fail(ErrorCode::invalid_request);  // Kafka: INVALID_REQUEST
  if (request.partition_epoch < current.partition_epoch) return fail(ErrorCode::invalid_update_version);
  std::vector<BrokerId> new_isr;
  for (const auto& member : request.new_isr_with_epochs) new_isr.push_back(member.broker_id);
  bool isr_within_replicas = !new_isr.empty() && all_distinct(new_isr);
  for (BrokerId id : new_isr) isr_within_replicas = isr_within_replicas && current.replicas_contain(id);
  if (!isr_within_replicas) return fail(ErrorCode::invalid_request);
  if (!contains(new_isr, current.leader)) return fail(ErrorCode::invalid_request);
  if (request.leader_recovery_state == metadata::LeaderRecoveryState::recovering && new_isr.size() > 1) {
    return fail(ErrorCode::invalid_request);
  }
  if (current.leader_recovery_state == metadata::LeaderRecoveryState::recovered &&
      request.leader_recovery_state == metadata::LeaderRecoveryState::recovering) {
    return fail(ErrorCode::invalid_request);
  }
  for (const auto& member : request.new_isr_with_epochs) {
    const metadata::BrokerRegistration* registration = image_.broker(member.broker_id);
    // KIP-903: an ISR member must be registered, unfenced, not shutting down, and (if the leader
    // names its epoch) the same incarnation the leader saw catching up.
    const bool eligible = registration != nullptr && image_.is_unfenced(member.broker_id) &&
                          (member.broker_epoch == -1 || member.broker_epoch == registration->epoch);
    if (!eligible) return fail(ErrorCode::ineligible_replica);
  }

  PartitionChangeOptions options;
  options.target_isr = new_isr;
  options.target_leader_recovery_state = request.leader_recovery_state;
  const auto is_acceptable = [this](BrokerId id) { return image_.is_unfenced(id); };
  if (auto record = build_partition_change(topic.id, request.partition_index, current, is_acceptable, options)) {
    KS_ASSERT_MSG(!record->leader.has_value(), "an accepted AlterPartition keeps its leader");
    append(std::move(*record));
  }
  // `current` may have been replaced by append(): read the partition again.
  const PartitionRegistration* after = image_.partition(topic.id, request.partition_index);
  KS_ASSERT(after != nullptr);
  KS_ASSERT(after->leader == broker_id);
  data.leader_id = after->leader;
  data.leader_epoch = after->leader_epoch;
  data.isr = after->isr;
  data.leader_recovery_state = after->leader_recovery_state;
  data.partition_epoch = after->partition_epoch;
  return data;
}

// ---------------------------------------------------------------- sessions

Time QuorumController::next_deadline() const {
  if (!active_) return Time::max();
  Time earliest = Time::max();
  for (const auto& [id, contact] : last_contact_) {
    if (image_.is_unfenced(id)) earliest = std::min(earliest, contact + config_.broker_session_timeout);
  }
  return earliest;
}

void QuorumController::on_tick(Time now) {
  observe_time(now);
  if (!active_) return;
  // Collect first: fencing changes the image. Ascending ids, so the order is deterministic.
  std::vector<BrokerId> expired;
  for (const auto& [id, contact] : last_contact_) {
    if (image_.is_unfenced(id) && now >= contact + config_.broker_session_timeout) expired.push_back(id);
  }
  for (BrokerId id : expired) {
    // Bounded like any write; an overloaded controller retries at the next tick.
    if (!has_room_for_operation()) break;
    fence_broker(id);
  }
  check_invariants();
}

bool QuorumController::has_valid_session(BrokerId id, Time now) const {
  // BrokerHeartbeatManager.hasValidSession: a fenced broker has no session.
  const auto it = last_contact_.find(id);
  return it != last_contact_.end() && image_.is_unfenced(id) && now < it->second + config_.broker_session_timeout;
}

std::optional<Time> QuorumController::last_contact(BrokerId id) const {
  const auto it = last_contact_.find(id);
  if (it == last_contact_.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------- fencing and elections

void QuorumController::fence_broker(BrokerId id) {
  const metadata::BrokerRegistration* broker = image_.broker(id);
  KS_ASSERT(broker != nullptr);
  const std::int64_t epoch = broker->epoch;
  update_partitions(id, image_.partitions_with_isr_member(id));
  KS_ASSERT_MSG(image_.partitions_led_by(id).empty(), "a broker being fenced still leads a partition");
  append(metadata::FenceBrokerRecord{id, epoch});
  KS_ASSERT(!image_.is_unfenced(id));
}

void QuorumController::unfence_broker(BrokerId id) {
  const metadata::BrokerRegistration* broker = image_.broker(id);
  KS_ASSERT(broker != nullptr && broker->fenced);
  append(metadata::UnfenceBrokerRecord{id, broker->epoch});
  KS_ASSERT(image_.is_unfenced(id));
  // Partitions waiting for an ISR member to return (leader -1) may elect it now.
  update_partitions(std::nullopt, image_.leaderless_partitions());
}

void QuorumController::update_partitions(std::optional<BrokerId> removed,
                                         const std::vector<metadata::TopicIdPartition>& partitions) {
  const auto is_acceptable = [this, removed](BrokerId id) {
    return (!removed || id != *removed) && image_.is_unfenced(id);
  };
  for (const auto& tp : partitions) {
    const metadata::TopicImage* topic = image_.topic(tp.topic_id);
    KS_ASSERT(topic != nullptr);
    const PartitionRegistration* current = image_.partition(tp.topic_id, tp.partition);
    KS_ASSERT(current != nullptr);
    PartitionChangeOptions options;
    for (BrokerId member : current->isr) {
      if (!removed || member != *removed) options.target_isr.push_back(member);
    }
    options.unclean_election_allowed = unclean_election_allowed(topic->name);
    options.test_only_elect_leader_outside_isr = config_.test_only_elect_leader_outside_isr;
    if (auto record = build_partition_change(tp.topic_id, tp.partition, *current, is_acceptable, options)) {
      append(std::move(*record));
    }
    if (removed) KS_ASSERT(image_.partition(tp.topic_id, tp.partition)->leader != *removed);
  }
}

bool QuorumController::unclean_election_allowed(const std::string& topic_name) const {
  // Topic config, then the cluster-wide dynamic default, then the static config (KIP-106).
  if (const auto value = image_.topic_config(topic_name, unclean_leader_election_key)) {
    if (const auto parsed = parse_config_bool(*value)) return *parsed;
  }
  return config_.unclean_leader_election_enable;
}

// ---------------------------------------------------------------- writing and replies

void QuorumController::append(MetadataRecord record) {
  KS_ASSERT(active_);
  KS_ASSERT_MSG(uncommitted_.size() < uncommitted_records_max, "too many uncommitted records");
  const Offset offset = next_write_offset_++;
  metadata::Bytes payload = metadata::encode_record(record);
  // Pair assertion: what Raft stores must decode to exactly what we apply.
  const auto decoded = metadata::decode_record(payload);
  KS_ASSERT_MSG(decoded.ok() && *decoded == record, "metadata record codec round trip failed");
  image_.apply(record);
  uncommitted_.emplace_back(offset, record);
  output_.records.push_back(RecordToAppend{offset, std::move(record), std::move(payload)});
}

bool QuorumController::write_noop(Time now) {
  observe_time(now);
  KS_ASSERT(active_);
  if (!has_room_for_operation()) return false;
  append(metadata::NoOpRecord{});
  return true;
}

std::optional<ErrorCode> QuorumController::admission_error() const {
  if (!active_) return ErrorCode::not_controller;
  if (!can_accept_request()) return ErrorCode::request_timed_out;
  return std::nullopt;
}

const metadata::BrokerRegistration* QuorumController::registration_at_epoch(BrokerId id, std::int64_t epoch) const {
  // Kafka's ClusterControlManager.checkBrokerEpoch: an unknown broker id is a stale epoch too.
  const metadata::BrokerRegistration* broker = image_.broker(id);
  return broker != nullptr && broker->epoch == epoch ? broker : nullptr;
}

bool QuorumController::can_accept_request() const {
  return pending_.size() < pending_replies_max && has_room_for_operation();
}

bool QuorumController::has_room_for_operation() const {
  return uncommitted_.size() + records_per_operation_max <= uncommitted_records_max;
}

void QuorumController::reply_now(ReplyToken token, ControllerResponse response) {
  output_.replies.push_back(Reply{token, std::move(response)});
}

void QuorumController::reply_when_committed(ReplyToken token, ControllerResponse response) {
  KS_ASSERT(active_);
  KS_ASSERT(pending_.empty() || pending_.back().wait_end_offset <= next_write_offset_);
  pending_.push_back(PendingReply{next_write_offset_, token, std::move(response)});
  release_committed_replies();
}

void QuorumController::release_committed_replies() {
  while (!pending_.empty() && pending_.front().wait_end_offset <= committed_end_offset_) {
    reply_now(pending_.front().token, std::move(pending_.front().response));
    pending_.pop_front();
  }
}

ControllerOutput QuorumController::take_output() {
  ControllerOutput out = std::move(output_);
  output_ = ControllerOutput{};
  return out;
}

// ---------------------------------------------------------------- invariants

void QuorumController::observe_time(Time now) {
  KS_ASSERT_MSG(now >= last_now_, "time never goes backwards");
  last_now_ = now;
}

void QuorumController::check_invariants() const {
  if (!active_) {
    KS_ASSERT(uncommitted_.empty());
    KS_ASSERT(pending_.empty());
    KS_ASSERT(last_contact_.empty());
    return;
  }
  KS_ASSERT(committed_end_offset_ <= next_write_offset_);
  if (!uncommitted_.empty()) {
    // Our uncommitted records are contiguous and end just below the next write offset.
    KS_ASSERT(uncommitted_.front().first >= committed_end_offset_);
    KS_ASSERT(uncommitted_.back().first == next_write_offset_ - 1);
    KS_ASSERT(static_cast<Offset>(uncommitted_.size()) == uncommitted_.back().first - uncommitted_.front().first + 1);
  }
  for (const auto& pending : pending_) {
    KS_ASSERT(pending.wait_end_offset > committed_end_offset_);
    KS_ASSERT(pending.wait_end_offset <= next_write_offset_);
  }
  for (const auto& [id, contact] : last_contact_) {
    KS_ASSERT(image_.broker(id) != nullptr);
    KS_ASSERT(contact <= last_now_);
  }
}

}  // namespace kraftsim::controller
