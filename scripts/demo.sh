#!/usr/bin/env bash
# The main job against the virtual board: set up, start a private virtual board, show `info`,
# run a script, evaluate a value, then deploy a small project with cp (a second cp finds every
# file unchanged), list it, import it, download it back and compare, and soft-reset; then mount
# a directory of the host, import from it without uploading, and see it survive a soft reset.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the demo runs (the tool and its plugins), not the test suite.
BUILD_TARGET=mpytool_tool scripts/setup.sh
MPY=build/bin/mpytool
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/hello.py" <<'PY'
import sys
print('hello from', sys.platform, 'running', sys.implementation.name)
print('sum of squares:', sum(i * i for i in range(10)))
PY
mkdir -p "$tmp/app/lib"
cat >"$tmp/app/lib/greet.py" <<'PY'
def greet(name):
    return 'hello, ' + name + ' (from a deployed module)'
PY
printf 'import greet\nprint(greet.greet("world"))\n' >"$tmp/app/main.py"
set -x
"$MPY" --vboard info -- run "$tmp/hello.py" -- eval "[1 + 1, 'two', {'three': 3.0}]" \
  -- cp "$tmp/app/" :/ -- cp "$tmp/app/" :/ -- tree :/ -- path -a :/lib \
  -- exec "import greet; print(greet.greet('world'))" -- cp :/lib "$tmp/back/" -- reset
diff -r "$tmp/app/lib" "$tmp/back/lib"
mkdir -p "$tmp/src/sensors"
printf 'def read():\n    return 21.5\n' >"$tmp/src/sensors/temp.py"
printf '' >"$tmp/src/sensors/__init__.py"
printf 'from sensors import temp\nprint("temperature from the host disk:", temp.read())\n' \
  >"$tmp/src/app.py"
"$MPY" --vboard mount "$tmp/src" -- exec "import app" -- mount -- reset \
  -- exec "import os; print('after the reset the CWD is still', os.getcwd()); import app"
