#!/usr/bin/env bash
# The main job against the virtual board: set up, start a private virtual board, show `info`,
# copy a script's code to the board and run it, evaluate a value, soft-reset.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
MPY=build/bin/mpytool
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/hello.py" <<'PY'
import sys
print('hello from', sys.platform, 'running', sys.implementation.name)
print('sum of squares:', sum(i * i for i in range(10)))
PY
set -x
"$MPY" --vboard info -- run "$tmp/hello.py" -- eval "[1 + 1, 'two', {'three': 3.0}]" -- reset
