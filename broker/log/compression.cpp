// The four codecs of Kafka's record batches on the real libraries (zlib, snappy, lz4frame,
// zstd), with the stream framings of Kafka's Java client. See compression.h for the framings.
#include "broker/log/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include <fmt/format.h>

namespace kraftsim::log {
namespace {

// Kafka's default levels: GzipCompression uses Deflater.DEFAULT_COMPRESSION (zlib's 6),
// Lz4Compression's default level 9 selects lz4-java's fast compressor (lz4frame level 0),
// ZstdCompression uses zstd's default level 3.
constexpr int gzip_level = Z_DEFAULT_COMPRESSION;
constexpr int lz4_level = 0;
constexpr int zstd_level = 3;
constexpr int gzip_window_bits = 15 + 16;  // 32 KiB window; +16 asks zlib for gzip framing
constexpr int zlib_memory_level = 8;       // zlib's default, as java.util.zip.Deflater
// A zstd frame names the window its decoder must hold; cap it so a hostile frame cannot make
// us allocate much (zstd-jni's level 3 uses at most a 2 MiB window).
constexpr int zstd_window_log_max = 24;
constexpr std::int32_t snappy_java_version = 1;             // SnappyCodec.DEFAULT_VERSION
constexpr std::int32_t snappy_java_compatible_version = 1;  // SnappyCodec.MINIMUM_COMPATIBLE_VERSION
constexpr std::size_t output_initial_bytes_min = 4096;

// The decompressors write into a buffer whose size is the capacity; they grow it by doubling,
// up to one byte past the limit so that "more than the limit" is observable.
std::size_t initial_output_bytes(std::size_t input_size_bytes, std::size_t output_bytes_max) {
  const std::size_t guess = std::max(input_size_bytes * 4, output_initial_bytes_min);
  return std::min(guess, output_bytes_max + 1);
}
Bytes initial_output(std::size_t input_size_bytes, std::size_t output_bytes_max) {
  return Bytes(initial_output_bytes(input_size_bytes, output_bytes_max));
}

// Returns false when the buffer already holds more than the limit allows.
bool grow_output(Bytes& out, std::size_t output_bytes_max) {
  if (out.size() > output_bytes_max) return false;
  out.resize(std::min(out.size() * 2, output_bytes_max + 1));
  return true;
}

std::string too_large_message(std::string_view codec, std::size_t output_bytes_max) {
  return fmt::format("{}: decompressed size exceeds the limit of {} bytes", codec, output_bytes_max);
}

// ---- gzip ----

struct DeflateStream {
  z_stream stream{};
  DeflateStream() {
    const int status = deflateInit2(&stream, gzip_level, Z_DEFLATED, gzip_window_bits, zlib_memory_level,
                                    Z_DEFAULT_STRATEGY);
    KS_ASSERT(status == Z_OK);
  }
  ~DeflateStream() { deflateEnd(&stream); }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
};

struct InflateStream {
  z_stream stream{};
  bool initialized = false;
  InflateStream() { initialized = inflateInit2(&stream, gzip_window_bits) == Z_OK; }
  ~InflateStream() {
    if (initialized) inflateEnd(&stream);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
};

Bytes gzip_compress(ByteView input) {
  KS_ASSERT(input.size() <= UINT_MAX);
  DeflateStream deflater;
  Bytes out(deflateBound(&deflater.stream, static_cast<uLong>(input.size())));
  deflater.stream.next_in = const_cast<Bytef*>(input.data());  // zlib's API is not const-correct
  deflater.stream.avail_in = static_cast<uInt>(input.size());
  deflater.stream.next_out = out.data();
  deflater.stream.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees room for the whole stream in one call.
  const int status = deflate(&deflater.stream, Z_FINISH);
  KS_ASSERT(status == Z_STREAM_END);
  KS_ASSERT(deflater.stream.avail_in == 0);
  out.resize(deflater.stream.total_out);
  return out;
}

// Accepts one or more concatenated gzip members, as java.util.zip.GZIPInputStream does.
Result<Bytes, std::string> gzip_decompress(ByteView input, std::size_t output_bytes_max) {
  if (input.size() > UINT_MAX) return unexpected(std::string("gzip: input too large"));
  InflateStream inflater;
  KS_ASSERT(inflater.initialized);
  z_stream& stream = inflater.stream;
  Bytes out = initial_output(input.size(), output_bytes_max);
  std::size_t written_bytes = 0;
  stream.next_in = const_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  for (;;) {
    if (written_bytes == out.size() && !grow_output(out, output_bytes_max)) {
      return unexpected(too_large_message("gzip", output_bytes_max));
    }
    stream.next_out = out.data() + written_bytes;
    stream.avail_out = static_cast<uInt>(out.size() - written_bytes);
    const int status = inflate(&stream, Z_NO_FLUSH);
    written_bytes = out.size() - stream.avail_out;
    if (written_bytes > output_bytes_max) return unexpected(too_large_message("gzip", output_bytes_max));
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      if (inflateReset(&stream) != Z_OK) return unexpected(std::string("gzip: cannot reset for the next member"));
      continue;
    }
    // Room left for output but the stream is not finished: the input ran out. (Z_BUF_ERROR
    // means no progress was possible, which with output room can only be missing input.)
    const bool input_ran_out = (status == Z_OK && stream.avail_in == 0) || status == Z_BUF_ERROR;
    if ((status == Z_OK || status == Z_BUF_ERROR) && input_ran_out && stream.avail_out != 0) {
      return unexpected(std::string("gzip: stream truncated before its end"));
    }
    if (status == Z_OK || status == Z_BUF_ERROR) continue;
    return unexpected(fmt::format("gzip: {}", stream.msg != nullptr ? stream.msg : "corrupt stream"));
  }
  out.resize(written_bytes);
  return out;
}

// ---- snappy (xerial snappy-java framing) ----

void append_snappy_java_header(Bytes& out) {
  out.insert(out.end(), std::begin(snappy_java_magic), std::end(snappy_java_magic));
  append_int32(out, snappy_java_version);
  append_int32(out, snappy_java_compatible_version);
}

bool starts_with_snappy_java_magic(ByteView bytes) {
  return bytes.size() >= sizeof(snappy_java_magic) &&
         std::memcmp(bytes.data(), snappy_java_magic, sizeof(snappy_java_magic)) == 0;
}

Bytes snappy_compress(ByteView input) {
  Bytes out;
  out.reserve(snappy_java_header_size_bytes + snappy::MaxCompressedLength(input.size()) + 64);
  append_snappy_java_header(out);
  for (std::size_t offset = 0; offset < input.size(); offset += snappy_java_block_size_bytes) {
    const std::size_t block_bytes = std::min(snappy_java_block_size_bytes, input.size() - offset);
    const std::size_t length_position = out.size();
    out.resize(length_position + 4 + snappy::MaxCompressedLength(block_bytes));
    std::size_t compressed_bytes = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + offset), block_bytes,
                        reinterpret_cast<char*>(out.data() + length_position + 4), &compressed_bytes);
    KS_ASSERT(compressed_bytes <= snappy::MaxCompressedLength(block_bytes));
    store_big_endian(out, length_position, compressed_bytes, 4);
    out.resize(length_position + 4 + compressed_bytes);
  }
  return out;
}

