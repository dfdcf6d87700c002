// Encoding and decoding of the metadata records (records.h), field by field in the order of
// Kafka's JSON schemas. Each body ends with a tagged-field section: a varint count, then for
// each field its tag, its size and its bytes, in ascending tag order (KIP-482).
#include "broker/metadata/records.h"

#include <string>
#include <type_traits>
#include <utility>

#include "base/assert.h"

namespace kraftsim::metadata {

namespace {

// PartitionChangeRecord.Leader's default: "the leader did not change".
constexpr BrokerId leader_unchanged_on_wire = -2;
// PartitionChangeRecord.LeaderRecoveryState's default: "did not change".
constexpr std::int8_t recovery_state_unchanged_on_wire = -1;

// Smallest encodings of array elements, used to reject impossible lengths before allocating.
constexpr std::size_t endpoint_bytes_min = 1 + 1 + 2 + 2 + 1;  // two empty strings, port, protocol, tags
constexpr std::size_t feature_bytes_min = 1 + 2 + 2 + 1;
constexpr std::size_t uuid_bytes = 16;

// Tagged fields are collected as (tag, encoded payload) and written in ascending tag order.
struct TaggedField {
  std::uint32_t tag = 0;
  Bytes payload;
};

void write_tagged_fields(WireWriter& out, const std::vector<TaggedField>& fields) {
  out.write_unsigned_varint(static_cast<std::uint32_t>(fields.size()));
  for (std::size_t i = 0; i < fields.size(); ++i) {
    KS_ASSERT(i == 0 || fields[i - 1].tag < fields[i].tag);
    out.write_unsigned_varint(fields[i].tag);
    out.write_unsigned_varint(static_cast<std::uint32_t>(fields[i].payload.size()));
    out.write_bytes(fields[i].payload);
  }
}

TaggedField int32_array_field(std::uint32_t tag, const std::vector<std::int32_t>& values) {
  WireWriter w;
  w.write_compact_int32_array(values);
  return {tag, w.take()};
}

TaggedField int32_field(std::uint32_t tag, std::int32_t value) {
  WireWriter w;
  w.write_i32(value);
  return {tag, w.take()};
}

TaggedField int8_field(std::uint32_t tag, std::int8_t value) {
  WireWriter w;
  w.write_i8(value);
  return {tag, w.take()};
}

// Reads a tagged-field section, handing each field's payload (as a bounded sub-reader) to
// `on_field(tag, reader)`; the callback returns false for tags it does not know, which are
// skipped as Kafka skips unknown tagged fields. A known field must consume its payload exactly.
template <typename OnField>
void read_tagged_fields(WireReader& in, OnField&& on_field) {
  const std::uint32_t count = in.read_unsigned_varint();
  // Every tagged field takes at least two bytes (tag and size).
  if (in.ok() && count > in.remaining() / 2) {
    in.fail("tagged field count exceeds the remaining bytes");
    return;
  }
  std::optional<std::uint32_t> previous_tag;
  for (std::uint32_t i = 0; i < count && in.ok(); ++i) {
    const std::uint32_t tag = in.read_unsigned_varint();
    const std::uint32_t size = in.read_unsigned_varint();
    if (!in.ok()) return;
    if (previous_tag && tag <= *previous_tag) {
      in.fail("tagged fields out of order or repeated");
      return;
    }
    previous_tag = tag;
    WireReader field = in.read_sub_reader(size);
    if (!in.ok()) return;
    const bool known = on_field(tag, field);
    if (known && field.ok() && field.remaining() != 0) field.fail("tagged field longer than its content");
    if (known && !field.ok()) {
      in.fail(field.failure());
      return;
    }
  }
}

void skip_all_tagged_fields(WireReader& in) {
  read_tagged_fields(in, [](std::uint32_t, WireReader&) { return false; });
}

// ---------------------------------------------------------------- bodies: encode

void encode_body(WireWriter& out, const RegisterBrokerRecord& r) {
  out.write_i32(r.broker_id);
  out.write_bool(false);  // IsMigratingZkBroker (v2+): kraftsim has no ZooKeeper brokers
  out.write_uuid(r.incarnation_id);
  out.write_i64(r.broker_epoch);
  out.write_compact_array_length(r.endpoints.size());
  for (const auto& e : r.endpoints) {
    out.write_compact_string(e.name);
    out.write_compact_string(e.host);
    out.write_u16(e.port);
    out.write_i16(e.security_protocol);
    write_tagged_fields(out, {});
  }
  out.write_compact_array_length(r.features.size());
  for (const auto& f : r.features) {
    out.write_compact_string(f.name);
    out.write_i16(f.min_supported_version);
    out.write_i16(f.max_supported_version);
    write_tagged_fields(out, {});
  }
  out.write_compact_nullable_string(r.rack);
  out.write_bool(r.fenced);
  out.write_bool(r.in_controlled_shutdown);
  write_tagged_fields(out, {});  // LogDirs (tag 0) is never written by kraftsim
}

void encode_body(WireWriter& out, const TopicRecord& r) {
  out.write_compact_string(r.topic_name);
  out.write_uuid(r.topic_id);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const PartitionRecord& r) {
  out.write_i32(r.partition_id);
  out.write_uuid(r.topic_id);
  out.write_compact_int32_array(r.replicas);
  out.write_compact_int32_array(r.isr);
  out.write_compact_int32_array(r.removing_replicas);
  out.write_compact_int32_array(r.adding_replicas);
  out.write_i32(r.leader);
  out.write_i32(r.leader_epoch);
  out.write_i32(r.partition_epoch);
  out.write_compact_array_length(0);  // Directories (v1+): empty = not assigned to a log dir
  std::vector<TaggedField> tagged;
  if (r.leader_recovery_state != LeaderRecoveryState::recovered) {
    tagged.push_back(int8_field(0, static_cast<std::int8_t>(r.leader_recovery_state)));
  }
  if (!r.eligible_leader_replicas.empty()) tagged.push_back(int32_array_field(1, r.eligible_leader_replicas));
  if (!r.last_known_elr.empty()) tagged.push_back(int32_array_field(2, r.last_known_elr));
  write_tagged_fields(out, tagged);
}

void encode_body(WireWriter& out, const ConfigRecord& r) {
  out.write_i8(static_cast<std::int8_t>(r.resource_type));
  out.write_compact_string(r.resource_name);
  out.write_compact_string(r.config_name);
  out.write_compact_nullable_string(r.value);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const PartitionChangeRecord& r) {
  out.write_i32(r.partition_id);
  out.write_uuid(r.topic_id);
  std::vector<TaggedField> tagged;
  if (r.isr) tagged.push_back(int32_array_field(0, *r.isr));
  if (r.leader) {
    KS_ASSERT_MSG(*r.leader != leader_unchanged_on_wire, "-2 means 'unchanged' on the wire: use nullopt");
    tagged.push_back(int32_field(1, *r.leader));
  }
  if (r.replicas) tagged.push_back(int32_array_field(2, *r.replicas));
  if (r.leader_recovery_state) tagged.push_back(int8_field(5, static_cast<std::int8_t>(*r.leader_recovery_state)));
  if (r.eligible_leader_replicas) tagged.push_back(int32_array_field(6, *r.eligible_leader_replicas));
  if (r.last_known_elr) tagged.push_back(int32_array_field(7, *r.last_known_elr));
  write_tagged_fields(out, tagged);
}

void encode_body(WireWriter& out, const FenceBrokerRecord& r) {
  out.write_i32(r.id);
  out.write_i64(r.epoch);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const UnfenceBrokerRecord& r) {
  out.write_i32(r.id);
  out.write_i64(r.epoch);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const RemoveTopicRecord& r) {
  out.write_uuid(r.topic_id);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const FeatureLevelRecord& r) {
  out.write_compact_string(r.feature_name);
  out.write_i16(r.feature_level);
  write_tagged_fields(out, {});
}

void encode_body(WireWriter& out, const NoOpRecord&) { write_tagged_fields(out, {}); }

void encode_body(WireWriter& out, const ProducerIdsRecord& r) {
  out.write_i32(r.broker_id);
  out.write_i64(r.broker_epoch);
  out.write_i64(r.next_producer_id);
  write_tagged_fields(out, {});
}

// ---------------------------------------------------------------- bodies: decode

bool read_recovery_state(WireReader& in, LeaderRecoveryState& out) {
  const std::int8_t value = in.read_i8();
  if (!in.ok()) return false;
  if (value != 0 && value != 1) {
    in.fail("unknown LeaderRecoveryState");
    return false;
  }
  out = static_cast<LeaderRecoveryState>(value);
  return true;
}

void decode_body(WireReader& in, RegisterBrokerRecord& r) {
  r.broker_id = in.read_i32();
  (void)in.read_bool();  // IsMigratingZkBroker: always false in kraftsim, ignored
  r.incarnation_id = in.read_uuid();
  r.broker_epoch = in.read_i64();
  const std::size_t endpoint_count = in.read_compact_array_length(endpoint_bytes_min);
  for (std::size_t i = 0; i < endpoint_count && in.ok(); ++i) {
    BrokerEndpoint e;
    e.name = in.read_compact_string();
    e.host = in.read_compact_string();
    e.port = in.read_u16();
    e.security_protocol = in.read_i16();
    skip_all_tagged_fields(in);
    r.endpoints.push_back(std::move(e));
  }
  const std::size_t feature_count = in.read_compact_array_length(feature_bytes_min);
  for (std::size_t i = 0; i < feature_count && in.ok(); ++i) {
    BrokerFeature f;
    f.name = in.read_compact_string();
    f.min_supported_version = in.read_i16();
    f.max_supported_version = in.read_i16();
    skip_all_tagged_fields(in);
    r.features.push_back(std::move(f));
  }
  r.rack = in.read_compact_nullable_string();
  r.fenced = in.read_bool();
  r.in_controlled_shutdown = in.read_bool();
  skip_all_tagged_fields(in);  // LogDirs (tag 0) is not modelled
}

void decode_body(WireReader& in, TopicRecord& r) {
  r.topic_name = in.read_compact_string();
  r.topic_id = in.read_uuid();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, PartitionRecord& r) {
  r.partition_id = in.read_i32();
  r.topic_id = in.read_uuid();
  r.replicas = in.read_compact_int32_array();
  r.isr = in.read_compact_int32_array();
  r.removing_replicas = in.read_compact_int32_array();
  r.adding_replicas = in.read_compact_int32_array();
  r.leader = in.read_i32();
  r.leader_epoch = in.read_i32();
  r.partition_epoch = in.read_i32();
  // Directories: kraftsim does not model log directories; Kafka requires none or one per replica.
  const std::size_t directory_count = in.read_compact_array_length(uuid_bytes);
  if (in.ok() && directory_count != 0 && directory_count != r.replicas.size()) {
    in.fail("Directories must be empty or have one entry per replica");
  }
  in.skip(directory_count * uuid_bytes);
  const std::vector<BrokerId> no_ids;  // null and empty ELRs are the same to kraftsim
  read_tagged_fields(in, [&r, &no_ids](std::uint32_t tag, WireReader& field) {
    switch (tag) {
      case 0: read_recovery_state(field, r.leader_recovery_state); return true;
      case 1: r.eligible_leader_replicas = field.read_compact_nullable_int32_array().value_or(no_ids); return true;
      case 2: r.last_known_elr = field.read_compact_nullable_int32_array().value_or(no_ids); return true;
      default: return false;
    }
  });
}

void decode_body(WireReader& in, ConfigRecord& r) {
  const std::int8_t type = in.read_i8();
  if (in.ok() && type != static_cast<std::int8_t>(ConfigResourceType::topic) &&
      type != static_cast<std::int8_t>(ConfigResourceType::broker)) {
    in.fail("unsupported config resource type");
  }
  r.resource_type = static_cast<ConfigResourceType>(type);
  r.resource_name = in.read_compact_string();
  r.config_name = in.read_compact_string();
  r.value = in.read_compact_nullable_string();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, PartitionChangeRecord& r) {
  r.partition_id = in.read_i32();
  r.topic_id = in.read_uuid();
  read_tagged_fields(in, [&r](std::uint32_t tag, WireReader& field) {
    switch (tag) {
      case 0: r.isr = field.read_compact_nullable_int32_array(); return true;
      case 1: {
        const BrokerId leader = field.read_i32();
        if (field.ok() && leader != leader_unchanged_on_wire) r.leader = leader;
        return true;
      }
      case 2: r.replicas = field.read_compact_nullable_int32_array(); return true;
      case 5: {
        const std::int8_t state = field.read_i8();
        if (field.ok() && state != recovery_state_unchanged_on_wire) {
          if (state != 0 && state != 1) {
            field.fail("unknown LeaderRecoveryState");
          } else {
            r.leader_recovery_state = static_cast<LeaderRecoveryState>(state);
          }
        }
        return true;
      }
      case 6: r.eligible_leader_replicas = field.read_compact_nullable_int32_array(); return true;
      case 7: r.last_known_elr = field.read_compact_nullable_int32_array(); return true;
      default: return false;  // RemovingReplicas, AddingReplicas, Directories: not modelled
    }
  });
}

void decode_body(WireReader& in, FenceBrokerRecord& r) {
  r.id = in.read_i32();
  r.epoch = in.read_i64();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, UnfenceBrokerRecord& r) {
  r.id = in.read_i32();
  r.epoch = in.read_i64();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, RemoveTopicRecord& r) {
  r.topic_id = in.read_uuid();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, FeatureLevelRecord& r) {
  r.feature_name = in.read_compact_string();
  r.feature_level = in.read_i16();
  skip_all_tagged_fields(in);
}

void decode_body(WireReader& in, NoOpRecord&) { skip_all_tagged_fields(in); }

void decode_body(WireReader& in, ProducerIdsRecord& r) {
  r.broker_id = in.read_i32();
  r.broker_epoch = in.read_i64();
  r.next_producer_id = in.read_i64();
  skip_all_tagged_fields(in);
}

// Decodes the body of the record type at variant index I if its api key matches.
template <std::size_t I = 0>
bool decode_by_api_key(std::uint32_t api_key, std::uint32_t version, WireReader& in,
                       std::optional<MetadataRecord>& out) {
  if constexpr (I == std::variant_size_v<MetadataRecord>) {
    return false;
  } else {
    using Record = std::variant_alternative_t<I, MetadataRecord>;
    if (api_key != static_cast<std::uint32_t>(Record::api_key)) {
      return decode_by_api_key<I + 1>(api_key, version, in, out);
    }
    if (version != static_cast<std::uint32_t>(Record::version)) {
      in.fail("unsupported record version");
      return true;
    }
    Record record;
    decode_body(in, record);
    if (in.ok()) out.emplace(std::move(record));
    return true;
  }
}

}  // namespace

const char* name_of(const MetadataRecord& record) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::name; }, record);
}

