// Unit tests of sim::Disk: the file API, durability across crash and power loss, the page cache
// and each injected fault, one behaviour per test case.
#include "sim/world/disk.h"
#include "sim/world/recent_reads.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace kraftsim::sim {
namespace {

using env::Bytes;
using env::IoErrc;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string text_of(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// The whole current content of a file, as text.
std::string read_text(Disk& disk, std::string_view path) {
  auto result = disk.read(path, 0, UINT64_MAX);
  REQUIRE(result.ok());
  return text_of(result.value());
}

std::string durable_text(const Disk& disk, std::string_view path) {
  auto result = disk.durable_content(path);
  REQUIRE(result.ok());
  return text_of(result.value());
}

unsigned byte_at(const std::string& text, std::size_t index) { return static_cast<unsigned char>(text.at(index)); }

IoErrc status_code(const env::IoStatus& status) {
  REQUIRE_FALSE(status.ok());
  return status.error.code;
}

void append_text(Disk& disk, std::string_view path, std::string_view text) {
  REQUIRE(disk.append(path, bytes_of(text)).ok());
}

// Makes the file's content and its name durable, as Kafka does for a new segment.
void sync_file_and_dir(Disk& disk, std::string_view path, std::string_view dir) {
  REQUIRE(disk.sync_file(path).ok());
  REQUIRE(disk.sync_dir(dir).ok());
}

}  // namespace

TEST_CASE("disk: malformed paths are invalid_argument", "[disk]") {
  Disk disk;
  for (const std::string_view bad : {"", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", ".", ".."}) {
    INFO("path '" << bad << "'");
    CHECK(status_code(disk.append(bad, bytes_of("x"))) == IoErrc::invalid_argument);
    CHECK(status_code(disk.create_exclusive(bad)) == IoErrc::invalid_argument);
    CHECK(disk.read(bad, 0, 1).error().code == IoErrc::invalid_argument);
    CHECK(disk.size(bad).error().code == IoErrc::invalid_argument);
    CHECK_FALSE(disk.exists(bad));
  }
  const std::string longest(Disk::path_bytes_max, 'a');
  CHECK(disk.create_exclusive(longest).ok());
  CHECK(status_code(disk.create_exclusive(longest + "a")) == IoErrc::invalid_argument);
  CHECK(disk.all_paths() == std::vector<std::string>{longest});
}

TEST_CASE("disk: missing files are not_found", "[disk]") {
  Disk disk;
  CHECK(disk.size("a.log").error().code == IoErrc::not_found);
  CHECK(disk.read("a.log", 0, 1).error().code == IoErrc::not_found);
  CHECK(status_code(disk.truncate("a.log", 0)) == IoErrc::not_found);
  CHECK(status_code(disk.rename("a.log", "b.log")) == IoErrc::not_found);
  CHECK(status_code(disk.remove("a.log")) == IoErrc::not_found);
  CHECK(status_code(disk.sync_file("a.log")) == IoErrc::not_found);
  CHECK(status_code(disk.write_at("a.log", 1, bytes_of("x"))) == IoErrc::not_found);
  CHECK(disk.all_paths().empty());
}

TEST_CASE("disk: append creates the file and reads see the bytes at once", "[disk]") {
  Disk disk;
  append_text(disk, "topic-0/00000000000000000000.log", "hello");
  append_text(disk, "topic-0/00000000000000000000.log", " world");
  CHECK(disk.exists("topic-0/00000000000000000000.log"));
  CHECK(disk.size("topic-0/00000000000000000000.log").value() == 11);
  CHECK(read_text(disk, "topic-0/00000000000000000000.log") == "hello world");
  // Short at the end, empty exactly at the end, invalid beyond it.
  CHECK(text_of(disk.read("topic-0/00000000000000000000.log", 6, 100).value()) == "world");
  CHECK(disk.read("topic-0/00000000000000000000.log", 11, 5).value().empty());
  CHECK(disk.read("topic-0/00000000000000000000.log", 12, 1).error().code == IoErrc::invalid_argument);
  CHECK(disk.counters().bytes_written == 11);
}

TEST_CASE("disk: write_at overwrites and extends but never leaves a hole", "[disk]") {
  Disk disk;
  CHECK(disk.write_at("quorum-state", 0, bytes_of("abcd")).ok());  // offset 0 creates
  CHECK(disk.write_at("quorum-state", 2, bytes_of("XYZ")).ok());
  CHECK(read_text(disk, "quorum-state") == "abXYZ");
  CHECK(disk.write_at("quorum-state", 5, bytes_of("!")).ok());  // offset == size appends
  CHECK(read_text(disk, "quorum-state") == "abXYZ!");
  CHECK(status_code(disk.write_at("quorum-state", 7, bytes_of("?"))) == IoErrc::invalid_argument);
  CHECK(read_text(disk, "quorum-state") == "abXYZ!");
}

TEST_CASE("disk: create_exclusive refuses an existing name", "[disk]") {
  Disk disk;
  CHECK(disk.create_exclusive("meta.properties").ok());
  CHECK(disk.size("meta.properties").value() == 0);
  CHECK(status_code(disk.create_exclusive("meta.properties")) == IoErrc::already_exists);
}

TEST_CASE("disk: a name is never both a file and a directory", "[disk]") {
  Disk disk;
  append_text(disk, "a", "file");
  append_text(disk, "d/x.log", "x");
  CHECK(status_code(disk.append("a/b", bytes_of("x"))) == IoErrc::invalid_argument);  // ENOTDIR
  CHECK(status_code(disk.create_exclusive("d")) == IoErrc::already_exists);          // EEXIST
  CHECK(status_code(disk.write_at("d", 0, bytes_of("x"))) == IoErrc::invalid_argument);  // EISDIR
  CHECK(status_code(disk.rename("a", "d")) == IoErrc::invalid_argument);
  CHECK(status_code(disk.rename("d/x.log", "a/x.log")) == IoErrc::invalid_argument);
  CHECK(disk.all_paths() == std::vector<std::string>{"a", "d/x.log"});
}

TEST_CASE("disk: list returns the sorted unique immediate children of a directory", "[disk]") {
  Disk disk;
  for (const char* path : {"d.x", "d/b.log", "d/a.log", "d/sub/c.log", "d/sub/deeper/e.log", "d0", "meta.properties"}) {
    append_text(disk, path, "x");
  }
  CHECK(disk.list("") == std::vector<std::string>{"d", "d.x", "d0", "meta.properties"});
  CHECK(disk.list("d") == std::vector<std::string>{"a.log", "b.log", "sub"});
  CHECK(disk.list("d/sub") == std::vector<std::string>{"c.log", "deeper"});
  CHECK(disk.list("nowhere").empty());
  CHECK(disk.list("d/").empty());  // an invalid directory lists nothing
}

TEST_CASE("disk: rename replaces the target, remove frees the name", "[disk]") {
  Disk disk;
  append_text(disk, "quorum-state.tmp", "new");
  append_text(disk, "quorum-state", "old");
  REQUIRE(disk.used_bytes() == 6);
  CHECK(disk.rename("quorum-state.tmp", "quorum-state").ok());
  CHECK(disk.all_paths() == std::vector<std::string>{"quorum-state"});
  CHECK(read_text(disk, "quorum-state") == "new");
  CHECK(disk.used_bytes() == 3);  // the replaced file's bytes are gone
  CHECK(disk.rename("quorum-state", "quorum-state").ok());  // onto itself: nothing happens
  CHECK(read_text(disk, "quorum-state") == "new");
  CHECK(disk.remove("quorum-state").ok());
  CHECK_FALSE(disk.exists("quorum-state"));
  CHECK(disk.used_bytes() == 0);
}

TEST_CASE("disk: truncate shrinks, and extends with zero bytes", "[disk]") {
  Disk disk;
  append_text(disk, "a.log", "abcdef");
  CHECK(disk.truncate("a.log", 2).ok());
  CHECK(read_text(disk, "a.log") == "ab");
  CHECK(disk.truncate("a.log", 4).ok());
  CHECK(read_text(disk, "a.log") == std::string("ab\0\0", 4));
  CHECK(disk.used_bytes() == 4);
}

TEST_CASE("disk: power loss keeps a file that was synced and whose directory was synced", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "t-0/0.log", "acked");
  sync_file_and_dir(disk, "t-0/0.log", "t-0");
  append_text(disk, "t-0/0.log", "-unsynced");
  disk.power_loss(rng);
  CHECK(disk.all_paths() == std::vector<std::string>{"t-0/0.log"});
  CHECK(read_text(disk, "t-0/0.log") == "acked");
}

TEST_CASE("disk: a synced file whose directory was not synced vanishes on power loss", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "t-0/0.log", "acked");
  REQUIRE(disk.sync_file("t-0/0.log").ok());
  REQUIRE(disk.sync_dir("").ok());  // the root is not the file's directory
  disk.power_loss(rng);
  CHECK(disk.all_paths().empty());
  CHECK(disk.used_bytes() == 0);
}

