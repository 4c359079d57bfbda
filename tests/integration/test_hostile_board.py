"""A board that lies about its file names (issue 19): the virtual board runs whatever Python it is
sent, so the test replaces its `os` module (in sys.modules, where every `import os` of the
tool's helpers and agent finds it) by one whose directory listings hold names that are not file
names: `../x`, an absolute path, `a/../../x`, `..`, `.`, an empty name, a name with NUL, a
directory named `bad/dir`, and a real file whose name carries a terminal escape sequence.

Downloads (`cp :dir/ dest/`, `cp :dir dest/`), `sync --delete` and `rm :dir/` must never create,
change or delete anything outside the directory the user named: each refused name is one line
on stderr, the good files arrive, and the command fails at the end (exit 4). `ls`, `tree` and
`cp -v` show the escape sequence escaped: no raw ESC byte reaches the terminal. (`flash read`
writes only the file the user names: no local path comes from the board.)"""
import json
import os
import subprocess

import pytest

from conftest import MPYTOOL, Board

MPYTOOL_ABS = os.path.abspath(MPYTOOL) if os.sep in MPYTOOL else MPYTOOL
EXIT_DEVICE = 4
ESC_NAME = "\x1b[2Jesc.txt"

# Installs the lying `os` on the board: a copy of the real module whose ilistdir (and listdir)
# answer LIES[path] for the listed directories and pass everything else on. The fake stays in
# sys.modules for the life of the board's interpreter (no soft reset between commands).
LIAR = r"""
import sys
_r = sys.modules.get('_real_os')
if _r is None:
    import os as _r
    sys.modules['_real_os'] = _r
class _LyingOs:
    pass
_o = _LyingOs()
for _n in dir(_r):
    if not _n.startswith('__'):
        setattr(_o, _n, getattr(_r, _n))
LIES = %r
def _ilistdir(p='.'):
    k = p.rstrip('/') or '/'
    if k in LIES:
        return iter([tuple(e) for e in LIES[k]])
    return _r.ilistdir(p)
def _listdir(p='.'):
    return [e[0] for e in _ilistdir(p)]
_o.ilistdir = _ilistdir
_o.listdir = _listdir
sys.modules['os'] = _o
print('lying')
"""

HONEST = """
import sys
if '_real_os' in sys.modules:
    sys.modules['os'] = sys.modules['_real_os']
print('honest')
"""

F, D = 0x8000, 0x4000


TIME = "/usr/bin/time"
# The tool's peak memory while a lying board is copied from (its baseline is about 10 MB).
PEAK_RSS_BOUND_KB = 64 * 1024


