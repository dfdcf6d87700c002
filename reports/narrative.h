// The guided mode's narration: chapters generated from the timeline model, in plain words that
// tie what happened in the run to the seed document's concepts (replication, leader and
// followers, ISR, acks, page cache, KRaft controllers). Text only: renderers escape it.
#pragma once

#include <vector>

#include "reports/model.h"

namespace kraftsim::reports {

// At most chapters_max chapters, in time order, each with its own anchor ("ch-1", ...).
std::vector<Chapter> narrate(const Timeline& timeline);

// The closing verdict in one paragraph ("No acknowledged record was lost: ...").
std::string durability_verdict(const Timeline& timeline);

}  // namespace kraftsim::reports
