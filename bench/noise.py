#!/usr/bin/env python3
"""Copy of the standard file set over a noisy 115200-baud link (bench/README.md, "Bad links").

usage: bench/noise.py [--build DIR] [--gen FILE] [--ppm 0,300,1000] [--seed S]

For each noise rate a fresh virtual board (--platform esp32 --baud 115200 --noise-ppm R) gets
`mpytool cp -r SET/ :/` once; prints the time, its ratio to the clean run, the frames resent
(the summary line), whether the board's files are all intact (checked over a clean link after
SIGUSR2 disarms the noise), and the bytes the guard adds to the tool's own code per command.
"""
import argparse
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VBOARD = os.path.join(ROOT, "vboard", "vboard.mjs")


def start_board(ppm, seed):
    args = ["node", VBOARD, "--platform", "esp32", "--baud", "115200", "--faults-armed-by-hook"]
    if ppm:
        args += ["--noise-ppm", str(ppm), "--noise-seed", str(seed)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    proc.send_signal(signal.SIGUSR1)
    time.sleep(0.8)
    return proc, fields["pty"]


def guard_overhead():
    """Bytes the guard adds (wrapper + escaping) to each helper and one-line command."""
    sources = []
    for d in ["core/helpers", "sdk/files/helpers", "plugins/device/helpers"]:
        for n in sorted(os.listdir(os.path.join(ROOT, d))):
            if n.endswith(".py") and n != "guard.py":
                sources.append(open(os.path.join(ROOT, d, n), "rb").read())
    sources += [b"import os\nos.remove('/app/main.py')", b"_mt_mkdir('/app/lib')",
                b"os.rename('/a.py','/lib/a.py')"]

    def lit(code):
        out = b"b'"
        for c in code:
            if c in (0x5C, 0x27):
                out += b"\\" + bytes([c])
            elif c == 10:
                out += b"\\n"
            elif 0x20 <= c < 0x7F:
                out += bytes([c])
            else:
                out += b"\\x%02x" % c
        return out + b"'"

    def wrap(code):
        # _mt_g(crc, b'...', 0, 1): the last argument asks for the answer's checksum
        return b"_mt_g(%d," % zlib.crc32(code) + lit(code) + b",0,1)"

    def minified(src):
        # As cmake/embed_files.cmake embeds helpers: no comment lines, one space per level.
        out = []
        for l in src.decode().splitlines():
            if not l.strip() or l.lstrip().startswith("#"):
                continue
            n = len(l) - len(l.lstrip(" "))
            out.append(" " * (n // 4) + l.lstrip(" "))
        return ("\n".join(out) + "\n").encode()
    added = [len(wrap(s)) - len(s) for s in sources]
    small = [len(wrap(s)) - len(s) for s in sources[-3:]]
    g = minified(open(os.path.join(ROOT, "core/helpers/guard.py"), "rb").read())
    # Sent once per REPL state, checking itself (core/src/mpy_comm.cpp, define_guard).
    guard = len(b"_mt_s=" + lit(g) + b"\nif __import__('ubinascii').crc32(_mt_s)==%d:exec(_mt_s)"
                b"\nelse:raise OSError(0,'mpytool guard')\ndel _mt_s\n" % zlib.crc32(g))
    return min(added), max(added), sum(small) / len(small), guard


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--gen", default=os.environ.get(
        "MPYTOOL_BENCH_GEN", os.path.join(ROOT, "..", "shared", "bench", "gen_files.py")))
    ap.add_argument("--ppm", default="0,300,1000")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "mpytool")
    work = tempfile.mkdtemp(prefix="mpytool-noise-")
    src = os.path.join(work, "set")
    subprocess.run([sys.executable, a.gen, src], check=True, stdout=subprocess.DEVNULL)
    want = {}
    for dp, _, fs in os.walk(src):
        for f in fs:
            p = os.path.join(dp, f)
            want["/" + os.path.relpath(p, src)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    total = sum(os.path.getsize(os.path.join(src, p[1:])) for p in want)
    print("set: %d files, %d bytes; board: vboard --platform esp32 --baud 115200" %
          (len(want), total))
    clean = None
    env = dict(os.environ, NO_COLOR="1")
    for ppm in [int(x) for x in a.ppm.split(",")]:
        proc, pty = start_board(ppm, a.seed)
        try:
            t0 = time.monotonic()
            r = subprocess.run([tool, "-p", pty, "cp", src + "/", ":/"], capture_output=True,
                               env=env, timeout=1800)
            secs = time.monotonic() - t0
            text = (r.stdout + r.stderr).decode(errors="replace")
            m = re.search(r"(\d+) frames? resent", text)
            resent = int(m.group(1)) if m else 0
            proc.send_signal(signal.SIGUSR2)
            time.sleep(0.3)
            code = ("import hashlib,binascii\nfor p in %r:\n try:print(p,binascii.hexlify("
                    "hashlib.sha256(open(p,'rb').read()).digest()).decode())\n except OSError:"
                    "print(p,'-')" % sorted(want))
            chk = subprocess.run([tool, "-p", pty, "exec", code], capture_output=True, env=env,
                                 timeout=600)
            got = dict(l.split() for l in chk.stdout.decode().splitlines() if " " in l)
            intact = sum(1 for p, h in want.items() if got.get(p) == h)
            corrupt = sum(1 for p, h in want.items() if got.get(p, "-") not in ("-", h))
            if ppm == 0 and r.returncode == 0:
                clean = secs
            ratio = " (%.2fx the clean run)" % (secs / clean) if clean and ppm else ""
            err = "" if r.returncode == 0 else "  FAILED rc=%d: %s" % (
                r.returncode, text.strip().splitlines()[-1])
            print("%5d ppm: %6.1f s%s, %d frames resent, %d/%d files intact, %d corrupt%s" %
                  (ppm, secs, ratio, resent, intact, len(want), corrupt, err))
        finally:
            proc.terminate()
            proc.wait()
    lo, hi, small, guard = guard_overhead()
    print("guard: %d bytes once per REPL state (its definition); per command %d..%d bytes "
          "(one-line commands: %.0f), and 9 bytes of answer checksum back" % (guard, lo, hi,
                                                                            small))


if __name__ == "__main__":
    main()
