#!/usr/bin/env bash
# The whole test suite: install what is missing, build with warnings as errors, run every test
# in parallel with ctest. `scripts/test.sh --sanitize` does the same under AddressSanitizer +
# UndefinedBehaviorSanitizer (build/asan).
set -euo pipefail
cd "$(dirname "$0")/.."

kind=release
if [ "${1:-}" = "--sanitize" ]; then
  kind=asan
  # The sanitizer build is about 10x slower: property tests run a fifth of their seeds there
  # (the release run covers all of them); see tests/support/kraft_scenarios.h.
  export KRAFTSIM_TEST_SEEDS_PERCENT="${KRAFTSIM_TEST_SEEDS_PERCENT:-20}"
fi

scripts/setup.sh
scripts/build.sh "$kind"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
cd "build/$kind"
ctest -j "${KRAFTSIM_JOBS:-$(nproc)}" --output-on-failure --timeout 600
