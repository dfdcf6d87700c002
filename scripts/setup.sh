#!/usr/bin/env bash
# Installs, with apt-get, the Debian 12 packages kraftsim needs that are missing.
# Idempotent: a second run installs nothing and does not touch the network.
# Never downloads anything that is not a Debian package (see DESIGN.md, "Dependencies").
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libboost-graph-dev        # Boost.Graph (reachability) and Boost.CRC (header-only, in libboost-dev)
  catch2                    # Catch2 v2
  libfmt-dev
  nlohmann-json3-dev
  librapidcheck-dev
  libcli11-dev
  libyaml-cpp-dev           # yaml-cpp: kraftsim import-compose reads docker-compose files
  libbenchmark-dev
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev
  chromium                  # the report browser test opens timeline.html headless (tests/scenario/report_browser_test.cpp)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
