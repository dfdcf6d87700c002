// The partition log on the simulated disk: Kafka's file names, offsets assigned by the leader,
// reads by offset through the sparse index across segments, rolling on size and age, retention
// by time and by bytes (whole segments, moving the log start offset), truncation, follower
// appends and the errors outside input gets.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "broker/log/partition_log.h"
#include "broker/log/record_batch.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::log;

namespace {

const TopicPartition my_topic{"my-topic", 0};

// A producer batch (base offset 0) of `record_count` records valued "<tag>/<i>", padded to
// value_bytes, all with the same create time.
Bytes batch_of(int record_count, std::int64_t timestamp_ms, const std::string& tag, std::size_t value_bytes = 8) {
  RecordBatch batch;
  batch.base_timestamp = timestamp_ms;
  batch.max_timestamp = timestamp_ms;
  batch.last_offset_delta = record_count - 1;
  for (int i = 0; i < record_count; ++i) {
    Record record;
    record.offset_delta = i;
    std::string value = tag + "/" + std::to_string(i);
    if (value.size() < value_bytes) value.resize(value_bytes, '.');
    record.value = Bytes(value.begin(), value.end());
    batch.records.push_back(std::move(record));
  }
  return encode_batch(batch);
}

// The value of the record at `offset` among the batches of `records`, unpadded.
std::optional<std::string> value_at(ByteView records, std::int64_t offset) {
  std::size_t position = 0;
  while (position < records.size()) {
    auto header = peek_batch_header(records.subspan(position));
    REQUIRE(header.ok());
    auto batch = decode_batch(records.subspan(position, header->size_bytes()));
    REQUIRE(batch.ok());
    for (const Record& record : batch->records) {
      if (record_offset(*batch, record) == offset) {
        std::string value(record.value->begin(), record.value->end());
        return value.substr(0, value.find('.'));
      }
    }
    position += header->size_bytes();
  }
  return std::nullopt;
}

std::vector<BatchHeader> headers_of(ByteView records) {
  std::vector<BatchHeader> out;
  std::size_t position = 0;
  while (position < records.size()) {
    auto header = peek_batch_header(records.subspan(position));
    REQUIRE(header.ok());
    out.push_back(*header);
    position += header->size_bytes();
  }
  return out;
}

LogConfig small_segments(std::int64_t segment_bytes) {
  LogConfig config;
  config.segment_bytes = segment_bytes;
  return config;
}

std::unique_ptr<PartitionLog> open_log(env::Files& files, const LogConfig& config, Time now = Time::zero()) {
  auto log = PartitionLog::open(files, "", my_topic, config, now);
  if (!log.ok()) FAIL(describe(log.error()));
  return std::move(log.value());
}

}  // namespace

TEST_CASE("partition log: Kafka's directory and file names", "[partition-log]") {
  REQUIRE(partition_directory_name(my_topic) == "my-topic-0");
  REQUIRE(segment_file_stem(0) == "00000000000000000000");
  REQUIRE(segment_file_stem(1234567) == "00000000000001234567");
  REQUIRE(parse_segment_file_name("00000000000000000042.log", ".log") == 42);
  REQUIRE_FALSE(parse_segment_file_name("42.log", ".log").has_value());
  REQUIRE_FALSE(parse_segment_file_name("0000000000000000004x.log", ".log").has_value());

  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  auto log = open_log(files, small_segments(200));
  for (int i = 0; i < 4; ++i) REQUIRE(log->append_as_leader(batch_of(2, 1000, "a" + std::to_string(i)), 0, Time::zero()).ok());
  REQUIRE(log->segment_count() >= 2);
  const auto names = files.list("my-topic-0");
  const std::int64_t second_base = log->segment_infos()[1].base_offset;
  const std::string second_stem = segment_file_stem(second_base);
  for (const std::string& expected : {std::string("00000000000000000000.log"), std::string("00000000000000000000.index"),
                                      std::string("00000000000000000000.timeindex"), second_stem + ".log",
                                      second_stem + ".index", second_stem + ".timeindex",
                                      std::string("leader-epoch-checkpoint"), std::string("recovery-point-offset-checkpoint")}) {
    INFO(expected);
    REQUIRE(std::find(names.begin(), names.end(), expected) != names.end());
  }
  // A directory below a log dir, and invalid names are refused.
  auto nested = PartitionLog::open(files, "kafka-logs", TopicPartition{"other", 3}, LogConfig{}, Time::zero());
  REQUIRE(nested.ok());
  REQUIRE((*nested)->directory() == "kafka-logs/other-3");
  auto bad = PartitionLog::open(files, "", TopicPartition{"bad/topic", 0}, LogConfig{}, Time::zero());
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.error().code == LogErrc::invalid_argument);
}

