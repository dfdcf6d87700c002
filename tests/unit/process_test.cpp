// Processes: start, crash, power loss, pause/resume and restart from disk.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "tests/support/recorder.h"

using namespace kraftsim;
using kraftsim::testing::RecorderWorld;

namespace {
sim::NetworkConfig one_ms_network() {
  sim::NetworkConfig c;
  c.latency_min = c.latency_max = milliseconds(1);
  c.bandwidth_bytes_per_s = 0;
  return c;
}
env::ByteView bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

TEST_CASE("a paused node processes nothing until resumed, then everything in arrival order", "[process]") {
  RecorderWorld w(2, one_ms_network());
  w.node(2).timer(milliseconds(10));
  w.world.pause(2);
  w.node(1).ping(2, 0);
  w.node(1).ping(2, 1);
  w.run_for(milliseconds(500));
  REQUIRE(w.log(2).received.empty());
  REQUIRE(w.log(2).timer_fired_at_us.empty());
  REQUIRE(w.world.node(2).state() == sim::ProcessState::paused);

  w.world.resume(2);
  REQUIRE(w.log(2).timer_fired_at_us == std::vector<std::int64_t>{500'000});
  REQUIRE(w.log(2).received.size() == 2);
  REQUIRE(w.log(2).received[0].sequence == 0);
  REQUIRE(w.log(2).received[0].at_us == 500'000);
}

TEST_CASE("property: a paused node runs no handler, whatever arrives", "[process][property]") {
  rc::prop("pause holds work", [](std::uint8_t messages, std::uint8_t timers) {
    RecorderWorld w(2, one_ms_network());
    for (int i = 0; i < timers; ++i) w.node(2).timer(milliseconds(1 + i));
    w.world.pause(2);
    for (int i = 0; i < messages; ++i) w.node(1).ping(2, i);
    w.run_for(seconds(2));
    RC_ASSERT(w.log(2).received.empty());
    RC_ASSERT(w.log(2).timer_fired_at_us.empty());
    w.world.resume(2);
    RC_ASSERT(w.log(2).received.size() == messages);
    RC_ASSERT(w.log(2).timer_fired_at_us.size() == timers);
  });
}

TEST_CASE("a cancelled timer does not fire, also when it was held during a pause", "[process]") {
  RecorderWorld w(1, one_ms_network());
  auto a = w.node(1).timer(milliseconds(10));
  auto b = w.node(1).timer(milliseconds(10));
  REQUIRE(w.node(1).env().cancel_timer(a));
  w.world.pause(1);
  w.run_for(milliseconds(50));
  w.world.resume(1);  // b was held during the pause and runs at resume
  REQUIRE(w.log(1).timer_fired_at_us.size() == 1);
  REQUIRE_FALSE(w.node(1).env().cancel_timer(b));
}

TEST_CASE("a crash kills timers and connections but keeps the page cache", "[process]") {
  RecorderWorld w(2, one_ms_network());
  auto& files = w.node(2).env().files();
  REQUIRE(files.append("data/log", bytes_of("unsynced")).ok());
  w.node(2).timer(milliseconds(100));
  w.node(1).ping(2, 0);  // in flight at the crash
  w.world.crash(2);
  REQUIRE(w.world.node(2).state() == sim::ProcessState::crashed);
  w.node(1).ping(2, 1);  // written on the broken connection before 1 knows: goes nowhere
  w.run_for(seconds(1));
  REQUIRE(w.log(2).received.empty());
  REQUIRE(w.log(2).timer_fired_at_us.empty());
  // The peer notices the broken connection once, after the detection delay.
  REQUIRE(w.log(1).lost.size() == 1);
  // Told, it connects again: a ping to the dead process is refused on arrival, and it hears so.
  w.node(1).ping(2, 2);
  w.run_for(seconds(1));
  REQUIRE(w.log(2).received.empty());
  REQUIRE(w.log(1).lost.size() == 2);

  w.world.restart(2);
  REQUIRE(w.log(2).starts == 2);
  auto content = w.node(2).env().files().read("data/log", 0, 100);
  REQUIRE(content.ok());
  REQUIRE(std::string(content->begin(), content->end()) == "unsynced");
}

TEST_CASE("a power loss keeps fsynced data and loses unsynced data", "[process]") {
  RecorderWorld w(1, one_ms_network());
  auto& files = w.node(1).env().files();
  REQUIRE(files.append("data/log", bytes_of("durable|")).ok());
  bool synced = false;
  files.fsync("data/log", [&](env::IoStatus s) { synced = s.ok(); });
  files.fsync_dir("data", [](env::IoStatus) {});
  w.run_for(milliseconds(50));
  REQUIRE(synced);
  REQUIRE(w.node(1).env().files().append("data/log", bytes_of("volatile")).ok());
  w.world.power_loss(1);
  w.world.restart(1);
  auto content = w.node(1).env().files().read("data/log", 0, 100);
  REQUIRE(content.ok());
  REQUIRE(std::string(content->begin(), content->end()) == "durable|");
}

TEST_CASE("an fsync that has not completed when power fails makes nothing durable", "[process]") {
  sim::DiskConfig disk;
  disk.fsync_latency = milliseconds(20);
  RecorderWorld w(1, one_ms_network(), 1, disk);
  auto& files = w.node(1).env().files();
  REQUIRE(files.append("log", bytes_of("abc")).ok());
  bool completed = false;
  files.fsync("log", [&](env::IoStatus) { completed = true; });
  files.fsync_dir("", [](env::IoStatus) {});
  w.run_for(milliseconds(5));
  w.world.power_loss(1);
  w.run_for(milliseconds(50));
  REQUIRE_FALSE(completed);  // the callback died with the process
  w.world.restart(1);
  REQUIRE_FALSE(w.node(1).env().files().exists("log"));
}

TEST_CASE("cold reads pay page-cache-miss latency, warm reads do not", "[process]") {
  sim::DiskConfig disk;
  disk.read_miss_latency_per_page = microseconds(500);
  RecorderWorld w(1, one_ms_network(), 1, disk);
  auto& files = w.node(1).env().files();
  REQUIRE(files.append("seg", env::Bytes(8192, 7)).ok());
  std::int64_t done_at = -1;
  files.read_async("seg", 0, 8192, [&](env::IoResult<env::Bytes> r) {
    REQUIRE(r.ok());
    done_at = w.world.now().us();
  });
  w.run_for(milliseconds(10));
  REQUIRE(done_at == 0);  // just written: in the page cache
  w.world.drop_caches(1);
  const auto start = w.world.now().us();
  w.node(1).env().files().read_async("seg", 0, 8192, [&](env::IoResult<env::Bytes>) { done_at = w.world.now().us(); });
  w.run_for(milliseconds(10));
  REQUIRE(done_at - start == 2 * 500);  // two cold 4 KiB pages
}
