// trace.json: the run in Chrome's Trace Event Format, for ui.perfetto.dev or chrome://tracing.
// One process per node or client (process_name), one thread per lane and state kind
// (thread_name); complete slices ("X") for states, never overlapping on one thread; flow events
// ("s"/"f") for the messages of the window; global instants ("i") for faults; counters ("C")
// for throughput.
#pragma once

#include <string>

#include "reports/model.h"

namespace kraftsim::reports {

inline constexpr std::size_t perfetto_messages_max = 20'000;

std::string render_perfetto(const Timeline& timeline);

}  // namespace kraftsim::reports