TEST_CASE("partition log: the leader assigns offsets and its epoch to every batch", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  auto log = open_log(files, LogConfig{});
  auto first = log->append_as_leader(batch_of(3, 1000, "a"), 5, Time::zero());
  REQUIRE(first.ok());
  REQUIRE(first->first_offset == 0);
  REQUIRE(first->last_offset == 2);
  // Two batches in one append: consecutive offsets.
  Bytes two = batch_of(2, 1001, "b");
  const Bytes c = batch_of(4, 1002, "c");
  two.insert(two.end(), c.begin(), c.end());
  auto second = log->append_as_leader(two, 7, Time::zero());
  REQUIRE(second.ok());
  REQUIRE(second->first_offset == 3);
  REQUIRE(second->last_offset == 8);
  REQUIRE(second->batch_count == 2);
  REQUIRE(log->log_end_offset() == 9);

  auto bytes = files.read("my-topic-0/00000000000000000000.log", 0, 1 << 20);
  REQUIRE(bytes.ok());
  const auto headers = headers_of(*bytes);
  REQUIRE(headers.size() == 3);
  REQUIRE(headers[0].base_offset == 0);
  REQUIRE(headers[0].partition_leader_epoch == 5);
  REQUIRE(headers[1].base_offset == 3);
  REQUIRE(headers[1].partition_leader_epoch == 7);
  REQUIRE(headers[2].base_offset == 5);
  REQUIRE(headers[2].partition_leader_epoch == 7);
  // The epoch cache learned where each epoch starts.
  REQUIRE(log->leader_epoch_cache().entries() == std::vector<EpochEntry>{{5, 0}, {7, 3}});
}

TEST_CASE("partition log: reads by offset across segments return whole batches holding the offset", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  LogConfig config = small_segments(400);
  config.index_interval_bytes = 100;
  auto log = open_log(files, config);
  std::vector<std::string> expected;  // by offset
  for (int b = 0; b < 30; ++b) {
    const int count = 1 + b % 3;
    REQUIRE(log->append_as_leader(batch_of(count, 1000 + b, "b" + std::to_string(b)), 1, Time::zero()).ok());
    for (int i = 0; i < count; ++i) expected.push_back("b" + std::to_string(b) + "/" + std::to_string(i));
  }
  REQUIRE(log->segment_count() > 3);
  REQUIRE(log->log_end_offset() == static_cast<std::int64_t>(expected.size()));
  for (std::int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
    INFO("offset " << offset);
    auto read = log->read(offset, 1, log->log_end_offset());
    REQUIRE(read.ok());
    REQUIRE(read->batch_count == 1);  // max_bytes 1: still one whole batch (minOneMessage)
    REQUIRE(read->first_offset <= offset);
    REQUIRE(read->next_offset > offset);
    REQUIRE(value_at(read->records, offset) == expected[static_cast<std::size_t>(offset)]);
  }
  // A larger budget: several whole batches, never a partial one, and never more than asked
  // for beyond the first batch.
  auto many = log->read(0, 250, log->log_end_offset());
  REQUIRE(many.ok());
  REQUIRE(many->batch_count > 1);
  REQUIRE(many->records.size() <= 250);
  const auto headers = headers_of(many->records);
  REQUIRE(headers.size() == many->batch_count);
  REQUIRE(headers.back().next_offset() == many->next_offset);
  // At the log end: nothing; beyond it: out of range.
  auto at_end = log->read(log->log_end_offset(), 1000, log->log_end_offset());
  REQUIRE(at_end.ok());
  REQUIRE(at_end->batch_count == 0);
  auto beyond = log->read(log->log_end_offset() + 1, 1000, log->log_end_offset());
  REQUIRE_FALSE(beyond.ok());
  REQUIRE(beyond.error().code == LogErrc::offset_out_of_range);
}

