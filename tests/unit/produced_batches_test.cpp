// ProducedBatches: the end of a run recognises an acknowledged batch in a replica's log by its
// partition, base offset and verified CRC, and reads its values from the producer's
// produce-acked event instead of decoding it. Anything else must not be recognised.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "broker/client/record_value.h"
#include "broker/log/record_batch.h"
#include "broker/log/record_batch_builder.h"
#include "sim/check/offset_values.h"
#include "sim/check/produced_batches.h"
#include "tests/support/checker_events.h"

using namespace kraftsim;
using kraftsim::check::PartitionKey;
using kraftsim::check::ProducedBatches;
using kraftsim::check::RecordValue;
using kraftsim::check::ValueArena;
using kraftsim::testing::state;

namespace {

constexpr NodeId producer = 7;
constexpr std::int64_t value_bytes = 200;
const PartitionKey orders0{"orders", 0};

// A batch as the producer builds it (client::Producer::build_batch): records first_seq.. of
// producer 7, idempotent, lz4; then placed at base_offset as the leader's log does.
log::Bytes producer_batch(std::int64_t first_seq, int records, std::int64_t base_offset) {
  log::BatchBuilderConfig bc;
  bc.compression = log::Compression::lz4;
  bc.producer_id = 4000;
  bc.producer_epoch = 0;
  bc.base_sequence = static_cast<std::int32_t>(first_seq);
  log::BatchBuilder builder(bc);
  for (int i = 0; i < records; ++i) {
    const std::string value = client::producer_value(producer, first_seq + i, value_bytes);
    const log::ByteView bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
    REQUIRE(builder.try_append(1000 + i, std::nullopt, bytes) == log::AppendOutcome::appended);
  }
  log::Bytes batch = builder.encode();
  log::set_base_offset(batch, base_offset);
  return batch;
}

log::BatchHeader header_of(const log::Bytes& batch) {
  auto header = log::peek_batch_header(batch, log::CrcCheck::skip);
  REQUIRE(header.ok());
  return *header;
}

// The producer's produce-acked event for `batch` (its fields as client::Producer records them).
kraftsim::testing::FedEvent acked(const log::Bytes& batch, std::int64_t first_seq, std::int64_t base_offset,
                                  const std::string& topic = "orders") {
  const log::BatchHeader h = header_of(batch);
  return state(100, producer, "produce-acked",
               {{"topic", topic},
                {"partition", 0},
                {"base_offset", base_offset},
                {"records", static_cast<std::int64_t>(h.records_count)},
                {"first_seq", first_seq},
                {"acks", "all"},
                {"attempt", 1},
                {"crc", static_cast<std::int64_t>(h.crc)},
                {"value_bytes", value_bytes}});
}

}  // namespace

TEST_CASE("produced batches: an acknowledged batch is recognised at its offset with its verified CRC", "[check]") {
  const log::Bytes batch = producer_batch(40, 5, 100);
  ProducedBatches produced;
  produced.on_event(acked(batch, 40, 100));
  REQUIRE(produced.size() == 1);
  const check::ProducedBatch* known = produced.recognise(orders0, header_of(batch), batch);
  REQUIRE(known != nullptr);
  REQUIRE(known->producer == producer);
  REQUIRE(known->first_seq == 40);
  REQUIRE(known->records == 5);
  REQUIRE(known->value_bytes == value_bytes);
  // What the recognised batch's values become is what decoding it gives.
  auto decoded = log::decode_batch_view(batch);
  REQUIRE(decoded.ok());
  ValueArena arena;
  for (std::size_t i = 0; i < decoded->records.size(); ++i) {
    const auto& record = decoded->records[i];
    const std::string_view text(reinterpret_cast<const char*>(record.value->data()), record.value->size());
    const auto index = static_cast<std::int64_t>(i);
    REQUIRE(*arena.keep_producer_value(known->producer, known->first_seq + index, known->value_bytes) == RecordValue::of(text));
    REQUIRE(log::record_offset(decoded->header, record) == 100 + index);
  }
}

TEST_CASE("produced batches: changed bytes, another offset or partition, or an ambiguous key are decoded instead", "[check]") {
  const log::Bytes batch = producer_batch(40, 5, 100);
  ProducedBatches produced;
  produced.on_event(acked(batch, 40, 100));

  SECTION("a byte of the records changed, the stored CRC kept: the CRC does not verify") {
    log::Bytes changed = batch;
    changed[changed.size() - 3] ^= 0x01;
    REQUIRE(header_of(changed).crc == header_of(batch).crc);
    REQUIRE(produced.recognise(orders0, header_of(changed), changed) == nullptr);
  }
  SECTION("the same bytes at another offset (a duplicate appended again) are not the acknowledged batch") {
    log::Bytes moved = batch;
    log::set_base_offset(moved, 105);
    REQUIRE(produced.recognise(orders0, header_of(moved), moved) == nullptr);
  }
  SECTION("another partition") {
    REQUIRE(produced.recognise(PartitionKey{"orders", 1}, header_of(batch), batch) == nullptr);
    REQUIRE(produced.recognise(PartitionKey{"payments", 0}, header_of(batch), batch) == nullptr);
  }
  SECTION("another batch at the same offset (a diverged leader's)") {
    const log::Bytes other = producer_batch(45, 5, 100);
    REQUIRE(produced.recognise(orders0, header_of(other), other) == nullptr);
  }
  SECTION("two different batches acknowledged under one offset and CRC: neither is trusted") {
    produced.on_event(acked(batch, 41, 100));  // the same offset and CRC, other records
    REQUIRE(produced.size() == 1);
    REQUIRE(produced.recognise(orders0, header_of(batch), batch) == nullptr);
  }
  SECTION("the same batch acknowledged twice is still that batch") {
    produced.on_event(acked(batch, 40, 100));
    REQUIRE(produced.recognise(orders0, header_of(batch), batch) != nullptr);
  }
}

TEST_CASE("produced batches: acks=0 answers (no offset) and events without a CRC are not indexed", "[check]") {
  const log::Bytes batch = producer_batch(0, 3, 0);
  ProducedBatches produced;
  produced.on_event(acked(batch, 0, -1));
  produced.on_event(state(100, producer, "produce-acked", {{"topic", "orders"}, {"partition", 0}, {"base_offset", 0}, {"records", 3}}));
  produced.on_event(state(100, producer, "produce-error", {{"topic", "orders"}, {"partition", 0}}));
  REQUIRE(produced.size() == 0);
  REQUIRE(produced.recognise(orders0, header_of(batch), batch) == nullptr);
}

TEST_CASE("record values: a producer value's size and hash without its text are those parsed from it", "[check]") {
  for (const std::int64_t bytes : {0, 5, 12, 46, 47, 48, 200}) {
    for (const std::int64_t seq : {std::int64_t{0}, std::int64_t{9}, std::int64_t{123456789012}}) {
      const std::string text = client::producer_value(producer, seq, bytes);
      const client::ParsedValue parsed = client::parse_record_value(text);
      REQUIRE(client::producer_value_size(producer, seq, bytes) == text.size());
      REQUIRE(client::producer_value_hash(producer, seq, text.size()) == parsed.hash);
    }
  }
}
