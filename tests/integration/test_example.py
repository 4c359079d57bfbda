"""The C++ Quick Start example (examples/quickstart.cpp) against the virtual board."""
import subprocess

from conftest import EXAMPLE


def test_quickstart_example(board, link):
    target = board.pty if link == "pty" else board.tcp
    r = subprocess.run([EXAMPLE, target], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "platform: webassembly" in out or "platform: " in out
    assert "cwd: /" in out
    assert "exec: hello from the board" in out
    assert "eval: [2, 'two', {'three': 3.0}]" in out
    assert "memory: " in out
    assert "put: 33 bytes" in out
    assert "ls: hello.py 33" in out
    assert "get: same" in out