TEST_CASE("partition log: reads stop below the upper bound (the high watermark)", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files(), LogConfig{});
  for (int b = 0; b < 5; ++b) REQUIRE(log->append_as_leader(batch_of(2, 1000, "b" + std::to_string(b)), 1, Time::zero()).ok());
  auto read = log->read(0, 1 << 20, 6);  // high watermark 6: batches [0,2) [2,4) [4,6)
  REQUIRE(read.ok());
  REQUIRE(read->batch_count == 3);
  REQUIRE(read->next_offset == 6);
  auto above = log->read(6, 1 << 20, 6);
  REQUIRE(above.ok());
  REQUIRE(above->batch_count == 0);
  auto mid_batch_bound = log->read(0, 1 << 20, 5);  // a batch straddling the bound is not returned
  REQUIRE(mid_batch_bound.ok());
  REQUIRE(mid_batch_bound->next_offset == 4);
}

TEST_CASE("partition log: offset index entries point at the batch ending at their offset", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  LogConfig config;
  config.index_interval_bytes = 200;
  auto log = open_log(files, config);
  for (int b = 0; b < 60; ++b) REQUIRE(log->append_as_leader(batch_of(1 + b % 4, 1000, "b"), 1, Time::zero()).ok());
  const LogSegment& segment = log->active_segment();
  const auto entries = segment.offset_index().all_entries();
  // About one entry per 200 bytes of batches: sparse, but present.
  REQUIRE(entries.size() >= segment.size_bytes() / 400);
  REQUIRE(entries.size() <= segment.size_bytes() / 200 + 1);
  auto bytes = files.read(segment.path(SegmentFile::log), 0, segment.size_bytes());
  REQUIRE(bytes.ok());
  for (const OffsetPosition& entry : entries) {
    auto header = peek_batch_header(ByteView(*bytes).subspan(entry.position_bytes));
    REQUIRE(header.ok());
    REQUIRE(header->last_offset() == entry.offset);
  }
  // A lookup never lands after the batch holding the target.
  for (std::int64_t target = 0; target < log->log_end_offset(); ++target) {
    const OffsetPosition found = segment.offset_index().lookup(target);
    auto header = peek_batch_header(ByteView(*bytes).subspan(found.position_bytes));
    REQUIRE(header.ok());
    REQUIRE(header->base_offset <= target);
  }
  // The file holds exactly the entries, 8 bytes each, big-endian relative offsets.
  auto index_bytes = files.read(segment.path(SegmentFile::offset_index), 0, 1 << 20);
  REQUIRE(index_bytes.ok());
  REQUIRE(index_bytes->size() == entries.size() * 8);
  REQUIRE(*index_bytes == segment.offset_index().encode());
  // The time index got entries alongside.
  REQUIRE(segment.time_index().entries() >= 1);
}

TEST_CASE("partition log: a segment rolls when the next append would pass segment.bytes", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files(), small_segments(500));
  const Bytes batch = batch_of(2, 1000, "x", 40);
  int rolls = 0;
  for (int i = 0; i < 20; ++i) {
    auto appended = log->append_as_leader(batch, 1, Time::zero());
    REQUIRE(appended.ok());
    rolls += appended->rolled ? 1 : 0;
  }
  REQUIRE(rolls == static_cast<int>(log->segment_count()) - 1);
  REQUIRE(log->segment_count() == (20 * batch.size() + 499) / (500 / batch.size() * batch.size()));
  for (const SegmentInfo& info : log->segment_infos()) REQUIRE(info.size_bytes <= 500);
  // Contiguous: each segment starts where the previous ended.
  const auto infos = log->segment_infos();
  for (std::size_t i = 1; i < infos.size(); ++i) REQUIRE(infos[i].base_offset == infos[i - 1].next_offset);
}

