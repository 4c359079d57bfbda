"""`speedtest`: the seed's table (header, one row per size, speeds, verify ok) through the echo
server, then the rows of the binary stream (cp, sync and flash's path) with their SHA-256
check and, on a serial link, the share of the baud limit they use; the board left usable."""
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
    assert lines[14] == ""
    assert re.fullmatch(r"\s+upload\s+download\s+verify\s+\(binary stream: cp, sync, flash\)",
                        lines[15]), lines[15]
    stream = lines[16:19]
    assert [row.split()[0] for row in stream] == ["1.00K", "8.00K", "64.0K"], stream
    for row in stream:
        cols = row.split()
        assert cols[-1] == "ok", row
        assert cols[1].endswith("/s") and cols[2].endswith("/s"), row
    rest = lines[19:]
    if link == "pty":
        # A serial link (the board's pty): how much of baud/10 the frames on the wire took.
        m = re.fullmatch(r"  wire use of the (\d+) baud limit \(.*/s\): (.*)", rest[0])
        assert m, rest[0]
        shares = re.findall(r"(\S+): upload (\d+) %, download (\d+) %", m.group(2))
        assert [s[0] for s in shares] == ["1.00K", "8.00K", "64.0K"], m.group(2)
        assert all(int(s[1]) > 0 and int(s[2]) > 0 for s in shares), m.group(2)
        rest = rest[1:]
    assert rest == ["2"], rest  # the chain goes on: both servers ended cleanly