std::int16_t api_key_of(const MetadataRecord& record) {
  return std::visit([](const auto& r) { return std::decay_t<decltype(r)>::api_key; }, record);
}

Bytes encode_record(const MetadataRecord& record) {
  WireWriter out;
  out.write_unsigned_varint(record_frame_version);
  std::visit(
      [&out](const auto& r) {
        using Record = std::decay_t<decltype(r)>;
        out.write_unsigned_varint(static_cast<std::uint32_t>(Record::api_key));
        out.write_unsigned_varint(static_cast<std::uint32_t>(Record::version));
        encode_body(out, r);
      },
      record);
  KS_ASSERT(out.size() >= 4);  // frame, key, version, empty tagged section at the least
  return out.take();
}

Result<MetadataRecord, DecodeError> decode_record(ByteView bytes) {
  WireReader in(bytes);
  const std::uint32_t frame_version = in.read_unsigned_varint();
  if (in.ok() && frame_version != record_frame_version) in.fail("unknown frame version");
  const std::uint32_t api_key = in.read_unsigned_varint();
  const std::uint32_t version = in.read_unsigned_varint();
  std::optional<MetadataRecord> record;
  if (in.ok() && !decode_by_api_key(api_key, version, in, record)) in.fail("unknown api key");
  if (in.ok() && in.remaining() != 0) in.fail("trailing bytes after the record");
  if (!in.ok()) {
    return unexpected(DecodeError{in.failure(), in.failure_position()});
  }
  KS_ASSERT(record.has_value());
  KS_ASSERT(in.position() == bytes.size());
  return std::move(*record);
}

}  // namespace kraftsim::metadata