TEST_CASE("partition log: a segment rolls once it is older than segment.ms", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.segment_ms = 1000;
  auto log = open_log(w.node(1).env().files(), config);
  SECTION("measured by record timestamps") {
    REQUIRE(log->append_as_leader(batch_of(1, 5000, "a"), 1, Time::zero()).ok());
    REQUIRE_FALSE(log->append_as_leader(batch_of(1, 5900, "b"), 1, Time::zero())->rolled);
    REQUIRE_FALSE(log->append_as_leader(batch_of(1, 6000, "c"), 1, Time::zero())->rolled);  // waited 1000: not more
    REQUIRE(log->append_as_leader(batch_of(1, 6001, "d"), 1, Time::zero())->rolled);
    REQUIRE(log->segment_count() == 2);
    REQUIRE(log->active_segment().base_offset() == 3);
  }
  SECTION("measured from the segment's creation when batches carry no timestamp") {
    REQUIRE(log->append_as_leader(batch_of(1, no_timestamp, "a"), 1, Time::zero()).ok());
    REQUIRE_FALSE(log->append_as_leader(batch_of(1, no_timestamp, "b"), 1, Time::zero() + milliseconds(1000))->rolled);
    REQUIRE(log->append_as_leader(batch_of(1, no_timestamp, "c"), 1, Time::zero() + milliseconds(1001))->rolled);
  }
}

TEST_CASE("partition log: retention by time deletes whole old segments and moves the log start", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config = small_segments(300);
  config.retention_ms = 10000;
  auto log = open_log(w.node(1).env().files(), config);
  // Batch b has timestamp 1000 * b.
  for (int b = 0; b < 20; ++b) REQUIRE(log->append_as_leader(batch_of(2, 1000 * b, "b"), 1 + b / 10, Time::zero()).ok());
  const auto before = log->segment_infos();
  REQUIRE(before.size() >= 4);
  const Time now = Time::zero() + milliseconds(25000);  // segments whose newest record is older than 15000 go
  auto result = log->apply_retention(now, log->log_end_offset());
  REQUIRE(result.ok());
  REQUIRE(result->segments_deleted > 0);
  std::size_t expected_deleted = 0;
  while (expected_deleted < before.size() && 25000 - before[expected_deleted].largest_timestamp_ms > 10000) ++expected_deleted;
  REQUIRE(result->segments_deleted == expected_deleted);
  REQUIRE(log->log_start_offset() == before[expected_deleted].base_offset);
  REQUIRE(log->segment_infos().front().base_offset == log->log_start_offset());
  REQUIRE_FALSE(w.node(1).env().files().exists("my-topic-0/00000000000000000000.log"));
  // Below the log start: OFFSET_OUT_OF_RANGE; at it: the first remaining batch.
  auto below = log->read(log->log_start_offset() - 1, 1000, log->log_end_offset());
  REQUIRE_FALSE(below.ok());
  REQUIRE(below.error().code == LogErrc::offset_out_of_range);
  auto at_start = log->read(log->log_start_offset(), 1000, log->log_end_offset());
  REQUIRE(at_start.ok());
  REQUIRE(at_start->first_offset == log->log_start_offset());
  // The epoch cache starts at the log start now (truncateFromStart).
  REQUIRE(log->leader_epoch_cache().earliest_entry()->start_offset == log->log_start_offset());
}

TEST_CASE("partition log: retention never deletes offsets at or above the high watermark", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config = small_segments(300);
  config.retention_ms = 0;
  auto log = open_log(w.node(1).env().files(), config);
  for (int b = 0; b < 20; ++b) REQUIRE(log->append_as_leader(batch_of(2, 0, "b"), 1, Time::zero()).ok());
  const auto before = log->segment_infos();
  const std::int64_t high_watermark = before[2].next_offset;  // the first three segments are committed
  auto result = log->apply_retention(Time::zero() + seconds(100), high_watermark);
  REQUIRE(result.ok());
  REQUIRE(result->segments_deleted == 3);
  REQUIRE(log->log_start_offset() == high_watermark);
}

