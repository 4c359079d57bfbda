#!/usr/bin/python3
"""Fleet benchmark: `mpytool fleet` on 8 virtual boards at once against one board alone
(bench/README.md).

usage: bench/fleet.py [--build DIR] [--gen FILE] [--boards N] [--keep]

Every board is a fresh virtual esp32 (`--baud 115200 --link uart --no-deflate-compress`,
reached over TCP). The chain is the standard file set upload and a check:
  cp <standard set> :/ -- exec "import os; print(len(os.listdir('/app')))"
First on one board (`mpytool -a B <chain>`), then on N fresh boards (`mpytool fleet -a B1 ...
-a BN --json -- <chain>`). It prints both wall times, their ratio (target <= 1.3) and the host
CPU time mpytool used (user + system of mpytool and its board processes; the virtual boards'
own CPU is not counted: on real hardware that is the boards' work). It is not a test.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (Board, BenchError, DEFAULT_GEN, ROOT)

OPTIONS = ["--baud", "115200", "--link", "uart"]
CHECK = "import os; print(len(os.listdir('/app')))"


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(argv):
    cpu, start = children_cpu(), time.monotonic()
    proc = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=900,
                          env=dict(os.environ, NO_COLOR="1"))
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise common.BenchError("%s failed (exit %d): %s" % (
            " ".join(argv[:4]), proc.returncode, proc.stderr.decode(errors="replace")[-2000:]))
    return wall, children_cpu() - cpu, proc.stdout.decode()


def main():
    ap = argparse.ArgumentParser(description="mpytool fleet benchmark (prints figures)")
    ap.add_argument("--build", default=os.path.join(common.ROOT, "build"))
    ap.add_argument("--gen", default=os.environ.get("MPYTOOL_BENCH_GEN", common.DEFAULT_GEN))
    ap.add_argument("--boards", type=int, default=8)
    ap.add_argument("--keep", action="store_true")
    opts = ap.parse_args()
    mpytool = os.path.join(opts.build, "bin", "mpytool")
    if not os.path.isfile(opts.gen):
        sys.exit("bench: file set generator not found: %s (pass --gen FILE)" % opts.gen)
    work = tempfile.mkdtemp(prefix="mpytool-fleet-bench-")
    src = os.path.join(work, "files")
    subprocess.run([sys.executable, opts.gen, src], check=True, stdout=subprocess.DEVNULL)
    sources = [os.path.join(src, d) for d in sorted(os.listdir(src))]
    chain = ["cp", *sources, ":/", "--", "exec", CHECK]
    boards = []
    try:
        one = common.Board(OPTIONS, os.path.join(work, "board-1.log"))
        boards.append(one)
        wall1, cpu1, out1 = timed([mpytool, "-a", one.tcp, *chain])
        many = [common.Board(OPTIONS, os.path.join(work, "board-n%d.log" % i))
                for i in range(opts.boards)]
        boards += many
        targets = []
        for b in many:
            targets += ["-a", b.tcp]
        walln, cpun, outn = timed([mpytool, "fleet", *targets, "--json", "--", *chain])
        report = json.loads(outn)
        if report["ok"] != opts.boards:
            raise common.BenchError("fleet: %d of %d boards ok: %s" % (
                report["ok"], opts.boards, outn[:2000]))
        counts = {b["output"].strip().splitlines()[-1] for b in report["boards"]}
        if counts != {out1.strip().splitlines()[-1]}:
            raise common.BenchError("boards disagree on the file count: %s" % counts)
        slowest = max(b["seconds"] for b in report["boards"])
        print("mpytool fleet benchmark: %s" % mpytool)
        print("chain: cp <standard set: 54 files, 409,600 B> :/ -- exec <count /app>")
        print("boards: vboard --platform esp32 --no-deflate-compress %s, over TCP" %
              " ".join(OPTIONS))
        print("  %-22s %8s %10s" % ("run", "wall s", "host CPU s"))
        print("  %-22s %8.2f %10.2f" % ("1 board", wall1, cpu1))
        print("  %-22s %8.2f %10.2f" % ("fleet of %d" % opts.boards, walln, cpun))
        print("  slowest board in the fleet: %.2f s" % slowest)
        print("ratio fleet / one board: %.2f (target <= 1.3); host CPU per board %.2f s" % (
            walln / wall1, cpun / opts.boards))
    except common.BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        for b in boards:
            b.stop()
        if not opts.keep:
            subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
