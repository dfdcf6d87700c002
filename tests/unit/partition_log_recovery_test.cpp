// Opening a partition log after a clean close, a process kill and a power loss (Kafka's
// LogLoader rules), and the flush policy: Kafka's defaults never fsync an append (only a roll
// flushes the finished segment), log.flush.interval.messages=1 fsyncs each append, and then a
// power loss loses nothing that was reported durable.
#include <catch2/catch.hpp>

#include <string>

#include "broker/log/partition_log.h"
#include "broker/log/record_batch.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::log;

namespace {

const TopicPartition my_topic{"my-topic", 0};
const std::string first_segment = "my-topic-0/00000000000000000000.log";

Bytes batch_of(int record_count, const std::string& tag, std::int64_t timestamp_ms = 1000) {
  RecordBatch batch;
  batch.base_timestamp = timestamp_ms;
  batch.max_timestamp = timestamp_ms;
  batch.last_offset_delta = record_count - 1;
  for (int i = 0; i < record_count; ++i) {
    Record record;
    record.offset_delta = i;
    const std::string value = tag + "/" + std::to_string(i);
    record.value = Bytes(value.begin(), value.end());
    batch.records.push_back(std::move(record));
  }
  return encode_batch(batch);
}

std::unique_ptr<PartitionLog> open_log(testing::RecorderWorld& w, const LogConfig& config) {
  auto log = PartitionLog::open(w.node(1).env().files(), "", my_topic, config, w.world.now());
  if (!log.ok()) FAIL(describe(log.error()));
  return std::move(log.value());
}

std::uint64_t fsync_count(testing::RecorderWorld& w) { return w.world.node(1).disk().counters().fsync_count; }

void append_batches(PartitionLog& log, int count, int records_each = 2) {
  for (int i = 0; i < count; ++i) REQUIRE(log.append_as_leader(batch_of(records_each, "b" + std::to_string(i)), 1, Time::zero()).ok());
}

Bytes all_records(PartitionLog& log) {
  auto read = log.read(log.log_start_offset(), 1 << 24, log.log_end_offset());
  REQUIRE(read.ok());
  return read->records;
}

}  // namespace

TEST_CASE("partition log recovery: a clean close is trusted without a scan", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.segment_bytes = 400;
  auto log = open_log(w, config);
  append_batches(*log, 20);
  const Bytes before = all_records(*log);
  const std::size_t segments = log->segment_count();
  std::optional<bool> closed;
  log->close(w.world.now(), [&](LogStatus status) { closed = status.ok(); });
  w.run_for(milliseconds(10));
  REQUIRE(closed == true);
  REQUIRE(w.node(1).env().files().exists("my-topic-0/.kafka_cleanshutdown"));
  log.reset();

  // Even a power loss now keeps everything: close made it durable.
  w.world.power_loss(1);
  w.world.restart(1);
  auto reopened = open_log(w, config);
  REQUIRE(reopened->recovery_report().clean_shutdown);
  REQUIRE(reopened->recovery_report().segments_loaded == segments);
  REQUIRE(reopened->recovery_report().segments_recovered == 0);
  REQUIRE(reopened->recovery_point() == reopened->log_end_offset());
  REQUIRE(all_records(*reopened) == before);
  // The marker is gone once the log is open: a crash from now on is unclean.
  REQUIRE_FALSE(w.node(1).env().files().exists("my-topic-0/.kafka_cleanshutdown"));
}

