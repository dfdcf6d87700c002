// Liveness of the controller quorum: once faults are over and a majority of voters is up and
// connected, the quorum settles on one leader that every connected voter follows, and (when the
// scenario writes metadata) the high watermark moves again after the last fault.
#pragma once

#include <memory>

#include "sim/check/checker.h"

namespace kraftsim::check {

// settle: how long after the last fault the quorum is given to recover before it is judged.
std::unique_ptr<Checker> make_quorum_liveness_checker(const ClusterView& view, bool expect_progress,
                                                      std::int64_t settle_us = 10'000'000);

}  // namespace kraftsim::check
