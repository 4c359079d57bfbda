"""Transfers under stress and faults: flow control on a slow UART link with slow flash, a link
cut in the middle of an upload, the host killed or interrupted mid-upload, a full filesystem.
In every fault the board's original file must stay byte-identical, the temporary file must
not survive the next command, and a re-run must complete the copy."""
import hashlib
import os
import random
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import MPYTOOL, run
from cutting_proxy import CuttingProxy


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def noise(n, seed):
    rnd = random.Random(seed)
    return bytes(rnd.getrandbits(8) for _ in range(n))


def text(n, seed):
    rnd = random.Random(seed)
    words = "sensor value buffer index count state config timeout packet frame".split()
    out = []
    size = 0
    while size < n:
        line = "def %s_%d(%s):\n    return %d\n" % (
            rnd.choice(words), rnd.randrange(1000), rnd.choice(words), rnd.randrange(99))
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def board_sha(b, path, link="tcp"):
    r = run(*b.conn_args(link), "sha256sum", ":" + path)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()[0].decode()


def board_ls(b, path="/"):
    r = run(*b.conn_args("tcp"), "-q", "ls", ":" + path)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().split()


@pytest.mark.parametrize("link_mode", ["uart", "usb"])
def test_flow_control_slow_uart_and_slow_flash(make_board, tmp_path, link_mode):
    # 115200 baud, a 260-byte stdin buffer that drops overflow (uart) or holds the host back
    # (usb), and 15 ms per flash write: nothing may be lost or reordered.
    b = make_board("--platform", "esp32", "--link", link_mode, "--baud", "115200",
                   "--flash-delay-ms", "15", "--no-deflate-compress")
    src = tmp_path / "src"
    src.mkdir()
    files = {"raw.bin": noise(6000, 1), "text.py": text(24000, 2), "small.txt": b"x" * 10}
    for name, data in files.items():
        write(src / name, data)
    r = run(*b.conn_args("pty"), "cp", str(src) + "/", ":/up/", timeout=120)
    assert r.returncode == 0, r.stderr
    for name, data in files.items():
        assert board_sha(b, "/up/" + name, "pty") == hashlib.sha256(data).hexdigest()
    out = tmp_path / "back"
    r = run(*b.conn_args("pty"), "cp", ":/up/", str(out) + "/", timeout=120)
    assert r.returncode == 0, r.stderr
    for name, data in files.items():
        assert (out / name).read_bytes() == data


