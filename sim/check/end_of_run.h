// The end of a run for a set of checkers: the partition pass (each partition's final replicas,
// decoded once and shown to the checkers that judge it, then dropped) and then every on_end.
#pragma once

#include <cstdint>
#include <span>

#include "sim/check/checker.h"

namespace kraftsim::check {

// Partitions go in (topic, partition) order, checkers in the given order within a partition; a
// partition no running broker hosts is shown with no replicas. Call once, after the last event.
void finish_run(std::span<Checker* const> checkers, const ClusterView& view, std::int64_t t_us);

}  // namespace kraftsim::check
