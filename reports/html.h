// timeline.html: one self-contained page (CSS, JavaScript and the run's data inline; no network,
// opens from file://). The data is the timeline model as compact JSON in a
// <script type="application/json"> element, escaped so no user text can end it; the page's
// script (html_assets.cpp) draws it and inserts user text with textContent only, never as HTML.
#pragma once

#include <string>

#include "reports/model.h"

namespace kraftsim::reports {

// The model as the JSON the page reads (also used by tests to check what the page holds).
std::string timeline_data_json(const Timeline& timeline, const std::string& replay_command);

std::string render_timeline_html(const Timeline& timeline, const std::string& replay_command);

// The page's stylesheet and script (html_assets.cpp).
extern const char* const timeline_css;
extern const char* const timeline_js;

}  // namespace kraftsim::reports