TEST_CASE("disk: a dir-synced name without a file sync survives empty", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "t-0/0.log", "not synced");
  REQUIRE(disk.sync_dir("t-0").ok());
  disk.power_loss(rng);
  CHECK(disk.all_paths() == std::vector<std::string>{"t-0/0.log"});
  CHECK(read_text(disk, "t-0/0.log").empty());
}

TEST_CASE("disk: sync_dir covers only the entries directly inside the directory", "[disk]") {
  Disk disk;
  Rng rng(1);
  for (const char* path : {"top.txt", "d/x.log", "d/e/z.log"}) {
    append_text(disk, path, "x");
    REQUIRE(disk.sync_file(path).ok());
  }
  REQUIRE(disk.sync_dir("d").ok());
  CHECK(disk.durable_paths() == std::vector<std::string>{"d/x.log"});
  disk.power_loss(rng);
  CHECK(disk.all_paths() == std::vector<std::string>{"d/x.log"});
}

TEST_CASE("disk: power loss undoes unsynced overwrites and truncations of synced bytes", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "leader-epoch-checkpoint", "0123456789");
  sync_file_and_dir(disk, "leader-epoch-checkpoint", "");
  REQUIRE(disk.write_at("leader-epoch-checkpoint", 2, bytes_of("AB")).ok());
  REQUIRE(disk.truncate("leader-epoch-checkpoint", 3).ok());
  append_text(disk, "leader-epoch-checkpoint", "xyzxyzxyz");
  REQUIRE(disk.write_at("leader-epoch-checkpoint", 0, bytes_of("Q")).ok());
  CHECK(read_text(disk, "leader-epoch-checkpoint") == "Q1Axyzxyzxyz");
  CHECK(durable_text(disk, "leader-epoch-checkpoint") == "0123456789");
  disk.power_loss(rng);
  CHECK(read_text(disk, "leader-epoch-checkpoint") == "0123456789");
}

