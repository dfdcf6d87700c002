#!/usr/bin/env bash
# The main job: install what is missing, build kraftsim, run the default scenario and write its
# report into out/report/ (open out/report/timeline.html in a browser; docs/reports.md).
# Usage: scripts/run.sh [SCENARIO.json] [extra `kraftsim run` flags]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh release

scenario="${1:-scenarios/kraft-3-node-combined.json}"
shift || true
report_dir="out/report"
echo "kraftsim: running ${scenario} (report in ${report_dir}/)"
status=0
build/release/kraftsim run "${scenario}" --report "${report_dir}" "$@" || status=$?
if [ -f "${report_dir}/timeline.html" ]; then
  echo "kraftsim: open $(pwd)/${report_dir}/timeline.html in a browser (file://, no network needed)"
fi
exit "${status}"
