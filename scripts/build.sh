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

# Profile-guided optimization of the release build (KRAFTSIM_PGO in CMakeLists.txt): s1 runs
# in about 0.71 of the time (docs/PERFORMANCE.md). The first release build compiles kraftsim
# instrumented, runs the training set (scripts/pgo-train.sh) and keeps the counts in
# build/release/pgo-profile; every release build then compiles with them. The training runs are
# deterministic, so a fresh clone gets the same execution counts each time (a few value profiles
# hold addresses, which vary); no result depends on them (same fingerprints). Later builds
# reuse the counts: code changed since the training is compiled as if untrained, so measure
# speed after KRAFTSIM_PGO_RETRAIN=1 scripts/build.sh. KRAFTSIM_PGO=0 builds without.
if [ "$kind" = release ] && [ "${KRAFTSIM_PGO:-1}" != 0 ]; then
  profile="$PWD/build/release/pgo-profile"
  # The counts are named after the objects' absolute paths: a moved tree trains again.
  if [ "$(cat "$profile/trained" 2>/dev/null)" != "$profile" ] || [ -n "${KRAFTSIM_PGO_RETRAIN:-}" ]; then
    echo "build.sh: profile-guided build: compiling an instrumented kraftsim and running the training set"
    rm -rf "$profile"
    cmake -S . -B build/release -G Ninja -DKRAFTSIM_WERROR=ON "${flags[@]}" -DKRAFTSIM_PGO=generate "-DKRAFTSIM_PGO_DIR=$profile" >/dev/null
    cmake --build build/release -j "$jobs" --target kraftsim
    scripts/pgo-train.sh build/release/kraftsim
    if ! ls "$profile"/*.gcda >/dev/null 2>&1; then
      echo "build.sh: the training runs wrote no profile into $profile" >&2
      exit 1
    fi
    echo "$profile" > "$profile/trained"
  fi
  flags+=(-DKRAFTSIM_PGO=use "-DKRAFTSIM_PGO_DIR=$profile")
else
  flags+=(-DKRAFTSIM_PGO=off)
fi

cmake -S . -B "build/$kind" -G Ninja -DKRAFTSIM_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "build/$kind" -j "$jobs"
