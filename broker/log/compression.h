// The compression codecs of a Kafka record batch (attributes bits 0-2, `compression.type`),
// producing and accepting the same stream framings as Kafka's Java client, so that bytes made
// here could be read by real Kafka tools and the other way round:
//   gzip   - a gzip member (RFC 1952), as java.util.zip.GZIPOutputStream (GzipCompression);
//   snappy - xerial snappy-java's SnappyOutputStream framing (SnappyFactory): the 16-byte header
//            "\x82SNAPPY\0" + int32 version 1 + int32 minimum compatible version 1, then blocks
//            of at most 32 KiB input, each an int32 compressed length + a raw snappy block. All
//            integers big-endian. Like SnappyInputStream, the decoder also takes plain raw
//            snappy when the magic is absent (some non-Java clients write that);
//   lz4    - one LZ4 frame (magic 0x184D2204) as KafkaLZ4BlockOutputStream / Lz4BlockOutputStream
//            writes it: independent 64 KiB blocks, no block or content checksum, no content size;
//   zstd   - one standard zstd frame (ZstdFactory, zstd-jni), level 3.
// Levels are Kafka's defaults (gzip -1 = zlib 6, lz4 fast, zstd 3); KIP-390's per-codec level
// settings are not modelled. Pure functions: no I/O, no global state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "broker/log/record_bytes.h"

namespace kraftsim::log {

// The numeric values are the wire ids in the batch attributes (CompressionType.id).
enum class Compression : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

inline constexpr std::uint8_t compression_id_max = 4;

// Refuse to inflate beyond this: a few bytes of zstd or gzip can claim gigabytes (a
// decompression bomb). It bounds the records section of one batch after decompression.
inline constexpr std::size_t decompressed_bytes_max = 64 * 1024 * 1024;

// snappy-java's framing constants (SnappyCodec, SnappyOutputStream).
inline constexpr std::size_t snappy_java_header_size_bytes = 16;
inline constexpr std::size_t snappy_java_block_size_bytes = 32 * 1024;  // SnappyOutputStream.DEFAULT_BLOCK_SIZE
inline constexpr std::uint8_t snappy_java_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

// The LZ4 frame magic number, stored little-endian as 04 22 4D 18.
inline constexpr std::uint32_t lz4_frame_magic = 0x184D2204;

// The `compression.type` name: none | gzip | snappy | lz4 | zstd.
std::string_view compression_name(Compression compression);

// Parses a `compression.type` value (case-sensitive, as Kafka's config validator). Anything
// else is a user error naming the accepted values.
Result<Compression, std::string> parse_compression_type(std::string_view name);

// The codec for a wire id from batch attributes, or nullopt for ids 5-7 (unknown to Kafka).
std::optional<Compression> compression_from_id(std::uint8_t id);

// Compresses `input` into the codec's stream framing. `none` returns a copy.
Bytes compress(Compression compression, ByteView input);

// Decompresses one stream of `compression`. Errors (corrupt or truncated stream, trailing
// bytes after it, output larger than `output_bytes_max`) are values: the input comes from
// disk or the network. The message says what went wrong, without a byte position: the
// libraries do not report one.
Result<Bytes, std::string> decompress(Compression compression, ByteView input,
                                      std::size_t output_bytes_max = decompressed_bytes_max);

}  // namespace kraftsim::log
