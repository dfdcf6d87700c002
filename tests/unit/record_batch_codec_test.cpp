// Unit tests of the magic-v2 record batch codec: the CRC-32C check value, Kafka's varints, a
// golden batch built byte by byte from the documented layout, batches written by another
// Kafka client (sarama), header patching, precise decode errors, and the batch builder.
#include "broker/log/record_batch.h"

#include <catch2/catch.hpp>

#include <boost/crc.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "broker/log/crc32c.h"
#include "broker/log/record_batch_builder.h"
#include "broker/log/varint.h"

namespace kraftsim::log {
namespace {

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// Test-side writers, independent of the project's encoder: network order, byte by byte.
void put(Bytes& out, std::initializer_list<int> values) {
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
}
void put_be(Bytes& out, std::uint64_t value, int width_bytes) {
  for (int i = width_bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// CRC-32C straight from Boost, not through the project's wrapper.
std::uint32_t boost_crc32c(const Bytes& bytes, std::size_t from) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(bytes.data() + from, bytes.size() - from);
  return crc.checksum();
}

// Recomputes the CRC after a test edited covered bytes, to reach the checks behind it.
void reseal(Bytes& batch) {
  const std::uint32_t crc = crc32c(ByteView(batch).subspan(batch_field::attributes));
  for (int i = 0; i < 4; ++i) batch[batch_field::crc + i] = static_cast<std::uint8_t>(crc >> (8 * (3 - i)));
}

DecodeError decode_error(const Bytes& bytes) {
  auto result = decode_batch(bytes);
  REQUIRE_FALSE(result.ok());
  INFO(describe(result.error()));
  return result.error();
}

// The golden batch: two records, transactional, built from the layout in the Kafka docs.
Bytes golden_batch_bytes() {
  Bytes b;
  put_be(b, 5, 8);                        // baseOffset
  put_be(b, 69, 4);                       // batchLength = 81 - 12
  put_be(b, 7, 4);                        // partitionLeaderEpoch
  put(b, {2});                            // magic
  put_be(b, 0, 4);                        // crc, filled in below
  put_be(b, 0x0010, 2);                   // attributes: no codec, CreateTime, transactional
  put_be(b, 1, 4);                        // lastOffsetDelta
  put_be(b, 1'700'000'000'000ULL, 8);     // baseTimestamp
  put_be(b, 1'700'000'000'005ULL, 8);     // maxTimestamp
  put_be(b, 1000, 8);                     // producerId
  put_be(b, 3, 2);                        // producerEpoch
  put_be(b, 42, 4);                       // baseSequence
  put_be(b, 2, 4);                        // records count
  REQUIRE(b.size() == 61);
  // Record 0: key "k", value "v1", no headers. Varints are zigzag: n >= 0 -> 2n, -1 -> 1.
  put(b, {0x12,             // length 9
          0x00,             // attributes
          0x00,             // timestampDelta 0
          0x00,             // offsetDelta 0
          0x02, 'k',        // key length 1, key
          0x04, 'v', '1',   // value length 2, value
          0x00});           // 0 headers
  // Record 1: null key, empty value, one header "h" with a null value, 5 ms later.
  put(b, {0x12,             // length 9
          0x00,             // attributes
          0x0A,             // timestampDelta 5
          0x02,             // offsetDelta 1
          0x01,             // key length -1: null
          0x00,             // value length 0: empty
          0x02,             // 1 header
          0x02, 'h',        // header key length 1, key
          0x01});           // header value length -1: null
  REQUIRE(b.size() == 81);
  const std::uint32_t crc = boost_crc32c(b, 21);
  for (int i = 0; i < 4; ++i) b[17 + i] = static_cast<std::uint8_t>(crc >> (8 * (3 - i)));
  return b;
}

RecordBatch golden_batch() {
  RecordBatch batch;
  batch.base_offset = 5;
  batch.partition_leader_epoch = 7;
  batch.transactional = true;
  batch.last_offset_delta = 1;
  batch.base_timestamp = 1'700'000'000'000;
  batch.max_timestamp = 1'700'000'000'005;
  batch.producer_id = 1000;
  batch.producer_epoch = 3;
  batch.base_sequence = 42;
  batch.records.push_back(Record{0, 0, bytes_of("k"), bytes_of("v1"), {}});
  batch.records.push_back(Record{5, 1, std::nullopt, Bytes{}, {Header{"h", std::nullopt}}});
  return batch;
}

// Batches written by sarama, the Go Kafka client (IBM/sarama record_test.go), with its CRCs
// computed by Go's own CRC-32C: an independent check of layout, varints and checksum.
Bytes sarama_header(std::uint32_t batch_length, std::uint32_t crc, std::uint16_t attributes, std::uint32_t count,
                    std::uint64_t base_timestamp) {
  Bytes b;
  put_be(b, 0, 8);
  put_be(b, batch_length, 4);
  put_be(b, 0, 4);
  put(b, {2});
  put_be(b, crc, 4);
  put_be(b, attributes, 2);
  put_be(b, 0, 4);
  put_be(b, base_timestamp, 8);
  put_be(b, 0, 8);
  put_be(b, 0, 8);
  put_be(b, 0, 2);
  put_be(b, 0, 4);
  put_be(b, count, 4);
  return b;
}

constexpr std::uint64_t sarama_timestamp = 1479847795000;  // time.Unix(1479847795, 0)

RecordBatch sarama_batch(Compression compression, bool with_record) {
  RecordBatch batch;
  batch.partition_leader_epoch = 0;
  batch.compression = compression;
  batch.base_timestamp = with_record ? static_cast<std::int64_t>(sarama_timestamp) : 0;
  batch.max_timestamp = 0;
  batch.producer_id = 0;
  batch.producer_epoch = 0;
  batch.base_sequence = 0;
  if (with_record) {
    batch.records.push_back(
        Record{5, 0, Bytes{1, 2, 3, 4}, Bytes{5, 6, 7}, {Header{std::string("\x08\x09\x0a"), Bytes{11, 12}}}});
  }
  return batch;
}

const std::initializer_list<int> sarama_record = {40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7,
                                                  2,  6, 8, 9, 10, 4, 11, 12};

}  // namespace

TEST_CASE("record batch: CRC-32C matches the standard check value", "[record_batch]") {
  const Bytes check = bytes_of("123456789");
  CHECK(crc32c(check) == 0xE3069283u);
  CHECK(crc32c(ByteView{}) == 0u);
}

TEST_CASE("record batch: varints are Kafka's zigzag encoding", "[record_batch]") {
  const auto encoded = [](std::int32_t v) {
    Bytes out;
    append_varint(out, v);
    return out;
  };
  CHECK(encoded(0) == Bytes{0x00});
  CHECK(encoded(-1) == Bytes{0x01});
  CHECK(encoded(1) == Bytes{0x02});
  CHECK(encoded(63) == Bytes{0x7E});
  CHECK(encoded(-64) == Bytes{0x7F});
  CHECK(encoded(64) == Bytes{0x80, 0x01});
  CHECK(encoded(INT32_MAX) == Bytes{0xFE, 0xFF, 0xFF, 0xFF, 0x0F});
  CHECK(encoded(INT32_MIN) == Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
  Bytes long_min;
  append_varlong(long_min, INT64_MIN);
  CHECK(long_min == Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});

  for (std::int64_t v : {INT64_MIN, INT64_MIN + 1, -300L, -1L, 0L, 1L, 300L, INT64_MAX}) {
    Bytes out;
    append_varlong(out, v);
    CHECK(out.size() == varlong_size_bytes(v));
    auto read = read_varlong(out);
    REQUIRE(read.ok());
    CHECK(read->value == v);
    CHECK(read->size_bytes == out.size());
  }
  // A non-minimal encoding is accepted (as in Kafka); bits beyond the type are not.
  const Bytes zero_long_form{0x80, 0x00};
  CHECK(read_varint(zero_long_form)->value == 0);
  const Bytes too_wide{0xFF, 0xFF, 0xFF, 0xFF, 0x1F};
  CHECK(read_varint(too_wide).error() == VarintErrc::too_long);
  const Bytes six_groups{0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  CHECK(read_varint(six_groups).error() == VarintErrc::too_long);
  const Bytes varlong_too_wide{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
  CHECK(read_varlong(varlong_too_wide).error() == VarintErrc::too_long);
  const Bytes unfinished{0x80};
  CHECK(read_varint(unfinished).error() == VarintErrc::truncated);
  CHECK(read_varint(ByteView{}).error() == VarintErrc::truncated);
}

TEST_CASE("record batch: a golden batch built from the documented layout", "[record_batch]") {
  const Bytes golden = golden_batch_bytes();
  SECTION("encode produces exactly the documented bytes") { CHECK(encode_batch(golden_batch()) == golden); }
  SECTION("decode reads them back") {
    auto decoded = decode_batch(golden);
    INFO((decoded.ok() ? std::string("ok") : describe(decoded.error())));
    REQUIRE(decoded.ok());
    CHECK(*decoded == golden_batch());
    CHECK(record_offset(*decoded, decoded->records[1]) == 6);
    CHECK(record_timestamp(*decoded, decoded->records[1]) == 1'700'000'000'005);
  }
  SECTION("the header peeks without decoding records") {
    auto header = peek_batch_header(golden);
    REQUIRE(header.ok());
    CHECK(header->base_offset == 5);
    CHECK(header->last_offset() == 6);
    CHECK(header->next_offset() == 7);
    CHECK(header->batch_length == 69);
    CHECK(header->size_bytes() == golden.size());
    CHECK(header->partition_leader_epoch == 7);
    CHECK(header->crc == boost_crc32c(golden, 21));
    CHECK(header->transactional);
    CHECK_FALSE(header->control);
    CHECK(header->records_count == 2);
    CHECK(header->producer_id == 1000);
  }
}

TEST_CASE("record batch: batches written by sarama decode, and ours match them byte for byte", "[record_batch]") {
  SECTION("empty batch") {
    const Bytes bytes = sarama_header(49, 0x595FB7DD, 0, 0, 0);
    CHECK(encode_batch(sarama_batch(Compression::none, false)) == bytes);
    auto decoded = decode_batch(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == sarama_batch(Compression::none, false));
  }
  SECTION("empty control batch") {
    const Bytes bytes = sarama_header(49, 0x512E43D9, 0x0020, 0, 0);
    RecordBatch expected = sarama_batch(Compression::none, false);
    expected.control = true;
    CHECK(encode_batch(expected) == bytes);
    auto decoded = decode_batch(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == expected);
  }
  SECTION("uncompressed record with a header") {
    Bytes bytes = sarama_header(70, 0x547961FD, 0, 1, sarama_timestamp);
    put(bytes, sarama_record);
    CHECK(encode_batch(sarama_batch(Compression::none, true)) == bytes);
    auto decoded = decode_batch(bytes);
    REQUIRE(decoded.ok());
    CHECK(*decoded == sarama_batch(Compression::none, true));
  }
  SECTION("gzip (a member with an mtime and OS 255)") {
    Bytes bytes = sarama_header(95, 0xE74ACEA5, 1, 1, sarama_timestamp);
    put(bytes, {31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 0, 21, 0, 234, 255, 40, 0, 10, 0, 8, 1, 2,
                3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12, 3, 0, 173, 201, 88, 103, 21, 0, 0, 0});
    auto decoded = decode_batch(bytes);
    INFO((decoded.ok() ? std::string("ok") : describe(decoded.error())));
    REQUIRE(decoded.ok());
    CHECK(*decoded == sarama_batch(Compression::gzip, true));
  }
  SECTION("snappy without xerial framing (raw block, read by SnappyInputStream's fallback)") {
    Bytes bytes = sarama_header(72, 0x15009F61, 2, 1, sarama_timestamp);
    put(bytes, {21, 80, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12});
    auto decoded = decode_batch(bytes);
    INFO((decoded.ok() ? std::string("ok") : describe(decoded.error())));
    REQUIRE(decoded.ok());
    CHECK(*decoded == sarama_batch(Compression::snappy, true));
  }
  SECTION("lz4 (a frame with a content checksum and 4 MiB blocks)") {
    Bytes bytes = sarama_header(89, 0xA94A77C5, 3, 1, sarama_timestamp);
    put(bytes, {4, 34, 77, 24, 100, 112, 185, 21, 0, 0, 128, 40, 0, 10, 0, 8, 1, 2, 3, 4, 6, 5, 6, 7, 2,
                6, 8, 9, 10, 4, 11, 12, 0, 0, 0, 0, 12, 59, 239, 146});
    auto decoded = decode_batch(bytes);
    INFO((decoded.ok() ? std::string("ok") : describe(decoded.error())));
    REQUIRE(decoded.ok());
    CHECK(*decoded == sarama_batch(Compression::lz4, true));
  }
}

TEST_CASE("record batch: the log patches base offset and leader epoch without touching the CRC",
          "[record_batch]") {
  Bytes bytes = encode_batch(golden_batch());
  const Bytes crc_before(bytes.begin() + 17, bytes.begin() + 21);
  set_base_offset(bytes, 1'000'000);
  set_partition_leader_epoch(bytes, 12);
  CHECK(Bytes(bytes.begin() + 17, bytes.begin() + 21) == crc_before);
  auto decoded = decode_batch(bytes);
  REQUIRE(decoded.ok());
  RecordBatch expected = golden_batch();
  expected.base_offset = 1'000'000;
  expected.partition_leader_epoch = 12;
  CHECK(*decoded == expected);
  CHECK(decoded->last_offset() == 1'000'001);
}

TEST_CASE("record batch: peek walks a run of batches, skipping the CRC needs only the header",
          "[record_batch]") {
  RecordBatch second = golden_batch();
  second.base_offset = 7;
  second.compression = Compression::zstd;
  Bytes run = encode_batch(golden_batch());
  const Bytes tail = encode_batch(second);
  run.insert(run.end(), tail.begin(), tail.end());

  std::vector<std::int64_t> base_offsets;
  std::size_t position = 0;
  while (position < run.size()) {
    auto header = peek_batch_header(ByteView(run).subspan(position));
    REQUIRE(header.ok());
    base_offsets.push_back(header->base_offset);
    position += header->size_bytes();
  }
  CHECK(position == run.size());
  CHECK(base_offsets == std::vector<std::int64_t>{5, 7});

  const ByteView header_only = ByteView(run).first(batch_header_size_bytes);
  CHECK(peek_batch_header(header_only, CrcCheck::skip).ok());
  CHECK(peek_batch_header(header_only, CrcCheck::verify).error().code == DecodeErrc::truncated);
  CHECK(peek_batch_header(ByteView(run).first(60), CrcCheck::skip).error().code == DecodeErrc::truncated);
  // decode_batch wants exactly one batch.
  CHECK(decode_error(run).code == DecodeErrc::trailing_bytes);
}

TEST_CASE("record batch: decode errors say what and at which byte", "[record_batch]") {
  const Bytes good = golden_batch_bytes();

  SECTION("an older magic") {
    Bytes bytes = good;
    bytes[16] = 1;
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::unsupported_magic);
    CHECK(error.offset_bytes == 16);
  }
  SECTION("a flipped bit in a record is a CRC mismatch") {
    Bytes bytes = good;
    bytes[70] ^= 0x04;
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::crc_mismatch);
    CHECK(error.offset_bytes == 17);
    CHECK(describe(error).find("crc_mismatch at batch byte 17") == 0);
  }
  SECTION("a batch length below the header") {
    Bytes bytes = good;
    bytes[11] = 10;
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::invalid_batch_length);
    CHECK(error.offset_bytes == 8);
  }
  SECTION("a batch length beyond the limit") {
    Bytes bytes = good;
    bytes[8] = 0x7F;
    CHECK(decode_error(bytes).code == DecodeErrc::limit_exceeded);
  }
  SECTION("one byte missing") {
    Bytes bytes = good;
    bytes.pop_back();
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::truncated);
    CHECK(error.offset_bytes == 80);
  }
  SECTION("an unknown codec id") {
    Bytes bytes = good;
    bytes[22] = 0x15;  // transactional + codec 5
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::invalid_attributes);
    CHECK(error.offset_bytes == 21);
  }
  SECTION("reserved attribute bits") {
    Bytes bytes = good;
    bytes[21] = 0x01;
    reseal(bytes);
    CHECK(decode_error(bytes).code == DecodeErrc::invalid_attributes);
  }
  SECTION("fewer records declared than present") {
    Bytes bytes = good;
    bytes[60] = 1;
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::trailing_bytes);
    CHECK(error.offset_bytes == 71);  // the second record
  }
  SECTION("more records declared than the bytes can hold") {
    Bytes bytes = good;
    bytes[60] = 3;
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::invalid_field);
    CHECK(error.offset_bytes == 57);
  }
  SECTION("offset deltas out of order") {
    Bytes bytes = good;
    bytes[74] = 0x00;  // second record's offsetDelta 1 -> 0
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::invalid_field);
    CHECK(error.offset_bytes == 71);
  }
  SECTION("a record length that runs past the batch") {
    Bytes bytes = good;
    bytes[71] = 0x14;  // second record claims 10 body bytes, 9 remain
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::truncated);
    CHECK(error.offset_bytes == 72);
  }
  SECTION("a negative key length other than -1") {
    Bytes bytes = good;
    bytes[75] = 0x03;  // second record's key length -2
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::invalid_field);
    CHECK(error.offset_bytes == 75);
  }
  SECTION("errors inside compressed records count in the decompressed bytes") {
    // A gzip batch whose one record claims 9 body bytes but has 7.
    const Bytes records = {0x12, 0, 0, 0, 0, 0, 0, 0};
    Bytes bytes(good.begin(), good.begin() + 61);
    bytes[22] = 0x11;  // gzip + transactional
    bytes[60] = 1;
    const Bytes compressed = compress(Compression::gzip, records);
    bytes.insert(bytes.end(), compressed.begin(), compressed.end());
    store_big_endian(bytes, batch_field::batch_length, bytes.size() - 12, 4);
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::truncated);
    CHECK(error.region == ErrorRegion::decompressed_records);
    CHECK(error.offset_bytes == 1);
  }
  SECTION("a corrupt compressed section") {
    Bytes bytes(good.begin(), good.begin() + 61);
    bytes[22] = 0x14;  // zstd + transactional
    put(bytes, {0x28, 0xB5, 0x2F, 0xFD, 0xFF, 0xFF, 0xFF});
    store_big_endian(bytes, batch_field::batch_length, bytes.size() - 12, 4);
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::decompression_failed);
    CHECK(error.offset_bytes == 61);
  }
}

