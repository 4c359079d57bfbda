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
# A component the package does not carry fails the find, naming it.
mkdir -p "$tmp/nocomp"
cat >"$tmp/nocomp/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(nocomp LANGUAGES CXX)
find_package(mpytool 0.1 REQUIRED COMPONENTS transfer no_such_library)
CMAKE
set +e
out=$(cmake -S "$tmp/nocomp" -B "$tmp/nocomp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "no_such_library" <<<"$out"
# The installed mpytool finds its installed plugins relative to itself.
"$tmp/prefix/bin/mpytool" plugins | grep -q "mpytool-device"
"$tmp/prefix/bin/mpytool" plugins | grep -q "mpytool-mount"
# A vendor's plugin, built out of tree against the installed SDK (find_package(mpytool),
# mpytool_add_plugin() with an embedded helper) and installed into the same prefix with its
# board profile: the installed mpytool finds both and runs the command on a virtual board.
cmake -S "$src/examples/vendor-plugin" -B "$tmp/vp" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_INSTALL_PREFIX="$tmp/prefix" >/dev/null
cmake --build "$tmp/vp" >/dev/null
cmake --install "$tmp/vp" >/dev/null
"$tmp/prefix/bin/mpytool" plugins | grep -q "mpytool-acme"
"$tmp/prefix/bin/mpytool" profiles | grep -q "^acme-board "
export MPYTOOL_VBOARD="$src/vboard/vboard.mjs"
out=$("$tmp/prefix/bin/mpytool" --vboard --profile acme-board acme selftest)
grep -q "selftest: ok (3 checks)" <<<"$out"
# Without the vendor's profile the board lacks acme.board: refused with the capability named.
set +e
out=$("$tmp/prefix/bin/mpytool" --vboard acme selftest 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "acme.board" <<<"$out"
echo "install test passed"
