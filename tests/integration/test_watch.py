"""`watch LOCAL :DST -- <chain>`: one sync at the start, one per change (an edit, an editor's
save through a temporary file and a rename: one round, not three), the chain after each, and
Ctrl-C ends it with exit 0. The board is free between rounds."""
import os
import select
import signal
import subprocess
import time

from conftest import MPYTOOL, run


class Watch:
    def __init__(self, *args):
        env = dict(os.environ, NO_COLOR="1")
        self.proc = subprocess.Popen([MPYTOOL, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.out = b""

    def rounds(self):
        return self.out.count(b"ROUND")

    def wait_rounds(self, n, timeout=30):
        deadline = time.time() + timeout
        while self.rounds() < n and time.time() < deadline:
            self.read(0.2)
        assert self.rounds() >= n, self.out

    def read(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.05)
            if ready:
                self.out += os.read(self.proc.stdout.fileno(), 65536)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(timeout=20)
        self.out += self.proc.stdout.read()
        return rc, self.proc.stderr.read()


def test_watch_syncs_on_changes_and_runs_the_chain(board, tmp_path):
    src = tmp_path / "app"
    src.mkdir()
    (src / "main.py").write_text("v = 1\n")
    w = Watch("-p", board.pty, "watch", str(src), ":/w", "--debounce", "200", "--",
              "exec", "print('ROUND', open('/w/main.py').read().split()[-1])")
    try:
        w.wait_rounds(1)
        assert b"ROUND 1" in w.out
        time.sleep(0.3)
        (src / "main.py").write_text("v = 2\n")  # an edit
        w.wait_rounds(2)
        assert b"ROUND 2" in w.out
        time.sleep(0.3)
        # An editor's save: swap file, temporary file, rename over the original.
        (src / ".main.py.swp").write_text("swap")
        tmp = src / "main.py.tmp"
        tmp.write_text("v = 3\n")
        os.rename(tmp, src / "main.py")
        (src / ".main.py.swp").unlink()
        w.wait_rounds(3)
        w.read(1.5)
        assert w.rounds() == 3, w.out  # one round for the whole save
        assert b"ROUND 3" in w.out
    finally:
        rc, err = w.stop()
    assert rc == 0, err
    assert b"WATCH" in err
    # The swap file never reached the board; the board is usable after the watch.
    r = run("-p", board.pty, "ls", ":/w")
    assert r.returncode == 0 and b"main.py" in r.stdout and b"swp" not in r.stdout


def test_watch_usage(board, tmp_path):
    r = run("-p", board.pty, "watch", str(tmp_path / "missing"), ":/w")
    assert r.returncode == 2 and b"is not a local directory" in r.stderr
    r = run("-p", board.pty, "watch", str(tmp_path))
    assert r.returncode == 2


def test_watch_walks_links_as_sync_does(board, tmp_path):
    # A link to a directory outside the source: skipped with a warning (each round's sync says
    # so) and not watched; with --follow-links uploaded and watched (a change behind it is a
    # round).
    src = tmp_path / "app"
    src.mkdir()
    (src / "main.py").write_text("v = 1\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "u.py").write_text("u = 1\n")
    os.symlink("../shared", src / "shared")
    w = Watch("-p", board.pty, "watch", str(src), ":/wl", "--debounce", "200", "--",
              "exec", "import os; print('ROUND', os.listdir('/wl'))")
    try:
        w.wait_rounds(1)
        assert b"ROUND ['main.py']" in w.out
    finally:
        rc, err = w.stop()
    assert rc == 0, err
    assert b"skipping '%s'" % bytes(src / "shared") in err
    w = Watch("-p", board.pty, "watch", str(src), ":/wl", "--follow-links", "--debounce", "200",
              "--", "exec", "print('ROUND', open('/wl/shared/u.py').read().split()[-1])")
    try:
        w.wait_rounds(1)
        assert b"ROUND 1" in w.out
        time.sleep(0.3)
        (shared / "u.py").write_text("u = 2\n")  # a change behind the link
        w.wait_rounds(2)
        assert b"ROUND 2" in w.out
    finally:
        rc, err = w.stop()
    assert rc == 0, err
    assert b"skipping" not in err
