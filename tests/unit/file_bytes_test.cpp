// FileBytes and RecentReads: a simulated file keeps its contents while its buffer grows from
// malloc'd memory into a mapping moved by mremap, while it shares bytes with other files, and
// while those files are overwritten, truncated and grown (copy on write).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "sim/world/byte_buffer.h"
#include "sim/world/file_bytes.h"
#include "sim/world/recent_reads.h"

using kraftsim::sim::ByteBuffer;
using kraftsim::sim::FileBytes;
using kraftsim::sim::RecentReads;

namespace {
std::uint8_t pattern_at(std::size_t i) { return static_cast<std::uint8_t>((i * 131 + i / 4096) & 0xff); }

std::vector<std::uint8_t> content(const FileBytes& file) {
  std::vector<std::uint8_t> out(file.size());
  file.copy_to(0, out);
  return out;
}

std::vector<std::uint8_t> pattern(std::size_t from, std::size_t count) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(pattern_at(from + i));
  return out;
}
}  // namespace

TEST_CASE("FileBytes keeps every appended byte across the move into a mapping", "[disk]") {
  FileBytes bytes;
  std::vector<std::uint8_t> expected;
  // Appends of uneven sizes up to well past small_bytes_max (malloc, then the mapping).
  for (std::size_t size = 1; expected.size() < 3 * ByteBuffer::small_bytes_max; size = size * 3 + 7) {
    const auto chunk = pattern(expected.size(), size % 70'000 + 1);
    bytes.append(chunk);
    expected.insert(expected.end(), chunk.begin(), chunk.end());
    REQUIRE(bytes.size() == expected.size());
  }
  REQUIRE(content(bytes) == expected);
  REQUIRE(bytes.extent_count() == 1);  // one buffer, grown in place or moved: never split

  // Shrinking then growing gives zeros, not the old bytes (ftruncate).
  const std::size_t cut = ByteBuffer::small_bytes_max + 5;
  bytes.resize(cut);
  bytes.resize(cut + 100);
  for (std::size_t i = cut; i < cut + 100; ++i) REQUIRE(bytes.at(i) == 0);
  REQUIRE(bytes.at(cut - 1) == expected[cut - 1]);

  // A copy has the same content and its own future: writing to it leaves the original alone,
  // and the other way round. A move leaves the source empty.
  FileBytes copy(bytes);
  const std::uint8_t flipped = static_cast<std::uint8_t>(expected[0] ^ 0xff);
  copy.write(0, std::span(&flipped, 1));
  REQUIRE(bytes.at(0) == expected[0]);
  bytes.write(1, std::span(&flipped, 1));
  REQUIRE(copy.at(1) == expected[1]);
  FileBytes moved(std::move(copy));
  REQUIRE(copy.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  REQUIRE(moved.size() == bytes.size());
  REQUIRE(moved.at(0) == flipped);
}

TEST_CASE("FileBytes keeps its contents when its mapping grows past the first reservation", "[disk]") {
  FileBytes bytes;
  const auto head = pattern(0, ByteBuffer::small_bytes_max + 1);
  bytes.append(head);
  // 65 MiB: beyond the 64 MiB reserved at first, so the mapping is grown by mremap.
  const std::size_t big = (65u << 20);
  bytes.resize(big);
  const std::uint8_t last = 0x5a;
  bytes.write(big - 1, std::span(&last, 1));
  REQUIRE(bytes.size() == big);
  std::vector<std::uint8_t> start(head.size());
  bytes.copy_to(0, start);
  REQUIRE(start == head);
  REQUIRE(bytes.at(head.size()) == 0);
  REQUIRE(bytes.at(big - 2) == 0);
  REQUIRE(bytes.at(big - 1) == 0x5a);
  bytes.append(head);
  bytes.copy_to(big, start);
  REQUIRE(start == head);
}

TEST_CASE("A file appending the bytes of a recent read shares them, and copy on write keeps both files their own",
          "[disk]") {
  RecentReads reads;
  FileBytes leader;
  const auto first = pattern(0, 5000);
  const auto second = pattern(5000, 3000);
  leader.append(first);
  leader.append(second);
  reads.remember(leader, 1000, 6000);

  // A follower appends a prefix of what was read: found, and shared rather than copied.
  const std::vector<std::uint8_t> fetched(first.begin() + 1000, first.end());
  const auto same = reads.find(fetched);
  REQUIRE(same.has_value());
  REQUIRE(same->skip == 0);
  FileBytes follower;
  follower.append_shared(same->extents, same->skip, fetched.size());
  REQUIRE(content(follower) == fetched);
  // The next batch of the same read, appended on its own (the replication core appends batch by
  // batch): found right after the last match.
  const std::vector<std::uint8_t> next_batch(second.begin(), second.begin() + 1000);
  const auto next = reads.find(next_batch);
  REQUIRE(next.has_value());
  REQUIRE(next->skip == fetched.size());
  follower.append_shared(next->extents, next->skip, next_batch.size());
  REQUIRE(reads.shared_appends() == 2);
  REQUIRE(reads.shared_bytes() == fetched.size() + next_batch.size());
  REQUIRE(follower.extent_count() == 1);  // adjacent bytes of one buffer: one extent
  follower.resize(fetched.size());
  REQUIRE(content(follower) == fetched);
  REQUIRE(!follower.owns_buffer_exclusively());  // it has no buffer of its own yet
  REQUIRE(!leader.owns_buffer_exclusively());    // the leader's buffer is now shared

  // Bytes that differ, even by one, or run past the read, are not found.
  auto differs = fetched;
  differs[differs.size() / 2] ^= 1;
  REQUIRE(!reads.find(differs));
  const std::vector<std::uint8_t> too_long(leader.size() - 1000 + 1, 0);
  REQUIRE(!reads.find(too_long));
  REQUIRE(!reads.find(std::span(fetched).first(RecentReads::bytes_min - 1)));

  // The leader truncates and writes new bytes where the shared ones were: the follower still
  // reads the old ones (the shared buffer only grows).
  leader.resize(2000);
  leader.append(pattern(90'000, 4000));
  REQUIRE(content(follower) == fetched);
  // A corrupted byte on the follower (copy on write) leaves the leader alone, and the reverse.
  const std::uint8_t bad = static_cast<std::uint8_t>(fetched[10] ^ 0x10);
  follower.write(10, std::span(&bad, 1));
  REQUIRE(follower.at(10) == bad);
  REQUIRE(leader.at(1010) == first[1010]);
  REQUIRE(follower.extent_count() == 3);  // shared head, its own byte, shared tail
  const std::uint8_t bad_leader = static_cast<std::uint8_t>(first[1500] ^ 0x01);
  leader.write(1500, std::span(&bad_leader, 1));
  REQUIRE(follower.at(500) == fetched[500]);
  // An overwrite across all three pieces, then growth past the end.
  const auto across = pattern(70'000, 40);
  follower.write(0, across);
  auto expected = fetched;
  expected[10] = bad;
  std::copy(across.begin(), across.end(), expected.begin());
  REQUIRE(content(follower) == expected);
  follower.append(second);
  expected.insert(expected.end(), second.begin(), second.end());
  REQUIRE(content(follower) == expected);
  follower.resize(3);
  expected.resize(3);
  REQUIRE(content(follower) == expected);
}

TEST_CASE("A file whose buffer nobody else holds overwrites and truncates in place", "[disk]") {
  FileBytes file;
  file.append(pattern(0, 10'000));
  REQUIRE(file.owns_buffer_exclusively());
  const auto patch = pattern(50'000, 100);
  file.write(200, patch);
  REQUIRE(file.extent_count() == 1);  // in place: no copy on write
  file.resize(0);
  file.append(pattern(0, 10));
  REQUIRE(file.extent_count() == 1);
  REQUIRE(content(file) == pattern(0, 10));
}
