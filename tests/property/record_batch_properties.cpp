// Property tests of the record batch codec over random batches (null, empty and binary keys
// and values, headers, extreme timestamps, offset gaps as left by compaction, every codec):
// encode/decode round trips; every single-bit flip the CRC covers is detected and the ones it
// does not cover (baseOffset, partitionLeaderEpoch) change only those fields, as in Kafka;
// every truncation is an error; and mutated bytes with a recomputed CRC never crash the
// decoder, and whatever it accepts re-encodes to itself.
#include "broker/log/record_batch.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "broker/log/crc32c.h"

namespace kraftsim::log {
namespace {

const std::vector<Compression> all_codecs = {Compression::none, Compression::gzip, Compression::snappy,
                                              Compression::lz4, Compression::zstd};

// Binary noise or a three-letter alphabet (which the codecs can squeeze), up to 300 bytes.
rc::Gen<Bytes> gen_payload() {
  return rc::gen::exec([] {
    const auto size_bytes = *rc::gen::inRange<std::size_t>(0, 300);
    if (*rc::gen::arbitrary<bool>()) {
      return *rc::gen::container<Bytes>(size_bytes, rc::gen::elementOf(std::vector<std::uint8_t>{'a', 'b', 'c'}));
    }
    return *rc::gen::container<Bytes>(size_bytes, rc::gen::arbitrary<std::uint8_t>());
  });
}

// Null, empty and non-empty are three different things on the wire (-1, 0, n).
rc::Gen<std::optional<Bytes>> gen_nullable() {
  return rc::gen::exec([]() -> std::optional<Bytes> {
    switch (*rc::gen::inRange(0, 4)) {
      case 0: return std::nullopt;
      case 1: return Bytes{};
      default: return *gen_payload();
    }
  });
}

rc::Gen<Header> gen_header() {
  return rc::gen::exec([] {
    const auto key_bytes = *rc::gen::inRange<std::size_t>(0, 20);
    Header header;
    header.key = *rc::gen::container<std::string>(key_bytes, rc::gen::arbitrary<char>());
    header.value = *gen_nullable();
    return header;
  });
}

rc::Gen<RecordBatch> gen_batch() {
  return rc::gen::exec([] {
    RecordBatch batch;
    const auto record_count = *rc::gen::inRange(0, 25);
    std::int32_t offset_delta = -1;
    for (int i = 0; i < record_count; ++i) {
      // Mostly consecutive offsets; sometimes a gap, as compaction leaves.
      offset_delta += *rc::gen::inRange(0, 8) == 0 ? *rc::gen::inRange(2, 1000) : 1;
      Record record;
      record.offset_delta = offset_delta;
      record.timestamp_delta = *rc::gen::oneOf(rc::gen::inRange<std::int64_t>(-1000, 1000),
                                               rc::gen::arbitrary<std::int64_t>());
      record.key = *gen_nullable();
      record.value = *gen_nullable();
      record.headers = *rc::gen::container<std::vector<Header>>(
          static_cast<std::size_t>(*rc::gen::inRange(0, 4)), gen_header());
      batch.records.push_back(std::move(record));
    }
    batch.last_offset_delta = std::max(offset_delta, 0) + (*rc::gen::inRange(0, 4) == 0 ? *rc::gen::inRange(1, 100) : 0);
    batch.base_offset = *rc::gen::inRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max() / 2);
    batch.partition_leader_epoch = *rc::gen::arbitrary<std::int32_t>();
    batch.compression = *rc::gen::elementOf(all_codecs);
    batch.timestamp_type = *rc::gen::elementOf(std::vector<TimestampType>{TimestampType::create_time,
                                                                          TimestampType::log_append_time});
    batch.transactional = *rc::gen::arbitrary<bool>();
    batch.control = *rc::gen::arbitrary<bool>();
    batch.has_delete_horizon = *rc::gen::arbitrary<bool>();
    batch.base_timestamp = *rc::gen::arbitrary<std::int64_t>();
    batch.max_timestamp = *rc::gen::arbitrary<std::int64_t>();
    batch.producer_id = *rc::gen::arbitrary<std::int64_t>();
    batch.producer_epoch = *rc::gen::arbitrary<std::int16_t>();
    batch.base_sequence = *rc::gen::arbitrary<std::int32_t>();
    return batch;
  });
}

void reseal(Bytes& batch) {
  const std::uint32_t crc = crc32c(ByteView(batch).subspan(batch_field::attributes));
  store_big_endian(batch, batch_field::crc, crc, 4);
}

bool in_uncovered_field(std::size_t byte) {
  return byte < batch_field::batch_length ||
         (byte >= batch_field::partition_leader_epoch && byte < batch_field::magic);
}

// What a single flipped bit at `bit` must do to the decode of `bytes` (the encoding of
// `batch`): empty when it does, else what went wrong.
std::string single_bit_flip_problem(const RecordBatch& batch, const Bytes& bytes, std::size_t bit) {
  Bytes flipped = bytes;
  const std::size_t byte = bit / 8;
  flipped[byte] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  const auto decoded = decode_batch(flipped);
  const std::string where = "bit " + std::to_string(bit) + " (byte " + std::to_string(byte) + "): ";
  const auto error_code = [&] { return decoded.ok() ? std::string("accepted") : describe(decoded.error()); };
  if (byte >= batch_field::crc) {
    // Covered by the CRC (or the CRC itself): CRC-32C detects every single-bit error.
    if (decoded.ok() || decoded.error().code != DecodeErrc::crc_mismatch) return where + error_code();
  } else if (byte == batch_field::magic) {
    if (decoded.ok() || decoded.error().code != DecodeErrc::unsupported_magic) return where + error_code();
  } else if (!in_uncovered_field(byte)) {
    // batchLength: not covered either, but then the length disagrees with the bytes.
    if (decoded.ok()) return where + "a changed batchLength was accepted";
  } else if (byte == batch_field::base_offset && bit % 8 == 7) {
    // The sign bit of baseOffset: a negative offset is rejected as a field, not by the CRC.
    if (decoded.ok() || decoded.error().code != DecodeErrc::invalid_field) return where + error_code();
  } else {
    // Kafka's design: baseOffset and partitionLeaderEpoch are outside the CRC so the log can
    // assign them in place. The batch decodes; exactly that field differs.
    if (!decoded.ok()) return where + error_code();
    RecordBatch expected = batch;
    if (byte < batch_field::batch_length) {
      expected.base_offset = static_cast<std::int64_t>(load_big_endian(flipped, batch_field::base_offset, 8));
    } else {
      expected.partition_leader_epoch =
          static_cast<std::int32_t>(load_big_endian(flipped, batch_field::partition_leader_epoch, 4));
    }
    if (expected == batch) return where + "the flip changed nothing";
    if (!(*decoded == expected)) return where + "fields other than baseOffset/partitionLeaderEpoch changed";
  }
  return {};
}

}  // namespace

