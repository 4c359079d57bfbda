#!/usr/bin/python3
"""Transfer benchmark: the real mpytool CLI against fresh virtual boards (see bench/README.md).

usage: bench/run.py [--build DIR] [--gen FILE] [--link a|b|both] [--keep] [--trace]

For each link a fresh virtual board (esp32, board-side compression disabled like real
firmware) is started, and a byte-counting TCP proxy is put between mpytool and the board.
Three scenarios run one after the other on that board: upload of the standard file set,
the same upload again (every file unchanged), and a download of everything into an empty
directory, which is then compared byte by byte with the originals.

It prints figures, it is not a test: the only failures are a broken setup or a transfer
that produced wrong files (exit status 1).
"""
import argparse
import filecmp
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_files.py")
VBOARD = os.path.join(ROOT, "vboard", "vboard.mjs")

BAUD = 115200
LINK_A_RATE = BAUD / 10  # bytes per second each way (8N1)
LATENCY_MS = 1
RUN_TIMEOUT = 300  # seconds for one mpytool run

B_PROFILE = os.environ.get("MPYTOOL_BENCH_B_PROFILE", "esp32-usb")
LINKS = {
    "a": ("A", f"--baud {BAUD}, USB-UART without flow control",
          ["--baud", str(BAUD), "--link", "uart"], []),
    # What a native USB link gets from its profile when the port's USB id matches it (the
    # board here is reached over TCP, so the profile is named).
    "b": ("B", f"unthrottled, {LATENCY_MS} ms latency each way (USB-CDC-like), --profile "
          + (B_PROFILE or "(none)"),
          ["--latency", str(LATENCY_MS)], ["--profile", B_PROFILE] if B_PROFILE else []),
}


class BenchError(Exception):
    pass


# --- byte-counting TCP proxy ------------------------------------------------------------------


class Proxy:
    """Listens on 127.0.0.1 and relays every client to the board, counting the bytes each way.

    turns counts the board's answers as seen on the wire: a chunk from the board that follows
    host data (a change of direction). For a request/answer protocol this is the number of
    round trips; flow-control acks inside a streamed transfer count too, so it is an upper bound.
    execs counts the programs the host started in raw-paste mode (Ctrl-E A Ctrl-A on the wire).
    """

    def __init__(self, target):
        self.target = target
        self.lock = threading.Lock()
        self.to_board = 0
        self.to_host = 0
        self.turns = 0
        self.execs = 0
        self.tail = b""  # last bytes sent to the board, to find Ctrl-E A Ctrl-A across chunks
        self.last_dir = None
        self.active = 0
        self.idle = threading.Condition(self.lock)
        self.trace = None  # list of (seconds, to_board, bytes) when tracing
        self.t0 = time.monotonic()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def snapshot(self):
        with self.lock:
            return self.to_board, self.to_host, self.turns, self.execs

    def wait_idle(self, timeout=10):
        """Waits until every relayed connection has been closed (the counts are final)."""
        with self.idle:
            self.idle.wait_for(lambda: self.active == 0, timeout)

    def _accept(self):
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            host, port = self.target.rsplit(":", 1)
            try:
                board = socket.create_connection((host, int(port)), timeout=10)
            except OSError:
                client.close()
                continue
            board.settimeout(None)
            for s in (client, board):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.active += 1
                self.last_dir = None
                self.tail = b""
            pair = {"open": 2}
            for args in ((client, board, True, pair), (board, client, False, pair)):
                threading.Thread(target=self._pump, args=args, daemon=True).start()

    def _pump(self, src, dst, to_board, pair):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    if to_board:
                        self.to_board += len(data)
                        seen = self.tail + data
                        self.execs += seen.count(b"\x05A\x01")
                        self.tail = seen[-2:]
                    else:
                        self.to_host += len(data)
                        if self.last_dir is True:
                            self.turns += 1
                    self.last_dir = to_board
                    if self.trace is not None:
                        self.trace.append((time.monotonic() - self.t0, to_board, len(data)))
                dst.sendall(data)
        except OSError:
            pass
        # One side ended: end the other too (the board takes the next client).
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.lock:
            pair["open"] -= 1
            if pair["open"] == 0:
                src.close()
                dst.close()
                self.active -= 1
                self.idle.notify_all()

    def close(self):
        self.sock.close()