TEST_CASE("disk: an unsynced remove or rename is undone by power loss", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "a.log", "a");
  append_text(disk, "b.log", "b");
  REQUIRE(disk.sync_file("a.log").ok());
  REQUIRE(disk.sync_file("b.log").ok());
  REQUIRE(disk.sync_dir("").ok());
  REQUIRE(disk.remove("a.log").ok());
  REQUIRE(disk.rename("b.log", "c.log").ok());
  CHECK(disk.all_paths() == std::vector<std::string>{"c.log"});
  disk.power_loss(rng);
  CHECK(disk.all_paths() == std::vector<std::string>{"a.log", "b.log"});
  CHECK(read_text(disk, "a.log") == "a");
  CHECK(read_text(disk, "b.log") == "b");
}

TEST_CASE("disk: a dir-synced rename survives power loss", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "quorum-state", "epoch=1");
  sync_file_and_dir(disk, "quorum-state", "");
  append_text(disk, "quorum-state.tmp", "epoch=2");
  REQUIRE(disk.sync_file("quorum-state.tmp").ok());
  REQUIRE(disk.rename("quorum-state.tmp", "quorum-state").ok());
  REQUIRE(disk.sync_dir("").ok());
  disk.power_loss(rng);
  CHECK(disk.all_paths() == std::vector<std::string>{"quorum-state"});
  CHECK(read_text(disk, "quorum-state") == "epoch=2");
}

TEST_CASE("disk: crash keeps unsynced data in the page cache", "[disk]") {
  Disk disk;
  append_text(disk, "t-0/0.log", "unsynced");
  REQUIRE(disk.write_at("t-0/0.log", 0, bytes_of("U")).ok());
  disk.crash();
  CHECK(disk.all_paths() == std::vector<std::string>{"t-0/0.log"});
  CHECK(read_text(disk, "t-0/0.log") == "Unsynced");
  CHECK(disk.durable_paths().empty());
  CHECK(disk.counters().crash_count == 1);
}

