"""The host's memory stays bounded whatever the board sends (issue 19). Output that is shown
streams through as it comes; what the tool must hold to parse (an answer, a traceback, a banner
it waits for) stops at 16 MiB (kMaxAnswer): "the board's answer exceeded 16 MiB", exit 3, and
the board is sent Ctrl-C. Peaks are the tool's maximum resident set size as /usr/bin/time
reports it (wait4() of the tool itself: not the test's own memory, which a direct child of the
test inherits in its count until it runs the tool)."""
import os
import signal
import socket
import subprocess
import tempfile
import threading

import pytest

from conftest import MPYTOOL

TIME = "/usr/bin/time"
pytestmark = pytest.mark.skipif(not os.access(TIME, os.X_OK), reason="needs GNU time")

MIB = 1024 * 1024
# What the tool may add to its peak RSS over its own baseline while a board floods it: the
# bound of what is held (16 MiB) with room for the copies made while it is parsed.
GROWTH_BOUND = 64 * MIB

# As fast as the virtual board prints (a few MB/s under load; print() of a str is slower).
FLOOD_CODE = "import sys\ns = b'x' * 200000\nw = sys.stdout.buffer.write\nwhile True:\n    w(s)\n"


def measure(args, timeout=120, keep_stdout=False):
    """Runs mpytool to its end; returns (exit code, stdout bytes, stdout head, stderr, peak RSS
    in bytes). Stdout is read and counted (its first 4 KiB kept), or thrown away unread."""
    env = dict(os.environ, NO_COLOR="1")
    fd, report = tempfile.mkstemp(prefix="mpytool-rss-")
    os.close(fd)
    proc = subprocess.Popen(
        [TIME, "-f", "%M", "-o", report, MPYTOOL, *args], stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE, env=env, start_new_session=True,
        stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL)
    counted = {"bytes": 0, "head": b""}
    err = []

    def drain_out():
        while True:
            data = proc.stdout.read1(MIB)
            if not data:
                return
            if len(counted["head"]) < 4096:
                counted["head"] += data[:4096]
            counted["bytes"] += len(data)

    threads = [threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)]
    if keep_stdout:
        threads.append(threading.Thread(target=drain_out, daemon=True))
    for t in threads:
        t.start()
    # A hang fails the test, not the suite.
    killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
    killer.start()
    try:
        proc.wait()
    finally:
        killer.cancel()
    for t in threads:
        t.join(10)
    with open(report) as f:
        lines = f.read().split()
    os.unlink(report)
    peak = int(lines[-1]) * 1024  # KiB
    return proc.returncode, counted["bytes"], counted["head"], b"".join(err), peak


def error_lines(stderr):
    return [line for line in stderr.decode(errors="replace").splitlines()
            if line.startswith("mpytool: error:")]


def baseline(conn_args):
    rc, _, _, err, peak = measure([*conn_args, "exec", "print(1)"], keep_stdout=True)
    assert rc == 0, err
    return peak