# --- virtual board ------------------------------------------------------------------------------


class Board:
    """A fresh virtual board process (esp32, no on-board compression, like real firmware):
    `fields` holds its READY line's addresses, `tcp` its TCP link and, with pty=True, `pty` its
    pseudo-terminal. Stopped by its own PID only."""

    def __init__(self, options, log_path, pty=False):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            ["node", VBOARD, "--platform", "esp32", "--no-deflate-compress",
             *([] if pty else ["--no-pty"]), *options],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log)
        line = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith(b"READY") or not line:
                    break
            elif self.proc.poll() is not None:
                break
        if not line.startswith(b"READY"):
            self.stop()
            raise BenchError("virtual board did not start (%r); its log: %s" % (line, log_path))
        self.fields = dict(f.split("=", 1) for f in line.decode().split()[1:])
        self.tcp = self.fields["tcp"]
        self.pty = self.fields.get("pty")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# --- scenarios ----------------------------------------------------------------------------------


def timed(cmd, what, env=None):
    """Runs cmd (stdin closed, output captured); returns (proc, seconds of wall time). A run
    longer than RUN_TIMEOUT s is a BenchError naming `what`."""
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise BenchError("%s did not finish in %d s" % (what, RUN_TIMEOUT))
    return proc, time.monotonic() - start


def check_exit(proc, what, detail=None):
    """A non-zero exit of proc is a BenchError naming `what`, with `detail` (default: its
    stderr)."""
    if proc.returncode != 0:
        if detail is None:
            detail = proc.stderr.decode(errors="replace").strip()
        raise BenchError("%s failed (exit %d):\n%s" % (what, proc.returncode, detail))


def run_process(mpytool, proxy, args):
    """Runs `mpytool -a PROXY args`; returns (proc, seconds, traffic deltas of the proxy's
    snapshot: to_board, to_host, turns, execs). A failure or a timeout is a BenchError."""
    before = proxy.snapshot()
    what = "mpytool " + " ".join(args)[:200]
    proc, seconds = timed([mpytool, "-a", proxy.address, *args], what,
                          dict(os.environ, NO_COLOR="1"))
    proxy.wait_idle()
    after = proxy.snapshot()
    check_exit(proc, what)
    return proc, seconds, tuple(a - b for a, b in zip(after, before))


def run_mpytool(mpytool, proxy, args, trace_path=None):
    """Runs `mpytool -a PROXY args`; returns (seconds, to_board, to_host, turns, execs, summary)."""
    if trace_path:
        with proxy.lock:
            proxy.trace = []
            proxy.t0 = time.monotonic()
    try:
        proc, seconds, deltas = run_process(mpytool, proxy, args)
    finally:
        if trace_path:
            with proxy.lock:
                trace, proxy.trace = proxy.trace, None
            with open(trace_path, "w") as f:
                f.write("# seconds direction bytes (> host to board, < board to host)\n")
                for t, to_board, n in trace:
                    f.write("%.6f %s %d\n" % (t, ">" if to_board else "<", n))
    try:
        summary = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError("mpytool %s printed no JSON summary:\n%s" % (
            " ".join(args), proc.stdout.decode(errors="replace")))
    return (seconds, *deltas, summary)


def run_cli(mpytool, proxy, args):
    """Runs `mpytool -a PROXY args`; returns (seconds, to_board, to_host, stdout + stderr)."""
    proc, seconds, deltas = run_process(mpytool, proxy, args)
    return seconds, deltas[0], deltas[1], proc.stdout.decode() + proc.stderr.decode()


def in_workdir(prefix, keep, body):
    """Runs body(work) in a fresh temporary directory; returns the exit status (1 after a
    BenchError, which keeps the directory for a look)."""
    work = tempfile.mkdtemp(prefix=prefix)
    status = 0
    try:
        body(work)
    except (BenchError, subprocess.SubprocessError) as e:
        print("bench: error: %s" % e, file=sys.stderr)
        status = 1
        keep = True
    finally:
        if keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


