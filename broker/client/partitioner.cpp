// murmur2 and the sticky partitioner (see partitioner.h).
#include "broker/client/partitioner.h"

#include "base/assert.h"

namespace kraftsim::client {

std::int32_t murmur2(std::span<const std::uint8_t> data) {
  // org.apache.kafka.common.utils.Utils.murmur2, in unsigned 32-bit arithmetic (Java's int
  // multiplication wraps the same way).
  const std::uint32_t seed = 0x9747b28c;
  const std::uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto length = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = seed ^ length;
  const std::size_t length4 = data.size() / 4;
  for (std::size_t i = 0; i < length4; ++i) {
    const std::size_t i4 = i * 4;
    std::uint32_t k = static_cast<std::uint32_t>(data[i4]) | (static_cast<std::uint32_t>(data[i4 + 1]) << 8) |
                      (static_cast<std::uint32_t>(data[i4 + 2]) << 16) | (static_cast<std::uint32_t>(data[i4 + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const std::size_t tail = data.size() & ~std::size_t{3};
  switch (data.size() % 4) {
    case 3: h ^= static_cast<std::uint32_t>(data[tail + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<std::uint32_t>(data[tail + 1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<std::uint32_t>(data[tail]);
      h *= m;
      break;
    default: break;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions) {
  KS_ASSERT(partitions > 0);
  return to_positive(murmur2(key)) % partitions;
}

StickyPartitioner::StickyPartitioner(Rng& rng, std::int64_t batch_size_bytes)
    : rng_(rng), batch_size_bytes_(batch_size_bytes) {
  KS_ASSERT(batch_size_bytes_ > 0);
}

std::int32_t StickyPartitioner::next(std::int32_t partitions, std::int64_t record_bytes) {
  KS_ASSERT(partitions > 0);
  if (!current_ || *current_ >= partitions || produced_bytes_ >= batch_size_bytes_) {
    // Switch to another partition (a different one when there is a choice).
    std::int32_t next_partition = static_cast<std::int32_t>(rng_.below(static_cast<std::uint64_t>(partitions)));
    if (current_ && partitions > 1 && next_partition == *current_) next_partition = (next_partition + 1) % partitions;
    current_ = next_partition;
    produced_bytes_ = 0;
  }
  produced_bytes_ += record_bytes;
  return *current_;
}

}  // namespace kraftsim::client