TEST_CASE("record batch properties: encode then decode is the identity, with every codec",
          "[record_batch][property]") {
  rc::prop("decode(encode(batch)) == batch", [] {
    RecordBatch batch = *gen_batch();
    for (Compression codec : all_codecs) {
      batch.compression = codec;
      const Bytes bytes = encode_batch(batch);
      const auto decoded = decode_batch(bytes);
      if (!decoded.ok()) RC_LOG() << describe(decoded.error()) << "\n";
      RC_ASSERT(decoded.ok());
      RC_ASSERT(*decoded == batch);
      const auto header = peek_batch_header(bytes);
      RC_ASSERT(header.ok());
      RC_ASSERT(header->size_bytes() == bytes.size());
      RC_ASSERT(header->base_offset == batch.base_offset);
      RC_ASSERT(header->last_offset() == batch.last_offset());
      RC_ASSERT(header->records_count == static_cast<std::int32_t>(batch.records.size()));
      RC_ASSERT(header->compression == codec);
    }
  });
}

TEST_CASE("record batch properties: a single flipped bit never yields a silently different batch",
          "[record_batch][property]") {
  rc::prop("flips from the magic on are errors; baseOffset/epoch flips change only that field", [] {
    const RecordBatch batch = *gen_batch();
    const Bytes bytes = encode_batch(batch);
    const auto bit = *rc::gen::inRange<std::size_t>(0, bytes.size() * 8);
    const std::string problem = single_bit_flip_problem(batch, bytes, bit);
    RC_ASSERT(problem == std::string());
  });
}

