"""`--timeout S`: the global bound on the whole run and the per-command bound every board
command takes. Passing one interrupts the board as Ctrl-C does and exits 5 (the timeout code)
with the bound named; the board stays usable. `-t` keeps the Python mpytool's meaning on
exec/run."""
import time

from conftest import run

LOOP = "import time\nwhile True:\n    time.sleep(0.05)\n"


def test_global_timeout_ends_a_run_that_would_not_end(board):
    start = time.monotonic()
    r = run("--timeout", "2", "-p", board.pty, "exec", "-t", "0", LOOP, "--", "monitor",
            timeout=30)
    elapsed = time.monotonic() - start
    assert r.returncode == 5, (r.returncode, r.stderr)
    assert b"mpytool: error: the run timed out after 2 s (--timeout)" in r.stderr
    assert elapsed < 20, elapsed  # a generous bound: it ended on the deadline, not the test's
    # The interrupt stopped the program: the board answers the next command.
    r = run("-p", board.pty, "exec", "print(6*7)")
    assert r.returncode == 0 and r.stdout.decode().strip() == "42", r.stderr


def test_command_timeout_bounds_one_step(board):
    r = run("-p", board.pty, "exec", "print('before')", "--", "monitor", "--timeout", "1",
            timeout=30)
    assert r.returncode == 5, (r.returncode, r.stderr)
    assert b"'monitor' timed out after 1 s (--timeout)" in r.stderr
    assert b"before" in r.stdout
    # A bound that is not reached changes nothing.
    r = run("-p", board.pty, "ls", ":/", "--timeout", "30")
    assert r.returncode == 0, r.stderr


def test_exec_keeps_its_python_mpytool_t_and_takes_the_global_bound(board):
    # exec's -t/--timeout is the Python mpytool's (the wait for the program's end): its own error.
    r = run("-p", board.pty, "exec", "-t", "1", LOOP, timeout=30)
    assert r.returncode == 5, r.stderr
    assert b"(--timeout)" not in r.stderr
    r = run("--timeout", "30", "-p", board.pty, "exec", "print(1+1)")
    assert r.returncode == 0 and r.stdout.decode().strip() == "2", r.stderr


def test_bad_values_are_usage_errors(board):
    for value in ("soon", "-3", "0"):
        r = run("--timeout", value, "-p", board.pty, "ls")
        assert r.returncode == 2, (value, r.returncode, r.stderr)
        assert b"--timeout" in r.stderr
    r = run("-p", board.pty, "ls", "--timeout", "x")
    assert r.returncode == 2 and b"--timeout" in r.stderr


def test_help_lists_the_option():
    r = run("help", "ls")
    assert r.returncode == 0 and b"--timeout" in r.stdout
