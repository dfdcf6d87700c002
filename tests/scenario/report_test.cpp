// The report folder of a run (issue 7): each file is well-formed, holds the run's data, escapes
// every user-supplied string, and is byte-identical for the same run; `kraftsim report` turns
// bad input into one error line and exit code 2. The browser test is report_browser_test.cpp.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "../support/report_fixture.h"
#include "reports/html.h"
#include "reports/mermaid.h"
#include "reports/report.h"
#include "trace/trace.h"

namespace {

using namespace report_fixture;
using kraftsim::reports::ReportFiles;
using kraftsim::reports::ReportOptions;

const kraftsim::runner::RunResult& fixture_run() {
  static const kraftsim::runner::RunResult result = run();
  return result;
}

const ReportFiles& fixture_files() {
  static const ReportFiles files = kraftsim::reports::render_report(fixture_run().trace_events, ReportOptions{});
  return files;
}

// The JSON inside <script type="application/json" id="kraftsim-data">.
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"kraftsim-data\">";
  const auto start = html.find(open);
  REQUIRE(start != std::string::npos);
  const auto end = html.find("</script>", start);
  REQUIRE(end != std::string::npos);
  return nlohmann::json::parse(html.substr(start + open.size(), end - start - open.size()));
}

}  // namespace

TEST_CASE("report: trace.json is Chrome trace format with named tracks, flows, fault instants and no overlapping slices", "[report]") {
  const auto j = nlohmann::json::parse(fixture_files().trace_json);
  REQUIRE(j["traceEvents"].is_array());
  std::set<std::string> process_names;
  std::map<std::pair<int, int>, std::vector<std::pair<std::int64_t, std::int64_t>>> slices;
  std::map<std::int64_t, int> flow_ends;
  int fault_instants = 0;
  for (const auto& e : j["traceEvents"]) {
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("pid"));
    REQUIRE(e.contains("name"));
    const std::string ph = e["ph"];
    if (ph != "M") REQUIRE(e.contains("ts"));
    if (ph == "M" && e["name"] == "process_name") process_names.insert(e["args"]["name"].get<std::string>());
    if (ph == "X") {
      REQUIRE(e.contains("tid"));
      REQUIRE(e["dur"].get<std::int64_t>() >= 0);
      slices[{e["pid"].get<int>(), e["tid"].get<int>()}].emplace_back(e["ts"].get<std::int64_t>(),
                                                                      e["ts"].get<std::int64_t>() + e["dur"].get<std::int64_t>());
    }
    if (ph == "s") ++flow_ends[e["id"].get<std::int64_t>()];
    if (ph == "f") {
      REQUIRE(e["bp"] == "e");
      --flow_ends[e["id"].get<std::int64_t>()];
    }
    if (ph == "i" && e["name"] == "fault crash") ++fault_instants;
  }
  for (const char* name : {"node 1", "node 2", "node 3", "admin 1003", "producer 1004", "consumer 1005", "world (faults)"}) {
    INFO(name);
    REQUIRE(process_names.count(name) == 1);
  }
  std::size_t checked = 0;
  for (auto& [track, spans] : slices) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
      INFO("pid " << track.first << " tid " << track.second << " slice at " << spans[i].first);
      REQUIRE(spans[i].first >= spans[i - 1].second);
      ++checked;
    }
  }
  REQUIRE(checked > 100);
  REQUIRE(!flow_ends.empty());
  for (const auto& [id, balance] : flow_ends) REQUIRE(balance == 0);  // every flow starts and ends
  REQUIRE(fault_instants == 1);
}

TEST_CASE("report: sequence.mmd is a numbered Mermaid sequenceDiagram with the faults boxed, under the limit", "[report]") {
  const std::string& mmd = fixture_files().sequence_mmd;
  REQUIRE(mmd.rfind("sequenceDiagram\n  autonumber\n", 0) == 0);
  REQUIRE(mmd.size() <= kraftsim::reports::mermaid_chars_max);
  REQUIRE(mmd.find("participant n1_controller as node 1 controller") != std::string::npos);
  REQUIRE(mmd.find("participant c1004 as producer 1004") != std::string::npos);
  REQUIRE(mmd.find("  rect ") != std::string::npos);
  REQUIRE(count(mmd, "  rect ") == count(mmd, "  end\n"));
  REQUIRE(mmd.find("fault crash target=") != std::string::npos);
  REQUIRE(mmd.find("->>") != std::string::npos);
  // A 20 s run has more messages than fit: the diagram is coarser and says so.
  REQUIRE(mmd.find("coarser") != std::string::npos);
}