// Appends the raw snappy block `block` to `out`, refusing to pass the limit.
Result<std::size_t, std::string> snappy_uncompress_block(ByteView block, Bytes& out, std::size_t output_bytes_max) {
  std::size_t block_output_bytes = 0;
  const char* data = reinterpret_cast<const char*>(block.data());
  if (!snappy::GetUncompressedLength(data, block.size(), &block_output_bytes)) {
    return unexpected(std::string("snappy: corrupt block length"));
  }
  if (block_output_bytes > output_bytes_max || out.size() > output_bytes_max - block_output_bytes) {
    return unexpected(too_large_message("snappy", output_bytes_max));
  }
  const std::size_t position = out.size();
  out.resize(position + block_output_bytes);
  if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(out.data() + position))) {
    return unexpected(std::string("snappy: corrupt block"));
  }
  return block_output_bytes;
}

// snappy-java's SnappyInputStream: the framing when the magic is there (a repeated header
// inside the stream starts a concatenated stream and is skipped), else one raw block.
Result<Bytes, std::string> snappy_decompress(ByteView input, std::size_t output_bytes_max) {
  Bytes out;
  if (!starts_with_snappy_java_magic(input)) {
    auto raw = snappy_uncompress_block(input, out, output_bytes_max);
    if (!raw.ok()) return unexpected(raw.error());
    return out;
  }
  std::size_t position = 0;
  while (position < input.size()) {
    const ByteView rest = input.subspan(position);
    if (starts_with_snappy_java_magic(rest)) {
      if (rest.size() < snappy_java_header_size_bytes) return unexpected(std::string("snappy: truncated stream header"));
      const auto version = static_cast<std::int32_t>(load_big_endian(rest, 8, 4));
      const auto compatible_version = static_cast<std::int32_t>(load_big_endian(rest, 12, 4));
      if (version < snappy_java_compatible_version || compatible_version > snappy_java_version) {
        return unexpected(fmt::format("snappy: unsupported stream version {} (compatible {})", version,
                                      compatible_version));
      }
      position += snappy_java_header_size_bytes;
      continue;
    }
    if (rest.size() < 4) return unexpected(std::string("snappy: truncated block length"));
    const auto block_bytes = static_cast<std::int32_t>(load_big_endian(rest, 0, 4));
    if (block_bytes < 0) return unexpected(fmt::format("snappy: negative block length {}", block_bytes));
    if (static_cast<std::size_t>(block_bytes) > rest.size() - 4) {
      return unexpected(fmt::format("snappy: block of {} bytes truncated to {}", block_bytes, rest.size() - 4));
    }
    auto block = snappy_uncompress_block(rest.subspan(4, static_cast<std::size_t>(block_bytes)), out, output_bytes_max);
    if (!block.ok()) return unexpected(block.error());
    position += 4 + static_cast<std::size_t>(block_bytes);
  }
  return out;
}