TEST_CASE("disk: without torn writes power loss keeps no unsynced byte", "[disk]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Disk disk;
    Rng rng(seed);
    append_text(disk, "t-0/0.log", "synced|");
    sync_file_and_dir(disk, "t-0/0.log", "t-0");
    append_text(disk, "t-0/0.log", "0123456789");
    disk.power_loss(rng);
    CHECK(read_text(disk, "t-0/0.log") == "synced|");
  }
}

TEST_CASE("disk: torn writes keep a random prefix of the unsynced tail", "[disk]") {
  const std::string tail = "0123456789";
  bool saw_partial_tail = false;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Disk disk(DiskConfig{.torn_writes = true});
    Rng rng(seed);
    append_text(disk, "t-0/0.log", "synced|");
    sync_file_and_dir(disk, "t-0/0.log", "t-0");
    append_text(disk, "t-0/0.log", tail);
    disk.power_loss(rng);
    const std::string survived = read_text(disk, "t-0/0.log");
    INFO("seed " << seed << " survived '" << survived << "'");
    REQUIRE(survived.starts_with("synced|"));
    const std::string kept = survived.substr(7);
    CHECK(tail.starts_with(kept));
    saw_partial_tail = saw_partial_tail || (!kept.empty() && kept.size() < tail.size());
    // What is on the media after the loss is durable: a second loss keeps it.
    disk.power_loss(rng);
    CHECK(read_text(disk, "t-0/0.log") == survived);
  }
  CHECK(saw_partial_tail);
}

TEST_CASE("disk: torn writes are deterministic for a seed", "[disk]") {
  auto survivor = [](std::uint64_t seed) {
    Disk disk(DiskConfig{.torn_writes = true});
    Rng rng(seed);
    append_text(disk, "a.log", "x");
    append_text(disk, "b.log", "y");
    REQUIRE(disk.sync_dir("").ok());
    append_text(disk, "a.log", "0123456789abcdef");
    append_text(disk, "b.log", "0123456789abcdef");
    disk.power_loss(rng);
    return read_text(disk, "a.log") + "/" + read_text(disk, "b.log");
  };
  for (std::uint64_t seed = 1; seed <= 10; ++seed) CHECK(survivor(seed) == survivor(seed));
}

TEST_CASE("disk: sync does not copy append-only files", "[disk]") {
  Disk disk;
  for (int round = 0; round < 100; ++round) {
    append_text(disk, "t-0/0.log", "record");
    REQUIRE(disk.sync_file("t-0/0.log").ok());
    CHECK(disk.undo_bytes() == 0);
  }
  CHECK(disk.counters().bytes_fsynced == 600);
  CHECK(disk.counters().fsync_count == 100);
}

TEST_CASE("disk: repeated overwrites save each durable byte once", "[disk]") {
  Disk disk;
  append_text(disk, "index", std::string(100, 'a'));
  sync_file_and_dir(disk, "index", "");
  for (int round = 0; round < 50; ++round) REQUIRE(disk.write_at("index", 10, bytes_of("0123456789")).ok());
  REQUIRE(disk.write_at("index", 15, bytes_of("0123456789")).ok());  // half already saved
  CHECK(disk.undo_bytes() == 15);
  CHECK(durable_text(disk, "index") == std::string(100, 'a'));
  REQUIRE(disk.sync_file("index").ok());
  CHECK(disk.undo_bytes() == 0);
  CHECK(disk.counters().bytes_fsynced == 100 + 15);
  disk.check_invariants();
}

TEST_CASE("disk: written pages are cached, power loss and drop_caches make reads cold", "[disk]") {
  DiskConfig config;
  config.page_size_bytes = 10;
  config.read_miss_latency_per_page = microseconds(100);
  Disk disk(config);
  Rng rng(1);
  append_text(disk, "a.log", std::string(35, 'x'));  // pages 0..3
  sync_file_and_dir(disk, "a.log", "");
  CHECK(disk.read_latency("a.log", 0, 35) == Duration());
  REQUIRE(disk.read("a.log", 0, 35).ok());
  CHECK(disk.counters().cache_hits == 4);
  CHECK(disk.counters().cache_misses == 0);

  disk.drop_caches();
  CHECK(disk.read_latency("a.log", 0, 35) == microseconds(400));
  CHECK(disk.read_latency("a.log", 0, 35) == microseconds(400));  // asking does not warm the cache
  REQUIRE(disk.read("a.log", 12, 5).ok());                        // warms page 1 only
  CHECK(disk.counters().cache_misses == 1);
  CHECK(disk.read_latency("a.log", 0, 35) == microseconds(300));
  CHECK(disk.read_latency("a.log", 12, 100) == microseconds(200));  // pages 1..3, 1 cached

  REQUIRE(disk.read("a.log", 0, 35).ok());
  disk.crash();  // the page cache survives a process kill
  CHECK(disk.read_latency("a.log", 0, 35) == Duration());
  disk.power_loss(rng);
  CHECK(disk.read_latency("a.log", 0, 35) == microseconds(400));
}

