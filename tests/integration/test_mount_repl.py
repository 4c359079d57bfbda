"""mount -- repl driven through a pseudo-terminal, as a user types: imports from the mount, a
Ctrl-D soft reboot that brings the prompt back with the mount, CWD and sys.path in place, an
edited file seen after the reboot, and a clean board after Ctrl-]."""
import os
import pty
import select
import time

from conftest import MPYTOOL, run


class Terminal:
    """mpytool running on the slave side of a pty; keys go in, the screen comes out."""

    def __init__(self, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["NO_COLOR"] = "1"
            os.execv(MPYTOOL, [MPYTOOL, *args])
        self.screen = b""

    def expect(self, text, timeout=20):
        """Waits until `text` appears after what was consumed so far; returns what came."""
        deadline = time.time() + timeout
        while text not in self.screen:
            left = deadline - time.time()
            assert left > 0, "timed out waiting for %r; screen: %r" % (text, self.screen[-400:])
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    self.screen += os.read(self.fd, 4096)
                except OSError:
                    break
        at = self.screen.index(text) + len(text)
        seen, self.screen = self.screen[:at], self.screen[at:]
        return seen

    def type(self, keys):
        os.write(self.fd, keys)

    def close(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            try:
                os.read(self.fd, 4096)
            except OSError:
                pass
            time.sleep(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError("mpytool did not end after Ctrl-]")


def test_soft_reboot_in_repl_remounts(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "greet.py").write_text("print('GREET', 6 * 7)\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.py").write_text("VALUE = 'one'\n")
    t = Terminal("-p", b.pty, "mount", str(tmp_path), "--", "path", "-a", ":/remote/lib",
                 "--", "repl")
    t.expect(b"REPL (Ctrl+] to exit)")
    t.type(b"\r")
    t.expect(b">>> ")
    t.type(b"import greet, helper\r")
    t.expect(b"GREET 42")
    t.expect(b">>> ")
    # The developer edits a file while the board runs, then soft-reboots with Ctrl-D.
    (tmp_path / "lib" / "helper.py").write_text("VALUE = 'two'\n")
    t.type(b"\x04")
    t.expect(b"soft reboot")
    t.expect(b">>> ")
    time.sleep(0.5)  # the remount happens once the prompt is back
    t.type(b"import os, sys; print('CWD', os.getcwd(), '/remote/lib' in sys.path)\r")
    t.expect(b"CWD /remote True")
    t.type(b"import greet, helper; print('VALUE', helper.VALUE)\r")
    t.expect(b"GREET 42")
    t.expect(b"VALUE two")
    t.expect(b">>> ")
    t.type(b"\x1d")
    assert t.close() == 0
    r = run("-p", b.pty, "exec", "import os; print(os.getcwd(), os.listdir('/'))")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"/ ['lib']\r\n", r.stdout


def test_ctrl_c_in_repl_interrupts_a_program_reading_the_mount(make_board, tmp_path):
    b = make_board()
    (tmp_path / "spin.py").write_text(
        "import time\nprint('SPINNING')\nwhile True:\n    open('spin.py').read()\n"
        "    time.sleep(0.01)\n")
    t = Terminal("-p", b.pty, "mount", str(tmp_path), "--", "repl")
    t.expect(b"REPL (Ctrl+] to exit)")
    t.type(b"\r")
    t.expect(b">>> ")
    t.type(b"import spin\r")
    t.expect(b"SPINNING")
    time.sleep(0.5)
    t.type(b"\x03")
    t.expect(b"KeyboardInterrupt")
    t.expect(b">>> ")
    t.type(b"print('still', 'mounted', len(open('spin.py').read()))\r")
    t.expect(b"still mounted")
    t.type(b"\x1d")
    assert t.close() == 0