def test_exec_that_prints_forever_streams_in_bounded_memory(board):
    base = baseline(["-a", board.tcp])
    # The program's own timeout ends it (exit 5); its output was all shown as it came.
    rc, shown, head, err, peak = measure(["-a", board.tcp, "exec", "-t", "15", FLOOD_CODE],
                                         keep_stdout=True)
    assert rc == 5, err
    assert head.startswith(b"x" * 4000)
    # More flowed than the bound of what may be held, and far more than the tool grew: it was
    # shown, not kept.
    assert shown > 24 * MIB, shown
    assert peak - base < min(GROWTH_BOUND, shown // 2), (peak, base, shown)
    # The board was interrupted: it answers the next command.
    rc, _, _, err, _ = measure(["-a", board.tcp, "exec", "print(6*7)"], keep_stdout=True)
    assert rc == 0, err


class FloodPeer:
    """A TCP peer on 127.0.0.1 that is no board. With `handshake` it speaks just enough raw
    REPL for the tool to send code (Ctrl-C: the prompt, Ctrl-A: the raw banner, the raw-paste
    request: R\\x00, declined) and answers the code's Ctrl-D with OK and garbage without end,
    never a Ctrl-D; without, it sends garbage from the start, never a prompt nor a banner."""

    BLOCK = bytes((32 + (i * 7919) % 95) for i in range(65536))  # printable: no \x04

    def __init__(self, handshake):
        self.handshake = handshake
        self.sent = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def flood(self, conn):
        while True:
            conn.sendall(self.BLOCK)
            self.sent += len(self.BLOCK)

    def talk(self, conn):
        try:
            if not self.handshake:
                return self.flood(conn)
            seen = b""
            while True:
                data = conn.recv(4096)
                if not data:
                    return
                for byte in data:
                    seen = (seen + bytes([byte]))[-3:]
                    if byte == 3:
                        conn.sendall(b"\r\n>>> ")
                    elif byte == 2:
                        conn.sendall(b"\r\nMicroPython v1.99.0 on flood\r\n>>> ")
                    elif byte == 1:
                        conn.sendall(b"R\x00" if seen == b"\x05A\x01"
                                     else b"raw REPL; CTRL-B to exit\r\n>")
                    elif byte == 4:
                        conn.sendall(b"OK")
                        return self.flood(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.listener.close()


def test_peer_that_floods_after_ok(board):
    base = baseline(["-a", board.tcp])
    peer = FloodPeer(handshake=True)
    try:
        # An answer the tool must hold (the listing): the bound ends it in one clear line.
        rc, _, _, err, peak = measure(["--timeout", "20", "-a", peer.address, "ls"],
                                      keep_stdout=True)
        assert rc == 3, err
        assert error_lines(err) == ["mpytool: error: the board's answer exceeded 16 MiB"], err
        assert peer.sent > 16 * MIB
        assert peak - base < GROWTH_BOUND, (peak, base, peer.sent)
        # Shown output (exec) streams through without bound until --timeout ends the run.
        peer.sent = 0
        rc, _, _, err, peak = measure(["--timeout", "6", "-a", peer.address, "exec", "print(1)"])
        assert rc == 5, err
        assert len(error_lines(err)) == 1 and b"timed out" in err, err
        assert peer.sent > 3 * 16 * MIB, peer.sent
        assert peak - base < GROWTH_BOUND, (peak, base, peer.sent)
    finally:
        peer.close()


def test_peer_that_floods_without_prompt_or_banner(board):
    base = baseline(["-a", board.tcp])
    peer = FloodPeer(handshake=False)
    try:
        for command in (["ls"], ["exec", "print(1)"]):
            peer.sent = 0
            rc, _, _, err, peak = measure(["--timeout", "20", "-a", peer.address, *command],
                                          keep_stdout=True)
            assert rc == 3, (command, err)
            assert len(error_lines(err)) == 1, err
            assert peer.sent > 16 * MIB, peer.sent
            assert peak - base < GROWTH_BOUND, (command, peak, base, peer.sent)
    finally:
        peer.close()


# A board file larger than what the tool may hold: built on the board from a block that varies
# (so that it is neither empty nor a single repeated byte), written 24 MiB over.
BIG_SIZE = 24 * MIB
BIG_BLOCK = bytes((i * 7919 + (i >> 8)) & 0xff for i in range(65536))
MAKE_BIG = ("b = bytes((i * 7919 + (i >> 8)) & 0xff for i in range(65536))\n"
            "f = open('/big.bin', 'wb')\n"
            "for n in range(%d):\n"
            "    f.write(b)\n"
            "f.close()\n" % (BIG_SIZE // len(BIG_BLOCK)))


@pytest.mark.parametrize("compress", ["-z", "-Z"])
def test_download_streams_to_disk_in_bounded_memory(make_board, tmp_path, compress):
    """cp of a board file to the host holds a piece of it, not the file: the tool's peak grows
    by far less than the file's size over its baseline; the file arrives whole and verified,
    through a temporary file that is gone afterwards."""
    board = make_board("--fs-size", str(BIG_SIZE + 8 * MIB))
    conn = ["-a", board.tcp]
    rc, _, _, err, _ = measure([*conn, "exec", "-t", "120", MAKE_BIG], timeout=180)
    assert rc == 0, err
    base = baseline(conn)
    dest = tmp_path / "big.bin"
    dest.write_bytes(b"old")
    rc, _, _, err, peak = measure([*conn, "cp", compress, ":/big.bin", str(dest)], timeout=300)
    assert rc == 0, err
    assert dest.stat().st_size == BIG_SIZE
    with open(dest, "rb") as f:
        for _ in range(BIG_SIZE // len(BIG_BLOCK)):
            assert f.read(len(BIG_BLOCK)) == BIG_BLOCK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin"]
    print("download %s: baseline %d KiB, peak %d KiB, growth %d KiB"
          % (compress, base // 1024, peak // 1024, (peak - base) // 1024))
    assert peak - base < BIG_SIZE // 2, (peak, base)
