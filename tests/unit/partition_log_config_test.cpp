// LogConfig's Kafka keys, defaults, aliases and errors, and the small file formats of a
// partition directory: the offset and time index codecs with their sanity checks, the
// recovery-point checkpoint and the clean-shutdown marker.
#include <catch2/catch.hpp>

#include "broker/log/log_config.h"
#include "broker/log/offset_index.h"
#include "broker/log/partition_log_files.h"
#include "broker/log/time_index.h"

using namespace kraftsim;
using namespace kraftsim::log;

TEST_CASE("log config: Kafka's defaults", "[partition-log]") {
  auto config = parse_log_config({});
  REQUIRE(config.ok());
  CHECK(config->segment_bytes == 1073741824);
  CHECK(config->segment_ms == 604800000);
  CHECK(config->index_interval_bytes == 4096);
  CHECK(config->segment_index_bytes == 10485760);
  CHECK(config->retention_ms == 604800000);
  CHECK(config->retention_bytes == -1);
  CHECK(config->flush_interval_messages == std::numeric_limits<std::int64_t>::max());
  CHECK(config->flush_interval_ms == std::numeric_limits<std::int64_t>::max());
  CHECK(config->flush_offset_checkpoint_interval_ms == 60000);
  CHECK(*config == LogConfig{});
}

TEST_CASE("log config: broker keys, topic aliases and their precedence", "[partition-log]") {
  auto config = parse_log_config({{"log.segment.bytes", "1048576"},
                                  {"log.roll.hours", "2"},
                                  {"log.retention.hours", "1"},
                                  {"log.retention.minutes", "30"},
                                  {"log.index.interval.bytes", "100"},
                                  {"log.flush.interval.messages", "1"},
                                  {"node.id", "1"}});  // other keys are not ours: ignored
  REQUIRE(config.ok());
  CHECK(config->segment_bytes == 1048576);
  CHECK(config->segment_ms == 2 * 3600000);
  CHECK(config->retention_ms == 30 * 60000);  // minutes win over hours
  CHECK(config->index_interval_bytes == 100);
  CHECK(config->flush_interval_messages == 1);

  auto topic = parse_log_config({{"log.segment.bytes", "1048576"}, {"segment.bytes", "2048"},
                                 {"log.retention.ms", "5000"}, {"retention.ms", "-1"},
                                 {"retention.bytes", "4096"}, {"flush.ms", "10"}, {"segment.ms", "7"}});
  REQUIRE(topic.ok());
  CHECK(topic->segment_bytes == 2048);  // the topic's config overrides the broker's
  CHECK(topic->retention_ms == -1);
  CHECK(topic->retention_bytes == 4096);
  CHECK(topic->flush_interval_ms == 10);
  CHECK(topic->segment_ms == 7);
}

TEST_CASE("log config: errors name the key and what was expected", "[partition-log]") {
  const std::pair<std::string, std::string> bad[] = {
      {"log.segment.bytes", "13"},       {"log.segment.bytes", "lots"},  {"segment.bytes", "3000000000"},
      {"log.flush.interval.messages", "0"}, {"log.retention.ms", "-2"},  {"log.roll.ms", "0"},
      {"log.index.interval.bytes", "-1"}, {"log.retention.hours", "9223372036854775807"}};
  for (const auto& [key, value] : bad) {
    INFO(key << "=" << value);
    auto config = parse_log_config({{key, value}});
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().key == key);
    CHECK_FALSE(config.error().message.empty());
  }
}

