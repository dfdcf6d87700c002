// Google Benchmark view of the record batch path: per codec, encode (records -> compressed,
// checksummed batch) and decode (CRC check, decompression, record parsing) throughput, next
// to the codec library called directly on the same concatenated record bytes. The ratio
// batch/raw shows what the batch framing, CRC and record codec cost on top of compression.
// Bytes processed are always the uncompressed record bytes, so MB/s compare across rows.
#include <benchmark/benchmark.h>

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <string_view>
#include <vector>

#include "broker/log/crc32c.h"
#include "broker/log/record_batch.h"

using namespace kraftsim::log;

namespace {

constexpr int records_per_batch = 100;
constexpr std::size_t value_size_bytes = 200;
constexpr double min_time_seconds = 0.1;  // keep each benchmark short

// Semi-compressible values: JSON-ish text with varying numbers, from a fixed LCG.
Bytes semi_compressible_value(std::uint32_t seed) {
  static constexpr std::string_view words[] = {"\"user\":", "\"order\":", "\"amount\":", "\"status\":\"ok\",",
                                               "\"region\":\"eu\",", "\"ts\":", "{", "}", ","};
  std::uint32_t state = seed * 2654435761u + 1;
  Bytes value;
  while (value.size() < value_size_bytes) {
    state = state * 1664525u + 1013904223u;
    const std::string_view word = words[(state >> 16) % std::size(words)];
    value.insert(value.end(), word.begin(), word.end());
    const std::string number = std::to_string(state % 100000);
    value.insert(value.end(), number.begin(), number.end());
  }
  value.resize(value_size_bytes);
  return value;
}

RecordBatch bench_batch(Compression compression) {
  RecordBatch batch;
  batch.compression = compression;
  batch.base_timestamp = 1'700'000'000'000;
  batch.max_timestamp = batch.base_timestamp + records_per_batch - 1;
  batch.last_offset_delta = records_per_batch - 1;
  for (int i = 0; i < records_per_batch; ++i) {
    Record record;
    record.timestamp_delta = i;
    record.offset_delta = i;
    const std::string key = "key-" + std::to_string(i % 16);
    record.key = Bytes(key.begin(), key.end());
    record.value = semi_compressible_value(static_cast<std::uint32_t>(i));
    batch.records.push_back(std::move(record));
  }
  return batch;
}

// The bytes the batch path compresses: the records, encoded and concatenated.
Bytes concatenated_records(const RecordBatch& batch) {
  Bytes out;
  for (const Record& record : batch.records) append_record(out, record);
  return out;
}

Compression codec_of(const benchmark::State& state) { return static_cast<Compression>(state.range(0)); }

void BM_BatchEncode(benchmark::State& state) {
  const RecordBatch batch = bench_batch(codec_of(state));
  const auto records_bytes = static_cast<std::int64_t>(concatenated_records(batch).size());
  std::size_t encoded_bytes = 0;
  for (auto _ : state) {
    Bytes encoded = encode_batch(batch);
    encoded_bytes = encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  state.SetLabel(std::string(compression_name(codec_of(state))));
  state.SetBytesProcessed(state.iterations() * records_bytes);
  state.counters["stored_bytes"] = static_cast<double>(encoded_bytes);
}

void BM_BatchDecode(benchmark::State& state) {
  const RecordBatch batch = bench_batch(codec_of(state));
  const auto records_bytes = static_cast<std::int64_t>(concatenated_records(batch).size());
  const Bytes encoded = encode_batch(batch);
  for (auto _ : state) {
    auto decoded = decode_batch(encoded);
    if (!decoded.ok()) state.SkipWithError(describe(decoded.error()).c_str());
    benchmark::DoNotOptimize(decoded);
  }
  state.SetLabel(std::string(compression_name(codec_of(state))));
  state.SetBytesProcessed(state.iterations() * records_bytes);
}

// The library alone, one-shot APIs, same default levels as the batch path.
Bytes raw_compress(Compression codec, const Bytes& input) {
  Bytes out;
  switch (codec) {
    case Compression::none: out = input; break;
    case Compression::gzip: {
      uLongf size = compressBound(static_cast<uLong>(input.size()));
      out.resize(size);
      compress2(out.data(), &size, input.data(), static_cast<uLong>(input.size()), Z_DEFAULT_COMPRESSION);
      out.resize(size);
      break;
    }
    case Compression::snappy: {
      out.resize(snappy::MaxCompressedLength(input.size()));
      std::size_t size = 0;
      snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                          reinterpret_cast<char*>(out.data()), &size);
      out.resize(size);
      break;
    }
    case Compression::lz4: {
      out.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(input.size()))));
      const int size = LZ4_compress_default(reinterpret_cast<const char*>(input.data()),
                                            reinterpret_cast<char*>(out.data()), static_cast<int>(input.size()),
                                            static_cast<int>(out.size()));
      out.resize(static_cast<std::size_t>(size));
      break;
    }
    case Compression::zstd: {
      out.resize(ZSTD_compressBound(input.size()));
      out.resize(ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3));
      break;
    }
  }
  return out;
}

