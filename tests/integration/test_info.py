"""info on generic, esp32 and rp2 boards (exact line formats of the reference)."""
import re

import pytest

from conftest import run


@pytest.mark.parametrize("platform,machine_re", [
    ("esp32", r"ESP32"),
    ("rp2", r"RP2040"),
])
def test_info_per_platform(make_board, platform, machine_re):
    b = make_board("--platform", platform)
    r = run(*b.conn_args("tcp"), "info")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    lines = out.splitlines()
    assert lines[0] == f"Platform:    {platform}"
    assert re.search(r"^Version:     \S", out, re.M)
    assert re.search(r"^Impl:        micropython 1\.27(\.\d+)?(, mpy v\d+\.\d+)?$", out, re.M)
    assert re.search(rf"^Machine:     .*{machine_re}", out, re.M)
    assert re.search(r"^Serial:      [0-9a-f]{12,}$", out, re.M)
    assert re.search(r"^MAC WiFi:    ([0-9a-f]{2}:){5}[0-9a-f]{2}$", out, re.M)
    assert re.search(r"^Memory:      \S+ / \S+ \(\d+\.\d\d%\)$", out, re.M)
    assert re.search(r"^Flash:       \S+ / \S+ \(\d+\.\d\d%\)$", out, re.M)
    assert b"INFO" in r.stderr


def test_info_over_pty(board):
    r = run(*board.conn_args("pty"), "info")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("Platform:    ")
