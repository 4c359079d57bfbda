#!/usr/bin/python3
"""WebREPL benchmark: upload and download of the standard file set over the virtual board's
WebREPL, through both paths, with the plain TCP link alongside (bench/README.md, "WebREPL
benchmark").

usage: bench/webrepl.py [--build DIR] [--gen FILE] [--keep] [--trace]

Paths (each on a fresh virtual esp32 board, --no-deflate-compress like real firmware, with
--webrepl 0 --webrepl-password PW):
  stream   mpytool -a ws://HOST:PORT --transfer stream cp ...   (the streaming agent, its frames
           carried in WebSocket text frames through the board's 260-byte stdin ring)
  webrepl  mpytool -a ws://HOST:PORT --transfer webrepl cp ...  (the board's WA/WB file protocol,
           size and SHA-256 checked over the REPL afterwards)
  tcp      mpytool -a 127.0.0.1:PORT --transfer stream cp ...   (the reference: the same agent
           over the board's plain TCP link)
Each board gets: upload of the file set (cp --json FILES/app FILES/lib :/), then a download of
both trees into an empty directory, compared byte for byte with the originals. Seconds are the
wall time of the mpytool process (connecting and logging in included); KB/s is the file set's
raw size (1 KB = 1000 B) over those seconds.

It prints figures, it is not a test (exit status 1 only when the setup is broken or a copy gave
wrong files).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as common  # noqa: E402  (Board, timed, bench_args, compare_trees, in_workdir, ...)

PASSWORD = "bench42"  # 4-9 characters, as webrepl_setup allows
PATHS = ("stream", "webrepl")


def run_cp(mpytool, link, transfer, args, trace_path=None):
    """Runs `mpytool LINK --transfer T cp --json ARGS`; returns (seconds, summary)."""
    env = dict(os.environ, NO_COLOR="1", MPYTOOL_PASSWORD=PASSWORD)
    cmd = [mpytool, *link, "--transfer", transfer]
    if trace_path:
        cmd.append("-dd")
    cmd += ["cp", "--json", *args]
    what = " ".join(cmd[1:])[:200]
    proc, seconds = common.timed(cmd, what, env)
    if trace_path:
        with open(trace_path, "wb") as f:
            f.write(proc.stderr)
    common.check_exit(proc, what, proc.stderr.decode(errors="replace").strip()[-2000:])
    try:
        summary = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise common.BenchError("cp printed no JSON summary:\n%s" % proc.stdout.decode(
            errors="replace"))
    return seconds, summary


def attempt(copy):
    """Runs one copy; a copy that fails is a row too: {"error": its last line} (the table shows
    it and the run ends with status 1)."""
    try:
        return copy()
    except common.BenchError as e:
        return {"error": str(e).strip().splitlines()[-1]}


def bench_path(mpytool, kind, transfer, src, work, trace):
    """One fresh board: upload then download through `kind` (ws or tcp) with `transfer`.
    Returns {"upload": (seconds, summary), "download": (seconds, summary)}."""
    label = "%s-%s" % (kind, transfer)
    board = common.Board(["--webrepl", "0", "--webrepl-password", PASSWORD],
                         os.path.join(work, "vboard-%s.log" % label))
    rows = {}
    try:
        if kind == "ws":
            link = ["-a", "ws://" + board.fields["webrepl"]]
        else:
            link = ["-a", board.tcp]
        sources = [os.path.join(src, d) for d in sorted(os.listdir(src))]
        tp = trace and os.path.join(work, "trace-%s-upload.txt" % label)
        rows["upload"] = attempt(lambda: run_cp(mpytool, link, transfer, [*sources, ":/"], tp))
        dst = os.path.join(work, "download-" + label)
        os.makedirs(dst)
        remote = [":/" + d for d in sorted(os.listdir(src))]
        tp = trace and os.path.join(work, "trace-%s-download.txt" % label)
        rows["download"] = attempt(lambda: run_cp(mpytool, link, transfer, [*remote, dst + "/"],
                                                  tp))
        problems = common.compare_trees(src, dst)
        if "error" not in rows["download"] and problems:
            raise common.BenchError("%s: the downloaded files differ from the originals: %s" % (
                label, ", ".join(problems[:10]) + (" ..." if len(problems) > 10 else "")))
    finally:
        board.stop()
    return rows


def main():
    ap = common.bench_args("mpytool WebREPL benchmark (prints figures)")
    ap.add_argument("--trace", action="store_true",
                    help="run every copy with -dd and keep its wire trace (trace-*.txt) in the "
                         "temporary directory (slower: the figures are not comparable)")
    opts = ap.parse_args()
    opts.keep = opts.keep or opts.trace
    mpytool = common.check_setup(opts)

    def body(work):
        src = os.path.join(work, "files")
        subprocess.run([sys.executable, opts.gen, src], check=True, stdout=subprocess.DEVNULL)
        count, raw = 0, 0
        for root, _, files in os.walk(src):
            for f in files:
                count += 1
                raw += os.path.getsize(os.path.join(root, f))
        print("mpytool WebREPL benchmark: %s" % mpytool)
        print("file set: %d files, %s B" % (count, common.fmt_int(raw)))
        print("boards: vboard --platform esp32 --no-deflate-compress --webrepl 0, fresh per "
              "path, no throttle or latency (no model of esp32's ~80 ms socket polling)")
        print("columns: ws = -a ws://...; tcp = -a 127.0.0.1:PORT, the same board's plain TCP "
              "link, with the stream path (WA/WB exists on WebREPL only); KB/s = file set bytes "
              "/ seconds / 1000; seconds include connecting and logging in")
        sys.stdout.flush()
        tcp = bench_path(mpytool, "tcp", "stream", src, work, opts.trace)
        results = {p: bench_path(mpytool, "ws", p, src, work, opts.trace) for p in PATHS}
        names = {"stream": "stream (agent)", "webrepl": "webrepl WA/WB"}
        head = ("path", "direction", "bytes", "ws s", "ws KB/s", "tcp s", "tcp KB/s",
                "ws/tcp", "transfer")
        table = [head]
        failed = []
        for side in [tcp] + list(results.values()):
            failed += [r["error"] for r in side.values() if isinstance(r, dict)]
        if any(isinstance(r, dict) for r in tcp.values()):
            raise common.BenchError("the reference over TCP failed: " + "; ".join(failed))
        for p in PATHS:
            for d in ("upload", "download"):
                tsec = tcp[d][0]
                if isinstance(results[p][d], dict):
                    table.append((names[p], d, common.fmt_int(raw), "failed", "-",
                                  "%.2f" % tsec, "%.1f" % (raw / tsec / 1000), "-",
                                  results[p][d]["error"]))
                    continue
                sec, summary = results[p][d]
                table.append((names[p], d, common.fmt_int(raw), "%.2f" % sec,
                              "%.1f" % (raw / sec / 1000), "%.2f" % tsec,
                              "%.1f" % (raw / tsec / 1000), "%.2f x" % (sec / tsec),
                              str(summary.get("transfer", "-"))))
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        print()
        for k, r in enumerate(table):
            print("  " + "  ".join(c.ljust(w) if i < 2 or i == len(r) - 1 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(r, widths))).rstrip())
            if k == 0:
                print("  " + "  ".join("-" * w for w in widths))
        for p in PATHS:
            for d in ("upload", "download"):
                if isinstance(results[p][d], dict):
                    continue
                s = results[p][d][1]
                if s.get("transferred") not in (None, count):
                    print("  note: %s %s transferred %s of %d files" % (
                        p, d, s.get("transferred"), count))
        print("\nws/tcp: seconds over WebREPL / seconds of the stream path over plain TCP; "
              "transfer: the path cp --json reports it used.")
        if failed:
            raise common.BenchError("%d copies failed: %s" % (len(failed), "; ".join(failed)))

    return common.in_workdir("mpytool-webrepl-bench-", opts.keep, body)


if __name__ == "__main__":
    sys.exit(main())
