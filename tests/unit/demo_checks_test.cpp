// The kernel demo's checks must be able to fail. Here the disk is damaged behind the program's
// back between a kill and the restart (records removed that the kernel promised to keep), and
// the checks must report it with the evidence.
#include <catch2/catch.hpp>

#include "broker/demo/pinger.h"
#include "sim/runner/demo_checks.h"
#include "sim/runner/scenario.h"

using namespace kraftsim;

namespace {
struct DemoWorld {
  DemoWorld() : world(sim::WorldConfig{}) {
    world.trace().set_observer([this](const trace::EventRef& e) { observer.on_event(e); });
    for (NodeId id : {1, 2}) {
      demo::PingerConfig pc;
      pc.peers = {id == 1 ? 2 : 1};
      pc.sync_every = 5;
      world.add_node(id, "node", [pc](env::Env& env) { return std::make_unique<demo::Pinger>(env, pc); });
      world.start(id);
    }
  }
  void run_for(Duration d) { world.scheduler().run_until(world.now() + d); }
  void kill(NodeId id, bool power) {
    observer.before_kill(world, id, power);
    if (power) world.power_loss(id);
    else world.crash(id);
  }
  // Removes `records` whole records from the end of the pong log: data loss the kernel never causes.
  void damage(NodeId id, std::uint64_t records) {
    auto& disk = world.node(id).disk();
    const auto size = disk.size(demo::Pinger::log_path);
    REQUIRE(size.ok());
    REQUIRE(disk.truncate(demo::Pinger::log_path, *size - records * demo::Pinger::record_bytes).ok());
    REQUIRE(disk.sync_file(demo::Pinger::log_path).ok());
  }
  sim::World world;
  runner::DemoObserver observer;
  runner::Scenario scenario;
};
}  // namespace

TEST_CASE("demo checks hold on an undamaged run", "[checks]") {
  DemoWorld d;
  d.run_for(seconds(3));
  d.kill(1, true);
  d.kill(2, false);
  d.world.restart(1);
  d.world.restart(2);
  d.run_for(seconds(3));
  const auto checks = d.observer.finish(d.world, d.scenario);
  for (const auto& c : checks) {
    INFO(c.id << ": " << c.detail);
    REQUIRE(c.status == runner::CheckStatus::held);
  }
}

TEST_CASE("demo-fsynced-records-survive reports lost fsynced records", "[checks]") {
  DemoWorld d;
  d.run_for(seconds(3));
  d.kill(1, true);
  d.damage(1, 10);
  d.world.restart(1);
  d.run_for(seconds(1));
  const auto checks = d.observer.finish(d.world, d.scenario);
  REQUIRE(checks[0].id == "demo-fsynced-records-survive");
  REQUIRE(checks[0].status == runner::CheckStatus::violated);
  REQUIRE(checks[0].detail.find("node 1") != std::string::npos);
}

TEST_CASE("demo-crash-keeps-page-cache reports lost page-cache records", "[checks]") {
  DemoWorld d;
  d.run_for(seconds(3));
  d.kill(2, false);
  d.damage(2, 1);
  d.world.restart(2);
  d.run_for(seconds(1));
  const auto checks = d.observer.finish(d.world, d.scenario);
  REQUIRE(checks[1].id == "demo-crash-keeps-page-cache");
  REQUIRE(checks[1].status == runner::CheckStatus::violated);
}

TEST_CASE("demo-pings-after-heal reports a pair that stays silent", "[checks]") {
  DemoWorld d;
  d.run_for(seconds(1));
  // A one-way cut traced as a fault: 1 can still send, but its pings' pongs never come back.
  d.world.block_one_way(2, 1);
  d.run_for(seconds(3));
  d.world.network().heal_all();  // heal the links without a traced fault: the check judges from the cut
  auto checks = d.observer.finish(d.world, d.scenario);
  REQUIRE(checks[2].id == "demo-pings-after-heal");
  REQUIRE(checks[2].status == runner::CheckStatus::violated);
}