TEST_CASE("report: a narrow window keeps every message of the window in the Mermaid diagram", "[report]") {
  ReportOptions options;
  options.window = kraftsim::reports::Window{9'000'000, 9'300'000};
  const auto files = kraftsim::reports::render_report(fixture_run().trace_events, options);
  REQUIRE(files.sequence_mmd.find("coarser") == std::string::npos);
  REQUIRE(files.sequence_mmd.find("window 9.000 s to 9.300 s") != std::string::npos);
  const auto data = page_data(files.timeline_html);
  REQUIRE(data["window"]["given"] == true);
  for (const auto& m : data["messages"]) {
    REQUIRE(m[0].get<std::int64_t>() >= 9'000'000);
    REQUIRE(m[0].get<std::int64_t>() < 9'300'000);
  }
  REQUIRE(!data["counts"].empty());  // the rest is counted per bucket
}

TEST_CASE("report: timeline.html is self-contained and holds the run's lanes, faults, leaders and verdicts", "[report]") {
  const std::string& html = fixture_files().timeline_html;
  REQUIRE(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* external : {"<link", "src=\"http", "src='http", "@import", "<iframe", " src="}) {
    INFO(external);
    REQUIRE(html.find(external) == std::string::npos);
  }
  REQUIRE(count(html, "<script") == 2);  // the data and the page's own script
  const auto data = page_data(html);
  std::set<std::string> lanes;
  for (const auto& l : data["lanes"]) lanes.insert(l["id"].get<std::string>());
  REQUIRE(lanes == std::set<std::string>{"n1-controller", "n1-broker", "n2-controller", "n2-broker", "n3-controller",
                                         "n3-broker", "c1003", "c1004", "c1005"});
  bool crash = false;
  for (const auto& f : data["faults"]) crash = crash || f["name"] == "crash";
  REQUIRE(crash);
  bool moved = false, fenced = false;
  for (const auto& k : data["keys"]) {
    const std::string text = k[3];
    moved = moved || text.find("leader moved from") != std::string::npos;
    fenced = fenced || k[1] == "fenced";
  }
  REQUIRE(moved);
  REQUIRE(fenced);
  REQUIRE(data["checks"].size() == fixture_run().checks.size());
  REQUIRE(data["partitions"].size() >= 1);
  REQUIRE(data["partitions"][0]["name"] == "orders-0");
  REQUIRE(!data["partitions"][0]["samples"].empty());
  REQUIRE(data["chapters"].size() >= 4);
  REQUIRE(data["stats"]["records_acknowledged"] == fixture_run().stats.records_acknowledged);
  REQUIRE(html.find(kraftsim::reports::timeline_js) != std::string::npos);
}

TEST_CASE("report: summary.md tells the story with the invariant table, key figures and the replay command", "[report]") {
  ReportOptions options;
  options.replay_command = fixture_run().replay_command + " --report out/report";
  const auto files = kraftsim::reports::render_report(fixture_run().trace_events, options);
  const std::string& md = files.summary_md;
  REQUIRE(md.rfind("# kraftsim report: report-fixture\n", 0) == 0);
  REQUIRE(md.find("## What happened") != std::string::npos);
  REQUIRE(md.find("crash node") != std::string::npos);
  REQUIRE(md.find("the controller fenced broker") != std::string::npos);
  REQUIRE(md.find("broker.session.timeout.ms = 3000 ms") != std::string::npos);  // the scenario's value
  REQUIRE(md.find("leader moved from") != std::string::npos);
  REQUIRE(md.find("| check | status | first violation | detail |") != std::string::npos);
  for (const auto& c : fixture_run().checks) REQUIRE(md.find("| " + c.id + " | ") != std::string::npos);
  REQUIRE(md.find(fmt::format("| records acknowledged | {} |", fixture_run().stats.records_acknowledged)) != std::string::npos);
  REQUIRE(md.find("| controller elections |") != std::string::npos);
  REQUIRE(md.find("compression.type=none") != std::string::npos);
  REQUIRE(md.find("No acknowledged record was lost") != std::string::npos);
  REQUIRE(md.find("kraftsim run report-fixture.json --seed 7 --report out/report") != std::string::npos);
}

