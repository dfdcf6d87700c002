// Unit tests of the batch codecs: each really compresses repetitive records, writes the
// framing Kafka's Java client writes (snappy-java header, LZ4 frame flags, gzip and zstd
// magics), round-trips empty and multi-block inputs, and turns truncated, trailing or
// oversized streams into errors.
#include "broker/log/compression.h"

#include <catch2/catch.hpp>

#include <snappy.h>

#include <algorithm>
#include <string>

#include "broker/log/record_batch.h"
#include "broker/log/record_batch_builder.h"

namespace kraftsim::log {
namespace {

constexpr Compression codecs[] = {Compression::gzip, Compression::snappy, Compression::lz4, Compression::zstd};

// Semi-compressible bytes: words from a small vocabulary, picked by a fixed LCG.
Bytes text_like(std::size_t size_bytes, std::uint32_t seed) {
  static const char* const words[] = {"kafka ", "broker ", "partition ", "leader ", "epoch ", "offset ",
                                      "replica ", "fetch ", "commit ", "log "};
  Bytes out;
  std::uint32_t state = seed;
  while (out.size() < size_bytes) {
    state = state * 1664525u + 1013904223u;
    const std::string_view word = words[(state >> 16) % 10];
    out.insert(out.end(), word.begin(), word.end());
  }
  out.resize(size_bytes);
  return out;
}

}  // namespace

TEST_CASE("record batch compression: repetitive values get smaller with every codec", "[record_batch]") {
  RecordBatch batch;
  batch.base_timestamp = 1000;
  batch.max_timestamp = 1099;
  batch.last_offset_delta = 99;
  for (int i = 0; i < 100; ++i) {
    Record record;
    record.timestamp_delta = i;
    record.offset_delta = i;
    record.key = Bytes{static_cast<std::uint8_t>(i)};
    record.value = text_like(200, 7);  // the same value every time
    batch.records.push_back(record);
  }
  const std::size_t plain_bytes = encode_batch(batch).size();
  for (Compression codec : codecs) {
    INFO(compression_name(codec));
    batch.compression = codec;
    const Bytes encoded = encode_batch(batch);
    CHECK(encoded.size() * 4 < plain_bytes);
    auto decoded = decode_batch(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == batch);
  }
}

TEST_CASE("record batch compression: framings are the ones Kafka's Java client writes", "[record_batch]") {
  const Bytes input = text_like(100 * 1024, 3);

  SECTION("snappy: xerial SnappyOutputStream header, then length-prefixed 32 KiB blocks") {
    const Bytes out = compress(Compression::snappy, input);
    const Bytes header(out.begin(), out.begin() + 16);
    CHECK(header == Bytes{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1});
    // Walk the blocks: 100 KiB of input is four blocks (32 + 32 + 32 + 4 KiB).
    std::size_t position = 16;
    std::size_t blocks = 0;
    std::size_t uncompressed_bytes = 0;
    while (position < out.size()) {
      REQUIRE(out.size() - position >= 4);
      const auto block_bytes = static_cast<std::size_t>(load_big_endian(out, position, 4));
      REQUIRE(out.size() - position - 4 >= block_bytes);
      std::size_t block_output_bytes = 0;
      REQUIRE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(out.data() + position + 4), block_bytes,
                                            &block_output_bytes));
      CHECK(block_output_bytes <= snappy_java_block_size_bytes);
      uncompressed_bytes += block_output_bytes;
      position += 4 + block_bytes;
      ++blocks;
    }
    CHECK(blocks == 4);
    CHECK(uncompressed_bytes == input.size());
    CHECK(*decompress(Compression::snappy, out) == input);
  }
  SECTION("snappy: a raw block without the framing is also read, as SnappyInputStream does") {
    std::string raw;
    snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &raw);
    const Bytes raw_bytes(raw.begin(), raw.end());
    CHECK(*decompress(Compression::snappy, raw_bytes) == input);
  }
  SECTION("snappy: two concatenated streams read as one") {
    Bytes twice = compress(Compression::snappy, input);
    const Bytes again = compress(Compression::snappy, input);
    twice.insert(twice.end(), again.begin(), again.end());
    Bytes expected = input;
    expected.insert(expected.end(), input.begin(), input.end());
    CHECK(*decompress(Compression::snappy, twice) == expected);
  }
  SECTION("lz4: one frame, magic 0x184D2204, independent 64 KiB blocks, no checksums") {
    const Bytes out = compress(Compression::lz4, input);
    CHECK(Bytes(out.begin(), out.begin() + 4) == Bytes{0x04, 0x22, 0x4D, 0x18});
    CHECK(out[4] == 0x60);  // FLG: version 01, block independence, no checksums, no size
    CHECK(out[5] == 0x40);  // BD: block maximum size id 4 = 64 KiB
    // The frame ends with the 4-byte end mark and no content checksum.
    CHECK(Bytes(out.end() - 4, out.end()) == Bytes{0, 0, 0, 0});
  }
  SECTION("gzip: a gzip member with deflate, no name and a zero mtime") {
    const Bytes out = compress(Compression::gzip, input);
    CHECK(Bytes(out.begin(), out.begin() + 8) == Bytes{0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0});
  }
  SECTION("zstd: a standard frame") {
    const Bytes out = compress(Compression::zstd, input);
    CHECK(Bytes(out.begin(), out.begin() + 4) == Bytes{0x28, 0xB5, 0x2F, 0xFD});
  }
}

