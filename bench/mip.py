#!/usr/bin/python3
"""mip benchmark: `mpytool mip install` of a 9-file package from a local index, against fresh
virtual esp32 boards, and `mpremote mip install --index` of the same package when mpremote is
importable (bench/README.md, "mip benchmark").

usage: bench/mip.py [--build DIR] [--link a|b|both] [--mpremote DIR] [--keep]

The index is tests/tools/mip_index.py's (package "blepkg": nine modules, 9 .mpy files for the
board's mpy 6), served by tests/integration/mip_servers.py's HTTP/1.1 server from this process.
For each link, every scenario runs on a fresh board (esp32, no on-board compression, like real
firmware) reached on its pseudo-terminal by both tools (mpremote through a pyserial socket://
URL was about twice as slow as on the pty, so a TCP proxy would not be fair to it):
  install        mpytool mip install --index URL blepkg, empty host cache
  re-install     the same again on the same board (every file is there: nothing to upload)
  install warm   on another fresh board, with the host cache of the first install
  mpremote       python3 -m mpremote connect socket://PROXY mip install --index URL blepkg
  mpremote again the same again on the same board
Seconds are the wall time of the process (connecting included). After each install the files on
the board are read back (sha256 on the board) and compared with the index's.

mpremote is found with `import mpremote` in /usr/bin/python3, or from --mpremote DIR (a
directory holding the mpremote package, e.g. a MicroPython checkout's tools/mpremote; it needs
pyserial and platformdirs) or MPYTOOL_BENCH_MPREMOTE. Without it the mpremote rows are skipped.

It prints figures, it is not a test (exit status 1 only when the setup is broken or an install
gave wrong files).
"""
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run as common  # noqa: E402  (Board, timed, bench_args, BenchError, constants)

ROOT = common.ROOT
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import mip_index  # noqa: E402
from mip_servers import IndexServer  # noqa: E402

PACKAGE = "blepkg"
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
LINKS = {
    "a": ("A", "--baud 115200 --link uart (USB-UART without flow control)",
          ["--baud", "115200", "--link", "uart"], []),
    "b": ("B", "unthrottled, %d ms latency each way (USB-CDC-like), --profile %s"
          % (common.LATENCY_MS, common.B_PROFILE or "(none)"),
          ["--latency", str(common.LATENCY_MS)],
          ["--profile", common.B_PROFILE] if common.B_PROFILE else []),
}
TARGETS = {("a", "install"): "<= 0.4 x mpremote", ("a", "re-install"): "<= 0.3 s",
           ("b", "re-install"): "<= 0.3 s"}

CHECK = """
import os, hashlib, binascii
for n in sorted(os.listdir('/lib/%s')):
    h = hashlib.sha256()
    f = open('/lib/%s/' + n, 'rb')
    h.update(f.read())
    f.close()
    print('H', n, binascii.hexlify(h.digest()).decode())
""" % (PACKAGE, PACKAGE)


