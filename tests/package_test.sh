#!/usr/bin/env bash
# Builds the Debian packages (cpack -G DEB), checks their declared dependencies, installs them
# into a fresh root with dpkg --root, and from there runs the tool on a virtual board, lists its
# plugins, and builds the vendor plugin against the installed mpytool-dev.
# Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package test: $*" >&2; exit 1; }

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >/dev/null) ||
  fail "cpack failed"
tool_deb=$(ls "$tmp"/out/mpytool_*.deb) || fail "no mpytool_*.deb"
dev_deb=$(ls "$tmp"/out/mpytool-dev_*.deb) || fail "no mpytool-dev_*.deb"

# Declared dependencies: the shared libraries' packages (dpkg-shlibdeps), and the SDK's.
depends=$(dpkg-deb -f "$tool_deb" Depends)
for lib in libboost-program-options libssl3 libyaml-cpp libstdc++6; do
  grep -q "$lib" <<<"$depends" || fail "mpytool Depends lacks $lib: $depends"
done
dev_depends=$(dpkg-deb -f "$dev_deb" Depends)
grep -q "mpytool (= " <<<"$dev_depends" || fail "mpytool-dev Depends lacks mpytool: $dev_depends"
grep -q "libboost-dev" <<<"$dev_depends" || fail "mpytool-dev Depends lacks libboost-dev"

# What goes where.
contents=$(dpkg-deb -c "$tool_deb")
for path in ./usr/bin/mpytool ./usr/lib/mpytool/plugins/ ./usr/share/mpytool/profiles/ \
  ./usr/share/mpytool/vboard/vboard.mjs ./usr/share/man/man1/mpytool.1 \
  ./usr/share/bash-completion/completions/mpytool ./usr/share/zsh/vendor-completions/_mpytool; do
  grep -q " $path" <<<"$contents" || fail "mpytool lacks $path"
done
grep -q "/usr/include/mpytool/" <<<"$contents" && fail "mpytool ships the SDK headers"
dev_contents=$(dpkg-deb -c "$dev_deb")
grep -q " ./usr/include/mpytool/" <<<"$dev_contents" || fail "mpytool-dev lacks the headers"
# The core, the SDK libraries and the plugins' libraries: the shared objects in mpytool, their
# link names and headers in mpytool-dev.
for lib in core process transfer flash esp32 esp-rom mpy-cross boards links uf2 http files fs mount flash-esp32 flash-rp2 ota firmware mip; do
  grep -q "/usr/lib/[a-z0-9_-]*/\?libmpytool-$lib\.so\.1" <<<"$contents" ||
    fail "mpytool lacks libmpytool-$lib.so.1"
  grep -q "/usr/lib/[a-z0-9_-]*/\?libmpytool-$lib\.so " <<<"$dev_contents" ||
    grep -q "/usr/lib/[a-z0-9_-]*/\?libmpytool-$lib\.so -> " <<<"$dev_contents" ||
    fail "mpytool-dev lacks the link name libmpytool-$lib.so"
done
for dir in base link repl board profile plugin process transfer flash esp32 esp_rom mpy_cross boards links uf2 http files firmware mip; do
  grep -q " ./usr/include/mpytool/$dir/" <<<"$dev_contents" ||
    fail "mpytool-dev lacks include/mpytool/$dir/"
done
grep -q "mpytoolConfig.cmake" <<<"$dev_contents" || fail "mpytool-dev lacks the CMake package"

# A fresh root: dpkg's own database, nothing else. The dependencies are the host's (the
# root holds no libc), so dpkg is told to install without them; the binaries run from there.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --force-not-root --force-script-chrootless \
  --log=/dev/null -i "$tool_deb" "$dev_deb" >"$tmp/dpkg.log" 2>&1 ||
  { cat "$tmp/dpkg.log" >&2; fail "dpkg --root -i failed"; }
dpkg --root="$root" -s mpytool | grep -q "^Status: install ok installed" || fail "not installed"
dpkg --root="$root" -s mpytool-dev | grep -q "^Status: install ok installed" ||
  fail "mpytool-dev not installed"

mpytool=$root/usr/bin/mpytool
unset MPYTOOL_VBOARD MPYTOOL_PLUGIN_PATH
out=$(env -u MPYTOOL_VBOARD "$mpytool" --vboard info) || fail "mpytool --vboard info failed: $out"
grep -qi "micropython" <<<"$out" || fail "info shows no MicroPython: $out"
plugins=$("$mpytool" plugins)
for p in mpytool-device mpytool-fs mpytool-mount mpytool-flash-esp32 mpytool-flash-rp2 \
  mpytool-ota; do
  grep -q "$p" <<<"$plugins" || fail "plugins lacks $p: $plugins"
done
grep -q "$root/usr/lib/mpytool/plugins" <<<"$plugins" ||
  fail "plugins not loaded from the installed root: $plugins"

# The vendor plugin against the installed SDK, installed into the same root.
cmake -S "$src/examples/vendor-plugin" -B "$tmp/vp" -DCMAKE_PREFIX_PATH="$root/usr" \
  -DCMAKE_INSTALL_PREFIX="$root/usr" >/dev/null || fail "vendor plugin: configure failed"
cmake --build "$tmp/vp" >/dev/null || fail "vendor plugin: build failed"
cmake --install "$tmp/vp" >/dev/null || fail "vendor plugin: install failed"
"$mpytool" plugins | grep -q "mpytool-acme" || fail "the vendor plugin is not loaded"
out=$("$mpytool" --vboard --profile acme-board acme selftest) || fail "acme selftest: $out"
grep -q "selftest: ok (3 checks)" <<<"$out" || fail "acme selftest: $out"
echo "package test passed"
