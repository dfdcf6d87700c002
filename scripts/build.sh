#!/usr/bin/env bash
# Configures and builds one build tree: `release` (build/release) or `asan` (build/asan, with
# AddressSanitizer + UndefinedBehaviorSanitizer). Warnings are errors in both. ccache is used
# when present, so rebuilds after small changes are quick.
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
jobs="${KRAFTSIM_JOBS:-$(nproc)}"
case "$kind" in
  # -O3 (not CMake's -O2 for RelWithDebInfo): s1 runs 4-8% faster (docs/PERFORMANCE.md). At -O3
  # GCC 12 reports -Wrestrict and -Wmaybe-uninitialized inside libstdc++'s std::string and
  # std::variant where nothing overlaps or is uninitialized (GCC bug 105329 and related
  # reports); the asan build below still runs both warnings over the project's code.
  release) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O3 -g -DNDEBUG -Wno-restrict -Wno-maybe-uninitialized"
                  -DKRAFTSIM_SANITIZE=OFF -DKRAFTSIM_BENCH=ON) ;;
  # -O1: sanitizer builds at -O0 run the simulator an order of magnitude slower.
  asan)    flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DKRAFTSIM_SANITIZE=ON -DKRAFTSIM_BENCH=OFF) ;;
  *) echo "build.sh: unknown build kind '$kind' (expected release or asan)" >&2; exit 2 ;;
esac

cmake -S . -B "build/$kind" -G Ninja -DKRAFTSIM_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "build/$kind" -j "$jobs"
