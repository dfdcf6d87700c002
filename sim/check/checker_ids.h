// The ids of every checker a run can report, so scenario files can name them in `expect` and be
// validated before anything runs. tests/unit/checker_ids_test.cpp holds this list to the
// checkers' own id() strings.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace kraftsim::check {

inline constexpr std::array<std::string_view, 21> all_checker_ids = {
    "single-controller-per-epoch",  "raft-epoch-monotonic",        "raft-hw-monotonic",
    "raft-majority-reached-hw",     "raft-committed-consistent",   "quorum-live-after-faults",
    "acked-write-durable",          "replicas-consistent-below-hw", "event-budget",
    "demo-fsynced-records-survive", "demo-crash-keeps-page-cache", "demo-pings-after-heal",
    "consumer-read-stable",         "producer-order",              "idempotent-no-duplicates",
    "group-single-owner",           "liveness-after-heal",         "topics-created-as-expected",
    "single-partition-leader-per-epoch", "partition-hw-monotonic",  "committed-offset-monotonic",
};

// The answers a scenario's `expect.create_topics` may name: Kafka's error names for CreateTopics
// (the controller's answers, and REQUEST_TIMED_OUT when the admin client gives up).
inline constexpr std::array<std::string_view, 9> create_topics_error_names = {
    "NONE",           "INVALID_TOPIC_EXCEPTION", "TOPIC_ALREADY_EXISTS", "INVALID_PARTITIONS", "INVALID_REPLICATION_FACTOR",
    "INVALID_CONFIG", "INVALID_REQUEST",         "POLICY_VIOLATION",     "REQUEST_TIMED_OUT",
};

inline bool is_checker_id(std::string_view id) {
  return std::find(all_checker_ids.begin(), all_checker_ids.end(), id) != all_checker_ids.end();
}

}  // namespace kraftsim::check
