"""Shared fixtures: start virtual boards (vboard/) and run the real mpytool binary against them.

Environment (set by CTest, see tests/CMakeLists.txt):
  MPYTOOL_BIN          the built mpytool executable
  MPYTOOL_VBOARD       vboard/vboard.mjs
  MPYTOOL_EXAMPLE_BIN  the built examples/quickstart program
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

MPYTOOL = os.environ.get("MPYTOOL_BIN", "mpytool")
VBOARD = os.environ.get("MPYTOOL_VBOARD", os.path.join(
    os.path.dirname(__file__), "..", "..", "vboard", "vboard.mjs"))
EXAMPLE = os.environ.get("MPYTOOL_EXAMPLE_BIN", "mpytool-quickstart")


class Board:
    """One virtual board process: a pty path and a TCP port on 127.0.0.1."""

    def __init__(self, *options):
        self.state_dir = tempfile.mkdtemp(prefix="vboard-")
        self.options = list(options)
        self.proc = subprocess.Popen(
            ["node", VBOARD, "--state-dir", self.state_dir, *self.options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith(b"READY") or not line:
                break
        if not line.startswith(b"READY"):
            err = self.proc.stderr.read1(65536) if self.proc.poll() is not None else b""
            self.stop()
            raise RuntimeError(f"vboard did not start: {line!r} {err!r}")
        fields = dict(f.split("=", 1) for f in line.decode().split()[1:])
        self.pty = fields["pty"]
        self.tcp = fields["tcp"]
        # "rfc2217=127.0.0.1:PORT" with --rfc2217-port (an esp32 board's USB-UART adapter).
        self.rfc2217 = fields.get("rfc2217")
        # "webrepl=127.0.0.1:PORT" with --webrepl (the board's WebREPL endpoint).
        self.webrepl = fields.get("webrepl")

    def conn_args(self, link):
        if link == "rfc2217":
            return ["-p", f"rfc2217://{self.rfc2217}"]
        if link == "webrepl":  # the password comes from MPYTOOL_PASSWORD or --password
            return ["-a", f"ws://{self.webrepl}"]
        return ["-p", self.pty] if link == "pty" else ["-a", self.tcp]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.state_dir, ignore_errors=True)


def run(*args, timeout=60, input=None, env=None):
    """Runs mpytool with args; returns CompletedProcess with bytes stdout/stderr."""
    full_env = dict(os.environ)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run([MPYTOOL, *args], capture_output=True, timeout=timeout,
                          input=input, env=full_env)


# Every file and directory on a board: "F path sha256" / "D path" lines.
BOARD_SNAPSHOT = """
import os, hashlib, binascii
def _w(d):
    for e in os.ilistdir(d):
        p = d.rstrip('/') + '/' + e[0]
        if e[1] == 0x4000:
            print('D', p)
            _w(p)
        else:
            h = hashlib.sha256()
            f = open(p, 'rb')
            while True:
                b = f.read(512)
                if not b:
                    break
                h.update(b)
            f.close()
            print('F', p, binascii.hexlify(h.digest()).decode())
_w('/')
del _w
"""


def board_snapshot(board, link="pty"):
    """{path: sha256 or 'dir'} of everything on the board's filesystem, read on the board."""
    r = run(*board.conn_args(link), "exec", BOARD_SNAPSHOT, timeout=60)
    assert r.returncode == 0, r.stderr
    snap = {}
    for line in r.stdout.decode().splitlines():
        parts = line.split()
        if parts and parts[0] == "F":
            snap[parts[1]] = parts[2]
        elif parts and parts[0] == "D":
            snap[parts[1]] = "dir"
    return snap


@pytest.fixture(scope="module")
def board():
    """A generic virtual board shared by the tests of one module."""
    b = Board()
    yield b
    b.stop()


@pytest.fixture
def make_board():
    """Factory for boards with options; all are stopped after the test."""
    boards = []

    def factory(*options):
        b = Board(*options)
        boards.append(b)
        return b
    yield factory
    for b in boards:
        b.stop()


@pytest.fixture(params=["pty", "tcp"])
def link(request):
    """Runs a test over the pseudo-terminal and over TCP."""
    return request.param