def mpremote_env(directory):
    """The environment in which `python3 -m mpremote` works, or None."""
    env = dict(os.environ)
    if directory:
        env["PYTHONPATH"] = os.path.abspath(directory) + (
            os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    r = subprocess.run([PYTHON, "-c", "import mpremote.main"], env=env, capture_output=True)
    return env if r.returncode == 0 else None


def timed(cmd, env, what):
    """Runs cmd; returns (seconds, its stdout with \\n line ends). A failure or a timeout is a
    BenchError."""
    proc, seconds = common.timed(cmd, what, env)
    out = proc.stdout.decode(errors="replace")
    common.check_exit(proc, what, out + proc.stderr.decode(errors="replace"))
    return seconds, out.replace("\r\n", "\n")


def pty_board(key, work, label):
    """A fresh virtual board with link `key`'s options on a pseudo-terminal (both tools reach it
    the same way: a serial device)."""
    return common.Board(LINKS[key][2], os.path.join(work, "vboard-%s-%s.log" % (key, label)),
                        pty=True)


def check_files(mpytool, board, want, what):
    _, out = timed([mpytool, "-p", board.pty, "exec", CHECK], dict(os.environ),
                   "reading back " + what)
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "H":
            got[PACKAGE + "/" + parts[1]] = parts[2]
    if got != want:
        raise common.BenchError("%s: the board's files differ from the index's:\n%r\n%r" % (
            what, got, want))


def bench_link(key, mpytool, url, env, mpr_env, want, work):
    extra = LINKS[key][3]
    rows = {}
    install = ["mip", "install", "--index", url, PACKAGE]
    menv = dict(env, XDG_CACHE_HOME=os.path.join(work, "cache-" + key))
    board = pty_board(key, work, "mpytool")
    try:
        cmd = [mpytool, "-p", board.pty, *extra, *install]
        rows["install"] = timed(cmd, menv, "mpytool mip install")
        check_files(mpytool, board, want, "mpytool install")
        rows["re-install"] = timed(cmd, menv, "mpytool mip install (again)")
        if "Installing:" in rows["re-install"][1]:
            raise common.BenchError("re-install uploaded files:\n" + rows["re-install"][1])
    finally:
        board.stop()
    board = pty_board(key, work, "warm")
    try:
        cmd = [mpytool, "-p", board.pty, *extra, *install]
        rows["install warm"] = timed(cmd, menv, "mpytool mip install (warm cache)")
        check_files(mpytool, board, want, "mpytool install (warm cache)")
    finally:
        board.stop()
    if mpr_env is not None:
        board = pty_board(key, work, "mpremote")
        try:
            cmd = [PYTHON, "-m", "mpremote", "connect", board.pty, *install]
            rows["mpremote"] = timed(cmd, mpr_env, "mpremote mip install")
            check_files(mpytool, board, want, "mpremote install")
            rows["mpremote again"] = timed(cmd, mpr_env, "mpremote mip install (again)")
        finally:
            board.stop()
    return rows


def main():
    ap = common.bench_args("mpytool mip benchmark (prints figures)", gen=False)
    ap.add_argument("--link", choices=("a", "b", "both"), default="both")
    ap.add_argument("--mpremote", default=os.environ.get("MPYTOOL_BENCH_MPREMOTE"),
                    help="directory holding the mpremote package (default: import mpremote)")
    opts = ap.parse_args()
    mpytool = common.check_setup(opts)
    mpr_env = mpremote_env(opts.mpremote)

    def body(work):
        tree = mip_index.build(os.path.join(work, "index"))
        files = tree.files(PACKAGE)
        want = {p: hashlib.sha256(d).hexdigest() for p, d in files.items()}
        server = IndexServer(tree.root)
        url = server.url + "/index"
        env = dict(os.environ, NO_COLOR="1", no_proxy="127.0.0.1,localhost",
                   NO_PROXY="127.0.0.1,localhost")
        try:
            print("mpytool mip benchmark: %s" % mpytool)
            print("package: %s %s, %d files, %s B (mpy 6 flavour), from %s" % (
                PACKAGE, tree.latest[PACKAGE], len(files),
                common.fmt_int(sum(len(d) for d in files.values())), url))
            print("boards: vboard --platform esp32 --no-deflate-compress on a pty, fresh per row "
                  "except the 'again' rows")
            print("mpremote: %s" % ("python3 -m mpremote%s" % (
                " (PYTHONPATH=%s)" % opts.mpremote if opts.mpremote else "")
                if mpr_env is not None else "not importable: its rows are skipped"))
            for key in (("a", "b") if opts.link == "both" else (opts.link,)):
                label, desc = LINKS[key][:2]
                print("\nlink %s: %s" % (label, desc))
                print("  %-15s %8s %12s  %s" % ("scenario", "seconds", "vs mpremote", "target"))
                rows = bench_link(key, mpytool, url, env, mpr_env, want, work)
                base = rows.get("mpremote")
                again = rows.get("mpremote again")
                for name, (seconds, _) in rows.items():
                    ref = again if name == "re-install" else base
                    ratio = "%.2f x" % (seconds / ref[0]) if ref and not name.startswith(
                        "mpremote") else "-"
                    print("  %-15s %8.2f %12s  %s" % (name, seconds, ratio,
                                                       TARGETS.get((key, name), "")))
                sys.stdout.flush()
            print("\nvs mpremote: mpytool's seconds / mpremote's for the same scenario (install "
                  "vs mpremote, re-install vs mpremote again).")
        finally:
            server.stop()

    return common.in_workdir("mpytool-mip-bench-", opts.keep, body)


if __name__ == "__main__":
    sys.exit(main())