TEST_CASE("disk: the slow factor multiplies fsync and read latency", "[disk]") {
  DiskConfig config;
  config.fsync_latency = microseconds(1000);
  config.page_size_bytes = 10;
  config.read_miss_latency_per_page = microseconds(100);
  Disk disk(config);
  append_text(disk, "a.log", std::string(20, 'x'));
  disk.drop_caches();
  CHECK(disk.fsync_latency() == microseconds(1000));
  CHECK(disk.read_latency("a.log", 0, 20) == microseconds(200));
  disk.set_slow_factor(2.5);
  CHECK(disk.fsync_latency() == microseconds(2500));
  CHECK(disk.read_latency("a.log", 0, 20) == microseconds(500));
}

TEST_CASE("disk: a full disk refuses writes with disk_full and keeps earlier data", "[disk]") {
  Disk disk;
  append_text(disk, "a.log", "0123456789");
  disk.set_capacity_bytes(12);
  CHECK(status_code(disk.append("a.log", bytes_of("abc"))) == IoErrc::disk_full);
  CHECK(status_code(disk.append("new.log", bytes_of("abc"))) == IoErrc::disk_full);
  CHECK(status_code(disk.write_at("a.log", 9, bytes_of("abcd"))) == IoErrc::disk_full);
  CHECK(status_code(disk.truncate("a.log", 13)) == IoErrc::disk_full);
  CHECK(read_text(disk, "a.log") == "0123456789");
  CHECK(disk.all_paths() == std::vector<std::string>{"a.log"});
  CHECK(disk.counters().disk_full_errors == 4);
  // What still fits is written; in-place overwrites and creates need no space.
  CHECK(disk.append("a.log", bytes_of("ab")).ok());
  CHECK(disk.write_at("a.log", 0, bytes_of("Z")).ok());
  CHECK(disk.create_exclusive("empty").ok());
  CHECK(read_text(disk, "a.log") == "Z123456789ab");
  // Below the used bytes every write fails; freeing space always works.
  disk.set_capacity_bytes(5);
  CHECK(status_code(disk.write_at("a.log", 0, bytes_of("Y"))) == IoErrc::disk_full);
  CHECK(status_code(disk.create_exclusive("other")) == IoErrc::disk_full);
  CHECK(disk.truncate("a.log", 4).ok());
  CHECK(disk.used_bytes() == 4);
  CHECK(disk.append("a.log", bytes_of("!")).ok());
}

TEST_CASE("disk: corruption flips one bit in the current and the durable content", "[disk]") {
  Disk disk;
  Rng rng(7);
  const std::string original(64, 'a');
  append_text(disk, "a.log", original);
  sync_file_and_dir(disk, "a.log", "");
  REQUIRE(disk.corrupt("a.log", 8, 16, rng).ok());
  const std::string current = read_text(disk, "a.log");
  CHECK(durable_text(disk, "a.log") == current);
  int bits_flipped = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    const unsigned difference = byte_at(current, i) ^ byte_at(original, i);
    if (difference != 0) CHECK((i >= 8 && i < 24));
    bits_flipped += __builtin_popcount(difference);
  }
  CHECK(bits_flipped == 1);
  CHECK(status_code(disk.corrupt("a.log", 64, 1, rng)) == IoErrc::invalid_argument);
}

TEST_CASE("disk: corruption reaches the media copy of a byte overwritten since the sync", "[disk]") {
  Disk disk;
  Rng rng(3);
  append_text(disk, "a.log", "a");
  sync_file_and_dir(disk, "a.log", "");
  REQUIRE(disk.write_at("a.log", 0, bytes_of("b")).ok());
  REQUIRE(disk.corrupt("a.log", 0, 1, rng).ok());
  CHECK(read_text(disk, "a.log") != "b");
  CHECK(durable_text(disk, "a.log") != "a");
  const unsigned flipped_current = byte_at(read_text(disk, "a.log"), 0) ^ unsigned{'b'};
  const unsigned flipped_durable = byte_at(durable_text(disk, "a.log"), 0) ^ unsigned{'a'};
  CHECK(flipped_current == flipped_durable);
}