TEST_CASE("partition log: retention by bytes deletes the oldest whole segments above the limit", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config = small_segments(300);
  config.retention_bytes = 1000;
  auto log = open_log(w.node(1).env().files(), config);
  for (int b = 0; b < 30; ++b) REQUIRE(log->append_as_leader(batch_of(2, 0, "b"), 1, Time::zero()).ok());
  const std::uint64_t before_bytes = log->size_bytes();
  REQUIRE(before_bytes > 2000);
  auto result = log->apply_retention(Time::zero(), log->log_end_offset());
  REQUIRE(result.ok());
  REQUIRE(result->segments_deleted > 0);
  REQUIRE(log->size_bytes() == before_bytes - result->bytes_deleted);
  // Deleting one more whole segment would go below the limit; one fewer would stay above it.
  REQUIRE(log->size_bytes() >= 1000);
  REQUIRE(log->size_bytes() - log->segment_infos().front().size_bytes < 1000);
}

TEST_CASE("partition log: when every segment expires a new empty one is rolled first", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.retention_ms = 100;
  auto log = open_log(w.node(1).env().files(), config);
  for (int b = 0; b < 3; ++b) REQUIRE(log->append_as_leader(batch_of(2, 0, "b"), 1, Time::zero()).ok());
  auto result = log->apply_retention(Time::zero() + seconds(1), log->log_end_offset());
  REQUIRE(result.ok());
  REQUIRE(result->segments_deleted == 1);
  REQUIRE(log->segment_count() == 1);
  REQUIRE(log->log_start_offset() == 6);
  REQUIRE(log->log_end_offset() == 6);
  REQUIRE(log->active_segment().empty());
  REQUIRE(log->append_as_leader(batch_of(1, 2000, "after"), 1, Time::zero() + seconds(1))->first_offset == 6);
}

TEST_CASE("partition log: the segment listener hears every roll with its reason and every segment retention deletes", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config = small_segments(300);
  config.retention_bytes = 1000;
  auto log = open_log(w.node(1).env().files(), config);
  std::vector<SegmentChange> changes;
  std::vector<std::string> reasons;
  log->set_segment_listener([&changes, &reasons](const SegmentChange& c) {
    changes.push_back(c);
    reasons.emplace_back(c.reason);
  });
  for (int b = 0; b < 30; ++b) REQUIRE(log->append_as_leader(batch_of(2, 0, "b"), 1, Time::zero()).ok());
  REQUIRE(changes.size() == log->segment_count() - 1);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    REQUIRE(changes[i].kind == SegmentChange::Kind::rolled);
    REQUIRE(reasons[i] == "segment.bytes");
    REQUIRE(changes[i].base_offset == log->segment_infos()[i + 1].base_offset);
    REQUIRE(changes[i].size_bytes == log->segment_infos()[i].size_bytes);
  }
  const auto before = log->segment_infos();
  changes.clear();
  reasons.clear();
  auto result = log->apply_retention(Time::zero(), log->log_end_offset());
  REQUIRE(result.ok());
  REQUIRE(changes.size() == result->segments_deleted);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    REQUIRE(changes[i].kind == SegmentChange::Kind::deleted);
    REQUIRE(reasons[i] == "retention.bytes");
    REQUIRE(changes[i].base_offset == before[i].base_offset);
    REQUIRE(changes[i].next_offset == before[i].next_offset);
  }
  REQUIRE(changes.back().next_offset == log->log_start_offset());
  changes.clear();
  reasons.clear();
  REQUIRE(log->roll(Time::zero()).ok());
  REQUIRE(reasons == std::vector<std::string>{"requested"});
}

