// A sweep's seed arithmetic (--seeds A..B, --shard K/N) and its reports (summary text, JUnit XML,
// progress line), on sweep results built in the test: no runs needed.
#include <catch2/catch.hpp>

#include <limits>
#include <set>
#include <string>

#include "sim/runner/result_json.h"
#include "sim/runner/sweep.h"
#include "sim/runner/sweep_report.h"

namespace {

using namespace kraftsim;
using namespace kraftsim::runner;

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

SweepRun failing_run(std::uint64_t seed, int exit_code, const std::string& check, const std::string& detail) {
  SweepRun r;
  r.seed = seed;
  r.exit_code = exit_code;
  r.fingerprint = seed * 7;
  r.wall_ms = 1500;
  r.failed_checks.push_back(CheckResult{check, CheckStatus::violated, detail, 1000});
  r.replay_command = "kraftsim run s.json --seed " + std::to_string(seed);
  return r;
}

SweepRun passing_run(std::uint64_t seed) {
  SweepRun r;
  r.seed = seed;
  r.wall_ms = 250;
  r.replay_command = "kraftsim run s.json --seed " + std::to_string(seed);
  return r;
}

}  // namespace

TEST_CASE("sweep: --seeds A..B parses whole numbers with A <= B and refuses everything else", "[sweep]") {
  auto r = parse_seed_range("3..17");
  REQUIRE(r.ok());
  REQUIRE(r->first == 3);
  REQUIRE(r->last == 17);
  REQUIRE(parse_seed_range("5..5").ok());
  REQUIRE(parse_seed_range("0..18446744073709551615").ok());
  for (const char* bad : {"", "5", "5..", "..5", "a..b", "1..2x", "-1..4", "9..3", "1...4", "1..18446744073709551616",
                          " 1..4"}) {
    INFO(bad);
    auto p = parse_seed_range(bad);
    REQUIRE_FALSE(p.ok());
    REQUIRE(p.error().find("A..B") != std::string::npos);
  }
}

TEST_CASE("sweep: --shard K/N is 1-based with 1 <= K <= N", "[sweep]") {
  auto s = parse_shard("3/8");
  REQUIRE(s.ok());
  REQUIRE(s->index == 3);
  REQUIRE(s->count == 8);
  for (const char* bad : {"", "0/4", "5/4", "1/0", "1", "a/b", "1/2/3", "-1/4", "2/"}) {
    INFO(bad);
    auto p = parse_shard(bad);
    REQUIRE_FALSE(p.ok());
    REQUIRE(p.error().find("K/N") != std::string::npos);
  }
}

TEST_CASE("sweep: the N shards of a range are disjoint, cover it, and follow (s - A) % N == K - 1", "[sweep]") {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  for (const SeedRange range : {SeedRange{1, 100}, SeedRange{7, 7}, SeedRange{10, 12}, SeedRange{max - 20, max}}) {
    for (std::uint64_t n : {1u, 2u, 3u, 7u, 30u}) {
      std::set<std::uint64_t> seen;
      std::uint64_t total = 0;
      for (std::uint64_t k = 1; k <= n; ++k) {
        const Shard shard{k, n};
        const std::uint64_t c = shard_seed_count(range, shard);
        total += c;
        for (std::uint64_t i = 0; i < c; ++i) {
          const std::uint64_t seed = shard_seed(range, shard, i);
          REQUIRE((seed - range.first) % n == k - 1);
          if (i > 0) REQUIRE(seed > shard_seed(range, shard, i - 1));
          REQUIRE(seen.insert(seed).second);
        }
      }
      INFO(range.first << ".." << range.last << " in " << n << " shards");
      REQUIRE(total == range.last - range.first + 1);
      REQUIRE(seen.size() == total);
      REQUIRE(*seen.begin() == range.first);
      REQUIRE(*seen.rbegin() == range.last);
    }
  }
  // The whole 64-bit range does not overflow: half of it in each of two shards.
  REQUIRE(shard_seed_count(SeedRange{0, max}, Shard{1, 2}) == max / 2 + 1);
  REQUIRE(shard_seed_count(SeedRange{0, max}, Shard{2, 2}) == max / 2 + 1);
  REQUIRE(shard_seed_count(SeedRange{0, max}, Shard{1, 1}) == max);  // saturated, not wrapped to 0
  REQUIRE(shard_seed_count(SeedRange{1, max}, Shard{1, 1}) == max);
  // A shard beyond a short range is empty, not an error (array jobs may outnumber seeds).
  REQUIRE(shard_seed_count(SeedRange{1, 3}, Shard{5, 8}) == 0);
}

