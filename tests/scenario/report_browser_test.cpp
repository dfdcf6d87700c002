// timeline.html in a real browser: Debian's chromium (scripts/setup.sh installs it) opens the page
// headless from file://, with no network and a fresh profile. The page must run without a
// JavaScript error, draw one lane per node role and client, list a known fault and leader
// change, and render hostile user text as text. A screenshot is saved next to the kraftsim binary
// (build/release/report-browser-screenshot.png) for people to look at.
#include <catch2/catch.hpp>

#include "../support/report_fixture.h"
#include "reports/report.h"

namespace {

using namespace report_fixture;

constexpr const char* chromium = "/usr/bin/chromium";
constexpr int browser_timeout_s = 120;

struct Page {
  std::string dom;
  std::string log;  // chromium's stderr, with the page's console messages
};

// Opens `html` headless; `action` is "--dump-dom" or "--screenshot=PATH".
Page open_page(const std::filesystem::path& html, const std::filesystem::path& profile, const std::string& action) {
  const std::string command = fmt::format(
      "timeout {} {} --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
      "--disable-sync --no-first-run --disable-extensions --user-data-dir={} --enable-logging=stderr --v=0 "
      "--window-size=1400,1600 --virtual-time-budget=5000 {} file://{} </dev/null",
      browser_timeout_s, chromium, profile.string(), action, html.string());
  const auto o = shell(command);
  INFO(command << "\n" << o.err);
  REQUIRE(o.exit_code == 0);
  return {o.out, o.err};
}

void require_no_javascript_error(const Page& page) {
  INFO(page.log);
  REQUIRE(page.log.find("Uncaught") == std::string::npos);
  for (std::size_t at = page.log.find(":CONSOLE"); at != std::string::npos; at = page.log.find(":CONSOLE", at + 1)) {
    const std::string line = page.log.substr(at, page.log.find('\n', at) - at);
    INFO(line);
    REQUIRE(line.find("Error") == std::string::npos);
  }
  REQUIRE(page.dom.find("class=\"js-error\"") == std::string::npos);
  REQUIRE(page.dom.find("data-ready=\"1\"") != std::string::npos);  // the script ran to its end
}

}  // namespace

TEST_CASE("report browser: chromium opens timeline.html from file:// without errors and shows lanes, a fault and a leader change", "[report][browser]") {
  REQUIRE(std::filesystem::exists(chromium));  // scripts/setup.sh installs Debian's chromium
  const auto dir = temp_dir("browser");
  const auto result = run();
  REQUIRE(kraftsim::reports::write_report((dir / "report").string(), result.trace_events, {}).ok());
  const auto html = dir / "report" / "timeline.html";

  const Page page = open_page(html, dir / "profile", "--dump-dom");
  require_no_javascript_error(page);
  // One lane per node role and client: 3 combined nodes (controller + broker), admin, producer, consumer.
  REQUIRE(count(page.dom, "class=\"lane\" data-row=\"lane\"") == 9);
  REQUIRE(count(page.dom, "data-role=\"controller\"") == 3);
  REQUIRE(count(page.dom, "data-role=\"broker\"") == 3);
  REQUIRE(count(page.dom, "data-role=\"producer\"") == 1);
  REQUIRE(count(page.dom, "data-role=\"consumer\"") == 1);
  REQUIRE(page.dom.find(">node 1 controller<") != std::string::npos);
  // The fixture crashes the leader of orders-0 at 9 s; the controller moves the leadership.
  REQUIRE(page.dom.find("9.000 s  fault: crash node") != std::string::npos);
  REQUIRE(page.dom.find("orders-0: leader moved from") != std::string::npos);
  REQUIRE(page.dom.find("the controller fenced broker") != std::string::npos);
  // The log strip at the cursor and the guided mode's first chapter are drawn.
  REQUIRE(page.dom.find("data-partition=\"orders-0\"") != std::string::npos);
  REQUIRE(page.dom.find("id=\"chapter-title\">1 / ") != std::string::npos);
  REQUIRE(page.dom.find("acked-write-durable: held") != std::string::npos);

  // A chapter's own URL hash opens that chapter.
  const Page chapter = open_page(html.string() + "#ch-3", dir / "profile-ch", "--dump-dom");
  require_no_javascript_error(chapter);
  REQUIRE(chapter.dom.find("id=\"chapter-title\">3 / ") != std::string::npos);

  // Next to the kraftsim binary (build/<kind>/), for people to look at after a test run.
  const auto screenshot = std::filesystem::path(KRAFTSIM_BINARY).parent_path() / "report-browser-screenshot.png";
  std::filesystem::remove(screenshot);
  (void)open_page(html.string() + "#ch-6", dir / "profile-shot", "--screenshot=" + screenshot.string());
  REQUIRE(std::filesystem::exists(screenshot));
  REQUIRE(std::filesystem::file_size(screenshot) > 20'000);
  REQUIRE(read_file(screenshot).rfind("\x89PNG", 0) == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("report browser: hostile scenario names, descriptions, topics and groups render as text", "[report][browser]") {
  REQUIRE(std::filesystem::exists(chromium));
  const auto dir = temp_dir("browser-hostile");
  Names hostile;
  hostile.scenario = "<script>alert(1)</script>";
  hostile.description = "<img src=x onerror=\"document.title='pwned'\">";
  hostile.topic = "<script>alert(3)</script>";
  hostile.group = "<b>group</b>";
  const auto result = run(hostile);
  REQUIRE(kraftsim::reports::write_report((dir / "report").string(), result.trace_events, {}).ok());
  const Page page = open_page(dir / "report" / "timeline.html", dir / "profile", "--dump-dom");
  require_no_javascript_error(page);
  REQUIRE(count(page.dom, "<script") == 2);  // no element was injected
  REQUIRE(page.dom.find("<img") == std::string::npos);
  REQUIRE(page.dom.find("<b>group</b>") == std::string::npos);
  REQUIRE(page.dom.find("<title>pwned") == std::string::npos);  // the onerror handler never ran
  // Shown as text in the header.
  REQUIRE(page.dom.find("kraftsim: &lt;script&gt;alert(1)&lt;/script&gt; (seed 7)") != std::string::npos);
  REQUIRE(page.dom.find("&lt;img src=x onerror=") != std::string::npos);
  std::filesystem::remove_all(dir);
}
