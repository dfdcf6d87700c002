#!/usr/bin/env bash
# The training runs of the release build's profile-guided optimization (scripts/build.sh):
# runs an instrumented kraftsim over what users run, so that GCC lays out and inlines the hot
# paths by measured counts. The set is the scenario library (every teaching and regression
# path), the standard benchmark s1 (long runs: the replication, producer and consumer hot paths)
# and an explore sweep (generated clusters, workloads and faults). One job: the instrumented
# counters are not atomic. Exit codes are not judged here: teaching scenarios end in their
# expected violations, and the test suite judges every scenario.
# Usage: scripts/pgo-train.sh KRAFTSIM_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."

binary="$1"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

while IFS= read -r scenario; do
  "${binary}" run "${scenario}" >/dev/null 2>&1 || true
done < <(find scenarios -name '*.json' ! -name 'scenario.schema.json' ! -path 'scenarios/bench/*' | sort)
"${binary}" run scenarios/bench/s1.json >/dev/null 2>&1 || true
"${binary}" explore --seeds 1..100 --jobs 1 --out "${scratch}/explore" >/dev/null 2>&1 || true
