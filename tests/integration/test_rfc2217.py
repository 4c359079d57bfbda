"""Links opened from a URL (sdk/links): `-p rfc2217://HOST:PORT` against the virtual esp32
board's RFC 2217 endpoint (its USB-UART adapter, as ser2net would serve it), where every usual
command works; `-p socket://HOST:PORT` as the raw TCP link `-a` opens; the one-line errors for a
URL that cannot work."""
import hashlib
import os
import socket
import struct
import subprocess
import sys

import pytest

from conftest import VBOARD, Board, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from esp_image import app_image  # noqa: E402

EXIT_USAGE, EXIT_CONN = 2, 3


def flash_with_micropython(path):
    """A 4 MiB esp32 flash as a merged firmware.bin leaves it: second-stage bootloader at
    0x1000, partition table at 0x8000 (nvs, phy_init, factory app), the app at 0x10000."""
    flash = bytearray(b"\xff" * (4 << 20))
    boot = app_image(b"\x33" * 128)
    flash[0x1000:0x1000 + len(boot)] = boot
    rows = b""
    for ptype, sub, off, size, label in [(1, 2, 0x9000, 0x6000, b"nvs"),
                                         (1, 1, 0xF000, 0x1000, b"phy_init"),
                                         (0, 0, 0x10000, 0x1F0000, b"factory")]:
        rows += (b"\xaa\x50" + bytes([ptype, sub]) + struct.pack("<II", off, size)
                 + label.ljust(16, b"\0") + bytes(4))
    rows += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(rows).digest()
    flash[0x8000:0x8000 + len(rows)] = rows
    app = app_image(b"\x11" * 1024, project=b"micropython", version=b"v1.28.0")
    flash[0x10000:0x10000 + len(app)] = app
    path.write_bytes(bytes(flash))


@pytest.fixture(scope="module")
def esp(tmp_path_factory):
    """An esp32 virtual board with its RFC 2217 endpoint (skipped while the vboard has none)."""
    usage = subprocess.run(["node", VBOARD, "--help"], capture_output=True, timeout=30)
    if b"--rfc2217-port" not in usage.stdout + usage.stderr:
        pytest.skip("the virtual board has no RFC 2217 endpoint (--rfc2217-port) yet")
    flash = tmp_path_factory.mktemp("esp") / "flash.bin"
    flash_with_micropython(flash)
    b = Board("--chip", "esp32", "--flash-file", str(flash), "--rfc2217-port", "0")
    assert b.rfc2217, "READY without rfc2217="
    yield b
    b.stop()


def mt(esp, *args, timeout=120):
    return run(*esp.conn_args("rfc2217"), *args, timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def test_exec_over_rfc2217(esp):
    r = ok(mt(esp, "exec", "print(6 * 7)"))
    assert r.stdout.decode().split() == ["42"]


def test_cp_and_ls_over_rfc2217(esp, tmp_path):
    # Every byte value, 0xFF (telnet's IAC) in runs too: doubled on the wire, once on the board.
    data = bytes(range(256)) * 8 + b"\xff" * 300 + os.urandom(4096)
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    ok(mt(esp, "cp", str(src), ":/blob.bin"))
    r = ok(mt(esp, "ls", ":/"))
    assert b"blob.bin" in r.stdout
    back = tmp_path / "back.bin"
    ok(mt(esp, "cp", ":/blob.bin", str(back)))
    assert back.read_bytes() == data
    r = ok(mt(esp, "exec", "import os; print(os.stat('/blob.bin')[6])"))
    assert r.stdout.decode().split() == [str(len(data))]


def test_chain_and_rts_reset_over_rfc2217(esp):
    # The hard reset goes through SET-CONTROL to the board's auto-reset circuit; the session
    # carries on over the same link.
    r = ok(mt(esp, "exec", "x = 1", "--", "reset", "--rts", "--", "exec",
              "print('x' in globals())"))
    assert r.stdout.decode().split()[-1] == "False"


def test_socket_url_is_the_tcp_link(board):
    r = run("-p", f"socket://{board.tcp}", "exec", "print('over socket')")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["over", "socket"]
    # No modem lines on a raw TCP link (here the generic profile already says so).
    r = run("-p", f"socket://{board.tcp}", "reset", "--rts")
    assert r.returncode != 0
    assert b"Hardware reset" in r.stderr


def test_unknown_url_option_is_refused(board):
    r = run("-p", "rfc2217://127.0.0.1:4000?poll_modem", "exec", "print(1)")
    assert r.returncode == EXIT_USAGE
    assert (b"unknown option 'poll_modem' in 'rfc2217://127.0.0.1:4000?poll_modem' "
            b"(known: ign_set_control, timeout=SEC)") in r.stderr


def test_connection_refused_is_one_line():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run("-p", f"rfc2217://127.0.0.1:{port}", "exec", "print(1)")
    assert r.returncode == EXIT_CONN
    assert f"cannot open 'rfc2217://127.0.0.1:{port}': connection refused".encode() in r.stderr


def test_a_raw_tcp_port_is_not_an_rfc2217_server(board):
    # The board's raw REPL bridge never answers the telnet negotiation.
    r = run("-p", f"rfc2217://{board.tcp}?timeout=0.5", "exec", "print(1)")
    assert r.returncode == EXIT_CONN
    assert b"no RFC 2217 server answered within 0.5s" in r.stderr


def test_a_baud_rate_the_adapter_refuses_is_named(esp, tmp_path):
    flash = tmp_path / "flash.bin"
    flash_with_micropython(flash)
    b = Board("--chip", "esp32", "--flash-file", str(flash), "--rfc2217-port", "0",
              "--adapter-max-baud", "115200")
    try:
        r = run("-b", "460800", *b.conn_args("rfc2217"), "exec", "print(1)")
        assert r.returncode == EXIT_CONN
        assert (f"cannot open 'rfc2217://{b.rfc2217}': the serial server refused 460800 baud "
                f"(the port is at 115200)").encode() in r.stderr
        r = ok(run("-b", "115200", *b.conn_args("rfc2217"), "exec", "print(2)"))
        assert r.stdout.decode().split() == ["2"]
    finally:
        b.stop()
