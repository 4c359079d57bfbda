#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds examples/ standalone against it with
# find_package(mpytool): proves the installed headers, library and package config work.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$src/examples" -B "$tmp/ex" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/ex" >/dev/null
# Without arguments the example prints its usage and exits 2; it must load the installed core.
set +e
out=$("$tmp/ex/mpytool-quickstart" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "usage: mpytool-quickstart" <<<"$out"
set +e
out=$("$tmp/ex/mpytool-mount-monitor" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "usage: mpytool-mount-monitor" <<<"$out"
set +e
out=$("$tmp/ex/mpytool-flash-update" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "usage: mpytool-flash-update" <<<"$out"
# The installed mpytool finds its installed plugins relative to itself.
"$tmp/prefix/bin/mpytool" plugins | grep -q "mpytool-device"
"$tmp/prefix/bin/mpytool" plugins | grep -q "mpytool-mount"
echo "install test passed"
