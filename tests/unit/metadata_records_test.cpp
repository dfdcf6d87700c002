// Metadata record codec (broker/metadata/records.h): every record type round-trips, every
// truncation and corruption is rejected without reading out of bounds, and pinned byte vectors
// match Kafka's schemas byte for byte.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "broker/metadata/records.h"

using namespace kraftsim;
using namespace kraftsim::metadata;

namespace {

// ---- Generators: small values, every field exercised. ----

rc::Gen<Uuid> gen_uuid() {
  return rc::gen::map(rc::gen::container<std::vector<std::uint8_t>>(16, rc::gen::arbitrary<std::uint8_t>()),
                      [](const std::vector<std::uint8_t>& bytes) {
                        Uuid u{};
                        for (std::size_t i = 0; i < u.size(); ++i) u[i] = bytes[i];
                        return u;
                      });
}

rc::Gen<std::string> gen_text() { return rc::gen::resize(40, rc::gen::string<std::string>()); }

rc::Gen<std::vector<BrokerId>> gen_ids() {
  return rc::gen::resize(8, rc::gen::container<std::vector<BrokerId>>(rc::gen::inRange<BrokerId>(-1, 100000)));
}

template <typename T>
std::optional<T> maybe(const rc::Gen<T>& gen) {
  if (*rc::gen::arbitrary<bool>()) return *gen;
  return std::nullopt;
}

rc::Gen<MetadataRecord> gen_register_broker() {
  return rc::gen::exec([] {
    RegisterBrokerRecord r;
    r.broker_id = *rc::gen::arbitrary<std::int32_t>();
    r.incarnation_id = *gen_uuid();
    r.broker_epoch = *rc::gen::arbitrary<std::int64_t>();
    const auto endpoints = *rc::gen::inRange(0, 3);
    for (int i = 0; i < endpoints; ++i) {
      r.endpoints.push_back(BrokerEndpoint{*gen_text(), *gen_text(), *rc::gen::arbitrary<std::uint16_t>(),
                                           *rc::gen::arbitrary<std::int16_t>()});
    }
    const auto features = *rc::gen::inRange(0, 3);
    for (int i = 0; i < features; ++i) {
      r.features.push_back(BrokerFeature{*gen_text(), *rc::gen::arbitrary<std::int16_t>(),
                                         *rc::gen::arbitrary<std::int16_t>()});
    }
    r.rack = maybe(gen_text());
    r.fenced = *rc::gen::arbitrary<bool>();
    r.in_controlled_shutdown = *rc::gen::arbitrary<bool>();
    return MetadataRecord(r);
  });
}

rc::Gen<MetadataRecord> gen_topic() {
  return rc::gen::exec([] { return MetadataRecord(TopicRecord{*gen_text(), *gen_uuid()}); });
}

rc::Gen<LeaderRecoveryState> gen_recovery_state() {
  return rc::gen::element(LeaderRecoveryState::recovered, LeaderRecoveryState::recovering);
}

rc::Gen<MetadataRecord> gen_partition() {
  return rc::gen::exec([] {
    PartitionRecord r;
    r.partition_id = *rc::gen::arbitrary<std::int32_t>();
    r.topic_id = *gen_uuid();
    r.replicas = *gen_ids();
    r.isr = *gen_ids();
    r.removing_replicas = *gen_ids();
    r.adding_replicas = *gen_ids();
    r.leader = *rc::gen::arbitrary<std::int32_t>();
    r.leader_recovery_state = *gen_recovery_state();
    r.leader_epoch = *rc::gen::arbitrary<std::int32_t>();
    r.partition_epoch = *rc::gen::arbitrary<std::int32_t>();
    r.eligible_leader_replicas = *gen_ids();
    r.last_known_elr = *gen_ids();
    return MetadataRecord(r);
  });
}

rc::Gen<MetadataRecord> gen_config() {
  return rc::gen::exec([] {
    ConfigRecord r;
    r.resource_type = *rc::gen::element(ConfigResourceType::topic, ConfigResourceType::broker);
    r.resource_name = *gen_text();
    r.config_name = *gen_text();
    r.value = maybe(gen_text());
    return MetadataRecord(r);
  });
}

rc::Gen<MetadataRecord> gen_partition_change() {
  return rc::gen::exec([] {
    PartitionChangeRecord r;
    r.partition_id = *rc::gen::arbitrary<std::int32_t>();
    r.topic_id = *gen_uuid();
    r.isr = maybe(gen_ids());
    r.leader = maybe(rc::gen::inRange<BrokerId>(-1, 100000));  // -2 is "absent" on the wire
    r.replicas = maybe(gen_ids());
    r.leader_recovery_state = maybe(gen_recovery_state());
    r.eligible_leader_replicas = maybe(gen_ids());
    r.last_known_elr = maybe(gen_ids());
    return MetadataRecord(r);
  });
}

rc::Gen<MetadataRecord> gen_fence() {
  return rc::gen::exec([] {
    return MetadataRecord(
        FenceBrokerRecord{*rc::gen::arbitrary<std::int32_t>(), *rc::gen::arbitrary<std::int64_t>()});
  });
}

rc::Gen<MetadataRecord> gen_unfence() {
  return rc::gen::exec([] {
    return MetadataRecord(
        UnfenceBrokerRecord{*rc::gen::arbitrary<std::int32_t>(), *rc::gen::arbitrary<std::int64_t>()});
  });
}

rc::Gen<MetadataRecord> gen_remove_topic() {
  return rc::gen::exec([] { return MetadataRecord(RemoveTopicRecord{*gen_uuid()}); });
}

rc::Gen<MetadataRecord> gen_feature_level() {
  return rc::gen::exec(
      [] { return MetadataRecord(FeatureLevelRecord{*gen_text(), *rc::gen::arbitrary<std::int16_t>()}); });
}

rc::Gen<MetadataRecord> gen_no_op() { return rc::gen::just(MetadataRecord(NoOpRecord{})); }

rc::Gen<MetadataRecord> gen_producer_ids() {
  return rc::gen::exec([] {
    return MetadataRecord(ProducerIdsRecord{*rc::gen::arbitrary<std::int32_t>(), *rc::gen::arbitrary<std::int64_t>(),
                                            *rc::gen::arbitrary<std::int64_t>()});
  });
}

rc::Gen<MetadataRecord> gen_any_record() {
  return rc::gen::oneOf(gen_register_broker(), gen_topic(), gen_partition(), gen_config(), gen_partition_change(),
                        gen_fence(), gen_unfence(), gen_remove_topic(), gen_feature_level(), gen_no_op(),
                        gen_producer_ids());
}

void check_round_trip(const MetadataRecord& record) {
  const Bytes bytes = encode_record(record);
  const auto decoded = decode_record(bytes);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == record);
  RC_ASSERT(encode_record(*decoded) == bytes);
}