TEST_CASE("offset index: 8-byte big-endian entries, sparse lookups, sanity checks", "[partition-log]") {
  OffsetIndex index(100, 10);
  index.append(102, 0);
  index.append(110, 500);
  index.append(111, 900);
  REQUIRE(index.encode() == Bytes{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1, 0xF4, 0, 0, 0, 11, 0, 0, 3, 0x84});
  CHECK(index.lookup(99) == OffsetPosition{100, 0});
  CHECK(index.lookup(101) == OffsetPosition{100, 0});
  CHECK(index.lookup(102) == OffsetPosition{102, 0});
  CHECK(index.lookup(109) == OffsetPosition{102, 0});
  CHECK(index.lookup(110) == OffsetPosition{110, 500});
  CHECK(index.lookup(1000) == OffsetPosition{111, 900});
  auto decoded = OffsetIndex::decode(100, 10, index.encode());
  REQUIRE(decoded.ok());
  CHECK(decoded->encode() == index.encode());
  index.truncate_to(110);
  CHECK(index.entries() == 1);

  Bytes torn = decoded->encode();
  torn.pop_back();
  CHECK_FALSE(OffsetIndex::decode(100, 10, torn).ok());
  Bytes backwards = decoded->encode();
  std::swap_ranges(backwards.begin(), backwards.begin() + 8, backwards.begin() + 8);
  CHECK_FALSE(OffsetIndex::decode(100, 10, backwards).ok());
  CHECK_FALSE(OffsetIndex::decode(100, 2, decoded->encode()).ok());  // more entries than allowed
}

TEST_CASE("time index: 12-byte entries with growing timestamps", "[partition-log]") {
  TimeIndex index(100, 10);
  CHECK(index.last_entry() == TimestampOffset{-1, 100});
  CHECK(index.maybe_append(5000, 101));
  CHECK_FALSE(index.maybe_append(5000, 105));  // not larger: no entry
  CHECK_FALSE(index.maybe_append(4000, 105));
  CHECK(index.maybe_append(6000, 107));
  REQUIRE(index.encode() == Bytes{0, 0, 0, 0, 0, 0, 0x13, 0x88, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x17, 0x70, 0, 0, 0, 7});
  CHECK(index.lookup(5500) == TimestampOffset{5000, 101});
  CHECK(index.lookup(10) == TimestampOffset{-1, 100});
  auto decoded = TimeIndex::decode(100, 10, index.encode());
  REQUIRE(decoded.ok());
  CHECK(decoded->last_entry() == TimestampOffset{6000, 107});
  index.truncate_to(107);
  CHECK(index.last_entry() == TimestampOffset{5000, 101});
  Bytes decreasing = decoded->encode();
  std::swap_ranges(decreasing.begin(), decreasing.begin() + 12, decreasing.begin() + 12);
  CHECK_FALSE(TimeIndex::decode(100, 10, decreasing).ok());
}

TEST_CASE("partition files: recovery-point checkpoint and clean-shutdown marker formats", "[partition-log]") {
  const TopicPartition tp{"my-topic", 3};
  REQUIRE(encode_recovery_point_checkpoint(tp, 1234) == "0\n1\nmy-topic 3 1234\n");
  CHECK(*parse_recovery_point_checkpoint("0\n1\nmy-topic 3 1234\n", tp) == 1234);
  CHECK(*parse_recovery_point_checkpoint("0\n2\nother 0 5\nmy-topic 3 77\n", tp) == 77);
  CHECK_FALSE(parse_recovery_point_checkpoint("0\n1\nother 0 5\n", tp)->has_value());
  CHECK_FALSE(parse_recovery_point_checkpoint("0\n1\nmy-topic 3 12", tp).ok());  // torn

  const CleanShutdownMarker marker{42, 40, 1234};
  const std::string text = encode_clean_shutdown_marker(marker);
  CHECK(text == R"({"version":0,"logEndOffset":42,"activeSegmentBaseOffset":40,"activeSegmentSizeBytes":1234})");
  CHECK(*parse_clean_shutdown_marker(text) == marker);
  CHECK_FALSE(parse_clean_shutdown_marker(text.substr(0, text.size() - 1)).ok());
  CHECK_FALSE(parse_clean_shutdown_marker("").ok());

  CHECK_FALSE(check_topic_partition({"my-topic", 0}).has_value());
  CHECK(check_topic_partition({"", 0}).has_value());
  CHECK(check_topic_partition({"..", 0}).has_value());
  CHECK(check_topic_partition({std::string(250, 'a'), 0}).has_value());
  CHECK(check_topic_partition({"a b", 0}).has_value());
  CHECK(check_topic_partition({"t", -1}).has_value());
}
