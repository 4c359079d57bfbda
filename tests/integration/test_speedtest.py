"""`speedtest`: the Python mpytool's table (header, one row per size, speeds, verify ok) through
the echo server, then the rows of the binary stream (cp, sync and flash's path) with their SHA-256
check and, on a link whose baud bounds it, the share of the baud limit they use; the board left
usable."""
import re

from conftest import run

SIZES = ["16B", "32B", "64B", "128B", "256B", "512B", "1.00K", "2.00K", "4.00K", "8.00K",
         "16.0K", "32.0K"]


def tables(r):
    """The echo rows, the stream rows and the lines after them."""
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert re.fullmatch(r"\s+upload\s+download\s+verify", lines[0]), lines[0]
    n = len(SIZES)
    rows = lines[1:1 + n]
    assert [row.split()[0] for row in rows] == SIZES, rows  # no 0B row
    for row in rows:
        cols = row.split()
        assert cols[-1] == "ok", row
        assert cols[1].endswith("/s") and cols[2].endswith("/s"), row
    assert lines[1 + n] == ""
    assert re.fullmatch(r"\s+upload\s+download\s+verify\s+\(binary stream: cp, sync, flash\)",
                        lines[2 + n]), lines[2 + n]
    stream = lines[3 + n:6 + n]
    assert [row.split()[0] for row in stream] == ["1.00K", "8.00K", "64.0K"], stream
    for row in stream:
        cols = row.split()
        assert cols[-1] == "ok", row
        assert cols[1].endswith("/s") and cols[2].endswith("/s"), row
    return rows, stream, lines[6 + n:]


def test_speedtest_table(board, link):
    r = run(*board.conn_args(link), "speedtest", "--", "eval", "1+1", timeout=120)
    _, _, rest = tables(r)
    # TCP has no baud; the board's pty is not paced (115200 means nothing there): no share of a
    # baud limit (it was "110652 %").
    assert rest == ["2"], rest  # the chain goes on: both servers ended cleanly


def test_speedtest_share_of_the_baud_limit_on_a_paced_line(make_board):
    # A board paced like a UART at 2 Mbaud (200 KB/s each way) and mpytool told that baud: the
    # frames on the wire take a real share of baud/10, at most all of it.
    b = make_board("--baud", "2000000")
    r = run("-p", b.pty, "-b", "2000000", "speedtest", timeout=180)
    _, _, rest = tables(r)
    m = re.fullmatch(r"  wire use of the 2000000 baud limit \(.*/s\): (.*)", rest[0])
    assert m, rest
    shares = re.findall(r"(\S+): upload (\d+) %, download (\d+) %", m.group(1))
    assert [s[0] for s in shares] == ["1.00K", "8.00K", "64.0K"], m.group(1)
    assert all(0 < int(s[1]) <= 150 and 0 < int(s[2]) <= 150 for s in shares), m.group(1)
    assert rest[1:] == [], rest