// ---- lz4 (LZ4 frame) ----

LZ4F_preferences_t kafka_lz4_preferences() {
  LZ4F_preferences_t preferences;
  std::memset(&preferences, 0, sizeof(preferences));
  // Lz4BlockOutputStream: BD block size id 4 (64 KiB), FLG with independent blocks and no
  // checksums or content size; Kafka's reader rejects dependent (linked) blocks.
  preferences.frameInfo.blockSizeID = LZ4F_max64KB;
  preferences.frameInfo.blockMode = LZ4F_blockIndependent;
  preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  preferences.frameInfo.frameType = LZ4F_frame;
  preferences.frameInfo.contentSize = 0;
  preferences.compressionLevel = lz4_level;
  return preferences;
}

Bytes lz4_compress(ByteView input) {
  const LZ4F_preferences_t preferences = kafka_lz4_preferences();
  Bytes out(LZ4F_compressFrameBound(input.size(), &preferences));
  const std::size_t written_bytes =
      LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &preferences);
  KS_ASSERT_MSG(!LZ4F_isError(written_bytes), LZ4F_getErrorName(written_bytes));
  KS_ASSERT(written_bytes <= out.size());
  out.resize(written_bytes);
  return out;
}

struct Lz4DecompressionContext {
  LZ4F_dctx* context = nullptr;
  Lz4DecompressionContext() {
    const std::size_t status = LZ4F_createDecompressionContext(&context, LZ4F_VERSION);
    KS_ASSERT(!LZ4F_isError(status));
  }
  ~Lz4DecompressionContext() { LZ4F_freeDecompressionContext(context); }
  Lz4DecompressionContext(const Lz4DecompressionContext&) = delete;
  Lz4DecompressionContext& operator=(const Lz4DecompressionContext&) = delete;
};