Bytes hex(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

Uuid counting_uuid() {
  Uuid u{};
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = static_cast<std::uint8_t>(i);
  return u;
}

}  // namespace

TEST_CASE("every metadata record type round-trips through Kafka's encoding", "[metadata]") {
  rc::prop("RegisterBrokerRecord", [] { check_round_trip(*gen_register_broker()); });
  rc::prop("TopicRecord", [] { check_round_trip(*gen_topic()); });
  rc::prop("PartitionRecord", [] { check_round_trip(*gen_partition()); });
  rc::prop("ConfigRecord", [] { check_round_trip(*gen_config()); });
  rc::prop("PartitionChangeRecord", [] { check_round_trip(*gen_partition_change()); });
  rc::prop("FenceBrokerRecord", [] { check_round_trip(*gen_fence()); });
  rc::prop("UnfenceBrokerRecord", [] { check_round_trip(*gen_unfence()); });
  rc::prop("RemoveTopicRecord", [] { check_round_trip(*gen_remove_topic()); });
  rc::prop("FeatureLevelRecord", [] { check_round_trip(*gen_feature_level()); });
  rc::prop("NoOpRecord", [] { check_round_trip(*gen_no_op()); });
  rc::prop("ProducerIdsRecord", [] { check_round_trip(*gen_producer_ids()); });
}

TEST_CASE("a truncated record is rejected at every length", "[metadata]") {
  rc::prop("every proper prefix fails to decode", [] {
    const Bytes bytes = encode_record(*gen_any_record());
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      const auto decoded = decode_record(ByteView(bytes.data(), length));
      RC_ASSERT(!decoded.ok());
      RC_ASSERT(decoded.error().byte_offset <= length);
    }
  });
}

TEST_CASE("corrupt records never crash the decoder", "[metadata]") {
  // Run under ASan (scripts/test.sh --sanitize) this also proves no read goes out of bounds.
  rc::prop("a flipped byte either fails or decodes to some record", [] {
    Bytes bytes = encode_record(*gen_any_record());
    const auto position = *rc::gen::inRange<std::size_t>(0, bytes.size());
    bytes[position] ^= *rc::gen::inRange<int>(1, 256);
    const auto decoded = decode_record(bytes);
    if (decoded.ok()) RC_ASSERT(encode_record(*decoded).size() > 0);
  });
  rc::prop("random bytes either fail or decode", [](const std::vector<std::uint8_t>& bytes) {
    const auto decoded = decode_record(bytes);
    if (!decoded.ok()) RC_ASSERT(!decoded.error().reason.empty());
  });
}

TEST_CASE("ProducerIdsRecord bytes match ProducerIdsRecord.json v0", "[metadata]") {
  // Frame version 1, api key 15, version 0, then BrokerId int32 = 2, BrokerEpoch int64 = 7,
  // NextProducerId int64 = 1000, empty tagged-field section.
  const Bytes expected = hex({0x01, 0x0f, 0x00,                                 //
                              0x00, 0x00, 0x00, 0x02,                           // BrokerId
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,   // BrokerEpoch
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,   // NextProducerId
                              0x00});                                           // tagged fields
  REQUIRE(encode_record(ProducerIdsRecord{2, 7, 1000}) == expected);
  REQUIRE(*decode_record(expected) == MetadataRecord(ProducerIdsRecord{2, 7, 1000}));
}

