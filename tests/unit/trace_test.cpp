// The trace: JSON Lines round trip, fingerprint sensitivity, and stable canonical form.
#include <catch2/catch.hpp>

#include <sstream>

#include "trace/trace.h"

using namespace kraftsim;
using namespace kraftsim::trace;

TEST_CASE("events round-trip through JSON Lines", "[trace]") {
  Trace t;
  t.append(5, 1, Kind::send, "Ping", {{"msg", 1}, {"to", 2}, {"note", "a \"quoted\" <b>"}, {"ok", true}});
  t.append(9, world_node, Kind::fault, "partition", {{"groups", "1 | 2,3"}});
  for (const Event& e : t.events()) {
    Event back;
    std::string error;
    REQUIRE(parse_json_line(to_json_line(e), back, error));
    REQUIRE(back == e);
  }
  REQUIRE(to_json_line(t.events()[0]) ==
          R"({"seq":0,"t_us":5,"node":1,"kind":"send","name":"Ping","msg":1,"to":2,"note":"a \"quoted\" <b>","ok":true})");
}

TEST_CASE("the fingerprint changes with any field and is reproducible", "[trace]") {
  auto build = [](std::int64_t value, const char* name) {
    Trace t;
    t.append(1, 1, Kind::state, name, {{"epoch", value}});
    return t.fingerprint();
  };
  REQUIRE(build(1, "role") == build(1, "role"));
  REQUIRE(build(1, "role") != build(2, "role"));
  REQUIRE(build(1, "role") != build(1, "leader"));
  // Keeping the events or not does not change the fingerprint.
  Trace kept(true), not_kept(false);
  kept.append(3, 2, Kind::timer, "x", {});
  not_kept.append(3, 2, Kind::timer, "x", {});
  REQUIRE(kept.fingerprint() == not_kept.fingerprint());
  REQUIRE(not_kept.events().empty());
  REQUIRE(format_fingerprint(0xabcULL) == "0x0000000000000abc");
}

TEST_CASE("malformed trace lines are rejected with a reason", "[trace]") {
  Event e;
  std::string error;
  REQUIRE_FALSE(parse_json_line("not json", e, error));
  REQUIRE_FALSE(parse_json_line(R"({"seq":0,"t_us":0,"node":1,"kind":"nonsense","name":"x"})", e, error));
  REQUIRE(error.find("nonsense") != std::string::npos);
  REQUIRE_FALSE(parse_json_line(R"({"seq":0,"t_us":0,"node":1,"kind":"send"})", e, error));
  REQUIRE(error.find("name") != std::string::npos);
}