TEST_CASE("disk: latent read errors fail overlapping reads until cleared", "[disk]") {
  Disk disk;
  Rng rng(1);
  append_text(disk, "a.log", "0123456789");
  sync_file_and_dir(disk, "a.log", "");
  REQUIRE(disk.add_read_error("a.log", 4, 2).ok());
  CHECK(disk.read("a.log", 0, 10).error().code == IoErrc::io_error);
  CHECK(disk.read("a.log", 5, 1).error().code == IoErrc::io_error);
  CHECK(text_of(disk.read("a.log", 0, 4).value()) == "0123");
  CHECK(text_of(disk.read("a.log", 6, 4).value()) == "6789");
  CHECK(disk.counters().read_errors == 2);
  // The bad sector belongs to the inode: it follows a rename and survives power loss.
  REQUIRE(disk.rename("a.log", "b.log").ok());
  CHECK(disk.read("b.log", 4, 1).error().code == IoErrc::io_error);
  disk.power_loss(rng);
  CHECK(disk.read("a.log", 4, 1).error().code == IoErrc::io_error);
  disk.clear_read_errors();
  CHECK(read_text(disk, "a.log") == "0123456789");
  CHECK(status_code(disk.add_read_error("a.log", 0, 0)) == IoErrc::invalid_argument);
}

TEST_CASE("disk: counters add up bytes written, fsynced and fsync calls", "[disk]") {
  Disk disk;
  append_text(disk, "a.log", "12345");
  REQUIRE(disk.write_at("a.log", 0, bytes_of("ab")).ok());
  REQUIRE(disk.sync_file("a.log").ok());
  REQUIRE(disk.sync_dir("").ok());
  CHECK(disk.counters().bytes_written == 7);
  CHECK(disk.counters().bytes_fsynced == 5);  // the file's dirty bytes, counted once
  CHECK(disk.counters().fsync_count == 2);
  REQUIRE(disk.write_at("a.log", 1, bytes_of("z")).ok());
  REQUIRE(disk.sync_file("a.log").ok());
  CHECK(disk.counters().bytes_fsynced == 6);
}

}  // namespace kraftsim::sim

namespace kraftsim::sim {

TEST_CASE("disk: a follower's append of what the leader's disk read shares the bytes and stays its own", "[disk]") {
  RecentReads reads;
  Disk leader;
  Disk follower;
  leader.share_reads(&reads);
  follower.share_reads(&reads);
  const std::string batches(300, 'b');
  append_text(leader, "t-0/0.log", "head" + batches);
  sync_file_and_dir(leader, "t-0/0.log", "t-0");
  auto fetched = leader.read("t-0/0.log", 4, 1000);
  REQUIRE(fetched.ok());
  REQUIRE(text_of(fetched.value()) == batches);
  REQUIRE(follower.append("t-0/0.log", fetched.value()).ok());
  REQUIRE(reads.shared_appends() == 1);
  REQUIRE(reads.shared_bytes() == batches.size());
  REQUIRE(read_text(follower, "t-0/0.log") == batches);

  // Corrupting the leader's media leaves the follower's bytes alone, and the other way round.
  Rng rng(7);
  REQUIRE(leader.corrupt("t-0/0.log", 4, 300, rng).ok());
  REQUIRE(read_text(follower, "t-0/0.log") == batches);
  REQUIRE(follower.corrupt("t-0/0.log", 0, 300, rng).ok());
  const std::string corrupted_follower = read_text(follower, "t-0/0.log");
  REQUIRE(corrupted_follower != batches);
  // The follower's unsynced append is lost in its power loss; the leader's synced file is not.
  follower.power_loss(rng);
  REQUIRE_FALSE(follower.exists("t-0/0.log"));
  REQUIRE(read_text(leader, "t-0/0.log").size() == 4 + batches.size());

  // Bytes that are not those of a recent read are copied (nothing more shared).
  append_text(follower, "t-0/1.log", std::string(100, 'x'));
  REQUIRE(reads.shared_appends() == 1);
}

}  // namespace kraftsim::sim