// Exactly one LZ4 frame (any valid flags: other clients add checksums or bigger blocks).
// The context and the output buffer are reused, one per thread (a sweep runs one world per
// worker thread): a fresh context allocates its block buffers (hundreds of KiB) on the first
// frame header, and Kafka's small batches inflate far past initial_output's guess, so a fresh
// buffer was zero-filled and doubled several times per batch. Neither holds state between
// calls that could change a result: the context is reset first, the buffer is only scratch.
Result<Bytes, std::string> lz4_decompress(ByteView input, std::size_t output_bytes_max) {
  thread_local Lz4DecompressionContext decompressor;
  thread_local Bytes out;
  LZ4F_resetDecompressionContext(decompressor.context);
  if (out.size() < initial_output_bytes(input.size(), output_bytes_max)) {
    out.resize(initial_output_bytes(input.size(), output_bytes_max));
  }
  std::size_t read_bytes = 0;
  std::size_t written_bytes = 0;
  for (;;) {
    if (written_bytes == out.size() && !grow_output(out, output_bytes_max)) {
      return unexpected(too_large_message("lz4", output_bytes_max));
    }
    std::size_t source_bytes = input.size() - read_bytes;
    std::size_t destination_bytes = out.size() - written_bytes;
    const std::size_t hint = LZ4F_decompress(decompressor.context, out.data() + written_bytes, &destination_bytes,
                                             input.data() + read_bytes, &source_bytes, nullptr);
    if (LZ4F_isError(hint)) return unexpected(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    read_bytes += source_bytes;
    written_bytes += destination_bytes;
    KS_ASSERT(read_bytes <= input.size());
    KS_ASSERT(written_bytes <= out.size());
    if (written_bytes > output_bytes_max) return unexpected(too_large_message("lz4", output_bytes_max));
    if (hint == 0) {
      if (read_bytes != input.size()) {
        return unexpected(fmt::format("lz4: {} bytes after the end of the frame", input.size() - read_bytes));
      }
      break;
    }
    // Output room left yet the frame goes on: it needs input we do not have.
    if (written_bytes < out.size() && read_bytes == input.size()) {
      return unexpected(std::string("lz4: frame truncated before its end mark"));
    }
  }
  return Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(written_bytes));
}

// ---- zstd ----

Bytes zstd_compress(ByteView input) {
  Bytes out(ZSTD_compressBound(input.size()));
  const std::size_t written_bytes = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), zstd_level);
  KS_ASSERT_MSG(!ZSTD_isError(written_bytes), ZSTD_getErrorName(written_bytes));
  KS_ASSERT(written_bytes <= out.size());
  out.resize(written_bytes);
  return out;
}

struct ZstdDecompressionContext {
  ZSTD_DCtx* context = ZSTD_createDCtx();
  ZstdDecompressionContext() {
    KS_ASSERT(context != nullptr);
    const std::size_t status = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, zstd_window_log_max);
    KS_ASSERT(!ZSTD_isError(status));
  }
  ~ZstdDecompressionContext() { ZSTD_freeDCtx(context); }
  ZstdDecompressionContext(const ZstdDecompressionContext&) = delete;
  ZstdDecompressionContext& operator=(const ZstdDecompressionContext&) = delete;
};