TEST_CASE("partition log recovery: a corrupt index is rebuilt even after a clean close", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.index_interval_bytes = 100;
  auto log = open_log(w, config);
  append_batches(*log, 30);
  const Bytes before = all_records(*log);
  const auto entries_before = std::vector<OffsetPosition>(log->active_segment().offset_index().all_entries().begin(),
                                                          log->active_segment().offset_index().all_entries().end());
  REQUIRE(entries_before.size() > 2);
  log->close(w.world.now(), {});
  w.run_for(milliseconds(10));
  log.reset();
  // An index entry now points into the middle of a batch.
  auto& files = w.node(1).env().files();
  const Bytes garbage{0, 0, 0, 1, 0, 0, 0, 7};
  REQUIRE(files.write_at("my-topic-0/00000000000000000000.index", 0, garbage).ok());

  auto reopened = open_log(w, config);
  REQUIRE(reopened->recovery_report().clean_shutdown);
  REQUIRE(reopened->recovery_report().segments_recovered == 1);
  REQUIRE(reopened->recovery_report().truncated_bytes == 0);
  const auto entries_after = reopened->active_segment().offset_index().all_entries();
  REQUIRE(std::vector<OffsetPosition>(entries_after.begin(), entries_after.end()) == entries_before);
  REQUIRE(all_records(*reopened) == before);
}

TEST_CASE("partition log recovery: a process kill keeps the page cache, so nothing is lost", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w, LogConfig{});
  append_batches(*log, 10);
  const Bytes before = all_records(*log);
  log.reset();
  w.world.crash(1);
  w.world.restart(1);
  auto reopened = open_log(w, LogConfig{});
  REQUIRE_FALSE(reopened->recovery_report().clean_shutdown);
  REQUIRE(reopened->recovery_report().segments_recovered == 1);  // unclean: scanned from the recovery point
  REQUIRE(all_records(*reopened) == before);
  REQUIRE(reopened->recovery_point() == 0);  // nothing was ever fsynced
}

TEST_CASE("partition log recovery: with Kafka's defaults a power loss loses the unflushed log", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w, LogConfig{});
  const auto fsyncs_before = fsync_count(w);
  append_batches(*log, 10);
  for (int i = 0; i < 5; ++i) REQUIRE_FALSE(log->flush_if_needed(w.world.now() + seconds(i)));
  w.run_for(seconds(5));
  REQUIRE(fsync_count(w) == fsyncs_before);  // log.flush.interval.messages/ms: never
  REQUIRE(log->recovery_point() == 0);
  log.reset();
  w.world.power_loss(1);
  w.world.restart(1);
  auto reopened = open_log(w, LogConfig{});
  REQUIRE(reopened->log_end_offset() == 0);  // the page cache was the only copy
}

TEST_CASE("partition log recovery: flushed batches survive a power loss, the unflushed tail does not", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w, LogConfig{});
  append_batches(*log, 5);
  std::optional<bool> flushed;
  log->flush(log->log_end_offset(), [&](LogStatus status) { flushed = status.ok(); });
  REQUIRE_FALSE(flushed.has_value());  // fsync is asynchronous
  w.run_for(milliseconds(10));
  REQUIRE(flushed == true);
  REQUIRE(log->recovery_point() == 10);
  append_batches(*log, 5);  // never flushed
  log.reset();
  w.world.power_loss(1);
  w.world.restart(1);
  auto reopened = open_log(w, LogConfig{});
  REQUIRE(reopened->log_end_offset() == 10);
}

TEST_CASE("partition log recovery: a torn last batch is cut, and nothing before it", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w, LogConfig{});
  append_batches(*log, 4);
  const Bytes first_three = log->read(0, 1 << 20, 6)->records;
  log.reset();
  auto& files = w.node(1).env().files();
  const auto size = *files.size(first_segment);
  REQUIRE(files.truncate(first_segment, size - 5).ok());
  w.world.crash(1);
  w.world.restart(1);
  auto reopened = open_log(w, LogConfig{});
  REQUIRE(reopened->log_end_offset() == 6);
  REQUIRE(reopened->recovery_report().truncated_bytes > 0);
  REQUIRE(*files.size(first_segment) == first_three.size());  // the torn bytes are gone from the file
  REQUIRE(all_records(*reopened) == first_three);
  // The log continues right after the cut.
  REQUIRE(reopened->append_as_leader(batch_of(1, "next"), 2, Time::zero())->first_offset == 6);
}

