// --export-data: every node's simulated files, byte for byte, without changing the run. The
// metadata log segment is read back with a decoder written here from Kafka's documented v2
// batch layout (not the project's decoder), and its CRC-32C is checked with Boost.CRC.
#include <catch2/catch.hpp>

#include <boost/crc.hpp>

#include "tests/support/kraft_scenarios.h"

using namespace kraftsim;
using namespace kraftsim::testing;

namespace {

std::int64_t be(const std::vector<std::uint8_t>& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
  if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
  return static_cast<std::int64_t>(v);
}

const std::vector<std::uint8_t>* file_of(const runner::RunResult& r, NodeId node, const std::string& path) {
  for (const auto& n : r.exported_files) {
    if (n.node != node) continue;
    for (const auto& [p, bytes] : n.files) {
      if (p == path) return &bytes;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("export: files as they stand, Kafka's layout, without changing the run", "[export]") {
  auto s = kraft_cluster(3, 0, 20'000);
  const auto plain = runner::run_scenario(s, {4, false});
  runner::RunOptions options{4, false};
  options.export_files = true;
  options.export_at = Time::zero() + milliseconds(10'000);
  const auto exported = runner::run_scenario(s, options);
  REQUIRE(exported.fingerprint == plain.fingerprint);  // exporting is read-only
  REQUIRE(exported.exported_files.size() == 3);

  const auto* meta = file_of(exported, 2, "meta.properties");
  REQUIRE(meta != nullptr);
  const std::string meta_text(meta->begin(), meta->end());
  REQUIRE(meta_text.find("cluster.id=tUeiYSM4QW2qCFizw1jz8Q") != std::string::npos);
  REQUIRE(meta_text.find("node.id=2") != std::string::npos);
  REQUIRE(file_of(exported, 2, "__cluster_metadata-0/quorum-state") != nullptr);

  // Walk the metadata log segment batch by batch (Kafka's RecordBatch v2 header).
  const auto* log = file_of(exported, 2, "__cluster_metadata-0/00000000000000000000.log");
  REQUIRE(log != nullptr);
  std::size_t at = 0;
  std::int64_t expected_offset = 0;
  int batches = 0;
  while (at < log->size()) {
    REQUIRE(at + 61 <= log->size());
    const std::int64_t base_offset = be(*log, at, 8);
    const std::int64_t batch_length = be(*log, at + 8, 4);
    const std::int64_t magic = be(*log, at + 16, 1);
    const auto stored_crc = static_cast<std::uint32_t>(be(*log, at + 17, 4));
    REQUIRE(magic == 2);
    REQUIRE(base_offset == expected_offset);
    const std::size_t end = at + 12 + static_cast<std::size_t>(batch_length);
    REQUIRE(end <= log->size());
    boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;  // CRC-32C
    crc.process_bytes(log->data() + at + 21, end - (at + 21));
    REQUIRE(crc.checksum() == stored_crc);
    const std::int64_t records = be(*log, at + 57, 4);
    REQUIRE(records == 1);
    expected_offset = base_offset + be(*log, at + 23, 4) + 1;
    at = end;
    ++batches;
  }
  REQUIRE(batches > 10);
}
