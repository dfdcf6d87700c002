#!/usr/bin/env bash
# The training runs of the release build's profile-guided optimization (scripts/build.sh):
# runs an instrumented kraftsim over what users run, so that GCC lays out and inlines the hot
# paths by measured counts. The set is the scenario library (every teaching and regression
# path), the standard benchmark s1 (long runs: the replication, producer and consumer hot paths)
# and an explore sweep (generated clusters, workloads and faults). One job: the instrumented
# counters are not atomic. A failed check (exit 1 or 3) is left to the test suite, which judges
# every scenario; bad input (2), an internal error (4) or a signal stops the build, since a
# training run that broke would leave its path untrained without anyone noticing.
# Usage: scripts/pgo-train.sh KRAFTSIM_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."

binary="$1"
scratch="$(mktemp -d)"
trap 'rm -rf "${scratch}"' EXIT

train() {
  local status=0
  "${binary}" "$@" >/dev/null 2>"${scratch}/stderr" || status=$?
  if [ "${status}" != 0 ] && [ "${status}" != 1 ] && [ "${status}" != 3 ]; then
    echo "pgo-train.sh: kraftsim $* exited with ${status}:" >&2
    cat "${scratch}/stderr" >&2
    exit 1
  fi
}

while IFS= read -r scenario; do
  train run "${scenario}"
done < <(find scenarios -name '*.json' ! -name 'scenario.schema.json' ! -path 'scenarios/bench/*' | sort)
train run scenarios/bench/s1.json
train explore --seeds 1..100 --jobs 1 --out "${scratch}/explore"
