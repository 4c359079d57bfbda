"""exec / eval / run against the virtual board, over the pty and over TCP."""
import os

from conftest import run

EXIT_DEVICE = 4
EXIT_TIMEOUT = 5


def test_exec_unicode_output(board, link):
    r = run(*board.conn_args(link), "exec", "print('žluťoučký kůň', '🐍', 6 * 7)")
    assert r.returncode == 0, r.stderr
    assert "žluťoučký kůň 🐍 42" in r.stdout.decode("utf-8")


def test_exec_header_goes_to_stderr_not_stdout(board, link):
    r = run(*board.conn_args(link), "exec", "print('data')")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "data"
    assert b"EXEC" in r.stderr


def test_exec_quiet_prints_only_data(board):
    r = run(*board.conn_args("tcp"), "-q", "exec", "print('only')")
    assert r.returncode == 0
    assert r.stdout.decode().strip() == "only"
    assert r.stderr == b""


def test_eval_nested_literals(board, link):
    expr = "[None, True, -2**70, 1.5, float('inf'), 'a\\'b\\n', b'\\x00\\xff', (1,), {'k': {2, 3}}]"
    r = run(*board.conn_args(link), "eval", expr)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().strip()
    assert out.startswith("[None, True, -1180591620717411303424, 1.5, inf")
    assert "b'\\x00\\xff'" in out
    assert "(1,)" in out
    assert "{'k': {" in out


def test_run_local_file(board, link, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import sys\nfor i in range(3):\n    print('line', i)\nprint(sys.platform)\n")
    r = run(*board.conn_args(link), "run", str(script))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().split()
    assert lines[:6] == ["line", "0", "line", "1", "line", "2"]


def test_run_missing_file_is_usage_error(board, tmp_path):
    r = run(*board.conn_args("tcp"), "run", str(tmp_path / "nope.py"))
    assert r.returncode == 2
    assert b"nope.py" in r.stderr


def test_device_exception_prints_traceback_and_exit_code(board, link):
    r = run(*board.conn_args(link), "exec", "print('before')\n1/0")
    assert r.returncode == EXIT_DEVICE
    assert b"before" in r.stdout
    assert b"Traceback (most recent call last)" in r.stderr
    assert b"ZeroDivisionError" in r.stderr


def test_timeout_exit_code_and_board_recovers(board, link):
    r = run(*board.conn_args(link), "exec", "-t", "1", "import time\nwhile True: time.sleep(0.05)")
    assert r.returncode == EXIT_TIMEOUT, r.stderr
    assert b"timeout" in r.stderr.lower()
    # The board is still running the loop; the next command must get it back.
    r = run(*board.conn_args(link), "exec", "print('back')")
    assert r.returncode == 0, r.stderr
    assert b"back" in r.stdout


def test_exec_submit_only_then_stop(board):
    r = run(*board.conn_args("tcp"), "exec", "-t", "0", "import time\nwhile True: time.sleep(0.05)")
    assert r.returncode == 0, r.stderr
    r = run(*board.conn_args("tcp"), "stop", "--", "exec", "print('stopped')")
    assert r.returncode == 0, r.stderr
    assert b"stopped" in r.stdout


def test_chain_shares_one_session(board, link):
    # A global defined by the first command is visible to the second: no reset in between.
    r = run(*board.conn_args(link), "exec", "x = 41", "--", "exec", "print(x + 1)",
            "+", "eval", "x")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["42", "41"]


def test_large_code_through_raw_paste(board, link):
    code = "\n".join(f"v{i} = {i}" for i in range(400)) + "\nprint(sum([" + \
        ",".join(f"v{i}" for i in range(400)) + "]))"
    r = run(*board.conn_args(link), "exec", code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == str(sum(range(400)))


def test_exec_header_abbreviates_multiline_code(board):
    r = run(*board.conn_args("tcp"), "exec", "a = 1\nb = 2\nprint(a + b)")
    assert r.returncode == 0, r.stderr
    assert b"EXEC: a = 1 ... (3 lines)" in r.stderr
    r = run(*board.conn_args("tcp"), "-v", "exec", "a = 1\nb = 2\nprint(a + b)")
    assert b"EXEC: a = 1\nb = 2\nprint(a + b)" in r.stderr


def test_throttled_uart_board(make_board):
    # 115200 baud, 5 ms latency each way, USB-UART link: raw-paste flow control keeps it intact.
    b = make_board("--platform", "esp32", "--baud", "115200", "--latency", "5", "--link", "uart")
    code = "\n".join(f"a{i} = {i} * 2" for i in range(300)) + "\nprint(a299)"
    for link in ("pty", "tcp"):
        r = run(*b.conn_args(link), "exec", code, "--", "eval", "'ü' * 3")
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().split() == ["598", "'üüü'"]


def test_eval_of_non_literal_object(board):
    r = run(*board.conn_args("tcp"), "eval", "len")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "<function>"


def test_exec_after_submit_only_program_that_keeps_printing(board, link):
    # The submitted program never stops printing: the next exec must interrupt it, not wait
    # behind its output for a raw-REPL banner.
    ticker = "import time\nfor i in range(10000):\n    print('tick', i)\n    time.sleep(0.05)"
    r = run(*board.conn_args(link), "exec", "-t", "0", ticker, "--", "exec", "print('second')",
            timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split()[-1] == "second"