// One or more zstd frames, streamed so that the output limit holds whatever a frame header
// claims about its content size.
Result<Bytes, std::string> zstd_decompress(ByteView input, std::size_t output_bytes_max) {
  ZstdDecompressionContext decompressor;
  Bytes out = initial_output(input.size(), output_bytes_max);
  // The frame header's content size, when present and plausible, saves the doublings.
  const unsigned long long content_size_bytes = ZSTD_getFrameContentSize(input.data(), input.size());
  if (content_size_bytes != ZSTD_CONTENTSIZE_UNKNOWN && content_size_bytes != ZSTD_CONTENTSIZE_ERROR &&
      content_size_bytes <= output_bytes_max && content_size_bytes + 1 > out.size()) {
    out.resize(static_cast<std::size_t>(content_size_bytes) + 1);
  }
  ZSTD_inBuffer source{input.data(), input.size(), 0};
  std::size_t written_bytes = 0;
  for (;;) {
    if (written_bytes == out.size() && !grow_output(out, output_bytes_max)) {
      return unexpected(too_large_message("zstd", output_bytes_max));
    }
    ZSTD_outBuffer destination{out.data(), out.size(), written_bytes};
    const std::size_t hint = ZSTD_decompressStream(decompressor.context, &destination, &source);
    if (ZSTD_isError(hint)) return unexpected(fmt::format("zstd: {}", ZSTD_getErrorName(hint)));
    written_bytes = destination.pos;
    KS_ASSERT(source.pos <= source.size);
    if (written_bytes > output_bytes_max) return unexpected(too_large_message("zstd", output_bytes_max));
    if (hint == 0 && source.pos == source.size) break;  // the last frame is complete
    if (hint != 0 && written_bytes < out.size() && source.pos == source.size) {
      return unexpected(std::string("zstd: frame truncated before its end"));
    }
  }
  out.resize(written_bytes);
  return out;
}

}  // namespace

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::none: return "none";
    case Compression::gzip: return "gzip";
    case Compression::snappy: return "snappy";
    case Compression::lz4: return "lz4";
    case Compression::zstd: return "zstd";
  }
  KS_ASSERT(false);
  return "";
}

Result<Compression, std::string> parse_compression_type(std::string_view name) {
  for (std::uint8_t id = 0; id <= compression_id_max; ++id) {
    const auto compression = static_cast<Compression>(id);
    if (name == compression_name(compression)) return compression;
  }
  return unexpected(fmt::format(
      "Invalid value '{}' for configuration compression.type: must be one of none, gzip, snappy, lz4, zstd", name));
}

std::optional<Compression> compression_from_id(std::uint8_t id) {
  if (id > compression_id_max) return std::nullopt;
  return static_cast<Compression>(id);
}

Bytes compress(Compression compression, ByteView input) {
  KS_ASSERT(input.size() <= decompressed_bytes_max);
  switch (compression) {
    case Compression::none: return Bytes(input.begin(), input.end());
    case Compression::gzip: return gzip_compress(input);
    case Compression::snappy: return snappy_compress(input);
    case Compression::lz4: return lz4_compress(input);
    case Compression::zstd: return zstd_compress(input);
  }
  KS_ASSERT(false);
  return {};
}

Result<Bytes, std::string> decompress(Compression compression, ByteView input, std::size_t output_bytes_max) {
  KS_ASSERT(output_bytes_max <= decompressed_bytes_max);
  Result<Bytes, std::string> result = unexpected(std::string("unknown codec"));
  switch (compression) {
    case Compression::none:
      if (input.size() > output_bytes_max) return unexpected(too_large_message("none", output_bytes_max));
      return Bytes(input.begin(), input.end());
    case Compression::gzip: result = gzip_decompress(input, output_bytes_max); break;
    case Compression::snappy: result = snappy_decompress(input, output_bytes_max); break;
    case Compression::lz4: result = lz4_decompress(input, output_bytes_max); break;
    case Compression::zstd: result = zstd_decompress(input, output_bytes_max); break;
  }
  if (result.ok()) KS_ASSERT(result->size() <= output_bytes_max);
  return result;
}

}  // namespace kraftsim::log