TEST_CASE("report: scenario names, descriptions, topics and group ids are escaped in HTML, Markdown and Mermaid", "[report]") {
  Names hostile;
  hostile.scenario = "<script>alert(1)</script>";
  hostile.description = "<img src=x onerror=alert(2)> | *bold* `code`";
  hostile.topic = "<script>alert(3)</script>";  // the controller refuses it (INVALID_TOPIC_EXCEPTION); the trace has it
  hostile.group = "</script><b>g</b>";
  const auto result = run(hostile);
  const auto files = kraftsim::reports::render_report(result.trace_events, ReportOptions{});
  for (const char* raw : {"<script>alert", "<img src=x", "</script><b>", "<b>g</b>"}) {
    INFO(raw);
    REQUIRE(files.timeline_html.find(raw) == std::string::npos);
    REQUIRE(files.summary_md.find(raw) == std::string::npos);
    REQUIRE(files.sequence_mmd.find(raw) == std::string::npos);
  }
  REQUIRE(count(files.timeline_html, "<script") == 2);
  REQUIRE(files.timeline_html.find("<title>kraftsim: &lt;script&gt;alert(1)&lt;/script&gt;</title>") != std::string::npos);
  // The page still holds the text itself, to show with textContent.
  const auto data = page_data(files.timeline_html);
  REQUIRE(data["run"]["scenario"] == hostile.scenario);
  REQUIRE(data["run"]["description"] == hostile.description);
  REQUIRE(data["topics"][0]["name"] == hostile.topic);
  REQUIRE(files.summary_md.find("# kraftsim report: &lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  REQUIRE(files.summary_md.find("\\| \\*bold\\* \\`code\\`") != std::string::npos);
  REQUIRE(files.sequence_mmd.find("#lt;script#gt;alert(3)#lt;/script#gt;") != std::string::npos);
}

TEST_CASE("report: the same run gives byte-identical reports, and re-rendering events.jsonl gives the same files", "[report]") {
  const auto again = run();
  REQUIRE(again.fingerprint == fixture_run().fingerprint);
  const auto files = kraftsim::reports::render_report(again.trace_events, ReportOptions{});
  REQUIRE(files.timeline_html == fixture_files().timeline_html);
  REQUIRE(files.summary_md == fixture_files().summary_md);
  REQUIRE(files.sequence_mmd == fixture_files().sequence_mmd);
  REQUIRE(files.trace_json == fixture_files().trace_json);

  const auto dir = temp_dir("determinism");
  REQUIRE(kraftsim::reports::write_report((dir / "a").string(), again.trace_events, ReportOptions{}).ok());
  const auto reread = kraftsim::reports::read_events_file((dir / "a" / "events.jsonl").string());
  REQUIRE(reread.ok());
  REQUIRE(reread.value() == again.trace_events);
  REQUIRE(kraftsim::reports::write_report((dir / "b").string(), reread.value(), ReportOptions{}).ok());
  for (const char* name : {"timeline.html", "summary.md", "sequence.mmd", "trace.json", "events.jsonl"}) {
    INFO(name);
    const std::string a = read_file(dir / "a" / name);
    REQUIRE(!a.empty());
    REQUIRE(a == read_file(dir / "b" / name));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: kraftsim run --report writes the five files and kraftsim report re-renders them identically", "[report]") {
  const auto dir = temp_dir("cli");
  const std::string scenario = (dir / "s.json").string();
  std::ofstream(scenario) << scenario_json(Names{}, 12000);
  const auto ran = shell(fmt::format("{} run {} --report {}", KRAFTSIM_BINARY, scenario, (dir / "r1").string()));
  INFO(ran.err);
  REQUIRE(ran.exit_code == 0);
  REQUIRE(ran.out.find("timeline.html") != std::string::npos);
  for (const char* name : {"timeline.html", "summary.md", "sequence.mmd", "trace.json", "events.jsonl"}) {
    REQUIRE(std::filesystem::file_size(dir / "r1" / name) > 0);
  }
  const auto rendered = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, (dir / "r1" / "events.jsonl").string(),
                                          (dir / "r2").string()));
  REQUIRE(rendered.exit_code == 0);
  REQUIRE(read_file(dir / "r1" / "events.jsonl") == read_file(dir / "r2" / "events.jsonl"));
  REQUIRE(read_file(dir / "r1" / "trace.json") == read_file(dir / "r2" / "trace.json"));
  REQUIRE(read_file(dir / "r1" / "sequence.mmd") == read_file(dir / "r2" / "sequence.mmd"));
  // The replay command differs on purpose: run knows the scenario file, report only its name.
  REQUIRE(read_file(dir / "r1" / "summary.md").find(scenario + " --seed 7 --report report") != std::string::npos);
  // Where the report is written does not change it.
  REQUIRE(shell(fmt::format("{} run {} --report {}", KRAFTSIM_BINARY, scenario, (dir / "r3").string())).exit_code == 0);
  for (const char* name : {"timeline.html", "summary.md", "sequence.mmd", "trace.json", "events.jsonl"}) {
    INFO(name);
    REQUIRE(read_file(dir / "r1" / name) == read_file(dir / "r3" / name));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: bad events, a bad window and an unwritable folder are one error line and exit code 2", "[report]") {
  const auto dir = temp_dir("errors");
  const auto events = dir / "events.jsonl";
  std::ofstream(events) << R"({"seq":0,"t_us":0,"node":-1,"kind":"run","name":"run-started","scenario":"x"})" << "\n"
                        << "{not json\n";
  auto o = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, events.string(), (dir / "out").string()));
  REQUIRE(o.exit_code == 2);
  REQUIRE(o.err.find(events.string() + ":2: expected one trace event") != std::string::npos);
  REQUIRE(count(o.err, "\n") == 1);

  std::ofstream(events) << R"({"seq":0,"t_us":5,"node":-1,"kind":"run","name":"run-started","scenario":"x"})" << "\n"
                        << R"({"seq":1,"t_us":4,"node":-1,"kind":"run","name":"run-ended","passed":true,"stop":"x"})" << "\n";
  o = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, events.string(), (dir / "out").string()));
  REQUIRE(o.exit_code == 2);
  REQUIRE(o.err.find(":2: t_us 4 is before") != std::string::npos);

  std::ofstream(events) << R"({"seq":0,"t_us":0,"node":-1,"kind":"run","name":"run-started","scenario":"x"})" << "\n";
  for (const char* window : {"5..3", "abc", "10..", "-1..5", "3..3"}) {
    o = shell(fmt::format("{} report {} --out {} --window={}", KRAFTSIM_BINARY, events.string(), (dir / "out").string(), window));
    INFO(window << ": " << o.err);
    REQUIRE(o.exit_code == 2);
    REQUIRE(o.err.find("expected FROM..TO in milliseconds") != std::string::npos);
  }
  std::ofstream(dir / "file") << "x";
  o = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, events.string(), (dir / "file" / "sub").string()));
  REQUIRE(o.exit_code == 2);
  REQUIRE(o.err.find("cannot create the report directory") != std::string::npos);
  o = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, (dir / "missing.jsonl").string(), (dir / "out").string()));
  REQUIRE(o.exit_code == 2);
  REQUIRE(o.err.find("missing.jsonl: cannot read the file") != std::string::npos);
  // run checks --window before running anything.
  o = shell(fmt::format("{} run {} --report {} --window 9..1", KRAFTSIM_BINARY, KRAFTSIM_SOURCE_DIR "/scenarios/kernel-demo.json",
                        (dir / "never").string()));
  REQUIRE(o.exit_code == 2);
  REQUIRE(!std::filesystem::exists(dir / "never"));
  // A minimal trace (one event) still renders.
  o = shell(fmt::format("{} report {} --out {}", KRAFTSIM_BINARY, events.string(), (dir / "out").string()));
  REQUIRE(o.exit_code == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: a hand-made trace with a hostile topic renders it as text in the log strips and Markdown", "[report]") {
  // What a user can put in a trace file directly: Kafka's controller never lets such a topic exist.
  const std::string topic = "<script>alert(1)</script>";
  std::vector<kraftsim::trace::Event> events;
  auto add = [&events](std::int64_t t_us, std::int32_t node, kraftsim::trace::Kind kind, std::string name,
                       std::vector<kraftsim::trace::Field> fields) {
    events.push_back(kraftsim::trace::Event{events.size(), t_us, node, kind, std::move(name), std::move(fields)});
  };
  using kraftsim::trace::Kind;
  add(0, -1, Kind::run, "run-started", {{"scenario", "hand-made"}, {"seed", 1}, {"duration_ms", 1000}});
  add(0, -1, Kind::run, "run-node", {{"node_id", 1}, {"roles", "broker,controller"}, {"formatted", true}});
  add(10, 1, Kind::state, "metadata-committed",
      {{"offset", 1}, {"record", "PartitionRecord"}, {"topic", topic}, {"partition", 0}, {"isr", "1"}, {"leader", 1}, {"leader_epoch", 0}});
  add(20, 1, Kind::state, "partition-state",
      {{"topic", topic}, {"partition", 0}, {"role", "Leader"}, {"leader", 1}, {"leader_epoch", 0}, {"high_watermark", 0},
       {"log_end_offset", 0}, {"reason", "became leader"}, {"isr", "1"}, {"partition_epoch", 0}});
  const auto files = kraftsim::reports::render_report(events, ReportOptions{});
  REQUIRE(files.timeline_html.find(topic) == std::string::npos);
  REQUIRE(count(files.timeline_html, "<script") == 2);
  REQUIRE(page_data(files.timeline_html)["partitions"][0]["name"] == topic + "-0");
  REQUIRE(files.summary_md.find("&lt;script&gt;alert(1)&lt;/script&gt;-0 created") != std::string::npos);
}

