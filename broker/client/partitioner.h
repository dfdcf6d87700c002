// Kafka's default partitioner (BuiltInPartitioner, KIP-794): a record with a key goes to
// toPositive(murmur2(key)) % partitions, so one key always lands in one partition and keeps its
// order; a record without a key goes to a "sticky" partition that changes only after batch.size
// bytes were produced to it (KIP-480 sticky partitioning, KIP-794 uniform sticky), so batches
// fill up instead of spreading one record per partition.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/random.h"

namespace kraftsim::client {

// Kafka's Utils.murmur2 (MurmurHash2, seed 0x9747b28c), as a signed 32-bit value like Java's.
std::int32_t murmur2(std::span<const std::uint8_t> bytes);

// Utils.toPositive: clears the sign bit (not Math.abs, which fails for INT_MIN).
constexpr std::int32_t to_positive(std::int32_t value) { return value & 0x7fffffff; }

// The partition of a keyed record.
std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions);

class StickyPartitioner {
 public:
  StickyPartitioner(Rng& rng, std::int64_t batch_size_bytes);
  // The partition for the next record without a key; counts its bytes towards the switch.
  std::int32_t next(std::int32_t partitions, std::int64_t record_bytes);

 private:
  Rng& rng_;
  std::int64_t batch_size_bytes_;
  std::optional<std::int32_t> current_;
  std::int64_t produced_bytes_ = 0;
};

}  // namespace kraftsim::client
