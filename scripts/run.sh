#!/usr/bin/env bash
# The main job: install what is missing, build kraftsim, and run the default scenario.
# Usage: scripts/run.sh [SCENARIO.json] [extra `kraftsim run` flags]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh release

scenario="${1:-scenarios/kraft-3-node-combined.json}"
shift || true
echo "kraftsim: running ${scenario}"
exec build/release/kraftsim run "${scenario}" "$@"
