// producer-order and idempotent-no-duplicates read a partition's final log as a whole at the end
// of the run: here they are given a hand-made final log (a ClusterView with one leader) that
// holds a duplicate, a reordered record, and a record numbered past the dense range the
// checkers index by record number, and must name each.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "sim/check/end_of_run.h"
#include "sim/check/replication_checkers.h"
#include "tests/support/checker_events.h"
#include "tests/support/partition_view.h"

using namespace kraftsim;
using namespace kraftsim::check;
using kraftsim::testing::state;

namespace {

// One partition, "orders-0", led by broker 1 whose log holds `texts` at offsets 0, 1, 2, ...
kraftsim::testing::OrdersZeroView one_leader(const std::vector<std::string>& texts) {
  auto arena = std::make_shared<ValueArena>();
  PartitionReplicaView v;
  v.node = 1;
  v.leader = true;
  v.leader_epoch = 3;
  v.log_end_offset = static_cast<std::int64_t>(texts.size());
  v.high_watermark = v.log_end_offset;
  v.values.share(arena);
  for (std::size_t i = 0; i < texts.size(); ++i) v.values.set(static_cast<std::int64_t>(i), arena->keep(texts[i]));
  std::vector<PartitionReplicaView> replicas;
  replicas.push_back(std::move(v));
  return kraftsim::testing::OrdersZeroView({1}, std::move(replicas));
}

void finish(Checker& c, const ClusterView& view) {
  Checker* const checkers[] = {&c};
  finish_run(checkers, view, 2000);
}

std::string run_checker(std::unique_ptr<Checker> c, const ClusterView& view) {
  c->on_event(state(1, 9, "produce-acked", {{"topic", "orders"}, {"partition", 0}, {"base_offset", 0}, {"records", 1}}));
  finish(*c, view);
  return c->violation() ? c->violation()->detail : std::string();
}

}  // namespace

TEST_CASE("producer-order and idempotent-no-duplicates name a duplicate, a reordering and a sparse record number",
          "[checks]") {
  const std::string far = std::to_string(std::int64_t{1} << 40);  // past the dense range: kept in a map
  const auto view = one_leader({"value-7-0", "value-7-1", "value-8-0", "value-7-1...", "value-7-3", "value-7-2", "other",
                        "value-7-" + far, "value-7-" + far + "..."});
  const std::string order = run_checker(make_producer_order_checker(), view);
  INFO(order);
  REQUIRE(order == "orders-0 offset 5: producer 7's record 2 comes after its record 3 (leader 1)");

  const std::string first = run_checker(make_no_duplicates_checker(), view);
  INFO(first);
  REQUIRE(first == "orders-0: producer 7's record 1 is at offset 1 and again at offset 3 (leader 1)");
}

TEST_CASE("idempotent-no-duplicates counts every second copy, the sparse ones too, and holds on a clean log", "[checks]") {
  const std::string far = std::to_string(std::int64_t{1} << 40);
  const auto dirty = one_leader({"value-7-0", "value-7-0", "value-7-" + far, "value-7-" + far, "value-8-5", "value-8-5"});
  auto c = make_no_duplicates_checker();
  c->on_event(state(1, 9, "produce-acked", {{"topic", "orders"}, {"partition", 0}}));
  finish(*c, dirty);
  REQUIRE(c->violations() == 3);
  REQUIRE(c->records_affected() == 3);

  const auto clean = one_leader({"value-7-0", "value-8-0", "value-7-1", "value-7-2", "value-8-1"});
  auto held = make_no_duplicates_checker();
  held->on_event(state(1, 9, "produce-acked", {{"topic", "orders"}, {"partition", 0}}));
  finish(*held, clean);
  REQUIRE_FALSE(held->violation());
  REQUIRE(held->observations() == 5);
  REQUIRE(run_checker(make_producer_order_checker(), clean).empty());
}