void raw_decompress(Compression codec, const Bytes& compressed, Bytes& out) {
  switch (codec) {
    case Compression::none: std::memcpy(out.data(), compressed.data(), out.size()); break;
    case Compression::gzip: {
      uLongf size = static_cast<uLongf>(out.size());
      uncompress(out.data(), &size, compressed.data(), static_cast<uLong>(compressed.size()));
      break;
    }
    case Compression::snappy:
      snappy::RawUncompress(reinterpret_cast<const char*>(compressed.data()), compressed.size(),
                            reinterpret_cast<char*>(out.data()));
      break;
    case Compression::lz4:
      LZ4_decompress_safe(reinterpret_cast<const char*>(compressed.data()), reinterpret_cast<char*>(out.data()),
                          static_cast<int>(compressed.size()), static_cast<int>(out.size()));
      break;
    case Compression::zstd: ZSTD_decompress(out.data(), out.size(), compressed.data(), compressed.size()); break;
  }
}

void BM_RawCompress(benchmark::State& state) {
  const Bytes input = concatenated_records(bench_batch(codec_of(state)));
  for (auto _ : state) {
    Bytes out = raw_compress(codec_of(state), input);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel(std::string(compression_name(codec_of(state))));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
  state.counters["stored_bytes"] = static_cast<double>(raw_compress(codec_of(state), input).size());
}

void BM_RawDecompress(benchmark::State& state) {
  const Bytes input = concatenated_records(bench_batch(codec_of(state)));
  const Bytes compressed = raw_compress(codec_of(state), input);
  Bytes out(input.size());
  for (auto _ : state) {
    raw_decompress(codec_of(state), compressed, out);
    benchmark::DoNotOptimize(out.data());
  }
  if (out != input) state.SkipWithError("raw round trip differs");
  state.SetLabel(std::string(compression_name(codec_of(state))));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}

// The CRC-32C pass both paths make over the stored batch: the CPU's CRC32 instruction where
// there is one, and the Boost.CRC table it is tested against (the baseline).
void BM_Crc32c(benchmark::State& state) {
  const Bytes input = concatenated_records(bench_batch(Compression::none));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c(input));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}

void BM_Crc32cReference(benchmark::State& state) {
  const Bytes input = concatenated_records(bench_batch(Compression::none));
  for (auto _ : state) benchmark::DoNotOptimize(crc32c_reference(input));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(input.size()));
}

}  // namespace

BENCHMARK(BM_Crc32c)->MinTime(min_time_seconds);
BENCHMARK(BM_Crc32cReference)->MinTime(min_time_seconds);
BENCHMARK(BM_BatchEncode)->DenseRange(0, 4)->MinTime(min_time_seconds);
BENCHMARK(BM_RawCompress)->DenseRange(0, 4)->MinTime(min_time_seconds);
BENCHMARK(BM_BatchDecode)->DenseRange(0, 4)->MinTime(min_time_seconds);
BENCHMARK(BM_RawDecompress)->DenseRange(0, 4)->MinTime(min_time_seconds);
