// summary.md: the run's narrative, a table of invariant results, key figures and the replay
// command, in Markdown. Every user-supplied string is escaped (escape_markdown).
#pragma once

#include <string>

#include "reports/model.h"

namespace kraftsim::reports {

std::string render_summary_markdown(const Timeline& timeline, const std::string& replay_command);

}  // namespace kraftsim::reports