def mt(board, *args, cwd=None, timeout=120, rss_file=None):
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    argv = [MPYTOOL_ABS, "-a", board.tcp, *args]
    if rss_file is not None:
        argv = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    return subprocess.run(argv, capture_output=True, cwd=cwd, env=env, timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def board_exec(board, code):
    return ok(mt(board, "-q", "exec", code)).stdout.decode()


def lie(board, lies):
    assert "lying" in board_exec(board, LIAR % (lies,))


def honest(board):
    assert "honest" in board_exec(board, HONEST)


def board_state(board):
    """{path: content (files) or None (directories)} of the whole board file system, read with
    the real `os` whatever the tool's view is."""
    code = r"""
import sys
_ro = sys.modules.get('_real_os') or __import__('os')
def _w(p, o):
    for e in _ro.ilistdir(p):
        q = (p if p != '/' else '') + '/' + e[0]
        if e[1] & 0xF000 == 0x4000:
            o[q] = None
            _w(q, o)
        else:
            with open(q, 'rb') as f:
                o[q] = f.read()
_s = {}
_w('/', _s)
print(repr(_s))
"""
    import ast
    return ast.literal_eval(board_exec(board, code).strip())


def local_state(root):
    """{relative path: (kind, size, mtime_ns, content)} of everything below root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.isdir(p) and not os.path.islink(p):
                out[rel] = ("dir", 0, 0, None)
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", st.st_size, st.st_mtime_ns, f.read())
    return out


def outside(state, inside):
    return {k: v for k, v in state.items() if k != inside and not k.startswith(inside + os.sep)}


def refusals(stderr):
    return [line for line in stderr.decode(errors="replace").splitlines()
            if "refused board name" in line]


@pytest.fixture(scope="module")
def board():
    b = Board()
    try:
        # The real files the lies point at: /x (for '../x' and 'a/../../x' from /evil) and
        # the good files. The escape-sequence name is a real file: a legal name.
        board_exec(b, """
import os
for d in ('/evil', '/evil/sub', '/evil/a', '/app', '/app/old', '/app/stale'):
    os.mkdir(d)
for p, c in (('/x', 'X' * 7), ('/evil/good.txt', 'good!'), ('/evil/%s', 'esc'),
             ('/evil/sub/in.txt', 'in'), ('/keep.py', 'keep'), ('/app/main.py', 'old main'),
             ('/app/old/o.py', 'o'), ('/app/stale/s.py', 's')):
    with open(p, 'w') as f:
        f.write(c)
print('ready')
""" % ESC_NAME)
        yield b
    finally:
        b.stop()


def evil_lies(abs_target):
    """The listings of /evil: a few real entries among names that lead elsewhere."""
    return {
        "/evil": [
            ("good.txt", F, 0, 5),
            ("../x", F, 0, 7),
            (abs_target, F, 0, 7),
            ("a/../../x", F, 0, 7),
            ("..", D, 0, 0),
            (".", D, 0, 0),
            ("", F, 0, 7),
            ("a\x00b", F, 0, 7),
            (ESC_NAME, F, 0, 3),
            ("sub", D, 0, 0),
            ("bad/dir", D, 0, 0),
        ],
        "/evil/sub": [("in.txt", F, 0, 2), ("../../deep", F, 0, 7)],
        "/evil/bad/dir": [("pwn.txt", F, 0, 7)],
    }


BAD_NAMES = 9  # 8 in /evil, 1 in /evil/sub


@pytest.fixture
def liar(board, tmp_path):
    lie(board, evil_lies(str(tmp_path / "abs-target.txt")))
    yield board
    honest(board)


def test_download_stays_in_destination(liar, tmp_path):
    # Something to overwrite if a name led there: the parent of dest and an absolute target.
    (tmp_path / "x").write_bytes(b"mine")
    (tmp_path / "abs-target.txt").write_bytes(b"mine too")
    before = local_state(tmp_path)
    board_before = board_state(liar)

    measured = os.access(TIME, os.X_OK)
    rss = tmp_path.parent / (tmp_path.name + ".rss")
    r = mt(liar, "-v", "cp", ":/evil/", "dest/", cwd=tmp_path, rss_file=rss if measured else None)
    assert r.returncode == EXIT_DEVICE, (r.stdout, r.stderr)
    if measured:
        peak_kb = int(rss.read_text().split()[-1])
        rss.unlink()
        assert peak_kb < PEAK_RSS_BOUND_KB, peak_kb
    after = local_state(tmp_path)
    assert outside(after, "dest") == outside(before, "dest")
    # The good files arrived, the escape-sequence name too (it is a legal name).
    dest = tmp_path / "dest"
    got = {k: v[3] for k, v in local_state(dest).items()}
    assert got == {"good.txt": b"good!", ESC_NAME: b"esc", "sub": None, "sub/in.txt": b"in"}
    # One line per refused name, and the final error.
    lines = refusals(r.stderr)
    assert len(lines) == BAD_NAMES, r.stderr
    assert "mpytool: warning: refused board name '../x' in ':/evil' (contains '/')" in lines
    assert "mpytool: warning: refused board name '..' in ':/evil' (not a file name)" in lines
    assert "mpytool: warning: refused board name '' in ':/evil' (empty name)" in lines
    assert "mpytool: warning: refused board name 'a\\x00b' in ':/evil' (contains NUL)" in lines
    assert ("mpytool: warning: refused board name '../../deep' in ':/evil/sub' (contains '/')"
            in lines)
    assert b"9 names listed by the board were refused" in r.stderr
    # Nothing raw reached the terminal; the name shows escaped.
    for stream in (r.stdout, r.stderr):
        assert b"\x1b" not in stream and b"\x00" not in stream
    assert b"\\x1b[2Jesc.txt" in r.stderr
    # The board was only read.
    assert board_state(liar) == board_before

    # A second run: the good files are unchanged, the refusals are the same.
    r = mt(liar, "cp", ":/evil/", "dest/", cwd=tmp_path)
    assert r.returncode == EXIT_DEVICE
    assert len(refusals(r.stderr)) == BAD_NAMES
    assert outside(local_state(tmp_path), "dest") == outside(before, "dest")


def test_download_of_the_directory_itself_and_json(liar, tmp_path):
    (tmp_path / "out").mkdir()
    before = local_state(tmp_path)
    r = mt(liar, "cp", "--json", ":/evil", "out/", cwd=tmp_path)
    assert r.returncode == EXIT_DEVICE, (r.stdout, r.stderr)
    assert outside(local_state(tmp_path), "out") == outside(before, "out")
    assert sorted(os.listdir(tmp_path / "out" / "evil")) == sorted([ESC_NAME, "good.txt", "sub"])
    summary = json.loads(r.stdout)
    assert summary["transferred"] == 3
    refused = summary["refused"]
    assert len(refused) == BAD_NAMES
    assert {"dir": ":/evil", "name": "a\x00b"} in refused
    assert {"dir": ":/evil", "name": str(tmp_path / "abs-target.txt")} in refused
    assert len(refusals(r.stderr)) == BAD_NAMES


def test_listings_show_names_escaped(liar, tmp_path):
    for args in (("ls", ":/evil"), ("tree", ":/evil"), ("-q", "ls", ":/evil")):
        r = ok(mt(liar, *args))
        for stream in (r.stdout, r.stderr):
            assert b"\x1b" not in stream and b"\x00" not in stream, args
        assert b"\\x1b[2Jesc.txt" in r.stdout, args
        assert b"a\\x00b" in r.stdout, args
    # --json keeps the exact names (JSON-escaped).
    names = [e["name"] for e in json.loads(ok(mt(liar, "ls", "--json", ":/evil")).stdout)]
    assert ESC_NAME in names and "a\x00b" in names and "../x" in names
    # Shell completion gets plain names only.
    r = ok(mt(liar, "_paths", ":/evil"))
    assert sorted(r.stdout.decode().split("\n")) == ["", "good.txt", "sub/"]


def test_sync_delete_never_leaves_dst(board, tmp_path):
    # /app on the board: main.py, old/o.py, stale/s.py; the listing adds names that point at
    # /keep.py, at the root and at /evil.
    lie(board, {
        "/app": [("main.py", F, 0, 8), ("old", D, 0, 0), ("stale", D, 0, 0), ("../keep.py", F, 0, 4),
                 ("..", D, 0, 0), ("../evil", D, 0, 0), ("/keep.py", F, 0, 4)],
        "/app/old": [("o.py", F, 0, 1), ("../../keep.py", F, 0, 4)],
    })
    try:
        src = tmp_path / "src"
        src.mkdir()
        (src / "main.py").write_text("new main")
        before = board_state(board)
        local_before = local_state(tmp_path)
        # --dry-run changes nothing, and --json names the refusals too.
        r = mt(board, "sync", str(src), ":/app", "--delete", "--dry-run", "--json")
        assert r.returncode == EXIT_DEVICE, (r.stdout, r.stderr)
        plan = json.loads(r.stdout)
        assert {"dir": ":/app", "name": ".."} in plan["refused"]
        assert len(plan["refused"]) == 5
        assert sorted(p["path"] for p in plan["plan"] if p["op"] == "delete") == \
            ["old/o.py", "stale/", "stale/s.py"]
        assert board_state(board) == before
        r = mt(board, "sync", str(src), ":/app", "--delete", "--force", cwd=tmp_path)
        assert r.returncode == EXIT_DEVICE, (r.stdout, r.stderr)
        assert len(refusals(r.stderr)) == 5, r.stderr
        assert b"sync: 5 names listed by the board under :/app were refused" in r.stderr
        after = board_state(board)
        # Outside /app nothing changed; inside, main.py was updated, stale/ went, and old/
        # (whose listing held a refused name) kept its directory.
        assert {k: v for k, v in after.items() if not k.startswith("/app")} == \
            {k: v for k, v in before.items() if not k.startswith("/app")}
        app = {k: v for k, v in after.items() if k.startswith("/app")}
        assert app == {"/app": None, "/app/main.py": b"new main", "/app/old": None}
        assert local_state(tmp_path) == local_before
        for stream in (r.stdout, r.stderr):
            assert b"\x1b" not in stream
    finally:
        honest(board)


def test_rm_contents_never_leaves_the_directory(board):
    board_exec(board, """
import os
os.mkdir('/junk')
for n in ('a.txt', 'b.txt'):
    with open('/junk/' + n, 'w') as f:
        f.write(n)
print('ok')
""")
    lie(board, {"/junk": [("a.txt", F, 0, 5), ("..", D, 0, 0), ("../keep.py", F, 0, 4),
                          ("b.txt", F, 0, 5)]})
    try:
        before = board_state(board)
        r = mt(board, "rm", ":/junk/")
        assert r.returncode == EXIT_DEVICE, (r.stdout, r.stderr)
        assert len(refusals(r.stderr)) == 2
        after = board_state(board)
        assert {k for k in before if k not in after} == {"/junk/a.txt", "/junk/b.txt"}
        assert all(after[k] == before[k] for k in after)
    finally:
        honest(board)
