"""`speedtest`: the seed's table (header, one row per size, speeds, verify ok) through the echo
server, and the board left usable afterwards."""
import re

from conftest import run


def test_speedtest_table(board, link):
    r = run(*board.conn_args(link), "speedtest", "--", "eval", "1+1", timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert re.fullmatch(r"\s+upload\s+download\s+verify", lines[0]), lines[0]
    rows = lines[1:14]
    sizes = [row.split()[0] for row in rows]
    assert sizes == ["0B", "16B", "32B", "64B", "128B", "256B", "512B", "1.00K", "2.00K",
                     "4.00K", "8.00K", "16.0K", "32.0K"]
    assert rows[0].split()[1:] == ["-", "-", "ok"]  # size 0 is an echo only
    for row in rows[1:]:
        cols = row.split()
        assert cols[-1] == "ok", row
        assert cols[1].endswith("/s") and cols[2].endswith("/s"), row
    assert lines[14] == "2"  # the chain goes on: the echo server ended cleanly