TEST_CASE("partition log: appended bytes are counted per compression codec, leader and follower appends alike", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files(), LogConfig{});
  std::map<Compression, std::uint64_t> heard;
  log->set_append_listener([&heard](Compression c, std::uint64_t bytes) { heard[c] += bytes; });
  auto batch_with = [](Compression compression) {
    RecordBatch batch;
    batch.compression = compression;
    batch.base_timestamp = batch.max_timestamp = 0;
    batch.last_offset_delta = 9;
    for (int i = 0; i < 10; ++i) {
      Record record;
      record.offset_delta = i;
      const std::string value(200, 'v');
      record.value = Bytes(value.begin(), value.end());
      batch.records.push_back(std::move(record));
    }
    return encode_batch(batch);
  };
  const Bytes plain = batch_with(Compression::none), zstd = batch_with(Compression::zstd);
  REQUIRE(zstd.size() < plain.size() / 4);
  REQUIRE(log->append_as_leader(plain, 1, Time::zero()).ok());
  REQUIRE(log->append_as_leader(zstd, 1, Time::zero()).ok());
  REQUIRE(log->append_as_leader(zstd, 1, Time::zero()).ok());
  REQUIRE(log->appended_bytes(Compression::none) == plain.size());
  REQUIRE(log->appended_bytes(Compression::zstd) == 2 * zstd.size());
  REQUIRE(log->appended_bytes(Compression::gzip) == 0);
  REQUIRE(heard[Compression::none] == plain.size());
  REQUIRE(heard[Compression::zstd] == 2 * zstd.size());
  REQUIRE(log->appended_bytes(Compression::none) + log->appended_bytes(Compression::zstd) == log->size_bytes());
  // A follower's copy counts too: it writes the same bytes to its own disk.
  testing::RecorderWorld w2(1);
  auto follower = open_log(w2.node(1).env().files(), LogConfig{});
  while (follower->log_end_offset() < log->log_end_offset()) {
    auto chunk = log->read(follower->log_end_offset(), 1 << 20, log->log_end_offset());
    REQUIRE(chunk.ok());
    REQUIRE(follower->append_as_follower(chunk->records, Time::zero()).ok());
  }
  REQUIRE(follower->appended_bytes(Compression::zstd) == 2 * zstd.size());
  REQUIRE(follower->appended_bytes(Compression::none) == plain.size());
}

TEST_CASE("partition log: truncate_to removes every batch at and above the offset", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  LogConfig config = small_segments(300);
  config.index_interval_bytes = 50;
  auto log = open_log(files, config);
  for (int b = 0; b < 30; ++b) REQUIRE(log->append_as_leader(batch_of(2, 1000 + b, "b" + std::to_string(b)), 1 + b / 10, Time::zero()).ok());
  REQUIRE(log->leader_epoch_cache().entries() == std::vector<EpochEntry>{{1, 0}, {2, 20}, {3, 40}});
  const std::size_t segments_before = log->segment_count();

  auto new_end = log->truncate_to(25, Time::zero());  // mid-batch: the batch [24, 26) goes too
  REQUIRE(new_end.ok());
  REQUIRE(*new_end == 24);
  REQUIRE(log->log_end_offset() == 24);
  REQUIRE(log->segment_count() < segments_before);
  REQUIRE(log->leader_epoch_cache().entries() == std::vector<EpochEntry>{{1, 0}, {2, 20}});
  REQUIRE(log->recovery_point() <= 24);
  // Later segments' files are gone (one starting exactly at the new end stays, empty, as in
  // Kafka); the index has no entry at or above the new end.
  for (const auto& name : files.list("my-topic-0")) {
    if (const auto base = parse_segment_file_name(name, ".log")) REQUIRE(*base <= 24);
  }
  const auto last_entry = log->active_segment().offset_index().last_entry();
  if (last_entry) REQUIRE(last_entry->offset < 24);
  REQUIRE(*files.size(log->active_segment().path(SegmentFile::offset_index)) ==
          log->active_segment().offset_index().entries() * 8);
  // Reads: everything below the end as before, nothing at or above.
  REQUIRE(value_at(log->read(23, 1, 24)->records, 23) == "b11/1");
  REQUIRE_FALSE(log->read(25, 1, 100).ok());
  // Appends continue at the new end with the new epoch.
  auto appended = log->append_as_leader(batch_of(1, 2000, "new"), 4, Time::zero());
  REQUIRE(appended.ok());
  REQUIRE(appended->first_offset == 24);
  REQUIRE(value_at(log->read(24, 1, 25)->records, 24) == "new/0");
  REQUIRE(log->leader_epoch_cache().latest_entry() == EpochEntry{4, 24});
  // At or beyond the end: nothing happens.
  REQUIRE(*log->truncate_to(1000, Time::zero()) == 25);
  REQUIRE(log->log_end_offset() == 25);
}