TEST_CASE("record batch: a decompression bomb stops at the records limit", "[record_batch]") {
  const Bytes zeros(batch_records_bytes_max + 1, 0);
  for (Compression codec : {Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd}) {
    INFO(compression_name(codec));
    Bytes bytes = golden_batch_bytes();
    bytes.resize(61);
    bytes[22] = static_cast<std::uint8_t>(0x10 | static_cast<int>(codec));
    const Bytes compressed = compress(codec, zeros);
    CHECK(compressed.size() < zeros.size() / 10);
    bytes.insert(bytes.end(), compressed.begin(), compressed.end());
    store_big_endian(bytes, batch_field::batch_length, bytes.size() - 12, 4);
    reseal(bytes);
    const DecodeError error = decode_error(bytes);
    CHECK(error.code == DecodeErrc::decompression_failed);
    CHECK(error.detail.find("exceeds the limit") != std::string::npos);
  }
}

TEST_CASE("record batch: compression.type names", "[record_batch]") {
  for (std::string_view name : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    auto parsed = parse_compression_type(name);
    REQUIRE(parsed.ok());
    CHECK(compression_name(*parsed) == name);
  }
  for (std::string_view name : {"", "LZ4", "zstandard", "producer", " gzip"}) {
    auto parsed = parse_compression_type(name);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().find("compression.type") != std::string::npos);
    CHECK(parsed.error().find("none, gzip, snappy, lz4, zstd") != std::string::npos);
  }
  CHECK(compression_from_id(4) == Compression::zstd);
  CHECK_FALSE(compression_from_id(5).has_value());
}

