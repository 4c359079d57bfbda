#!/usr/bin/python3
"""Mount benchmark: the real `mpytool mount` against fresh virtual esp32 boards (bench/README.md).

usage: bench/mount.py [--build DIR] [--gen FILE] [--link a|b|both] [--keep] [--trace]

Scenarios, each on a fresh board (esp32, no on-board compression, like real firmware), through
a byte-counting TCP proxy (bench/run.py's):
  import   50 generated 2 KB modules (../shared/bench/gen_files.py) imported from the mount
  read-bin one 100 KB random file read in 4 KB reads (f.read(4096) until EOF)
  read-txt one 100 KB Python-like file read the same way
The board times each scenario itself (time.ticks_ms around the work): the figures exclude
connecting and sending the agent, which a baseline run (mount + `pass`) measures. Bytes each way
are the scenario run's minus the baseline's; requests come from `mount --json`. Every byte read
is checked on the board against the host's SHA-256.

It prints figures, it is not a test (exit status 1 only when the setup is broken or a read gave
wrong data).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (Proxy, Board, BenchError, constants)

ROOT = common.ROOT
RATE = common.LINK_A_RATE
LINKS = {
    "a": ("A", "--baud 115200 --link uart, 5 ms per flash write (USB-UART, no flow control)",
          ["--baud", "115200", "--link", "uart", "--flash-delay-ms", "5"]),
    "b": ("B", "unthrottled, 1 ms latency each way (USB-CDC-like)", ["--latency", "1"]),
}
TARGETS = {
    ("a", "import"): "<= 4.0 s (Python mpytool ~11.2 s)",
    ("b", "import"): "<= 0.8 s (Python mpytool ~2.2 s)",
    ("a", "read-bin"): "<= 1.05 x raw wire",
    ("a", "read-txt"): "<= 0.5 x raw wire",
}

IMPORT_CODE = """
import time
t=time.ticks_ms()
for i in range(50):
 __import__('mod_%02d' % i)
print('T', time.ticks_diff(time.ticks_ms(), t))
"""

READ_CODE = """
import time, hashlib, binascii
h=hashlib.sha256()
t=time.ticks_ms()
f=open({name!r}, 'rb')
n=0
while True:
 b=f.read(4096)
 if not b:
  break
 n+=len(b)
 h.update(b)
d=time.ticks_diff(time.ticks_ms(), t)
f.close()
print('T', d)
print('H', binascii.hexlify(h.digest()).decode(), n)
"""


def scenario(key, name, mpytool, local, code, work, expect_hash=None):
    board = common.Board(LINKS[key][2], os.path.join(work, "board-%s-%s.log" % (key, name)))
    proxy = common.Proxy(board.tcp)
    try:
        _, b_h2b, b_b2h, _ = common.run_cli(mpytool, proxy, ["mount", local, "--", "exec", "pass"])
        wall, h2b, b2h, out = common.run_cli(
            mpytool, proxy, ["mount", local, "--", "exec", code, "--", "mount", "--json"])
        fields = {}
        listing = None
        for line in out.splitlines():
            if line.startswith("["):
                listing = json.loads(line)
            elif " " in line:
                k, v = line.split(" ", 1)
                fields[k] = v
        if "T" not in fields or listing is None:
            raise common.BenchError("%s/%s: unexpected output:\n%s" % (key, name, out))
        if expect_hash and fields.get("H") != expect_hash:
            raise common.BenchError("%s/%s: the board read wrong data: %s != %s" % (
                key, name, fields.get("H"), expect_hash))
        requests = sum(m.get("requests", 0) for m in listing)
        return {"seconds": int(fields["T"]) / 1000.0, "wall": wall, "h2b": h2b - b_h2b,
                "b2h": b2h - b_b2h, "requests": requests}
    finally:
        proxy.close()
        board.stop()


def main():
    ap = argparse.ArgumentParser(description="mpytool mount benchmark (prints figures)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--gen", default=os.environ.get("MPYTOOL_BENCH_GEN", common.DEFAULT_GEN))
    ap.add_argument("--link", choices=("a", "b", "both"), default="both")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = ap.parse_args()
    mpytool = os.path.join(opts.build, "bin", "mpytool")
    gen = os.path.abspath(opts.gen)
    if not os.path.isfile(gen):
        sys.exit("bench: file set generator not found: %s (pass --gen FILE)" % gen)
    if not os.access(mpytool, os.X_OK):
        sys.exit("bench: %s not found: build first or pass --build DIR" % mpytool)

    def body(work):
        files = os.path.join(work, "files")
        subprocess.run([sys.executable, gen, files, "50", "2048", "1", "102400"], check=True,
                       stdout=subprocess.DEVNULL)
        mods = os.path.join(files, "app")
        data = os.path.join(work, "data")
        os.makedirs(data)
        rnd = os.urandom(102400)
        with open(os.path.join(data, "random.bin"), "wb") as f:
            f.write(rnd)
        shutil.copy(os.path.join(files, "lib", "big_0.py"), os.path.join(data, "text.py"))
        txt = open(os.path.join(data, "text.py"), "rb").read()
        raw_mods = sum(os.path.getsize(os.path.join(mods, n)) for n in os.listdir(mods))
        print("mpytool mount benchmark: %s" % mpytool)
        print("board: vboard --platform esp32 --no-deflate-compress, fresh per scenario, via a "
              "byte-counting proxy; seconds are timed on the board")
        print("import: 50 modules, %d B; reads: 102,400 B random / Python-like text, 4 KB reads"
              % raw_mods)
        for key in (("a", "b") if opts.link == "both" else (opts.link,)):
            label, desc = LINKS[key][:2]
            print("\nlink %s: %s" % (label, desc))
            print("  %-9s %8s %9s %9s %8s %9s %9s  %s" % (
                "scenario", "seconds", "host>brd", "brd>host", "requests", "wire s",
                "vs raw", "target"))
            runs = [
                ("import", mods, IMPORT_CODE, None, raw_mods),
                ("read-bin", data, READ_CODE.format(name="random.bin"),
                 "%s %d" % (hashlib.sha256(rnd).hexdigest(), len(rnd)), len(rnd)),
                ("read-txt", data, READ_CODE.format(name="text.py"),
                 "%s %d" % (hashlib.sha256(txt).hexdigest(), len(txt)), len(txt)),
            ]
            for name, local, code, expect, raw in runs:
                r = scenario(key, name, mpytool, local, code, work, expect)
                wire = r["h2b"] / RATE
                ratio = r["seconds"] / (raw / RATE)
                print("  %-9s %8.2f %9s %9s %8d %9s %9s  %s" % (
                    name, r["seconds"], common.fmt_int(r["h2b"]), common.fmt_int(r["b2h"]),
                    r["requests"], "%.2f" % wire if key == "a" else "-",
                    "%.2f x" % ratio if key == "a" else "-", TARGETS.get((key, name), "")))
                sys.stdout.flush()
        print("\nwire s = host>brd bytes / 11,520 B/s (link A); vs raw = seconds / (raw size / "
              "11,520 B/s). requests = requests the host served (mount --json).")

    return common.in_workdir("mpytool-mount-bench-", opts.keep, body)


if __name__ == "__main__":
    sys.exit(main())