TEST_CASE("partition log: truncating below the log start restarts the log there", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files(), LogConfig{});
  for (int b = 0; b < 3; ++b) REQUIRE(log->append_as_leader(batch_of(2, 0, "b"), 1, Time::zero()).ok());
  REQUIRE(log->truncate_fully_and_start_at(100, Time::zero()).ok());
  REQUIRE(log->log_start_offset() == 100);
  REQUIRE(log->log_end_offset() == 100);
  REQUIRE(log->leader_epoch_cache().empty());
  REQUIRE(w.node(1).env().files().list("my-topic-0") ==
          std::vector<std::string>{"00000000000000000100.index", "00000000000000000100.log",
                                   "00000000000000000100.timeindex", "leader-epoch-checkpoint",
                                   "recovery-point-offset-checkpoint"});
}

TEST_CASE("partition log: a follower keeps the leader's offsets and epochs, contiguously", "[partition-log]") {
  testing::RecorderWorld w(2);
  auto leader = open_log(w.node(1).env().files(), LogConfig{});
  auto follower = open_log(w.node(2).env().files(), LogConfig{});
  for (int b = 0; b < 4; ++b) REQUIRE(leader->append_as_leader(batch_of(3, 1000, "b" + std::to_string(b)), 2 + b / 2, Time::zero()).ok());
  auto fetched = leader->read(0, 1 << 20, leader->log_end_offset());
  REQUIRE(fetched.ok());
  auto appended = follower->append_as_follower(fetched->records, Time::zero());
  REQUIRE(appended.ok());
  REQUIRE(follower->log_end_offset() == leader->log_end_offset());
  REQUIRE(follower->leader_epoch_cache().entries() == leader->leader_epoch_cache().entries());
  REQUIRE(follower->read(0, 1 << 20, 100)->records == fetched->records);

  // The same batches again do not start at the follower's log end.
  auto again = follower->append_as_follower(fetched->records, Time::zero());
  REQUIRE_FALSE(again.ok());
  REQUIRE(again.error().code == LogErrc::unexpected_append_offset);
  REQUIRE(follower->log_end_offset() == 12);
}

TEST_CASE("partition log: outside bytes that are not valid batches are errors, and change nothing", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config = small_segments(200);
  auto log = open_log(w.node(1).env().files(), config);
  Bytes corrupt = batch_of(2, 1000, "x");
  corrupt[corrupt.size() - 1] ^= 0x01;  // a record byte: the CRC no longer matches
  auto bad_crc = log->append_as_leader(corrupt, 1, Time::zero());
  REQUIRE_FALSE(bad_crc.ok());
  REQUIRE(bad_crc.error().code == LogErrc::corrupt_message);

  Bytes torn = batch_of(2, 1000, "x");
  torn.resize(torn.size() - 3);
  REQUIRE(log->append_as_leader(torn, 1, Time::zero()).error().code == LogErrc::corrupt_message);
  REQUIRE(log->append_as_leader(Bytes{}, 1, Time::zero()).error().code == LogErrc::invalid_record);
  REQUIRE(log->append_as_leader(batch_of(20, 1000, "big", 20), 1, Time::zero()).error().code ==
          LogErrc::record_batch_too_large);
  REQUIRE(log->log_end_offset() == 0);
  REQUIRE(log->active_segment().size_bytes() == 0);
}
