// Kafka's default partitioner: murmur2 must match the Java client bit for bit (keyed records
// must land where Kafka puts them), and records without a key stick to one partition per batch.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "broker/client/partitioner.h"

using namespace kraftsim;
using namespace kraftsim::client;

namespace {
std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("murmur2 matches Kafka's UtilsTest vectors", "[partitioner]") {
  const std::map<std::string, std::int32_t> cases = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [input, expected] : cases) {
    INFO(input);
    REQUIRE(murmur2(bytes(input)) == expected);
  }
}

TEST_CASE("a key always maps to the same partition: toPositive(murmur2) mod partitions", "[partitioner]") {
  // toPositive(-790332482) = 1357151166; 1357151166 % 3 = 0.
  REQUIRE(partition_for_key(bytes("foobar"), 3) == 1357151166 % 3);
  REQUIRE(partition_for_key(bytes("foobar"), 3) == partition_for_key(bytes("foobar"), 3));
  std::map<std::int32_t, int> spread;
  for (int i = 0; i < 3000; ++i) spread[partition_for_key(bytes("key-" + std::to_string(i)), 3)]++;
  REQUIRE(spread.size() == 3);
  for (const auto& [p, n] : spread) REQUIRE(n > 800);
}

TEST_CASE("records without a key stick to a partition until batch.size bytes, then move", "[partitioner]") {
  Rng rng(5);
  StickyPartitioner sticky(rng, 1000);
  const std::int32_t first = sticky.next(6, 100);
  for (int i = 0; i < 9; ++i) REQUIRE(sticky.next(6, 100) == first);  // 1000 bytes in one batch
  const std::int32_t second = sticky.next(6, 100);
  REQUIRE(second != first);
  std::map<std::int32_t, int> used;
  for (int i = 0; i < 6000; ++i) used[sticky.next(6, 100)]++;
  REQUIRE(used.size() == 6);  // over time every partition gets batches
}