TEST_CASE("partition log recovery: a flipped bit cuts the log at that batch and drops later segments", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.segment_bytes = 300;
  auto log = open_log(w, config);
  append_batches(*log, 20);
  REQUIRE(log->segment_count() >= 4);
  const SegmentInfo second = log->segment_infos()[1];
  const Bytes kept = log->read(0, 1 << 20, second.base_offset)->records;
  log.reset();
  // A record byte of the second segment's first batch: inside the CRC-covered bytes.
  const std::string second_path = "my-topic-0/" + segment_file_stem(second.base_offset) + ".log";
  w.world.corrupt_disk(1, second_path, 70, 1);
  w.world.crash(1);
  w.world.restart(1);
  auto reopened = open_log(w, config);
  REQUIRE(reopened->log_end_offset() == second.base_offset);
  REQUIRE(reopened->segment_count() == 2);
  REQUIRE(reopened->recovery_report().segments_deleted >= 2);
  REQUIRE(reopened->read(0, 1 << 20, 1000)->records == kept);
}

TEST_CASE("partition log recovery: after a clean close a flipped bit is never read back", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.index_interval_bytes = 100;
  auto log = open_log(w, config);
  append_batches(*log, 10);
  log->close(w.world.now(), {});
  w.run_for(milliseconds(10));
  log.reset();
  const std::size_t batch_bytes = batch_of(2, "b0").size();
  w.world.corrupt_disk(1, first_segment, batch_bytes + 70, 1);  // a record of the second batch
  auto reopened = open_log(w, config);
  // Trusted: a clean open checks the indexes and the tail after the last index entry, not this.
  REQUIRE(reopened->recovery_report().clean_shutdown);
  REQUIRE(reopened->recovery_report().segments_recovered == 0);
  REQUIRE(reopened->log_end_offset() == 20);
  auto bad = reopened->read(2, 1 << 20, 20);
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.error().code == LogErrc::corrupt_message);
  auto before_it = reopened->read(0, 1 << 20, 20);  // stops before the corrupt batch
  REQUIRE(before_it.ok());
  REQUIRE(before_it->batch_count == 1);
  REQUIRE(reopened->read(4, 1 << 20, 20).ok());
}

TEST_CASE("partition log recovery: a damaged header in the tail of a clean log is recovered, not trusted", "[partition-log]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w, LogConfig{});
  append_batches(*log, 3);
  log->close(w.world.now(), {});
  w.run_for(milliseconds(10));
  log.reset();
  const std::size_t batch_bytes = batch_of(2, "b0").size();
  // The last batch's lastOffsetDelta: trusting it would move the log end.
  w.world.corrupt_disk(1, first_segment, 2 * batch_bytes + batch_field::last_offset_delta + 3, 1);
  auto reopened = open_log(w, LogConfig{});
  REQUIRE(reopened->recovery_report().segments_recovered == 1);
  REQUIRE(reopened->log_end_offset() == 4);
}

TEST_CASE("partition log recovery: a stale clean-shutdown marker brought back by a power loss is not trusted", "[partition-log]") {
  testing::RecorderWorld w(1, {}, 3, sim::DiskConfig{.torn_writes = true});
  auto log = open_log(w, LogConfig{});
  append_batches(*log, 3);
  log->close(w.world.now(), {});
  w.run_for(milliseconds(10));
  log.reset();
  auto reopened = open_log(w, LogConfig{});  // removes the marker, in the page cache only
  REQUIRE(reopened->recovery_report().clean_shutdown);
  const Bytes unflushed = batch_of(50, "unflushed");
  REQUIRE(reopened->append_as_leader(unflushed, 2, Time::zero()).ok());
  reopened.reset();
  w.world.power_loss(1);  // a random prefix of the unflushed batch survives; the marker returns
  w.world.restart(1);
  auto& files = w.node(1).env().files();
  REQUIRE(files.exists("my-topic-0/.kafka_cleanshutdown"));
  const auto size_after_loss = *files.size(first_segment);
  auto again = open_log(w, LogConfig{});
  if (size_after_loss == 3 * batch_of(2, "b0").size()) {
    REQUIRE(again->recovery_report().clean_shutdown);  // nothing survived: the files match the marker
  } else {
    REQUIRE_FALSE(again->recovery_report().clean_shutdown);
  }
  REQUIRE(again->log_end_offset() == (size_after_loss == 3 * batch_of(2, "b0").size() + unflushed.size() ? 56 : 6));
  REQUIRE(*files.size(first_segment) == again->active_segment().size_bytes());
}

