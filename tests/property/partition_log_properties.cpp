// Properties of the partition log on the simulated disk, against a model that remembers every
// record appended:
// 1. after random appends, rolls, retention, truncations, epoch changes and reopenings (clean
//    close or process kill), every offset in [log start, log end) reads back its record, in whole
//    batches, and nothing outside does;
// 2. a power loss with torn writes keeps every fsynced batch and cuts exactly the torn or lost
//    tail: the recovered log is every batch that survived whole on the disk, nothing less;
// 3. a flipped bit inside a stored batch is found by recovery (the log ends right before that
//    batch) or, after a clean shutdown that trusts the files, is refused by read(): corrupt
//    bytes are never returned.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "broker/log/partition_log.h"
#include "broker/log/record_batch.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::log;

namespace {

const TopicPartition my_topic{"my-topic", 0};

// A producer batch whose record i holds "<tag>/<i>" padded to value_bytes.
Bytes batch_of(int record_count, std::int64_t timestamp_ms, const std::string& tag, std::size_t value_bytes,
               Compression compression) {
  RecordBatch batch;
  batch.compression = compression;
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

std::string unpadded(const Bytes& value) {
  const std::string text(value.begin(), value.end());
  return text.substr(0, text.find('.'));
}

// What the model knows of one appended batch.
struct ModelBatch {
  std::int64_t base_offset = 0;
  std::int64_t next_offset = 0;
  std::int32_t epoch = 0;
  std::vector<std::string> values;  // by offset - base_offset
};

std::unique_ptr<PartitionLog> open_log(testing::RecorderWorld& w, const LogConfig& config) {
  auto log = PartitionLog::open(w.node(1).env().files(), "", my_topic, config, w.world.now());
  RC_ASSERT(log.ok());
  return std::move(log.value());
}

// Checks every offset of [log start, log end) reads back the model's record from a whole,
// valid batch holding it, and that reads outside the range fail.
void check_reads(PartitionLog& log, const std::vector<ModelBatch>& model) {
  const std::int64_t start = log.log_start_offset();
  const std::int64_t end = log.log_end_offset();
  RC_ASSERT(start <= end);
  if (start > 0) RC_ASSERT(log.read(start - 1, 1000, end).error().code == LogErrc::offset_out_of_range);
  RC_ASSERT(log.read(end + 1, 1000, end + 1).error().code == LogErrc::offset_out_of_range);
  RC_ASSERT(log.read(end, 1000, end)->batch_count == 0U);
  std::size_t model_index = 0;
  for (std::int64_t offset = start; offset < end; ++offset) {
    while (model_index < model.size() && model[model_index].next_offset <= offset) ++model_index;
    RC_ASSERT(model_index < model.size());
    const ModelBatch& expected = model[model_index];
    RC_ASSERT(expected.base_offset <= offset);
    auto read = log.read(offset, 1, end);
    RC_ASSERT(read.ok());
    RC_ASSERT(read->batch_count == 1U);
    auto batch = decode_batch(read->records);
    RC_ASSERT(batch.ok());
    RC_ASSERT(batch->base_offset == expected.base_offset);
    RC_ASSERT(batch->last_offset() + 1 == expected.next_offset);
    RC_ASSERT(batch->partition_leader_epoch == expected.epoch);
    const Record& record = batch->records[static_cast<std::size_t>(offset - batch->base_offset)];
    RC_ASSERT(record_offset(*batch, record) == offset);
    RC_ASSERT(unpadded(*record.value) == expected.values[static_cast<std::size_t>(offset - expected.base_offset)]);
  }
  // The epoch cache names each batch's epoch.
  for (const ModelBatch& batch : model) {
    if (batch.base_offset >= start && batch.base_offset < end) {
      RC_ASSERT(log.leader_epoch_cache().epoch_for_offset(batch.base_offset) == batch.epoch);
    }
  }
  log.check_invariants();
}

LogConfig random_config() {
  LogConfig config;
  config.segment_bytes = *rc::gen::inRange<std::int64_t>(150, 2000);
  config.index_interval_bytes = *rc::gen::inRange<std::int64_t>(0, 600);
  config.segment_index_bytes = *rc::gen::element<std::int64_t>(64, 10485760);  // tiny indexes fill and roll
  config.retention_ms = *rc::gen::element<std::int64_t>(-1, 500, 3000);
  config.retention_bytes = *rc::gen::element<std::int64_t>(-1, 800, 4000);
  return config;
}

}  // namespace

TEST_CASE("partition log property: every offset in the range from start to end reads back its record, nothing outside",
          "[partition-log][property]") {
  rc::prop("model of appends, rolls, retention, truncation, reopening", [] {
    testing::RecorderWorld w(1);
    const LogConfig config = random_config();
    auto log = open_log(w, config);
    std::vector<ModelBatch> model;
    std::int32_t epoch = 0;
    std::int64_t now_ms = 0;
    const auto op_count = *rc::gen::inRange<std::size_t>(1, 160);
    const auto ops = *rc::gen::container<std::vector<std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>>>(
        op_count, rc::gen::arbitrary<std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>>());
    for (const auto& [kind, a, b] : ops) {
      switch (kind % 12) {
        case 0: case 1: case 2: case 3: case 4: {  // a leader append of one or two batches
          Bytes records;
          bool batch_too_large = false;  // a batch no segment can hold: RECORD_BATCH_TOO_LARGE
          const int batches = 1 + a % 2;
          std::vector<ModelBatch> added;
          std::int64_t next = log->log_end_offset();
          for (int i = 0; i < batches; ++i) {
            const int count = 1 + (a / 2 + i) % 5;
            const std::string tag = "e" + std::to_string(epoch) + "o" + std::to_string(next);
            const Bytes batch = batch_of(count, now_ms, tag, b % 48, static_cast<Compression>(b % 5));
            batch_too_large |= batch.size() > static_cast<std::size_t>(config.segment_bytes);
            records.insert(records.end(), batch.begin(), batch.end());
            ModelBatch m{next, next + count, epoch, {}};
            for (int r = 0; r < count; ++r) m.values.push_back(tag + "/" + std::to_string(r));
            added.push_back(m);
            next += count;
          }
          auto appended = log->append_as_leader(records, epoch, w.world.now());
          if (batch_too_large) {
            RC_ASSERT(appended.error().code == LogErrc::record_batch_too_large);
            RC_ASSERT(log->log_end_offset() == added.front().base_offset);
            break;
          }
          RC_ASSERT(appended.ok());
          RC_ASSERT(appended->first_offset == added.front().base_offset);
          model.insert(model.end(), added.begin(), added.end());
          break;
        }
        case 5:
          RC_ASSERT(log->roll(w.world.now()).ok());
          break;
        case 6: {  // time passes, retention runs up to a random high watermark
          now_ms += a * 20;
          w.run_for(milliseconds(a * 20));
          const std::int64_t start_before = log->log_start_offset();
          const std::int64_t end = log->log_end_offset();
          const std::int64_t high_watermark = start_before + (end - start_before) * b / 255;
          auto retained = log->apply_retention(w.world.now(), high_watermark);
          RC_ASSERT(retained.ok());
          RC_ASSERT(log->log_start_offset() >= start_before);
          RC_ASSERT(log->log_start_offset() <= std::max(high_watermark, start_before));
          RC_ASSERT(log->log_end_offset() == end);
          break;
        }
        case 7: {  // truncation to a random offset of the log
          const std::int64_t start = log->log_start_offset();
          const std::int64_t end = log->log_end_offset();
          const std::int64_t target = start + (end - start) * a / 255;
          auto new_end = log->truncate_to(target, w.world.now());
          RC_ASSERT(new_end.ok());
          // The new end is the start of the batch holding the target (or the target at a boundary).
          std::int64_t expected_end = target;
          for (const ModelBatch& batch : model) {
            if (batch.base_offset <= target && target < batch.next_offset) expected_end = batch.base_offset;
          }
          RC_ASSERT(*new_end == expected_end);
          while (!model.empty() && model.back().base_offset >= *new_end) model.pop_back();
          break;
        }
        case 8:  // a new leader epoch
          ++epoch;
          log->assign_epoch_start_offset(epoch, log->log_end_offset());
          break;
        case 9: {  // reopen after a clean close
          log->close(w.world.now(), {});
          w.run_for(milliseconds(10));
          log.reset();
          log = open_log(w, config);
          RC_ASSERT(log->recovery_report().clean_shutdown);
          break;
        }
        case 10: {  // reopen after a process kill: the page cache keeps everything
          log.reset();
          w.world.crash(1);
          w.world.restart(1);
          log = open_log(w, config);
          RC_ASSERT(log->recovery_report().truncated_bytes == 0U);
          break;
        }
        default:  // a quick look at the ends
          RC_ASSERT(log->read(log->log_end_offset(), 100, log->log_end_offset()).ok());
          break;
      }
      const std::int64_t start = log->log_start_offset();
      while (!model.empty() && model.front().next_offset <= start) model.erase(model.begin());
      const std::int64_t model_end = model.empty() ? start : model.back().next_offset;
      RC_ASSERT(model_end == log->log_end_offset());
    }
    check_reads(*log, model);
  });
}

TEST_CASE("partition log property: a power loss keeps every fsynced batch and cuts exactly the torn tail",
          "[partition-log][property]") {
  rc::prop("recovery after a power loss with torn writes", [] {
    const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
    testing::RecorderWorld w(1, {}, seed, sim::DiskConfig{.torn_writes = true});
    LogConfig config;
    config.segment_bytes = *rc::gen::inRange<std::int64_t>(600, 3000);  // above the largest batch
    config.index_interval_bytes = *rc::gen::inRange<std::int64_t>(0, 500);
    if (*rc::gen::arbitrary<bool>()) config.flush_interval_messages = *rc::gen::inRange<std::int64_t>(1, 20);
    auto log = open_log(w, config);
    std::vector<ModelBatch> model;
    const auto op_count = *rc::gen::inRange<std::size_t>(1, 160);
    const auto ops = *rc::gen::container<std::vector<std::pair<std::uint8_t, std::uint8_t>>>(
        op_count, rc::gen::arbitrary<std::pair<std::uint8_t, std::uint8_t>>());
    for (const auto& [kind, a] : ops) {
      switch (kind % 6) {
        case 0: case 1: case 2: {
          const int count = 1 + a % 6;
          const std::int64_t base = log->log_end_offset();
          const std::string tag = "o" + std::to_string(base);
          RC_ASSERT(log->append_as_leader(batch_of(count, 0, tag, a % 64, Compression::none), 1, w.world.now()).ok());
          ModelBatch m{base, base + count, 1, {}};
          for (int r = 0; r < count; ++r) m.values.push_back(tag + "/" + std::to_string(r));
          model.push_back(m);
          break;
        }
        case 3:
          log->flush(log->log_end_offset(), {});
          break;
        case 4:
          RC_ASSERT(log->roll(w.world.now()).ok());
          break;
        default:
          w.run_for(microseconds(a * 20));  // fsyncs take 1 ms: some complete, some not
          break;
      }
    }
    // Where each batch lives, to tell from the files what survived the power loss.
    struct Placement {
      std::string path;
      std::uint64_t end_position_bytes = 0;
    };
    std::vector<Placement> placements;
    for (const ModelBatch& batch : model) {
      const LogSegment* segment = log->segment_for(batch.base_offset);
      RC_ASSERT(segment != nullptr);
      const std::uint64_t position =
          !placements.empty() && placements.back().path == segment->path(SegmentFile::log) ? placements.back().end_position_bytes : 0;
      auto read = log->read(batch.base_offset, 1, log->log_end_offset());
      placements.push_back(Placement{segment->path(SegmentFile::log), position + read->records.size()});
    }
    const std::int64_t durable_offset = log->recovery_point();
    log.reset();
    auto& files = w.world.node(1).files();  // the node's disk, also while the process is down
    w.world.power_loss(1);

    std::int64_t expected_end = 0;
    for (std::size_t i = 0; i < model.size(); ++i) {
      const auto size = files.size(placements[i].path);
      if (!size.ok() || *size < placements[i].end_position_bytes) break;
      expected_end = model[i].next_offset;
    }
    w.world.restart(1);
    log = open_log(w, config);
    RC_ASSERT(log->log_end_offset() >= durable_offset);  // nothing fsynced is lost
    RC_ASSERT(log->log_end_offset() == expected_end);    // nothing whole is cut, nothing torn kept
    RC_ASSERT(*files.size(log->active_segment().path(SegmentFile::log)) == log->active_segment().size_bytes());
    while (!model.empty() && model.back().base_offset >= expected_end) model.pop_back();
    check_reads(*log, model);
    // The log goes on from there.
    RC_ASSERT(log->append_as_leader(batch_of(1, 0, "after", 0, Compression::none), 2, w.world.now())->first_offset ==
              expected_end);
  });
}

TEST_CASE("partition log property: a flipped bit in a stored batch is never read back",
          "[partition-log][property]") {
  rc::prop("bit flips found by recovery or refused by read", [] {
    testing::RecorderWorld w(1, {}, *rc::gen::inRange<std::uint64_t>(1, 1000000));
    LogConfig config;
    config.segment_bytes = *rc::gen::inRange<std::int64_t>(600, 3000);  // above the largest batch
    config.index_interval_bytes = *rc::gen::inRange<std::int64_t>(0, 500);
    auto log = open_log(w, config);
    const auto sizes = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::uint8_t>>(rc::gen::arbitrary<std::uint8_t>()));
    std::vector<ModelBatch> model;
    std::vector<Bytes> stored;  // each batch's bytes as the log holds them
    for (std::uint8_t size : sizes) {
      const int count = 1 + size % 4;
      const std::int64_t base = log->log_end_offset();
      const std::string tag = "o" + std::to_string(base);
      RC_ASSERT(log->append_as_leader(batch_of(count, 0, tag, size % 80, static_cast<Compression>(size % 5)), 1,
                                      w.world.now()).ok());
      ModelBatch m{base, base + count, 1, {}};
      for (int r = 0; r < count; ++r) m.values.push_back(tag + "/" + std::to_string(r));
      model.push_back(m);
      stored.push_back(log->read(base, 1, log->log_end_offset())->records);
    }
    // The victim and a byte the batch's own checks cover: everything but partitionLeaderEpoch
    // (bytes 12..15), which Kafka's format leaves outside the CRC.
    const auto victim = *rc::gen::inRange<std::size_t>(0, model.size());
    const std::size_t batch_size = stored[victim].size();
    auto byte_in_batch = *rc::gen::inRange<std::size_t>(0, batch_size - 4);
    if (byte_in_batch >= batch_field::partition_leader_epoch) byte_in_batch += 4;
    const LogSegment* segment = log->segment_for(model[victim].base_offset);
    const std::string path = segment->path(SegmentFile::log);
    std::uint64_t position = 0;
    for (std::size_t i = 0; i < victim; ++i) {
      if (log->segment_for(model[i].base_offset) == segment) position += stored[i].size();
    }
    const bool clean = *rc::gen::arbitrary<bool>();
    if (clean) {
      log->close(w.world.now(), {});
      w.run_for(milliseconds(10));
    }
    log.reset();
    w.world.corrupt_disk(1, path, position + byte_in_batch, 1);
    if (!clean) {
      w.world.crash(1);
      w.world.restart(1);
    }
    log = open_log(w, config);
    const std::int64_t victim_base = model[victim].base_offset;
    if (!clean) {
      // An unclean open scans every segment (the recovery point was never checkpointed above
      // zero): the log ends right before the flipped batch.
      RC_ASSERT(log->log_end_offset() == victim_base);
    } else {
      RC_ASSERT(log->log_end_offset() >= victim_base);  // trusted files may keep later batches
    }
    // Whatever read() returns is byte-for-byte what was appended. Offsets before the victim
    // always read; from the victim on, a read may be refused: reaching a later batch can mean
    // walking over the victim's damaged header (Kafka's reads walk batch headers the same way).
    RC_ASSERT(log->log_end_offset() <= model.back().next_offset);
    for (std::int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
      std::size_t index = 0;
      while (model[index].next_offset <= offset) ++index;
      auto read = log->read(offset, 1, log->log_end_offset());
      if (!read.ok()) {
        RC_ASSERT(read.error().code == LogErrc::corrupt_message);
        RC_ASSERT(index >= victim);
        continue;
      }
      RC_ASSERT(read->batch_count == 1U);
      RC_ASSERT(read->records == stored[index]);
    }
  });
}