def test_link_cut_mid_upload_keeps_the_old_file(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--no-deflate-compress")
    old = noise(20000, 3)
    new = noise(60000, 4)
    write(tmp_path / "data.bin", old)
    assert run(*b.conn_args("tcp"), "cp", str(tmp_path / "data.bin"), ":/data.bin").returncode == 0
    write(tmp_path / "data.bin", new)

    # The agent and its helper take a few KB; cut 30 KB later, in the middle of the file.
    proxy = CuttingProxy(b.tcp, 35000)
    r = run("-a", proxy.address, "cp", str(tmp_path / "data.bin"), ":/data.bin", timeout=60)
    assert proxy.cut.is_set()
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert b"mpytool: error:" in r.stderr

    # The next command recovers the board (the agent waits inside a frame) and sees the old
    # file untouched and no temporary file left behind.
    assert board_sha(b, "/data.bin") == hashlib.sha256(old).hexdigest()
    assert ".data.bin.mpytmp" not in board_ls(b)

    r = run(*b.conn_args("tcp"), "cp", str(tmp_path / "data.bin"), ":/data.bin", timeout=60)
    assert r.returncode == 0, r.stderr
    assert board_sha(b, "/data.bin") == hashlib.sha256(new).hexdigest()


def test_link_cut_mid_batch_keeps_every_old_file(make_board, tmp_path):
    # Small files go as one batch (one deflate stream): a cut in its data renames none of them.
    b = make_board("--platform", "esp32", "--no-deflate-compress")
    names = ["m%02d.py" % i for i in range(16)]
    src = tmp_path / "pkg"
    src.mkdir()
    for i, name in enumerate(names):
        write(src / name, text(3000, 100 + i))
    # A first copy leaves the guard and the helpers on the board (its registry): the copies
    # below send only the files' frames, the same amount each.
    r = run(*b.conn_args("tcp"), "cp", str(src), ":/", timeout=60)
    assert r.returncode == 0, r.stderr
    for i, name in enumerate(names):
        write(src / name, text(3000, 300 + i))
    old = {name: (src / name).read_bytes() for name in names}
    # What the whole copy sends, to cut the next one (the same sizes) inside the batch's data.
    whole = CuttingProxy(b.tcp, 1 << 30)
    r = run("-a", whole.address, "cp", str(src), ":/", timeout=60)
    assert r.returncode == 0, r.stderr
    for i, name in enumerate(names):
        write(src / name, text(3000, 200 + i))

    proxy = CuttingProxy(b.tcp, whole.sent - 4000)
    r = run("-a", proxy.address, "cp", str(src), ":/", timeout=60)
    assert proxy.cut.is_set()
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert not any(n.endswith(".mpytmp") for n in board_ls(b, "/pkg"))
    for name in names:
        assert board_sha(b, "/pkg/" + name) == hashlib.sha256(old[name]).hexdigest(), name


def start_upload(b, args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.Popen([MPYTOOL, *b.conn_args("pty"), "cp", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def wait_for_transfer(b, proc, seconds=1.5):
    # At 115200 baud the upload below takes several seconds; let it get well into the data.
    time.sleep(seconds)
    assert proc.poll() is None, proc.communicate()


def test_host_killed_mid_upload(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--baud", "115200", "--link", "uart",
                   "--no-deflate-compress")
    old = text(3000, 5)
    new = noise(40000, 6)
    write(tmp_path / "main.py", old)
    assert run(*b.conn_args("pty"), "cp", str(tmp_path / "main.py"), ":/").returncode == 0
    write(tmp_path / "main.py", new)
    proc = start_upload(b, [str(tmp_path / "main.py"), ":/"])
    wait_for_transfer(b, proc)
    proc.kill()
    proc.wait()
    assert board_sha(b, "/main.py", "pty") == hashlib.sha256(old).hexdigest()
    assert ".main.py.mpytmp" not in board_ls(b)
    r = run(*b.conn_args("pty"), "cp", str(tmp_path / "main.py"), ":/", timeout=120)
    assert r.returncode == 0, r.stderr
    assert board_sha(b, "/main.py", "pty") == hashlib.sha256(new).hexdigest()


def test_ctrl_c_mid_upload(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--baud", "115200", "--link", "uart",
                   "--no-deflate-compress")
    old = b"old content\n"
    new = noise(40000, 7)
    write(tmp_path / "f.bin", old)
    assert run(*b.conn_args("pty"), "cp", str(tmp_path / "f.bin"), ":/").returncode == 0
    write(tmp_path / "f.bin", new)
    proc = start_upload(b, [str(tmp_path / "f.bin"), ":/"])
    wait_for_transfer(b, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert board_sha(b, "/f.bin", "pty") == hashlib.sha256(old).hexdigest()
    assert ".f.bin.mpytmp" not in board_ls(b)
    # The board is usable at once and the copy completes.
    r = run(*b.conn_args("pty"), "cp", str(tmp_path / "f.bin"), ":/", timeout=120)
    assert r.returncode == 0, r.stderr
    assert board_sha(b, "/f.bin", "pty") == hashlib.sha256(new).hexdigest()


@pytest.mark.parametrize("transfer", ["stream", "text"])
def test_full_filesystem_keeps_the_old_file(make_board, tmp_path, transfer):
    b = make_board("--platform", "esp32", "--fs-size", str(96 * 1024))
    old = noise(8000, 8)
    other = noise(30000, 9)
    write(tmp_path / "app.bin", old)
    write(tmp_path / "other.bin", other)
    conn = b.conn_args("tcp")
    assert run(*conn, "cp", str(tmp_path / "app.bin"), str(tmp_path / "other.bin"),
               ":/").returncode == 0
    before = sorted(board_ls(b))

    big = noise(80000, 10)  # incompressible: does not fit next to the old copy
    write(tmp_path / "app.bin", big)
    r = run(*conn, "--transfer", transfer, "cp", str(tmp_path / "app.bin"), ":/", timeout=120)
    assert r.returncode == 4, (r.returncode, r.stderr)
    err = r.stderr.decode()
    assert "No space left on device" in err and "/app.bin" in err, err
    assert err.count("mpytool: error:") == 1

    assert board_sha(b, "/app.bin") == hashlib.sha256(old).hexdigest()
    assert board_sha(b, "/other.bin") == hashlib.sha256(other).hexdigest()
    assert sorted(board_ls(b)) == before


def test_missing_source_and_file_where_a_directory_is_needed(board, tmp_path):
    conn = board.conn_args("tcp")
    r = run(*conn, "cp", str(tmp_path / "nope.py"), ":/")
    assert r.returncode == 2
    assert b"Source not found" in r.stderr
    write(tmp_path / "f.py", b"x = 1\n")
    assert run(*conn, "cp", str(tmp_path / "f.py"), ":/plain").returncode == 0
    r = run(*conn, "cp", str(tmp_path / "f.py"), ":/plain/f.py")
    assert r.returncode != 0
    assert b"plain" in r.stderr
    r = run(*conn, "cp", ":/nothing_here.py", str(tmp_path / "x.py"))
    assert r.returncode in (2, 4)
    assert not (tmp_path / "x.py").exists()


class SevenBitProxy:
    """TCP proxy for a link that is not 8-bit clean: the top bit of every byte from the host is
    dropped (ASCII passes, binary frames do not)."""

    def __init__(self, target):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            board = socket.create_connection(self.target)
            threading.Thread(target=self._pump, args=(client, board, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(board, client, False), daemon=True).start()

    @staticmethod
    def _pump(src, dst, strip):
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                dst.sendall(bytes(b & 0x7F for b in data) if strip else data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.listener.close()


def test_link_that_mangles_bytes_falls_back_to_text(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    proxy = SevenBitProxy(b.tcp)
    try:
        data = noise(5000, 11)
        write(tmp_path / "blob.bin", data)
        r = run("-d", "-a", proxy.address, "cp", str(tmp_path / "blob.bin"), ":/blob.bin",
                timeout=120)
        assert r.returncode == 0, r.stderr
        assert b"using the text path" in r.stderr
        assert board_sha(b, "/blob.bin") == hashlib.sha256(data).hexdigest()
        r = run("-a", proxy.address, "cp", ":/blob.bin", str(tmp_path / "back.bin"), timeout=120)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "back.bin").read_bytes() == data
    finally:
        proxy.close()


def test_names_the_board_cannot_hold(board, tmp_path):
    conn = board.conn_args("tcp")
    write(tmp_path / "f.py", b"x = 1\n")
    too_long = "n" * 300 + ".py"
    r = run(*conn, "cp", str(tmp_path / "f.py"), ":/" + too_long)
    assert r.returncode == 4, r.stderr
    assert b"File name too long" in r.stderr
    assert r.stderr.count(b"mpytool: error:") == 1
    # 255 bytes of UTF-8 is the limit, and it works even though the temporary name is longer.
    longest = "\u00e9" * 126 + ".py"
    r = run(*conn, "cp", str(tmp_path / "f.py"), ":/" + longest)
    assert r.returncode == 0, r.stderr
    assert longest in run(*conn, "-q", "ls", ":/").stdout.decode()
    assert not any(n.endswith(".mpytmp") for n in board_ls(board))
