"""`rtc`: read the board's clock, set it from the host's local time or UTC, or from a given
datetime; the Python mpytool's messages and errors."""
import datetime
import re

from conftest import run


def board_time(board):
    r = run("-p", board.pty, "rtc")
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().startswith("RTC")
    text = r.stdout.decode().strip()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", text), text
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_set_and_read_back(board):
    r = run("-p", board.pty, "rtc", "2031-02-28 23:59:58")
    assert r.returncode == 0, r.stderr
    assert b"RTC set to 2031-02-28 23:59:58" in r.stderr
    t = board_time(board)
    assert datetime.datetime(2031, 2, 28, 23, 59, 58) <= t <= datetime.datetime(2031, 3, 1, 0, 0, 5)
    # The weekday the board got is the date's (Friday = 4, Monday = 0).
    r = run("-p", board.pty, "eval", "__import__('machine').RTC().datetime()[3]")
    assert r.stdout.strip() == b"4", r.stdout

    r = run("-p", board.pty, "rtc", "--utc")
    assert r.returncode == 0 and b"(UTC)" in r.stderr
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert abs((board_time(board) - now).total_seconds()) < 5
    r = run("-p", board.pty, "rtc", "--local")
    assert r.returncode == 0 and b"(local)" in r.stderr
    assert abs((board_time(board) - datetime.datetime.now()).total_seconds()) < 5
    r = run("-p", board.pty, "rtc", "-s")
    assert r.returncode == 0 and b"(local)" in r.stderr


def test_bad_input(board):
    for bad in ("2031-02-30 10:00:00", "2031-2-3 1:2:3", "tomorrow"):
        r = run("-p", board.pty, "rtc", bad)
        assert r.returncode == 2
        assert b"invalid datetime format (use YYYY-MM-DD HH:MM:SS)" in r.stderr
    r = run("-p", board.pty, "rtc", "--utc", "2031-01-01 00:00:00")
    assert r.returncode == 2
    assert b"datetime argument is incompatible with --set/--local/--utc" in r.stderr
    # _args describes the positional as the Python mpytool does.
    r = run("_args", "rtc")
    assert r.stdout.decode().strip() == "datetime:?:datetime string (YYYY-MM-DD HH:MM:SS)"
