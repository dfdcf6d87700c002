// The KRaft cluster metadata records (Kafka's metadata/src/main/resources/common/metadata/*.json)
// as plain structs, and their codec. The controller appends them to the metadata log (one record
// per Raft entry); every node replays them, in log order, into a MetadataImage (image.h).
//
// Encoding is Kafka's MetadataRecordSerde (AbstractApiMessageSerde): an unsigned varint frame
// version (1), the record's api key and version as unsigned varints, then the record body in the
// flexible-version wire format of its JSON schema (wire.h), ending with a tagged-field section.
// We write exactly one version per record type (the `version` constant of each struct) and
// decode only that version; unknown tagged fields are skipped, as Kafka does.
//
// decode_record() never reads out of bounds and returns an error value for truncated or corrupt
// input. Nothing here does I/O or reads a clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/result.h"
#include "broker/common/uuid.h"
#include "broker/metadata/wire.h"

namespace kraftsim::metadata {

using Uuid = UuidBytes;
using BrokerId = std::int32_t;  // node.id of a broker
using Offset = std::int64_t;    // a metadata log offset (same type as raft::Offset)

// PartitionRecord.Leader: -1 when the partition has no leader (LeaderAndIsr.NO_LEADER).
inline constexpr BrokerId no_leader = -1;

// MetadataRecordSerde's frame version (AbstractApiMessageSerde.DEFAULT_FRAME_VERSION).
inline constexpr std::uint32_t record_frame_version = 1;

// Kafka's LeaderRecoveryState (KIP-704): a leader elected uncleanly is RECOVERING until it tells
// the controller (AlterPartition) that it has recovered.
enum class LeaderRecoveryState : std::int8_t { recovered = 0, recovering = 1 };

// ConfigResource.Type codes as stored in ConfigRecord.ResourceType. Cluster-wide defaults are
// BROKER configs with an empty resource name.
enum class ConfigResourceType : std::int8_t { topic = 2, broker = 4 };

// ---------------------------------------------------------------- records

struct BrokerEndpoint {
  std::string name;  // listener name, e.g. "PLAINTEXT"
  std::string host;
  std::uint16_t port = 0;
  std::int16_t security_protocol = 0;  // SecurityProtocol id: 0 = PLAINTEXT
  bool operator==(const BrokerEndpoint&) const = default;
};

struct BrokerFeature {
  std::string name;
  std::int16_t min_supported_version = 0;
  std::int16_t max_supported_version = 0;
  bool operator==(const BrokerFeature&) const = default;
};

// RegisterBrokerRecord.json, version 3 (v1 adds InControlledShutdown, v2 IsMigratingZkBroker,
// v3 the LogDirs tagged field, which kraftsim never writes).
struct RegisterBrokerRecord {
  static constexpr std::int16_t api_key = 0;
  static constexpr std::int16_t version = 3;
  static constexpr const char* name = "RegisterBrokerRecord";
  BrokerId broker_id = -1;
  Uuid incarnation_id{};     // a fresh random id per broker process start
  std::int64_t broker_epoch = -1;  // the offset of this record in the metadata log
  std::vector<BrokerEndpoint> endpoints;
  std::vector<BrokerFeature> features;
  std::optional<std::string> rack;
  bool fenced = true;  // a new registration starts fenced (schema default "true")
  bool in_controlled_shutdown = false;
  bool operator==(const RegisterBrokerRecord&) const = default;
};

// TopicRecord.json, version 0.
struct TopicRecord {
  static constexpr std::int16_t api_key = 2;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "TopicRecord";
  std::string topic_name;
  Uuid topic_id{};
  bool operator==(const TopicRecord&) const = default;
};

// PartitionRecord.json, version 2 (v1 adds Directories, which kraftsim writes empty: "not
// assigned"; v2 adds the KIP-966 EligibleLeaderReplicas / LastKnownElr tagged fields).
struct PartitionRecord {
  static constexpr std::int16_t api_key = 3;
  static constexpr std::int16_t version = 2;
  static constexpr const char* name = "PartitionRecord";
  std::int32_t partition_id = -1;
  Uuid topic_id{};
  std::vector<BrokerId> replicas;  // in preferred order
  std::vector<BrokerId> isr;
  std::vector<BrokerId> removing_replicas;
  std::vector<BrokerId> adding_replicas;
  BrokerId leader = no_leader;
  LeaderRecoveryState leader_recovery_state = LeaderRecoveryState::recovered;  // tag 0
  std::int32_t leader_epoch = -1;
  std::int32_t partition_epoch = -1;
  // KIP-966. Written (tags 1 and 2) only when non-empty; null and empty both decode as empty.
  std::vector<BrokerId> eligible_leader_replicas;
  std::vector<BrokerId> last_known_elr;
  bool operator==(const PartitionRecord&) const = default;
};

// ConfigRecord.json, version 0. A null value deletes the key.
struct ConfigRecord {
  static constexpr std::int16_t api_key = 4;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "ConfigRecord";
  ConfigResourceType resource_type = ConfigResourceType::topic;
  std::string resource_name;
  std::string config_name;
  std::optional<std::string> value;
  bool operator==(const ConfigRecord&) const = default;
};

// PartitionChangeRecord.json, version 2. Every optional field is "no change" when absent.
// Applying one always bumps the partition epoch; it bumps the leader epoch when `leader` is
// present (PartitionRegistration.merge in Kafka).
struct PartitionChangeRecord {
  static constexpr std::int16_t api_key = 5;
  static constexpr std::int16_t version = 2;
  static constexpr const char* name = "PartitionChangeRecord";
  std::int32_t partition_id = -1;
  Uuid topic_id{};
  std::optional<std::vector<BrokerId>> isr;                    // tag 0
  std::optional<BrokerId> leader;                              // tag 1 (-2 on the wire = absent)
  std::optional<std::vector<BrokerId>> replicas;               // tag 2
  std::optional<LeaderRecoveryState> leader_recovery_state;    // tag 5 (-1 = absent)
  std::optional<std::vector<BrokerId>> eligible_leader_replicas;  // tag 6
  std::optional<std::vector<BrokerId>> last_known_elr;            // tag 7
  bool operator==(const PartitionChangeRecord&) const = default;
};

// FenceBrokerRecord.json, version 0: the broker is fenced (not a valid leader or ISR member).
struct FenceBrokerRecord {
  static constexpr std::int16_t api_key = 7;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "FenceBrokerRecord";
  BrokerId id = -1;
  std::int64_t epoch = -1;  // the broker epoch of the registration being fenced
  bool operator==(const FenceBrokerRecord&) const = default;
};

// UnfenceBrokerRecord.json, version 0.
struct UnfenceBrokerRecord {
  static constexpr std::int16_t api_key = 8;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "UnfenceBrokerRecord";
  BrokerId id = -1;
  std::int64_t epoch = -1;
  bool operator==(const UnfenceBrokerRecord&) const = default;
};

// RemoveTopicRecord.json, version 0: the topic, its partitions and its configs are gone.
struct RemoveTopicRecord {
  static constexpr std::int16_t api_key = 9;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "RemoveTopicRecord";
  Uuid topic_id{};
  bool operator==(const RemoveTopicRecord&) const = default;
};

// FeatureLevelRecord.json, version 0 (e.g. metadata.version). Level 0 removes the feature.
struct FeatureLevelRecord {
  static constexpr std::int16_t api_key = 12;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "FeatureLevelRecord";
  std::string feature_name;
  std::int16_t feature_level = 0;
  bool operator==(const FeatureLevelRecord&) const = default;
};

// ProducerIdsRecord.json, version 0 (KIP-730): the active controller gave `broker_id` a block of
// producer ids ending just below next_producer_id; the next block starts there.
struct ProducerIdsRecord {
  static constexpr std::int16_t api_key = 15;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "ProducerIdsRecord";
  BrokerId broker_id = -1;
  std::int64_t broker_epoch = -1;
  std::int64_t next_producer_id = 0;
  bool operator==(const ProducerIdsRecord&) const = default;
};

// NoOpRecord.json, version 0: written by an idle active controller to keep the log moving.
struct NoOpRecord {
  static constexpr std::int16_t api_key = 20;
  static constexpr std::int16_t version = 0;
  static constexpr const char* name = "NoOpRecord";
  bool operator==(const NoOpRecord&) const = default;
};

using MetadataRecord =
    std::variant<RegisterBrokerRecord, TopicRecord, PartitionRecord, ConfigRecord, PartitionChangeRecord,
                 FenceBrokerRecord, UnfenceBrokerRecord, RemoveTopicRecord, FeatureLevelRecord, NoOpRecord,
                 ProducerIdsRecord>;

const char* name_of(const MetadataRecord& record);
std::int16_t api_key_of(const MetadataRecord& record);

// ---------------------------------------------------------------- codec

struct DecodeError {
  std::string reason;          // e.g. "truncated input", "unknown api key 99"
  std::size_t byte_offset = 0;  // where in the input the problem was found
  bool operator==(const DecodeError&) const = default;
};

Bytes encode_record(const MetadataRecord& record);
// Decodes exactly one record occupying all of `bytes` (trailing bytes are an error).
Result<MetadataRecord, DecodeError> decode_record(ByteView bytes);

}  // namespace kraftsim::metadata