TEST_CASE("record batch: the builder fills a batch up to batch.size", "[record_batch]") {
  BatchBuilder builder(BatchBuilderConfig{.compression = Compression::lz4, .batch_size_bytes = 1000,
                                          .producer_id = 9, .producer_epoch = 1, .base_sequence = 100});
  const Bytes value(100, 'x');
  std::int64_t timestamp_ms = 5000;
  int appended = 0;
  while (builder.try_append(timestamp_ms, bytes_of("key"), value) == AppendOutcome::appended) {
    ++appended;
    timestamp_ms += (appended % 2 == 0) ? 3 : -1;  // timestamps need not be monotonic
    CHECK(builder.size_bytes_uncompressed() <= 1000);
  }
  CHECK(appended == 8);  // 61 + 8 * 112 bytes; a ninth would pass 1000

  const Bytes encoded = builder.encode();
  CHECK(encoded.size() < builder.size_bytes_uncompressed());  // lz4 shrank the repeated values
  auto decoded = decode_batch(encoded);
  REQUIRE(decoded.ok());
  CHECK(decoded->base_timestamp == 5000);
  CHECK(decoded->max_timestamp == 5006);  // 5000, 4999, 5002, 5001, 5004, 5003, 5006, 5005
  CHECK(decoded->last_offset_delta == 7);
  REQUIRE(decoded->records.size() == 8);
  CHECK(decoded->records[7].offset_delta == 7);
  CHECK(decoded->records[1].timestamp_delta == -1);
  CHECK(decoded->records[7].key == bytes_of("key"));
  CHECK(decoded->records[7].value == value);
  CHECK(decoded->compression == Compression::lz4);
  CHECK(decoded->producer_id == 9);
  CHECK(decoded->producer_epoch == 1);
  CHECK(decoded->base_sequence == 100);
  // The same records built as a RecordBatch encode to the same bytes.
  RecordBatch same = *decoded;
  CHECK(encode_batch(same) == encoded);

  SECTION("without compression the uncompressed size is the encoded size") {
    BatchBuilder plain(BatchBuilderConfig{});
    REQUIRE(plain.try_append(1, std::nullopt, value, {Header{"trace", bytes_of("abc")}}) == AppendOutcome::appended);
    REQUIRE(plain.try_append(2, Bytes{}, std::nullopt) == AppendOutcome::appended);
    CHECK(plain.encode().size() == plain.size_bytes_uncompressed());
  }
  SECTION("a record larger than batch.size gets a batch of its own") {
    BatchBuilder big(BatchBuilderConfig{.batch_size_bytes = 100});
    CHECK(big.try_append(1, std::nullopt, Bytes(500, 'y')) == AppendOutcome::appended);
    CHECK(big.try_append(1, std::nullopt, Bytes(1, 'y')) == AppendOutcome::batch_full);
    CHECK(big.record_count() == 1);
  }
  SECTION("a record over the limits fits no batch") {
    BatchBuilder any(BatchBuilderConfig{});
    CHECK(any.try_append(1, Bytes(record_key_bytes_max + 1, 'k'), std::nullopt) == AppendOutcome::record_too_large);
    CHECK(any.empty());
    CHECK(check_record_limits(Record{0, 0, Bytes(record_key_bytes_max + 1, 'k'), std::nullopt, {}}).has_value());
  }
}

TEST_CASE("record batch: LogAppendTime records read the batch's max timestamp", "[record_batch]") {
  RecordBatch batch = golden_batch();
  batch.timestamp_type = TimestampType::log_append_time;
  batch.max_timestamp = 42;
  auto decoded = decode_batch(encode_batch(batch));
  REQUIRE(decoded.ok());
  CHECK(decoded->timestamp_type == TimestampType::log_append_time);
  CHECK(record_timestamp(*decoded, decoded->records[0]) == 42);
}

}  // namespace kraftsim::log