TEST_CASE("sweep: the worst exit code is internal over safety over liveness over passed", "[sweep]") {
  REQUIRE(worse_exit_code(exit_passed, exit_liveness_failure) == exit_liveness_failure);
  REQUIRE(worse_exit_code(exit_liveness_failure, exit_safety_violation) == exit_safety_violation);
  REQUIRE(worse_exit_code(exit_safety_violation, exit_liveness_failure) == exit_safety_violation);
  REQUIRE(worse_exit_code(exit_safety_violation, exit_internal) == exit_internal);
  REQUIRE(worse_exit_code(exit_passed, exit_passed) == exit_passed);
  SweepResult r;
  r.runs = {passing_run(1), failing_run(2, exit_liveness_failure, "liveness-after-heal", "x"), passing_run(3)};
  REQUIRE(r.worst_exit_code() == exit_liveness_failure);
  REQUIRE(r.failed_count() == 1);
  r.runs.push_back(failing_run(4, exit_safety_violation, "acked-write-durable", "y"));
  REQUIRE(r.worst_exit_code() == exit_safety_violation);
  REQUIRE(r.failed_count() == 2);
}

TEST_CASE("sweep: xml_escape escapes the five special characters and drops what XML cannot carry", "[sweep]") {
  REQUIRE(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  REQUIRE(xml_escape("line1\nline2\tx") == "line1\nline2\tx");
  REQUIRE(xml_escape_attribute("line1\nline2\tx<") == "line1&#10;line2&#9;x&lt;");
  REQUIRE(xml_escape(std::string("bell\x07") + '\x01') == "bell??");
  REQUIRE(xml_escape("plain text 123") == "plain text 123");
  REQUIRE(xml_escape("&amp;") == "&amp;amp;");  // escaping is not idempotent: it is applied once
}

TEST_CASE("sweep: the JUnit XML has one testcase per run, a failure per failed run and escapes the text", "[sweep]") {
  SweepResult r;
  r.scenario = "x<y>&\"z\"";
  r.seeds = {1, 5};
  r.seeds_planned = 5;
  r.wall_ms = 4000;
  r.runs = {passing_run(1), failing_run(2, exit_safety_violation, "acked-write-durable", "offset 5 < 7 & lost"),
            passing_run(3), failing_run(4, exit_liveness_failure, "liveness-after-heal", "no leader"), passing_run(5)};
  SweepRun internal = passing_run(6);
  internal.exit_code = exit_internal;
  internal.internal_error = "std::out_of_range <map::at>";
  r.runs.push_back(internal);
  const std::string xml = sweep_junit_xml(r);
  INFO(xml);
  REQUIRE(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
  REQUIRE(count(xml, "<testsuites ") == 1);
  REQUIRE(count(xml, "</testsuites>") == 1);
  REQUIRE(count(xml, "<testsuite ") == 1);
  REQUIRE(count(xml, "</testsuite>") == 1);
  REQUIRE(count(xml, "<testcase ") == 6);
  // A testcase is self-closed when it passed, closed by </testcase> when it holds a failure or error.
  REQUIRE(count(xml, "<testcase ") == count(xml, "\"/>\n") + count(xml, "</testcase>"));
  REQUIRE(count(xml, "</testcase>") == 3);
  REQUIRE(count(xml, "<failure ") == 2);
  REQUIRE(count(xml, "</failure>") == 2);
  REQUIRE(count(xml, "<error ") == 1);
  REQUIRE(count(xml, "</error>") == 1);
  REQUIRE(xml.find("<testsuite name=\"x&lt;y&gt;&amp;&quot;z&quot;\" tests=\"6\" failures=\"2\" errors=\"1\"") !=
          std::string::npos);
  for (int seed = 1; seed <= 6; ++seed) REQUIRE(count(xml, "name=\"seed " + std::to_string(seed) + "\"") == 1);
  REQUIRE(xml.find("name=\"seed 1\" time=\"0.250\"/>") != std::string::npos);
  REQUIRE(xml.find("name=\"seed 2\" time=\"1.500\">") != std::string::npos);
  REQUIRE(xml.find("<failure message=\"acked-write-durable violated\" type=\"safety\">") != std::string::npos);
  REQUIRE(xml.find("<failure message=\"liveness-after-heal violated\" type=\"liveness\">") != std::string::npos);
  REQUIRE(xml.find("offset 5 &lt; 7 &amp; lost") != std::string::npos);
  REQUIRE(xml.find("replay: kraftsim run s.json --seed 2") != std::string::npos);
  REQUIRE(xml.find("std::out_of_range &lt;map::at&gt;") != std::string::npos);
  // Nothing unescaped slipped through: every '&' starts an entity or character reference.
  for (auto at = xml.find('&'); at != std::string::npos; at = xml.find('&', at + 1)) {
    const std::string rest = xml.substr(at, 6);
    const bool entity = rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 || rest.rfind("&amp;", 0) == 0 ||
                        rest.rfind("&quot;", 0) == 0 || rest.rfind("&apos;", 0) == 0 || rest.rfind("&#", 0) == 0;
    INFO(rest);
    REQUIRE(entity);
  }
}

TEST_CASE("sweep: the summary lists failing seeds in seed order with their checks and replay commands", "[sweep]") {
  SweepResult r;
  r.scenario = "s";
  r.seeds = {1, 10};
  r.seeds_planned = 10;
  r.wall_ms = 60'000;
  r.runs = {passing_run(1), failing_run(3, exit_safety_violation, "acked-write-durable", "lost 2 records"), passing_run(5),
            failing_run(8, exit_liveness_failure, "liveness-after-heal", "no leader")};
  r.interrupted = true;
  const std::string text = sweep_summary_text(r, 2);
  INFO(text);
  REQUIRE(text.find("sweep s: seeds 1..10 (10 seeds), 2 jobs") != std::string::npos);
  REQUIRE(text.find("4 runs: 2 passed, 2 failed (1 safety, 1 liveness, 0 internal)") != std::string::npos);
  REQUIRE(text.find("4.0 seeds/min") != std::string::npos);
  const auto seed3 = text.find("seed 3: safety (exit 1)");
  const auto seed8 = text.find("seed 8: liveness (exit 3)");
  REQUIRE(seed3 != std::string::npos);
  REQUIRE(seed8 != std::string::npos);
  REQUIRE(seed3 < seed8);
  REQUIRE(text.find("acked-write-durable: violated: lost 2 records") != std::string::npos);
  REQUIRE(text.find("replay: kraftsim run s.json --seed 3") != std::string::npos);
  REQUIRE(text.find("replay: kraftsim run s.json --seed 8") != std::string::npos);
  REQUIRE(text.find("seed 1:") == std::string::npos);  // passing seeds are not listed
  REQUIRE(text.find("interrupted: 4 of 10 seeds ran") != std::string::npos);
}

TEST_CASE("sweep: the summary lists at most sweep_failures_listed_max failing seeds", "[sweep]") {
  SweepResult r;
  r.scenario = "s";
  r.seeds = {1, sweep_failures_listed_max + 5};
  r.seeds_planned = sweep_failures_listed_max + 5;
  for (std::uint64_t s = 1; s <= r.seeds_planned; ++s) r.runs.push_back(failing_run(s, exit_safety_violation, "c", "d"));
  const std::string text = sweep_summary_text(r, 1);
  REQUIRE(count(text, ": safety (exit 1)") == static_cast<int>(sweep_failures_listed_max));
  REQUIRE(text.find("... and 5 more failing seeds") != std::string::npos);
  REQUIRE(text.find("interrupted") == std::string::npos);
}

TEST_CASE("sweep: the progress line shows the bar, counts, rate and ETA", "[sweep]") {
  const std::string half = sweep_progress_line(50, 100, 2, 60'000);
  INFO(half);
  REQUIRE(half.find("[###############...............] 50/100 seeds, 2 failed, 50.0 seeds/min, ETA 1m00s") == 0);
  REQUIRE(sweep_progress_line(0, 10, 0, 0).find("ETA --") != std::string::npos);
  REQUIRE(sweep_progress_line(10, 10, 0, 1000).find("[##############################] 10/10") == 0);
}