TEST_CASE("partition log flush policy: defaults issue no fsync for appends, a roll flushes the old segment", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.segment_bytes = 1000;
  auto log = open_log(w, config);
  const auto fsyncs_before = fsync_count(w);
  append_batches(*log, 5);
  REQUIRE(log->segment_count() == 1);
  w.run_for(seconds(1));
  REQUIRE(fsync_count(w) == fsyncs_before);
  REQUIRE(log->pending_flushes() == 0);

  // UnifiedLog.roll schedules a flush up to the new segment's base offset.
  REQUIRE(log->roll(w.world.now()).ok());
  const std::int64_t rolled_at = log->active_segment().base_offset();
  REQUIRE(log->pending_flushes() == 1);
  w.run_for(milliseconds(10));
  REQUIRE(fsync_count(w) > fsyncs_before);
  REQUIRE(log->recovery_point() == rolled_at);
}

TEST_CASE("partition log flush policy: flush.messages=1 fsyncs every append and a power loss loses nothing durable", "[partition-log]") {
  testing::RecorderWorld w(1, {}, 7, sim::DiskConfig{.torn_writes = true});
  LogConfig config;
  config.flush_interval_messages = 1;
  auto log = open_log(w, config);
  std::int64_t acknowledged = 0;  // the highest offset + 1 reported durable
  log->set_recovery_point_listener([&](std::int64_t recovery_point) { acknowledged = recovery_point; });
  for (int i = 0; i < 10; ++i) {
    const auto fsyncs_before = fsync_count(w);
    REQUIRE(log->append_as_leader(batch_of(3, "b" + std::to_string(i)), 1, Time::zero()).ok());
    REQUIRE(log->pending_flushes() == 1);
    w.run_for(milliseconds(5));
    REQUIRE(fsync_count(w) > fsyncs_before);
    REQUIRE(acknowledged == log->log_end_offset());
  }
  const Bytes before = all_records(*log);
  log.reset();
  w.world.power_loss(1);
  w.world.restart(1);
  auto reopened = open_log(w, config);
  REQUIRE(reopened->log_end_offset() == acknowledged);
  REQUIRE(all_records(*reopened) == before);
}

TEST_CASE("partition log flush policy: flush.ms flushes from a timer, the recovery point is checkpointed", "[partition-log]") {
  testing::RecorderWorld w(1);
  LogConfig config;
  config.flush_interval_ms = 1000;
  config.flush_offset_checkpoint_interval_ms = 2000;
  auto log = open_log(w, config);
  append_batches(*log, 3);
  REQUIRE_FALSE(log->flush_if_needed(w.world.now() + milliseconds(999)));
  REQUIRE(log->flush_if_needed(w.world.now() + milliseconds(1000)));
  w.run_for(milliseconds(10));
  REQUIRE(log->recovery_point() == 6);
  REQUIRE_FALSE(log->flush_if_needed(w.world.now() + milliseconds(1500)));  // nothing unflushed
  auto checkpoint = [&] {
    auto bytes = w.node(1).env().files().read("my-topic-0/recovery-point-offset-checkpoint", 0, 1000);
    return std::string(bytes->begin(), bytes->end());
  };
  REQUIRE(checkpoint() == "0\n1\nmy-topic 0 0\n");
  (void)log->flush_if_needed(w.world.now() + milliseconds(2000));
  REQUIRE(checkpoint() == "0\n1\nmy-topic 0 6\n");
}
