// The metadata log on disk: Kafka segment names, record batches, and recovery that cuts a torn
// or corrupt tail and nothing before it.
#include <catch2/catch.hpp>

#include "broker/log/record_batch.h"
#include "broker/node/metadata_log_store.h"
#include "tests/support/recorder.h"

using namespace kraftsim;
using namespace kraftsim::node;

namespace {
raft::Entry entry(raft::Offset offset, raft::Epoch epoch, const std::string& text, bool control = false) {
  return raft::Entry{offset, epoch, control, raft::Bytes(text.begin(), text.end())};
}
raft::LogOp append(std::vector<raft::Entry> entries) {
  return raft::LogOp{raft::LogOp::Kind::append, 0, std::move(entries)};
}
}  // namespace

TEST_CASE("metadata log: segments are Kafka record batches named by base offset", "[metadata-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  MetadataLogStore store(200);  // tiny segments: roll often
  store.apply(files, append({entry(0, 1, "leader-change", true), entry(1, 1, "a"), entry(2, 1, "b")}));
  store.apply(files, append({entry(3, 2, "c"), entry(4, 2, "d")}));
  const auto names = files.list("__cluster_metadata-0");
  REQUIRE(names.front() == "00000000000000000000.log");
  REQUIRE(names.size() >= 2);  // rolled
  // Each batch is a valid v2 batch with the entry's offset and epoch.
  auto bytes = files.read("__cluster_metadata-0/00000000000000000000.log", 0, 1 << 20);
  REQUIRE(bytes.ok());
  auto header = log::peek_batch_header(*bytes);
  REQUIRE(header.ok());
  REQUIRE(header->base_offset == 0);
  REQUIRE(header->partition_leader_epoch == 1);
  REQUIRE(header->control);

  MetadataLogStore reopened(200);
  auto recovered = reopened.recover(files);
  REQUIRE(recovered.ok());
  REQUIRE(recovered->entries.size() == 5);
  REQUIRE(recovered->entries[3] == entry(3, 2, "c"));
  REQUIRE(recovered->entries[0].control);
  REQUIRE(recovered->truncated_bytes == 0);
}

TEST_CASE("metadata log: recovery cuts a torn tail and nothing before it", "[metadata-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  MetadataLogStore store(1 << 20);
  store.apply(files, append({entry(0, 1, "x"), entry(1, 1, "y"), entry(2, 1, "z")}));
  const std::string path = "__cluster_metadata-0/00000000000000000000.log";
  const auto size = *files.size(path);
  REQUIRE(files.truncate(path, size - 5).ok());  // a torn last batch
  MetadataLogStore reopened(1 << 20);
  auto recovered = reopened.recover(files);
  REQUIRE(recovered.ok());
  REQUIRE(recovered->entries.size() == 2);
  REQUIRE(recovered->truncated_bytes > 0);
  REQUIRE(*files.size(path) < size - 5);  // the torn bytes are gone from the file too
}

TEST_CASE("metadata log: a flipped bit in the middle truncates from that batch on", "[metadata-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  MetadataLogStore store(1 << 20);
  store.apply(files, append({entry(0, 1, "first"), entry(1, 1, "second"), entry(2, 1, "third")}));
  const std::string path = "__cluster_metadata-0/00000000000000000000.log";
  const auto one_batch = encode_entry(entry(0, 1, "first")).size();
  w.world.corrupt_disk(1, path, one_batch + 30, 1);  // inside the second batch's CRC-covered bytes
  MetadataLogStore reopened(1 << 20);
  auto recovered = reopened.recover(files);
  REQUIRE(recovered.ok());
  REQUIRE(recovered->entries.size() == 1);
  REQUIRE(recovered->entries[0] == entry(0, 1, "first"));
}

TEST_CASE("metadata log: truncating a divergent suffix and resetting to a snapshot", "[metadata-log]") {
  testing::RecorderWorld w(1);
  auto& files = w.node(1).env().files();
  MetadataLogStore store(1 << 20);
  store.apply(files, append({entry(0, 1, "a"), entry(1, 1, "b"), entry(2, 2, "c")}));
  store.apply(files, raft::LogOp{raft::LogOp::Kind::truncate_suffix, 2, {}});
  store.apply(files, append({entry(2, 3, "c'")}));
  {
    MetadataLogStore reopened(1 << 20);
    auto r = reopened.recover(files);
    REQUIRE(r.ok());
    REQUIRE(r->entries.size() == 3);
    REQUIRE(r->entries[2] == entry(2, 3, "c'"));
  }
  store.apply(files, raft::LogOp{raft::LogOp::Kind::reset, 10, {}});
  store.apply(files, append({entry(10, 4, "after-snapshot")}));
  MetadataLogStore reopened(1 << 20);
  auto r = reopened.recover(files);
  REQUIRE(r.ok());
  REQUIRE(r->entries.size() == 1);
  REQUIRE(r->entries[0].offset == 10);
  REQUIRE(files.list("__cluster_metadata-0") == std::vector<std::string>{"00000000000000000010.log"});
}
