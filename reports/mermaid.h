// sequence.mmd: a Mermaid sequenceDiagram of the detail window, with `autonumber` and a `rect`
// block over each fault period. Mermaid refuses diagrams over 50,000 characters by default
// (maxTextSize), so the diagram gets coarser until it fits and says so in a note.
#pragma once

#include <cstddef>
#include <string>

#include "reports/model.h"

namespace kraftsim::reports {

inline constexpr std::size_t mermaid_chars_max = 50'000;  // Mermaid's default maxTextSize

std::string render_sequence_mermaid(const Timeline& timeline);

}  // namespace kraftsim::reports