TEST_CASE("report: Korean text cut in the middle and invalid UTF-8 still give parseable JSON", "[report]") {
  // Message fields are cut at 40 bytes for the arrows' summaries: a cut must not split a
  // multi-byte character. A hand-made trace can also hold bytes that are not UTF-8 at all.
  const std::string topic = "\xED\x86\xA0\xED\x94\xBD-\xED\x86\xA0\xED\x94\xBD-\xED\x86\xA0\xED\x94\xBD-\xED\x86\xA0\xED\x94\xBD-"
                            "\xED\x86\xA0\xED\x94\xBD-\xED\x86\xA0\xED\x94\xBD";  // "토픽-" six times, 41 bytes
  std::vector<kraftsim::trace::Event> events;
  using kraftsim::trace::Kind;
  events.push_back({0, 0, -1, Kind::run, "run-started", {{"scenario", "utf8"}, {"description", std::string("bad \xff\xfe bytes")}}});
  events.push_back({1, 0, -1, Kind::run, "run-node", {{"node_id", 1}, {"roles", "broker,controller"}}});
  events.push_back({2, 5, 1, Kind::send, "CreateTopics", {{"msg", 1}, {"to", 1}, {"bytes", 9}, {"first_topic", topic}}});
  events.push_back({3, 6, 1, Kind::deliver, "CreateTopics", {{"msg", 1}, {"from", 1}}});
  const auto files = kraftsim::reports::render_report(events, ReportOptions{});
  const auto data = page_data(files.timeline_html);
  const std::string summary = data["messages"][0][8];
  REQUIRE(summary.rfind("first_topic=", 0) == 0);
  REQUIRE(summary.size() < std::string("first_topic=").size() + topic.size() + 3);
  REQUIRE(summary.substr(summary.size() - 3) == "...");
  REQUIRE(summary.find("\xEF\xBF\xBD") == std::string::npos);  // no replacement character: cut between characters
  REQUIRE(data["run"]["description"].get<std::string>().find("bad ") == 0);
  REQUIRE(nlohmann::json::parse(files.trace_json)["traceEvents"].is_array());
}