def compare_trees(src, dst):
    """Returns the differences between two trees (missing, extra or different files)."""
    problems = []
    for root, _, files in os.walk(src):
        rel = os.path.relpath(root, src)
        for name in files:
            a = os.path.join(root, name)
            b = os.path.join(dst, rel, name)
            if not os.path.isfile(b):
                problems.append("missing " + os.path.join(rel, name))
            elif not filecmp.cmp(a, b, shallow=False):
                problems.append("different " + os.path.join(rel, name))
    for root, _, files in os.walk(dst):
        rel = os.path.relpath(root, dst)
        for name in files:
            if not os.path.isfile(os.path.join(src, rel, name)):
                problems.append("extra " + os.path.join(rel, name))
    return problems


def bench_link(key, mpytool, src, work, fileset, trace=False):
    name, desc, options, extra = LINKS[key]
    board = Board(options, os.path.join(work, "vboard-%s.log" % key))
    proxy = Proxy(board.tcp)
    rows = []
    notes = []
    try:
        sources = [os.path.join(src, d) for d in sorted(os.listdir(src))]
        empty = os.path.join(work, "empty")
        os.makedirs(empty, exist_ok=True)
        plan = [
            # Connecting and a cp with nothing to do: what every run pays before the transfer.
            ("baseline", ["cp", "--json", empty + "/", ":/"]),
            ("upload", ["cp", "--json", *sources, ":/"]),
            ("re-upload", ["cp", "--json", *sources, ":/"]),
        ]
        for label, args in plan:
            trace_path = trace and os.path.join(work, "trace-%s-%s.txt" % (key, label))
            seconds, out_b, in_b, turns, execs, summary = run_mpytool(
                mpytool, proxy, extra + args, trace_path)
            rows.append((label, seconds, out_b, in_b, turns, execs, summary))
        dst = os.path.join(work, "download-" + key)
        os.makedirs(dst)
        remote = [":/" + d for d in sorted(os.listdir(src))]
        seconds, out_b, in_b, turns, execs, summary = run_mpytool(
            mpytool, proxy, extra + ["cp", "--json", *remote, dst + "/"],
            trace and os.path.join(work, "trace-%s-download.txt" % key))
        rows.append(("download", seconds, out_b, in_b, turns, execs, summary))
        problems = compare_trees(src, dst)
        if problems:
            raise BenchError("link %s: the downloaded files differ from the originals: %s" % (
                name, ", ".join(problems[:10]) + (" ..." if len(problems) > 10 else "")))
    finally:
        proxy.close()
        board.stop()
    up, again = rows[1][-1], rows[2][-1]
    if up.get("transferred") != fileset["files"]:
        notes.append("upload transferred %s of %d files" % (
            up.get("transferred"), fileset["files"]))
    if again.get("unchanged") != fileset["files"]:
        notes.append("re-upload: only %s of %d files were found unchanged" % (
            again.get("unchanged"), fileset["files"]))
    return name, desc, rows, notes


# --- report -------------------------------------------------------------------------------------


def fmt_int(n):
    return "{:,}".format(n)


