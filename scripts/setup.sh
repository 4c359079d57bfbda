#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and builds mpytool: installs the missing Debian packages,
# the npm packages of the virtual board and of the test tools (npm ci), and configures + builds
# in ./build.
# Usage: scripts/setup.sh    (BUILD_DIR, BUILD_TYPE and BUILD_TARGET may be set in the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}

pkgs=(cmake g++ make pkg-config libboost-dev libboost-program-options-dev libboost-iostreams-dev
      libboost-filesystem-dev libboost-test-dev libssl-dev libyaml-cpp-dev libspdlog-dev
      zlib1g-dev libdeflate-dev socat openssl python3 python3-pytest zsh dpkg-dev time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Node.js may come from Debian or from another repository; only install it when absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Ansible runs examples/fleet (its test); the core alone, without the collections it recommends.
if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "setup: installing ansible-core"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    ansible-core >/dev/null
fi

(cd vboard && npm ci --no-audit --no-fund --loglevel=error)
# mpy-cross as WebAssembly for the cp -m / mount -m tests (tests/tools/mpy-cross/mpy-cross).
(cd tests/tools/mpy-cross && npm ci --no-audit --no-fund --loglevel=error)

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
# BUILD_TARGET=mpytool_tool builds the tool and its plugins only (scripts/demo.sh); the default
# builds everything, tests included.
cmake --build "$BUILD_DIR" -j"$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
