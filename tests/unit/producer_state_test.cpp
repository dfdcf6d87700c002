// Idempotent producers in the partition log (KIP-98): the leader answers a retry of one of the
// producer's last 5 batches with the original offsets and appends nothing, refuses a sequence gap
// (OUT_OF_ORDER_SEQUENCE_NUMBER) and an older epoch (INVALID_PRODUCER_EPOCH), accepts a new epoch
// from sequence 0, and keeps all of it across a truncation and a reopen of the log.
#include <catch2/catch.hpp>

#include <string>

#include "broker/log/partition_log.h"
#include "broker/log/producer_state.h"
#include "broker/log/record_batch.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::log;

namespace {

const TopicPartition topic_partition{"orders", 0};

Bytes idempotent_batch(std::int64_t producer_id, std::int16_t epoch, std::int32_t base_sequence, int records) {
  RecordBatch batch;
  batch.base_timestamp = 1000;
  batch.max_timestamp = 1000;
  batch.producer_id = producer_id;
  batch.producer_epoch = epoch;
  batch.base_sequence = base_sequence;
  batch.last_offset_delta = records - 1;
  for (int i = 0; i < records; ++i) {
    Record record;
    record.offset_delta = i;
    const std::string value = "p" + std::to_string(producer_id) + "-" + std::to_string(base_sequence + i);
    record.value = Bytes(value.begin(), value.end());
    batch.records.push_back(std::move(record));
  }
  return encode_batch(batch);
}

std::unique_ptr<PartitionLog> open_log(env::Files& files) {
  auto log = PartitionLog::open(files, "", topic_partition, LogConfig{}, Time::zero());
  if (!log.ok()) FAIL(describe(log.error()));
  return std::move(log.value());
}

}  // namespace

TEST_CASE("idempotence: a retried batch is answered with its original offsets and not appended again", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files());
  REQUIRE(log->append_as_leader(idempotent_batch(7, 0, 0, 3), 1, Time::zero())->first_offset == 0);
  REQUIRE(log->append_as_leader(idempotent_batch(7, 0, 3, 2), 1, Time::zero())->first_offset == 3);
  // The answer to the first append was lost; the producer sends the same batch again.
  auto retry = log->append_as_leader(idempotent_batch(7, 0, 0, 3), 1, Time::zero());
  REQUIRE(retry.ok());
  REQUIRE(retry->duplicate);
  REQUIRE(retry->first_offset == 0);
  REQUIRE(retry->last_offset == 2);
  REQUIRE(log->log_end_offset() == 5);
  // Without a producer id the same bytes are simply appended (Kafka's producer before 3.0).
  RecordBatch plain;
  plain.last_offset_delta = 0;
  plain.records.push_back(Record{});
  REQUIRE(log->append_as_leader(encode_batch(plain), 1, Time::zero())->first_offset == 5);
  REQUIRE(log->append_as_leader(encode_batch(plain), 1, Time::zero())->first_offset == 6);
}

TEST_CASE("idempotence: only the last 5 batches of a producer are remembered", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files());
  for (int b = 0; b < 6; ++b) REQUIRE(log->append_as_leader(idempotent_batch(1, 0, b, 1), 1, Time::zero()).ok());
  REQUIRE(log->producer_state().entry(1)->batches.size() == producer_batches_retained);
  // Batch 1 is among the last five: a duplicate. Batch 0 is not: it is out of order.
  REQUIRE(log->append_as_leader(idempotent_batch(1, 0, 1, 1), 1, Time::zero())->duplicate);
  auto too_old = log->append_as_leader(idempotent_batch(1, 0, 0, 1), 1, Time::zero());
  REQUIRE_FALSE(too_old.ok());
  REQUIRE(too_old.error().code == LogErrc::out_of_order_sequence_number);
}

TEST_CASE("idempotence: a sequence gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older epoch INVALID_PRODUCER_EPOCH", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files());
  // A producer the log does not know may start anywhere once the log has held a record (KIP-360:
  // its state may have expired).
  REQUIRE(log->append_as_leader(idempotent_batch(4, 0, 0, 1), 1, Time::zero()).ok());
  REQUIRE(log->append_as_leader(idempotent_batch(3, 2, 10, 2), 1, Time::zero()).ok());
  auto gap = log->append_as_leader(idempotent_batch(3, 2, 13, 1), 1, Time::zero());
  REQUIRE_FALSE(gap.ok());
  REQUIRE(gap.error().code == LogErrc::out_of_order_sequence_number);
  REQUIRE(log->log_end_offset() == 3);
  auto fenced = log->append_as_leader(idempotent_batch(3, 1, 12, 1), 1, Time::zero());
  REQUIRE_FALSE(fenced.ok());
  REQUIRE(fenced.error().code == LogErrc::invalid_producer_epoch);
  // A new epoch must start at sequence 0 (the producer bumped it and reset its sequences).
  auto new_epoch_late = log->append_as_leader(idempotent_batch(3, 3, 5, 1), 1, Time::zero());
  REQUIRE_FALSE(new_epoch_late.ok());
  REQUIRE(new_epoch_late.error().code == LogErrc::out_of_order_sequence_number);
  REQUIRE(log->append_as_leader(idempotent_batch(3, 3, 0, 1), 1, Time::zero())->first_offset == 3);
  REQUIRE(log->producer_state().entry(3)->epoch == 3);
  // The next sequence after Integer.MAX_VALUE is 0.
  BatchHeader wrapping;
  wrapping.base_sequence = 2147483646;
  wrapping.last_offset_delta = 2;
  REQUIRE(last_sequence(wrapping) == 0);
}

