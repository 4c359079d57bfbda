#!/usr/bin/env bash
# Sets everything up and runs every test (unit + integration against the virtual board).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 --timeout 900
