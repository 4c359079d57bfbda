"""monitor and repl against the virtual board: ends of a monitor (program end, Ctrl-C, lost
link), and repl through a real pseudo-terminal."""
import os
import pty
import select
import signal
import subprocess
import termios
import time

from conftest import MPYTOOL, run

PROGRAM = "import time\nfor i in range(3):\n    print('line', i)\n    time.sleep(0.1)\n"
TICKER = "import time\nfor i in range(1000):\n    print('tick', i)\n    time.sleep(0.1)\n"


def start(*args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.Popen([MPYTOOL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)


def test_monitor_ends_with_submitted_program(board, link):
    # exec -t 0 leaves the program running inside the raw REPL; its end is framed
    # `\x04...\x04>`, which monitor must recognise, strip, and stop at.
    r = run(*board.conn_args(link), "exec", "-t", "0", PROGRAM, "--", "monitor",
            "--", "exec", "print('next')", timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"line 0\r\nline 1\r\nline 2\r\nnext\r\n"
    assert b"MONITOR (until program ends, -f to follow)" in r.stderr


def test_monitor_shows_traceback_of_submitted_program(board):
    r = run(*board.conn_args("tcp"), "exec", "-t", "0", "print('x')\n1/0", "--", "monitor",
            timeout=30)
    assert r.returncode == 0, r.stderr
    assert b"\x04" not in r.stdout
    assert r.stdout.startswith(b"x\r\n")
    assert b"ZeroDivisionError" in r.stdout


def test_monitor_ends_at_friendly_prompt_after_soft_reset(board):
    # After a soft reset the board boots to `>>> `: the Python mpytool's own end marker.
    r = run(*board.conn_args("tcp"), "reset", "--", "monitor", timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith(b">>> ")
    assert b"MicroPython" in r.stdout


def test_monitor_follow_ends_quietly_on_ctrl_c(board, link):
    p = start(*board.conn_args(link), "exec", "-t", "0", TICKER, "--", "monitor", "-f",
              "--", "exec", "print('after')")
    try:
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    assert b"MONITOR (Ctrl+C to stop)" in err
    assert b"Interrupted" not in err
    assert out.startswith(b"tick 0\r\ntick 1\r\n")
    # The chain goes on after the monitor ended.
    assert out.endswith(b"after\r\n")


def test_monitor_lost_connection_is_logged_exit_0(make_board):
    b = make_board()
    p = start(*b.conn_args("tcp"), "exec", "-t", "0", TICKER, "--", "monitor", "-f")
    try:
        time.sleep(1.0)
        b.stop()
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, err
    assert b"tick 0" in out
    assert b"closed" in err.lower() or b"lost" in err.lower(), err


def test_monitor_help():
    r = run("monitor", "--help")
    assert r.returncode == 0
    assert b"Monitor device output until program ends." in r.stdout
    assert b"--follow" in r.stdout


def test_repl_help():
    r = run("repl", "--help")
    assert r.returncode == 0
    assert b"Interactive REPL session. Press Ctrl-] to exit." in r.stdout


def test_repl_without_tty_returns_0(board):
    r = run(*board.conn_args("tcp"), "repl", input=b"print(1)\n")
    assert r.returncode == 0, r.stderr
    assert b"REPL requires interactive terminal" in r.stderr
    assert r.stdout == b""


class PtySession:
    """mpytool with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, *args):
        env = dict(os.environ, NO_COLOR="1")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            os.execve(MPYTOOL, [MPYTOOL, *args], env)
        self.buf = b""

    def read_until(self, marker, timeout=10):
        deadline = time.time() + timeout
        while marker not in self.buf and time.time() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            self.buf += data
        return marker in self.buf

    def write(self, data):
        os.write(self.fd, data)

    def wait(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.read_until(b"\0never\0", timeout=0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"mpytool did not exit; output {self.buf!r}")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def test_repl_through_pty(board, link):
    s = PtySession(*board.conn_args(link), "repl")
    try:
        assert s.read_until(b"REPL (Ctrl+] to exit)"), s.buf
        # The terminal is in raw mode while the session runs.
        time.sleep(0.3)
        assert not termios.tcgetattr(s.fd)[3] & termios.ECHO
        s.write(b"\r")
        assert s.read_until(b">>> "), s.buf
        s.write(b"print(6*7)\r")
        assert s.read_until(b"42\r\n"), s.buf
        # Ctrl-C goes to the board (a KeyboardInterrupt at the prompt), not to mpytool.
        s.write(b"\x03")
        time.sleep(0.3)
        s.write(b"print('still here')\r")
        assert s.read_until(b"still here\r\n"), s.buf
        mark = len(s.buf)
        s.write(b"\x1d")
        assert s.wait() == 0, s.buf
        assert s.buf[mark:].endswith(b"\r\n"), s.buf
    finally:
        s.close()


def test_repl_after_raw_repl_command_leaves_raw_repl(board):
    # exec leaves the board in the raw REPL; repl must bring it back to `>>> `.
    s = PtySession(*board.conn_args("tcp"), "exec", "x = 5", "--", "repl")
    try:
        assert s.read_until(b"REPL (Ctrl+] to exit)"), s.buf
        # The header comes before the terminal is switched to raw mode: wait for a prompt the
        # board gives to a key sent once the REPL forwards keys (a loaded machine may be slow).
        for _ in range(10):
            mark = len(s.buf)
            s.write(b"\r")
            if s.read_until(b">>> ", timeout=1) and b">>> " in s.buf[mark:]:
                break
        s.write(b"print(x * 2)\r")
        assert s.read_until(b"10\r\n"), s.buf
        s.write(b"\x1d")
        assert s.wait() == 0, s.buf
    finally:
        s.close()


def test_ctrl_c_in_monitor_leaves_the_program_running(make_board):
    # Like the Python mpytool: Ctrl-C stops watching, not the board's program; a second monitor
    # sees it go on.
    b = make_board()

    def watch(*first):
        p = start(*b.conn_args("tcp"), *first, "monitor", "-f")
        time.sleep(1.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        return [int(w) for w in out.split()[1::2]]

    first = watch("exec", "-t", "0", TICKER, "--")
    assert first[:2] == [0, 1]
    later = watch()
    assert later and later[0] > first[-1]


def test_repl_run_inject_and_capture(board, tmp_path):
    script = tmp_path / "setup.py"
    script.write_text("answer = 6 * 7\nprint('setup done')\n")
    paste = tmp_path / "paste.py"
    paste.write_text("def twice(x):\n    return 2 * x\n")
    cap = tmp_path / "capture.txt"
    s = PtySession(*board.conn_args("tcp"), "repl", "--run", str(script), "--inject", str(paste),
                   "--capture", str(cap))
    try:
        assert s.read_until(b"setup done"), s.buf
        s.write(b"\r")
        assert s.read_until(b">>> "), s.buf
        # The script's globals and the pasted function are there.
        s.write(b"print(answer, twice(answer))\r")
        assert s.read_until(b"42 84\r\n"), s.buf
        s.write(b"\x1d")
        assert s.wait() == 0, s.buf
    finally:
        s.close()
    captured = cap.read_bytes()
    assert b"setup done" in captured and b"42 84" in captured
    # A missing file is an error before anything reaches the board.
    s = PtySession(*board.conn_args("tcp"), "repl", "--run", str(tmp_path / "nope.py"))
    try:
        assert s.wait() != 0
        assert b"nope.py" in s.buf, s.buf
    finally:
        s.close()