TEST_CASE("record batch properties: every bit of a small batch, for every codec", "[record_batch][property]") {
  // Exhaustive over the bits of one fixed batch per codec, beside the random positions above.
  RecordBatch batch;
  batch.base_offset = 100;
  batch.partition_leader_epoch = 3;
  batch.last_offset_delta = 2;
  batch.base_timestamp = 1'700'000'000'000;
  batch.max_timestamp = 1'700'000'000'002;
  batch.records.push_back(Record{0, 0, Bytes{'k', '1'}, Bytes(40, 'v'), {Header{"h", Bytes{1, 2}}}});
  batch.records.push_back(Record{1, 1, std::nullopt, Bytes{}, {}});
  batch.records.push_back(Record{2, 2, Bytes{}, std::nullopt, {Header{"", std::nullopt}}});
  for (Compression codec : all_codecs) {
    batch.compression = codec;
    const Bytes bytes = encode_batch(batch);
    INFO(compression_name(codec));
    std::size_t problems = 0;
    for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
      const std::string problem = single_bit_flip_problem(batch, bytes, bit);
      if (problem.empty()) continue;
      ++problems;
      if (problems <= 5) FAIL_CHECK(problem);
    }
    CHECK(problems == 0);
  }
}

TEST_CASE("record batch properties: truncation at every length is an error", "[record_batch][property]") {
  rc::prop("every strict prefix fails to decode; the header alone peeks without the CRC", [] {
    const RecordBatch batch = *gen_batch();
    const Bytes bytes = encode_batch(batch);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      const ByteView prefix = ByteView(bytes).first(length);
      const auto decoded = decode_batch(prefix);
      RC_ASSERT(!decoded.ok());
      RC_ASSERT(decoded.error().code == DecodeErrc::truncated);
      RC_ASSERT(decoded.error().offset_bytes <= length);
      RC_ASSERT(!peek_batch_header(prefix, CrcCheck::verify).ok());
      RC_ASSERT(peek_batch_header(prefix, CrcCheck::skip).ok() == (length >= batch_header_size_bytes));
    }
  });
}

TEST_CASE("record batch properties: mutated bytes with a recomputed CRC never crash the decoder",
          "[record_batch][property]") {
  rc::prop("what decodes re-encodes to itself; the rest are errors", [] {
    RecordBatch batch = *gen_batch();
    // Half of them uncompressed, so the damage reaches the record parser, not only the codecs.
    if (*rc::gen::arbitrary<bool>()) batch.compression = Compression::none;
    Bytes bytes = encode_batch(batch);
    const auto mutation_count = *rc::gen::inRange(1, 6);
    for (int i = 0; i < mutation_count; ++i) {
      // Mostly past the CRC so the parsers behind it see the damage.
      const auto position = *rc::gen::inRange<std::size_t>(batch_field::attributes, bytes.size());
      bytes[position] = *rc::gen::arbitrary<std::uint8_t>();
    }
    if (*rc::gen::arbitrary<bool>()) {
      const auto new_size = *rc::gen::inRange<std::size_t>(batch_header_size_bytes, bytes.size() + 1);
      bytes.resize(new_size);
      store_big_endian(bytes, batch_field::batch_length, new_size - log_overhead_bytes, 4);
    }
    reseal(bytes);
    const auto decoded = decode_batch(bytes);
    RC_TAG(decoded.ok() ? std::string("accepted") : std::string(decode_errc_name(decoded.error().code)));
    if (decoded.ok()) {
      const auto again = decode_batch(encode_batch(*decoded));
      RC_ASSERT(again.ok());
      RC_ASSERT(*again == *decoded);
    }
  });
}

}  // namespace kraftsim::log