TEST_CASE("FenceBrokerRecord bytes match FenceBrokerRecord.json v0", "[metadata]") {
  // Frame version 1, api key 7, version 0 (unsigned varints), then the flexible body:
  // Id int32 = 1, Epoch int64 = 42, empty tagged-field section (varint 0).
  const Bytes expected = hex({0x01, 0x07, 0x00,                           //
                              0x00, 0x00, 0x00, 0x01,                     // Id
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  // Epoch
                              0x00});                                     // tagged fields
  REQUIRE(encode_record(FenceBrokerRecord{1, 42}) == expected);
  REQUIRE(*decode_record(expected) == MetadataRecord(FenceBrokerRecord{1, 42}));
}

TEST_CASE("TopicRecord bytes match TopicRecord.json v0", "[metadata]") {
  // Frame 1, api key 2, version 0; Name as a compact string (length + 1 = 4, "foo");
  // TopicId as 16 raw bytes; no tagged fields.
  Bytes expected = hex({0x01, 0x02, 0x00, 0x04, 'f', 'o', 'o'});
  for (int i = 0; i < 16; ++i) expected.push_back(static_cast<std::uint8_t>(i));
  expected.push_back(0x00);
  REQUIRE(encode_record(TopicRecord{"foo", counting_uuid()}) == expected);
}

TEST_CASE("PartitionChangeRecord bytes match PartitionChangeRecord.json v2 tagged fields", "[metadata]") {
  // Frame 1, api key 5, version 2; PartitionId = 0; TopicId (16 bytes); then two tagged fields
  // in ascending tag order: tag 0 (Isr) size 9 = compact array (2 + 1 = 3) of two int32s,
  // tag 1 (Leader) size 4 = int32 2. Replicas, LeaderRecoveryState, ELR: absent (defaults).
  Bytes expected = hex({0x01, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00});
  for (int i = 0; i < 16; ++i) expected.push_back(static_cast<std::uint8_t>(i));
  const Bytes tagged = hex({0x02,                                                            // two fields
                            0x00, 0x09, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,  // Isr [1, 2]
                            0x01, 0x04, 0x00, 0x00, 0x00, 0x02});                            // Leader 2
  expected.insert(expected.end(), tagged.begin(), tagged.end());
  PartitionChangeRecord record;
  record.partition_id = 0;
  record.topic_id = counting_uuid();
  record.isr = std::vector<BrokerId>{1, 2};
  record.leader = 2;
  REQUIRE(encode_record(record) == expected);
  REQUIRE(*decode_record(expected) == MetadataRecord(record));
}

TEST_CASE("the decoder names what is wrong", "[metadata]") {
  const Bytes good = encode_record(FenceBrokerRecord{1, 42});

  Bytes bad_frame = good;
  bad_frame[0] = 0x02;
  REQUIRE(decode_record(bad_frame).error().reason == "unknown frame version");

  Bytes bad_key = good;
  bad_key[1] = 0x63;
  REQUIRE(decode_record(bad_key).error().reason == "unknown api key");

  Bytes bad_version = good;
  bad_version[2] = 0x01;
  REQUIRE(decode_record(bad_version).error().reason == "unsupported record version");

  Bytes trailing = good;
  trailing.push_back(0x00);
  REQUIRE(decode_record(trailing).error().reason == "trailing bytes after the record");

  // A varint that never ends (five continuation bytes).
  REQUIRE(decode_record(hex({0x81, 0x81, 0x81, 0x81, 0x81, 0x01})).error().reason == "varint is too long");

  // A PartitionRecord whose replica array claims 2^20 elements: refused before allocating.
  Bytes huge = hex({0x01, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00});
  for (int i = 0; i < 16; ++i) huge.push_back(0x01);
  huge.insert(huge.end(), {0x81, 0x80, 0x40});  // varint 2^20 + 1
  REQUIRE(decode_record(huge).error().reason == "array length exceeds the remaining bytes");

  // Tagged fields out of order.
  Bytes unordered = hex({0x01, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00});
  for (int i = 0; i < 16; ++i) unordered.push_back(0x01);
  unordered.insert(unordered.end(), {0x02, 0x01, 0x04, 0, 0, 0, 2, 0x00, 0x01, 0x01});
  REQUIRE(decode_record(unordered).error().reason == "tagged fields out of order or repeated");
}

TEST_CASE("unknown tagged fields are skipped, as Kafka does", "[metadata]") {
  // A NoOpRecord carrying one unknown tagged field (tag 9, two bytes).
  const auto decoded = decode_record(hex({0x01, 0x14, 0x00, 0x01, 0x09, 0x02, 0xaa, 0xbb}));
  REQUIRE(decoded.ok());
  REQUIRE(*decoded == MetadataRecord(NoOpRecord{}));
}