// KAFKA-15591 (Kafka 4.5): a log that never held a record takes only sequence 0 from a producer
// it does not know. Without it, a producer's first batch that failed while the partition was
// being created, overtaken by its second, was refused as out of order at every retry and expired.
TEST_CASE("idempotence: a log that never held a record refuses a first sequence other than 0", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto log = open_log(w.node(1).env().files());
  auto overtaking = log->append_as_leader(idempotent_batch(5, 0, 3, 2), 1, Time::zero());
  REQUIRE_FALSE(overtaking.ok());
  REQUIRE(overtaking.error().code == LogErrc::out_of_order_sequence_number);
  REQUIRE(overtaking.error().message.find("never held a record") != std::string::npos);
  REQUIRE(log->log_end_offset() == 0);
  REQUIRE(log->append_as_leader(idempotent_batch(5, 0, 0, 3), 1, Time::zero())->first_offset == 0);
  REQUIRE(log->append_as_leader(idempotent_batch(5, 0, 3, 2), 1, Time::zero())->first_offset == 3);
  // Another producer it does not know, now that the log has held records: any sequence.
  REQUIRE(log->append_as_leader(idempotent_batch(6, 0, 40, 1), 1, Time::zero())->first_offset == 5);
}

TEST_CASE("idempotence: the producer state follows truncation and survives a reopen", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  {
    auto log = open_log(files);
    REQUIRE(log->append_as_leader(idempotent_batch(9, 0, 0, 2), 1, Time::zero()).ok());
    REQUIRE(log->append_as_leader(idempotent_batch(9, 0, 2, 2), 1, Time::zero()).ok());
    // A follower truncating away the second batch forgets it: the same batch is new again.
    REQUIRE(*log->truncate_to(2, Time::zero()) == 2);
    REQUIRE(log->producer_state().entry(9)->last_seq() == 1);
    auto again = log->append_as_leader(idempotent_batch(9, 0, 2, 2), 1, Time::zero());
    REQUIRE(again.ok());
    REQUIRE_FALSE(again->duplicate);
    REQUIRE(again->first_offset == 2);
  }
  // Reopened (after a crash, the page cache kept), the log rebuilds the state from its batches.
  auto reopened = open_log(files);
  REQUIRE(reopened->producer_state().entry(9)->last_seq() == 3);
  auto retry = reopened->append_as_leader(idempotent_batch(9, 0, 0, 2), 1, Time::zero());
  REQUIRE(retry->duplicate);
  REQUIRE(retry->first_offset == 0);
  // A follower's appends teach the state too (a new leader answers duplicates as the old one).
  auto follower = PartitionLog::open(files, "follower", topic_partition, LogConfig{}, Time::zero());
  REQUIRE(follower.ok());
  auto read = reopened->read(0, 1 << 20, reopened->log_end_offset());
  REQUIRE(read.ok());
  REQUIRE((*follower)->append_as_follower(read->records, Time::zero()).ok());
  REQUIRE((*follower)->append_as_leader(idempotent_batch(9, 0, 2, 2), 2, Time::zero())->duplicate);
}

TEST_CASE("idempotence: the producer state is rebuilt from the batch headers of every segment", "[idempotence]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  {
    auto log = open_log(files);
    REQUIRE(log->append_as_leader(idempotent_batch(9, 0, 0, 2), 1, Time::zero()).ok());   // offsets 0-1
    REQUIRE(log->roll(Time::zero()).ok());
    REQUIRE(log->append_as_leader(idempotent_batch(10, 0, 0, 3), 1, Time::zero()).ok());  // 2-4
    REQUIRE(log->append_as_leader(idempotent_batch(9, 0, 2, 2), 1, Time::zero()).ok());   // 5-6
    REQUIRE(log->roll(Time::zero()).ok());
    REQUIRE(log->append_as_leader(idempotent_batch(10, 0, 3, 1), 1, Time::zero()).ok());  // 7
    // Truncation replays the headers from the log start, across the segment boundaries.
    REQUIRE(*log->truncate_to(5, Time::zero()) == 5);
    REQUIRE(log->producer_state().entry(9)->last_seq() == 1);
    REQUIRE(log->producer_state().entry(10)->last_seq() == 2);
    REQUIRE(log->append_as_leader(idempotent_batch(9, 0, 2, 2), 1, Time::zero())->first_offset == 5);
  }
  auto reopened = open_log(files);
  REQUIRE(reopened->producer_state().entry(9)->last_seq() == 3);
  REQUIRE(reopened->producer_state().entry(10)->last_seq() == 2);
  REQUIRE(reopened->append_as_leader(idempotent_batch(10, 0, 0, 3), 1, Time::zero())->duplicate);
}
