"""--transfer webrepl: files through the board's own WA/WB protocol over -a ws:// (the virtual
board's --webrepl endpoint): a tree both ways, the check after every upload, the protocol's
limits, and a clear error on a link that is not WebREPL."""
import hashlib
import os
import subprocess

import pytest

from conftest import MPYTOOL

MPYTOOL_ABS = os.path.abspath(MPYTOOL) if os.sep in MPYTOOL else MPYTOOL
PASSWORD = "letmein"


def mt(board, *args, link="ws", cwd=None, timeout=120):
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env["MPYTOOL_PASSWORD"] = PASSWORD
    conn = ["-a", f"ws://{board.webrepl}"] if link == "ws" else ["-a", board.tcp]
    return subprocess.run([MPYTOOL_ABS, *conn, *args], capture_output=True, cwd=cwd, env=env,
                          timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def sha(data):
    return hashlib.sha256(data).hexdigest()


def local_tree(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            out[os.path.relpath(p, root)] = sha(open(p, "rb").read())
    return out


def board_tree(board, root):
    code = ("import os, hashlib, binascii\n"
            "def w(d, p=''):\n"
            " for n in os.listdir(d):\n"
            "  f = d + '/' + n\n"
            "  if os.stat(f)[0] & 0x4000:\n"
            "   w(f, p + n + '/')\n"
            "  else:\n"
            "   print(p + n, binascii.hexlify(hashlib.sha256(open(f, 'rb').read()).digest())"
            ".decode())\n"
            f"w('{root}')\n")
    out = ok(mt(board, "-q", "exec", code, link="tcp")).stdout.decode()
    return dict(line.split() for line in out.splitlines() if line.strip())


@pytest.fixture
def wsboard(make_board):
    return make_board("--webrepl", "0", "--webrepl-password", PASSWORD)


def make_project(tmp_path):
    proj = tmp_path / "proj"
    (proj / "lib" / "pkg").mkdir(parents=True)
    files = {
        "main.py": b"print('main')\n" * 40,
        "lib/util.py": b"def f():\n    return 42\n" * 300,
        "lib/pkg/__init__.py": b"",
        "lib/pkg/data.bin": bytes(range(256)) * 41 + b"x",  # 10497 bytes: not a 512 multiple
    }
    for rel, data in files.items():
        (proj / rel).write_bytes(data)
    return {rel: sha(data) for rel, data in files.items()}


def test_tree_both_ways(wsboard, tmp_path):
    tree = make_project(tmp_path)
    ok(mt(wsboard, "--transfer", "webrepl", "cp", "proj/", ":/app/", cwd=tmp_path))
    assert board_tree(wsboard, "/app") == tree
    ok(mt(wsboard, "--transfer", "webrepl", "cp", ":/app/", "back/", cwd=tmp_path))
    assert local_tree(tmp_path / "back") == tree


def test_needs_a_webrepl_link(wsboard, tmp_path):
    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    r = mt(wsboard, "--transfer", "webrepl", "cp", "a.py", ":/", link="tcp", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert b"--transfer webrepl needs a WebREPL link" in r.stderr, r.stderr


def test_name_too_long(wsboard, tmp_path):
    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    deep = "/" + "/".join(["d" * 20] * 3) + "/"
    ok(mt(wsboard, "mkdir", ":" + deep.rstrip("/")))
    r = mt(wsboard, "--transfer", "webrepl", "cp", "a.py", ":" + deep, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert b"WebREPL file protocol" in r.stderr, r.stderr


def test_full_filesystem_is_reported(make_board, tmp_path):
    b = make_board("--webrepl", "0", "--webrepl-password", PASSWORD, "--fs-size", "65536")
    (tmp_path / "big.bin").write_bytes(os.urandom(100000))
    r = mt(b, "--transfer", "webrepl", "cp", "big.bin", ":/", cwd=tmp_path)
    assert r.returncode != 0, (r.stdout, r.stderr)
    assert b"cannot write ':/big.bin'" in r.stderr, r.stderr
    # Neither the file nor its temporary name is left behind.
    out = ok(mt(b, "-q", "exec", "import os; print(sorted(os.listdir('/')))", link="tcp"))
    assert out.stdout.decode().strip() == "['lib']", out.stdout