def print_table(key, name, desc, rows, fileset, notes):
    n = fileset["files"]
    base_turns = rows[0][4] if rows[0][0] == "baseline" else 0
    print()
    print("link %s: %s" % (name, desc))
    head = ("scenario", "files", "seconds", "host->board", "board->host", "round trips",
            "programs", "turns", "limit", "ratio", "target")
    table = [head]
    for label, seconds, out_b, in_b, turns, execs, s in rows:
        rt = s.get("round_trips")
        files = "%d+%du" % (s.get("transferred", 0), s.get("unchanged", 0))
        if label == "baseline":
            cells = ("-", "-", "-")
        elif key == "a":
            if label == "upload":
                limit = fileset["compressed"] / LINK_A_RATE
                cells = ("%.2f s" % limit, "%.2f" % (seconds / limit), "<= 1.10")
            elif label == "download":
                limit = fileset["bytes"] / LINK_A_RATE
                cells = ("%.2f s" % limit, "%.2f" % (seconds / limit), "<= 1.10")
            else:
                cells = ("-", "-", "<= 0.50 s")
        else:
            # Not bandwidth-bound: the figure that matters is the round trips per file (per
            # batch for the unchanged check). Without cp's own count, the turns beyond the
            # baseline's (connecting) stand in, an upper bound.
            per = 1 if label == "re-upload" else n
            unit = "batch" if label == "re-upload" else "file"
            count = rt if rt is not None else turns - base_turns
            src = "" if rt is not None else " (turns)"
            cells = ("-", "%.2f/%s%s" % (count / per, unit, src), "<= 1/%s" % unit)
        table.append((label, files, "%.2f" % seconds, fmt_int(out_b), fmt_int(in_b),
                      "-" if rt is None else str(rt), str(execs), str(turns)) + cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for k, r in enumerate(table):
        print("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if k == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for note in notes:
        print("  note: " + note)


def bench_args(description, gen=True):
    """The argument parser of a benchmark with the options they share: --build, --gen (with
    gen) and --keep."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding bin/mpytool (default: %(default)s)")
    if gen:
        ap.add_argument("--gen", default=os.environ.get("MPYTOOL_BENCH_GEN", DEFAULT_GEN),
                        help="file set generator gen_files.py (default: $MPYTOOL_BENCH_GEN or "
                             "../shared/bench/gen_files.py next to the repository)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return ap


def check_setup(opts):
    """Exits with a message when the file set generator (opts.gen, when the benchmark has
    one), mpytool or the virtual board is missing; returns mpytool's path."""
    mpytool = os.path.join(opts.build, "bin", "mpytool")
    if getattr(opts, "gen", None) is not None:
        opts.gen = os.path.abspath(opts.gen)
        if not os.path.isfile(opts.gen):
            sys.exit("bench: file set generator not found: %s\n"
                     "  (pass --gen FILE or set MPYTOOL_BENCH_GEN to gen_files.py)" % opts.gen)
    if not os.access(mpytool, os.X_OK):
        sys.exit("bench: %s not found: build first (cmake --build %s) or pass --build DIR"
                 % (mpytool, opts.build))
    if not os.path.isdir(os.path.join(ROOT, "vboard", "node_modules")):
        sys.exit("bench: the virtual board is not installed: run (cd vboard && npm ci)")
    return mpytool


def main():
    ap = bench_args("mpytool transfer benchmark (prints figures)")
    ap.add_argument("--link", choices=("a", "b", "both"), default="both",
                    help="which link(s) to run (default: both)")
    ap.add_argument("--trace", action="store_true",
                    help="write a timeline of the traffic per scenario (trace-*.txt) into the "
                         "temporary directory and keep it")
    opts = ap.parse_args()
    opts.keep = opts.keep or opts.trace
    mpytool = check_setup(opts)

    work = tempfile.mkdtemp(prefix="mpytool-bench-")
    status = 0
    try:
        src = os.path.join(work, "files")
        subprocess.run([sys.executable, opts.gen, src], check=True, stdout=subprocess.DEVNULL)
        count, raw, comp = 0, 0, 0
        for root, _, files in os.walk(src):
            for f in files:
                data = open(os.path.join(root, f), "rb").read()
                c = zlib.compressobj(9, zlib.DEFLATED, -15)
                count += 1
                raw += len(data)
                comp += len(c.compress(data) + c.flush())
        fileset = {"files": count, "bytes": raw, "compressed": comp}
        print("mpytool transfer benchmark: %s" % mpytool)
        print("file set: %d files, %s B raw, %s B deflated (level 9, 32 KiB window, per file)"
              % (count, fmt_int(raw), fmt_int(comp)))
        print("board: vboard --platform esp32 --no-deflate-compress (fresh per link), "
              "via a byte-counting proxy")
        print("link A limits: upload %.2f s (deflated / %d B/s), download %.2f s (raw / %d B/s)"
              % (comp / LINK_A_RATE, LINK_A_RATE, raw / LINK_A_RATE, LINK_A_RATE))
        print("columns: files = transferred+unchanged(u); round trips = cp --json round_trips "
              "('-' when not reported); programs = raw-paste programs started; turns = board "
              "answers seen on the wire (incl. flow-control acks); baseline = connect + a cp "
              "with nothing to copy")
        sys.stdout.flush()
        for key in (("a", "b") if opts.link == "both" else (opts.link,)):
            name, desc, rows, notes = bench_link(key, mpytool, src, work, fileset, opts.trace)
            print_table(key, name, desc, rows, fileset, notes)
            sys.stdout.flush()
    except BenchError as e:
        print("bench: error: %s" % e, file=sys.stderr)
        status = 1
        opts.keep = True
    finally:
        if opts.keep:
            print("\nkept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