TEST_CASE("record batch compression: round trips, empty and large", "[record_batch]") {
  for (Compression codec : {Compression::none, Compression::gzip, Compression::snappy, Compression::lz4,
                            Compression::zstd}) {
    INFO(compression_name(codec));
    for (std::size_t size_bytes : {std::size_t{0}, std::size_t{1}, std::size_t{65536}, std::size_t{1 << 20}}) {
      INFO(size_bytes);
      const Bytes input = text_like(size_bytes, 11);
      const Bytes out = compress(codec, input);
      auto back = decompress(codec, out);
      REQUIRE(back.ok());
      CHECK(*back == input);
    }
  }
}

TEST_CASE("record batch compression: truncated, trailing and oversized streams are errors", "[record_batch]") {
  // Two snappy blocks, so that a snappy prefix can end on a block boundary.
  const Bytes input = text_like(40 * 1024, 5);
  for (Compression codec : codecs) {
    INFO(compression_name(codec));
    const Bytes out = compress(codec, input);
    SECTION(std::string("strict prefixes fail or, for snappy at a block boundary, are a prefix: ") +
            std::string(compression_name(codec))) {
      // Every length near both ends (headers, end marks, checksums), every 7th in between.
      for (std::size_t length = 0; length < out.size(); length += (length < 512 || out.size() - length < 512) ? 1 : 7) {
        auto back = decompress(codec, ByteView(out).first(length));
        if (!back.ok()) continue;
        INFO(length);
        REQUIRE(codec == Compression::snappy);
        REQUIRE(back->size() < input.size());
        CHECK(std::equal(back->begin(), back->end(), input.begin()));
      }
    }
    SECTION(std::string("garbage after the stream: ") + std::string(compression_name(codec))) {
      Bytes extended = out;
      extended.push_back(0x42);
      extended.push_back(0x17);
      CHECK_FALSE(decompress(codec, extended).ok());
    }
    SECTION(std::string("more output than the limit: ") + std::string(compression_name(codec))) {
      auto back = decompress(codec, out, input.size() - 1);
      REQUIRE_FALSE(back.ok());
      CHECK(back.error().find("exceeds the limit") != std::string::npos);
      CHECK(decompress(codec, out, input.size()).ok());
    }
  }
}

TEST_CASE("record batch compression: bytes that are no stream at all are errors", "[record_batch]") {
  const Bytes junk = {0x00, 0x01, 0x02, 0x03, 0xFF, 0xFE, 0x10, 0x20, 0x30};
  for (Compression codec : codecs) {
    INFO(compression_name(codec));
    CHECK_FALSE(decompress(codec, junk).ok());
    CHECK_FALSE(decompress(codec, ByteView{}).ok());
  }
}

}  // namespace kraftsim::log
