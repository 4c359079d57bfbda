"""`expect`: wait for a pattern in the board's output (after exec -t 0), print what came;
the timeout and --fail exit codes; output after a match stays for the next command."""
from conftest import run

TICKS = ("import time\n"
         "for i in range(4):\n"
         "    print('tick', i)\n"
         "    time.sleep(0.2)\n"
         "print('READY 42')\n")


def test_waits_for_the_pattern_and_prints_what_came(board, link):
    r = run(*board.conn_args(link), "exec", "-t", "0", TICKS, "--", "expect", r"READY \d+",
            timeout=30)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.index("tick 0") < out.index("tick 3") < out.index("READY 42")


def test_timeout_and_fail_patterns(board):
    r = run("-p", board.pty, "exec", "-t", "0", "print('hello')", "--", "expect", "NEVER",
            "--timeout", "1")
    assert r.returncode == 5
    assert b"expect: /NEVER/ did not appear within 1 s" in r.stderr
    assert b"hello" in r.stdout
    code = "print('step 1')\nraise ValueError('boom')\n"
    r = run("-p", board.pty, "exec", "-t", "0", code, "--", "expect", "DONE", "--fail",
            "Traceback", "--timeout", "10")
    assert r.returncode == 1
    assert b"expect: the board printed /Traceback/ (--fail) before /DONE/" in r.stderr
    r = run("-p", board.pty, "expect", "(unclosed")
    assert r.returncode == 2 and b"is not a regular expression" in r.stderr


def test_what_follows_a_match_is_left_for_the_next_command(board):
    code = "print('first'); print('second'); print('third')"
    r = run("-p", board.pty, "exec", "-t", "0", code, "--", "expect", "first", "--",
            "expect", "second", "--", "expect", "third", timeout=30)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.count("second") == 1 and out.count("third") == 1
