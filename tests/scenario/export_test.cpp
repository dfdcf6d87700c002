// --export-data: every node's simulated files, byte for byte, without changing the run. The
// metadata log segment is read back with a decoder written here from Kafka's documented v2
// batch layout (not the project's decoder), and its CRC-32C is checked with Boost.CRC.
#include <catch2/catch.hpp>

#include <boost/crc.hpp>

#include <map>
#include <string>

#include "broker/client/producer.h"
#include "sim/runner/scenario_loader.h"
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

namespace {

// Kafka's varint: zigzag-encoded, 7 bits per byte, least significant group first.
std::int64_t varint(const std::vector<std::uint8_t>& b, std::size_t& at) {
  std::uint64_t raw = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    REQUIRE(at < b.size());
    const std::uint8_t byte = b[at++];
    raw |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
}

}  // namespace

TEST_CASE("export: a partition segment decodes with Kafka's v2 layout and holds the acknowledged records", "[export]") {
  auto loaded = runner::load_scenario_file(KRAFTSIM_SOURCE_DIR "/scenarios/replication/leader-crash-acks-all.json");
  REQUIRE(loaded.ok());
  runner::Scenario s = loaded.value();
  s.faults.clear();
  s.duration = milliseconds(15'000);
  s.producers[0].records_per_s = 100;
  s.producers[0].records = 300;
  runner::RunOptions options{1, true};
  options.export_files = true;
  const auto r = runner::run_scenario(s, options);
  REQUIRE(r.passed);

  // The run's history: offset -> the value the producer sent, for every acknowledged record.
  std::map<std::int64_t, std::string> acked;
  for (const auto& e : r.trace_events) {
    if (e.name != "produce-acked") continue;
    for (std::int64_t i = 0; i < e.int_or("records", 0); ++i) {
      acked[e.int_or("base_offset", -1) + i] = client::producer_value(e.node, e.int_or("first_seq", 0) + i, 0);
    }
  }
  REQUIRE(acked.size() == 300);

  for (NodeId node : {1, 2, 3}) {
    const auto* log = file_of(r, node, "orders-0/00000000000000000000.log");
    REQUIRE(log != nullptr);
    REQUIRE(file_of(r, node, "orders-0/00000000000000000000.index") != nullptr);
    REQUIRE(file_of(r, node, "orders-0/00000000000000000000.timeindex") != nullptr);
    REQUIRE(file_of(r, node, "orders-0/leader-epoch-checkpoint") != nullptr);
    std::map<std::int64_t, std::string> found;
    std::size_t at = 0;
    while (at < log->size()) {
      REQUIRE(at + 61 <= log->size());
      const std::int64_t base_offset = be(*log, at, 8);
      const std::size_t end = at + 12 + static_cast<std::size_t>(be(*log, at + 8, 4));
      REQUIRE(be(*log, at + 16, 1) == 2);  // magic
      REQUIRE(end <= log->size());
      boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;  // CRC-32C
      crc.process_bytes(log->data() + at + 21, end - (at + 21));
      REQUIRE(crc.checksum() == static_cast<std::uint32_t>(be(*log, at + 17, 4)));
      REQUIRE((be(*log, at + 21, 2) & 0x7) == 0);  // attributes: no compression in this run
      const std::int64_t count = be(*log, at + 57, 4);
      std::size_t p = at + 61;
      for (std::int64_t i = 0; i < count; ++i) {
        const std::int64_t length = varint(*log, p);
        const std::size_t record_end = p + static_cast<std::size_t>(length);
        p += 1;                     // attributes
        (void)varint(*log, p);      // timestampDelta
        const std::int64_t offset_delta = varint(*log, p);
        const std::int64_t key_length = varint(*log, p);
        if (key_length > 0) p += static_cast<std::size_t>(key_length);
        const std::int64_t value_length = varint(*log, p);
        REQUIRE(value_length >= 0);
        std::string value(log->begin() + static_cast<std::ptrdiff_t>(p),
                          log->begin() + static_cast<std::ptrdiff_t>(p + static_cast<std::size_t>(value_length)));
        found[base_offset + offset_delta] = value.substr(0, value.find('.'));
        p = record_end;
      }
      REQUIRE(p == end);
      at = end;
    }
    for (const auto& [offset, value] : acked) {
      INFO("node " << node << " offset " << offset);
      REQUIRE(found.count(offset) == 1);
      REQUIRE(found[offset] == value);
    }
  }
}
