// FileBytes: a simulated file's byte buffer keeps its contents while it grows from malloc'd
// memory into its own mapping and while that mapping is moved by mremap.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "sim/world/file_bytes.h"

using kraftsim::sim::FileBytes;

namespace {
std::uint8_t pattern_at(std::size_t i) { return static_cast<std::uint8_t>((i * 131 + i / 4096) & 0xff); }
}  // namespace

TEST_CASE("FileBytes keeps every appended byte across the move into a mapping", "[disk]") {
  FileBytes bytes;
  std::vector<std::uint8_t> expected;
  std::vector<std::uint8_t> chunk;
  // Appends of uneven sizes up to well past small_bytes_max (malloc, then the mapping).
  for (std::size_t size = 1; expected.size() < 3 * FileBytes::small_bytes_max; size = size * 3 + 7) {
    chunk.clear();
    for (std::size_t i = 0; i < size % 70'000 + 1; ++i) chunk.push_back(pattern_at(expected.size() + i));
    bytes.append(chunk);
    expected.insert(expected.end(), chunk.begin(), chunk.end());
    REQUIRE(bytes.size() == expected.size());
  }
  REQUIRE(std::equal(bytes.begin(), bytes.end(), expected.begin(), expected.end()));

  // Shrinking then growing gives zeros, not the old bytes (ftruncate).
  const std::size_t cut = FileBytes::small_bytes_max + 5;
  bytes.resize(cut);
  bytes.resize(cut + 100);
  for (std::size_t i = cut; i < cut + 100; ++i) REQUIRE(bytes[i] == 0);
  REQUIRE(bytes[cut - 1] == expected[cut - 1]);

  // A copy is deep; a move leaves the source empty.
  FileBytes copy(bytes);
  copy[0] ^= 0xff;
  REQUIRE(bytes[0] == expected[0]);
  FileBytes moved(std::move(copy));
  REQUIRE(copy.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  REQUIRE(moved.size() == bytes.size());
  REQUIRE(moved[0] == static_cast<std::uint8_t>(expected[0] ^ 0xff));
}

TEST_CASE("FileBytes keeps its contents when its mapping grows past the first reservation", "[disk]") {
  FileBytes bytes;
  std::vector<std::uint8_t> head(FileBytes::small_bytes_max + 1);
  for (std::size_t i = 0; i < head.size(); ++i) head[i] = pattern_at(i);
  bytes.append(head);
  // 65 MiB: beyond the 64 MiB reserved at first, so the mapping is grown by mremap.
  const std::size_t big = (65u << 20);
  bytes.resize(big);
  bytes[big - 1] = 0x5a;
  REQUIRE(bytes.size() == big);
  REQUIRE(std::equal(head.begin(), head.end(), bytes.begin()));
  REQUIRE(bytes[head.size()] == 0);
  REQUIRE(bytes[big - 2] == 0);
  REQUIRE(bytes[big - 1] == 0x5a);
  bytes.append(head);
  REQUIRE(std::equal(head.begin(), head.end(), bytes.begin() + big));
}
