"""cp against the virtual board (docs/compatibility.md, "cp"): the upload and download path tables
over the pty and TCP, awkward names, binary and empty files, empty directories, excludes, the
unchanged check and -f, compression, the text transfer path, -m with mpy-cross, the progress and
summary lines and --json. Board contents are checked by hashing on the board or by downloading
back."""
import ast
import hashlib
import itertools
import json
import os
import pty
import re
import select
import subprocess

import pytest

from conftest import MPYTOOL, Board

MPYTOOL_ABS = os.path.abspath(MPYTOOL) if os.sep in MPYTOOL else MPYTOOL
MPY_CROSS = os.path.join(os.path.dirname(__file__), "..", "tools", "mpy-cross", "mpy-cross")
MULTIPLE = "multiple sources or directory contents require destination directory (ending with /)"
EXIT_USAGE = 2
_dirs = itertools.count()

# Level-1 line of a completed file and the summary line (not a terminal: nothing else).
DONE_RE = re.compile(r"^ +\d+(\.\d+)?[BKMGT] (.+) -> (.+)$")
SUMMARY_RE = re.compile(
    r"^ \d+(\.\d+)?[BKMGT]  \d+(\.\d+)?[BKMGT]/s  \d+\.\ds(  speedup \d+\.\dx)?"
    r"  \((\d+ files?|\d+ transferred, \d+ unchanged)\)$")


def mt(board, link, *args, cwd=None, env=None, timeout=120):
    """Runs mpytool on the board; returns CompletedProcess with bytes output."""
    full_env = dict(os.environ)
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run([MPYTOOL_ABS, *board.conn_args(link), *args], capture_output=True,
                          cwd=cwd, env=full_env, timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def board_exec(board, code):
    return ok(mt(board, "tcp", "-q", "exec", code)).stdout.decode("utf-8")


WALK = """
import os, hashlib, binascii
def _t_walk(p, o):
    for e in os.ilistdir(p):
        q = p + '/' + e[0]
        if e[1] == 0x4000:
            o.append((q, -1, ''))
            _t_walk(q, o)
        else:
            h = hashlib.sha256()
            f = open(q, 'rb')
            while True:
                b = f.read(1024)
                if not b:
                    break
                h.update(b)
            f.close()
            o.append((q, os.stat(q)[6], binascii.hexlify(h.digest()).decode()))
_t_o = []
_t_walk(%r, _t_o)
print(repr(_t_o))
"""


def board_tree(board, root):
    """{relative path: sha256 hex (files) or None (directories)} under a board directory."""
    out = board_exec(board, WALK % root.rstrip("/"))
    entries = ast.literal_eval(out.strip())
    prefix = root.rstrip("/") + "/"
    return {q[len(prefix):]: (None if size < 0 else sha) for q, size, sha in entries}


def local_tree(root):
    """The same for a local directory."""
    result = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            result[os.path.normpath(os.path.join(rel, d))] = None
        for f in filenames:
            with open(os.path.join(dirpath, f), "rb") as fh:
                result[os.path.normpath(os.path.join(rel, f))] = hashlib.sha256(
                    fh.read()).hexdigest()
    return result


def sha(data):
    return hashlib.sha256(data).hexdigest()


def board_write(board, path, data):
    """Creates a board file with exact bytes (setup for downloads, not through cp)."""
    board_exec(board, "f = open(%r, 'wb')\nf.write(%r)\nf.close()" % (path, data))


def board_mkdir(board, path):
    board_exec(board, "import os\ntry:\n os.mkdir(%r)\nexcept OSError:\n pass" % path)


RMTREE = """
import os
def _t_rm(p):
    for e in os.ilistdir(p):
        q = p + '/' + e[0]
        if e[1] == 0x4000:
            _t_rm(q)
        else:
            os.remove(q)
    os.rmdir(p)
os.chdir('/')
_t_rm(%r)
"""


@pytest.fixture(scope="module")
def board():
    """A board with room for all files of this module's tests."""
    b = Board("--fs-size", str(16 * 1024 * 1024))
    yield b
    b.stop()


@pytest.fixture
def root(board):
    """A fresh, empty board directory for one test, removed afterwards."""
    path = "/cp%d" % next(_dirs)
    board_mkdir(board, path)
    yield path
    board_exec(board, RMTREE % path)


def make_project(base):
    """A small local tree: files at two levels, a binary, an empty file, an empty dir."""
    (base / "proj" / "lib" / "sub").mkdir(parents=True)
    (base / "proj" / "empty").mkdir()
    (base / "proj" / "main.py").write_text("print('main')\n")
    (base / "proj" / "lib" / "util.py").write_text("def f():\n    return 1\n" * 20)
    (base / "proj" / "lib" / "sub" / "data.bin").write_bytes(bytes(range(256)) * 3)
    (base / "proj" / "lib" / "zero.txt").write_bytes(b"")
    return {
        "main.py": sha(b"print('main')\n"),
        "lib": None,
        "lib/util.py": sha(b"def f():\n    return 1\n" * 20),
        "lib/sub": None,
        "lib/sub/data.bin": sha(bytes(range(256)) * 3),
        "lib/zero.txt": sha(b""),
        "empty": None,
    }


def under(prefix, tree):
    return {prefix + "/" + k: v for k, v in tree.items()}


def cp_in(board, link, cwd_on_board, *args, cwd=None, env=None):
    """cp with the board's CWD set first (cd in the same chain)."""
    return mt(board, link, "cd", ":" + cwd_on_board, "--", "cp", *args, cwd=cwd, env=env)


# ------------------------------------------------------------------------------------------
# Upload table (docs/compatibility.md, "cp")


def test_upload_dir_to_cwd(board, link, root, tmp_path):
    tree = make_project(tmp_path)
    ok(cp_in(board, link, root, "proj", ":", cwd=tmp_path))
    assert board_tree(board, root) == {"proj": None, **under("proj", tree)}


def test_upload_dir_to_root(board, link, tmp_path):
    name = "cproot_%s" % link
    tree = make_project(tmp_path)
    os.rename(tmp_path / "proj", tmp_path / name)
    ok(mt(board, link, "cp", name, ":/", cwd=tmp_path))
    assert board_tree(board, "/" + name) == tree


def test_upload_dir_renamed(board, link, root, tmp_path):
    tree = make_project(tmp_path)
    ok(cp_in(board, link, root, "proj", ":folder", cwd=tmp_path))
    assert board_tree(board, root) == {"folder": None, **under("folder", tree)}


def test_upload_dir_into_dir(board, link, root, tmp_path):
    tree = make_project(tmp_path)
    ok(mt(board, link, "cp", "proj", ":%s/folder/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"folder": None, "folder/proj": None,
                                       **under("folder/proj", tree)}


def test_upload_contents_to_cwd(board, link, root, tmp_path):
    tree = make_project(tmp_path)
    ok(cp_in(board, link, root, "proj/", ":", cwd=tmp_path))
    assert board_tree(board, root) == tree


def test_upload_contents_into_dir(board, link, root, tmp_path):
    tree = make_project(tmp_path)
    ok(mt(board, link, "cp", "proj/", ":%s/folder/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"folder": None, **under("folder", tree)}


def test_upload_contents_to_non_dir_is_an_error(board, root, tmp_path):
    make_project(tmp_path)
    r = mt(board, "tcp", "cp", "proj/", ":%s/folder" % root, cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert MULTIPLE in r.stderr.decode()
    assert board_tree(board, root) == {}


def test_upload_file_to_cwd(board, link, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    ok(cp_in(board, link, root, "f.py", ":", cwd=tmp_path))
    assert board_tree(board, root) == {"f.py": sha(b"x = 1\n")}


def test_upload_file_renamed(board, link, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    ok(cp_in(board, link, root, "f.py", ":x.py", cwd=tmp_path))
    assert board_tree(board, root) == {"x.py": sha(b"x = 1\n")}


def test_upload_file_into_new_dir(board, link, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    ok(mt(board, link, "cp", "f.py", ":%s/folder/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"folder": None, "folder/f.py": sha(b"x = 1\n")}


def test_upload_file_onto_existing_dir_goes_inside(board, link, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    board_mkdir(board, root + "/folder")
    ok(mt(board, link, "cp", "f.py", ":%s/folder" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"folder": None, "folder/f.py": sha(b"x = 1\n")}


def test_upload_file_creates_missing_parents(board, link, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    ok(mt(board, link, "cp", "f.py", ":%s/a/b/c.py" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"a": None, "a/b": None, "a/b/c.py": sha(b"x = 1\n")}


def test_upload_file_under_a_file_is_an_error(board, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    board_write(board, root + "/plain", b"file")
    r = mt(board, "tcp", "cp", "f.py", ":%s/plain/f.py" % root, cwd=tmp_path)
    assert r.returncode != 0
    assert "Error creating file under file: %s/plain" % root in r.stderr.decode()


def test_upload_two_files_to_non_dir_is_an_error(board, root, tmp_path):
    (tmp_path / "a").write_bytes(b"a")
    (tmp_path / "b").write_bytes(b"b")
    r = mt(board, "tcp", "cp", "a", "b", ":%s/folder" % root, cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert MULTIPLE in r.stderr.decode()


def test_upload_two_files_to_root(board, link, tmp_path):
    a, b = "cpa_%s" % link, "cpb_%s" % link
    (tmp_path / a).write_bytes(b"alpha")
    (tmp_path / b).write_bytes(b"beta")
    ok(mt(board, link, "cp", a, b, ":/", cwd=tmp_path))
    out = board_exec(board, "import os\nprint(open('/%s').read(), open('/%s').read())" % (a, b))
    assert out.split() == ["alpha", "beta"]


def test_upload_missing_source(board, tmp_path):
    r = mt(board, "tcp", "cp", "nope.py", ":/", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert "Source not found: nope.py" in r.stderr.decode()


def test_requires_source_and_destination(board, tmp_path):
    r = mt(board, "tcp", "cp", "only", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert "cp requires source and destination" in r.stderr.decode()


def test_local_to_local_is_an_error(board, tmp_path):
    (tmp_path / "a").write_bytes(b"a")
    r = mt(board, "tcp", "cp", "a", "b", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert "local-to-local copy not supported: a" in r.stderr.decode()
    assert not (tmp_path / "b").exists()


# ------------------------------------------------------------------------------------------
# Download table (symmetric to uploads)


@pytest.fixture
def remote_proj(board, root, tmp_path_factory):
    """A board tree root/proj like make_project(), uploaded with cp."""
    base = tmp_path_factory.mktemp("src")
    tree = make_project(base)
    ok(mt(board, "tcp", "cp", str(base / "proj"), ":%s/" % root))
    assert board_tree(board, root + "/proj") == tree
    return root + "/proj", tree


def test_download_dir_into_dir(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":" + src, "out/", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == {"proj": None, **under("proj", tree)}


def test_download_dir_into_existing_dir_without_slash(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    (tmp_path / "out").mkdir()
    ok(mt(board, link, "cp", ":" + src, "out", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == {"proj": None, **under("proj", tree)}


def test_download_contents_into_dir(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":%s/" % src, "out/", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == tree


def test_download_dir_renamed(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":" + src, "newname", cwd=tmp_path))
    assert local_tree(tmp_path / "newname") == tree


def test_download_contents_to_non_dir_is_an_error(board, remote_proj, tmp_path):
    src, _ = remote_proj
    r = mt(board, "tcp", "cp", ":%s/" % src, "newname", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert MULTIPLE in r.stderr.decode()
    assert not (tmp_path / "newname").exists()


def test_download_file(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":%s/lib/util.py" % src, "x.py", cwd=tmp_path))
    assert sha((tmp_path / "x.py").read_bytes()) == tree["lib/util.py"]


def test_download_file_into_dir(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":%s/main.py" % src, "out/", cwd=tmp_path))
    (tmp_path / "existing").mkdir()
    ok(mt(board, link, "cp", ":%s/main.py" % src, "existing", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == {"main.py": tree["main.py"]}
    assert local_tree(tmp_path / "existing") == {"main.py": tree["main.py"]}


def test_download_file_creates_missing_parents(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":%s/main.py" % src, "a/b/m.py", cwd=tmp_path))
    assert sha((tmp_path / "a" / "b" / "m.py").read_bytes()) == tree["main.py"]


def test_download_two_files(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, link, "cp", ":%s/main.py" % src, ":%s/lib/util.py" % src, "out/", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == {"main.py": tree["main.py"],
                                             "util.py": tree["lib/util.py"]}


def test_download_two_files_to_non_dir_is_an_error(board, remote_proj, tmp_path):
    src, _ = remote_proj
    r = mt(board, "tcp", "cp", ":%s/main.py" % src, ":%s/lib/util.py" % src, "out", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert MULTIPLE in r.stderr.decode()


def test_download_missing_source(board, root, tmp_path):
    # A board path that does not exist is exit 4 (README "Exit codes"), a host one 2.
    r = mt(board, "tcp", "cp", ":%s/nope" % root, "out/", cwd=tmp_path)
    assert r.returncode == 4
    assert "Source not found on device: %s/nope" % root in r.stderr.decode()


def test_download_from_board_cwd(board, link, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(cp_in(board, link, src, ":lib", "out/", cwd=tmp_path))
    assert local_tree(tmp_path / "out") == {"lib": None, **under("lib", {
        k[4:]: v for k, v in tree.items() if k.startswith("lib/")})}


def test_download_leaves_no_temporary_files(board, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, "tcp", "cp", ":%s/" % src, "out/", cwd=tmp_path))
    ok(mt(board, "tcp", "-f", "cp", ":%s/" % src, "out/", cwd=tmp_path))
    names = [n for _, _, files in os.walk(tmp_path / "out") for n in files]
    assert not [n for n in names if "mpytmp" in n]
    assert local_tree(tmp_path / "out") == tree


# ------------------------------------------------------------------------------------------
# Board to board


def test_board_to_board_file(board, link, root):
    data = bytes(range(256)) * 10
    board_write(board, root + "/a.bin", data)
    ok(mt(board, link, "cp", ":%s/a.bin" % root, ":%s/b.bin" % root))
    ok(mt(board, link, "cp", ":%s/a.bin" % root, ":%s/dir/" % root))
    assert board_tree(board, root) == {"a.bin": sha(data), "b.bin": sha(data), "dir": None,
                                       "dir/a.bin": sha(data)}
    r = ok(mt(board, link, "cp", ":%s/a.bin" % root, ":%s/b.bin" % root))
    assert "(0 transferred, 1 unchanged)" in r.stderr.decode()


def test_board_to_board_directory_is_an_error(board, root):
    board_mkdir(board, root + "/d")
    r = mt(board, "tcp", "cp", ":%s/d" % root, ":%s/e" % root)
    assert r.returncode == EXIT_USAGE
    assert "Remote-to-remote directory copy not supported" in r.stderr.decode()


def test_mixed_local_and_board_sources(board, root, tmp_path):
    board_write(board, root + "/on_board", b"from the board")
    (tmp_path / "local").write_bytes(b"from the host")
    ok(mt(board, "tcp", "cp", "local", ":%s/on_board" % root, ":%s/dst/" % root, cwd=tmp_path))
    tree = board_tree(board, root)
    assert tree["dst/local"] == sha(b"from the host")
    assert tree["dst/on_board"] == sha(b"from the board")


# ------------------------------------------------------------------------------------------
# Names and contents

ODD_NAMES = ["žluťoučký kůň.py", "with space.txt", "it's.txt", 'say "hi".txt', "back\\slash.txt",
             "🐍.bin", "a=b,c;d.txt"]


def test_odd_names_round_trip(board, link, root, tmp_path):
    src = tmp_path / "src"
    (src / "dír with space").mkdir(parents=True)
    for i, name in enumerate(ODD_NAMES):
        (src / name).write_bytes(name.encode() * (i + 1))
        (src / "dír with space" / name).write_bytes(bytes([i]) * 300)
    ok(mt(board, link, "cp", "src/", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == local_tree(src)
    ok(mt(board, link, "cp", ":%s/" % root, "back/", cwd=tmp_path))
    assert local_tree(tmp_path / "back") == local_tree(src)
    # Single files with odd names both ways, destination named explicitly.
    for name in ODD_NAMES[:3]:
        ok(mt(board, link, "cp", str(src / name), ":%s/single %s" % (root, name)))
        ok(mt(board, link, "cp", ":%s/single %s" % (root, name), str(tmp_path / ("s-" + name))))
        assert (tmp_path / ("s-" + name)).read_bytes() == (src / name).read_bytes()


@pytest.mark.parametrize("k", [1, 7, 100, 300])
def test_binary_every_byte_value(board, link, root, tmp_path, k):
    data = bytes(range(256)) * k
    (tmp_path / "all.bin").write_bytes(data)
    ok(mt(board, link, "cp", "all.bin", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"all.bin": sha(data)}
    ok(mt(board, link, "cp", ":%s/all.bin" % root, "back.bin", cwd=tmp_path))
    assert (tmp_path / "back.bin").read_bytes() == data


def test_incompressible_binary(board, link, root, tmp_path):
    data = hashlib.sha256(b"seed").digest()
    while len(data) < 20000:
        data += hashlib.sha256(data[-32:]).digest()
    (tmp_path / "rnd.bin").write_bytes(data)
    ok(mt(board, link, "cp", "rnd.bin", ":%s/" % root, cwd=tmp_path))
    ok(mt(board, link, "cp", ":%s/rnd.bin" % root, "back.bin", cwd=tmp_path))
    assert (tmp_path / "back.bin").read_bytes() == data


def test_empty_files_and_directories(board, link, root, tmp_path):
    (tmp_path / "src" / "e1" / "e2").mkdir(parents=True)
    (tmp_path / "src" / "zero").write_bytes(b"")
    (tmp_path / "src" / "e1" / "zero2").write_bytes(b"")
    ok(mt(board, link, "cp", "src", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"src": None, "src/e1": None, "src/e1/e2": None,
                                       "src/zero": sha(b""), "src/e1/zero2": sha(b"")}
    ok(mt(board, link, "cp", ":%s/src" % root, "back/", cwd=tmp_path))
    assert local_tree(tmp_path / "back" / "src") == local_tree(tmp_path / "src")
    # Only an empty directory: it is created, nothing is transferred.
    (tmp_path / "only_empty").mkdir()
    r = ok(mt(board, link, "cp", "only_empty", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root + "/only_empty") == {}
    assert "(0 files)" in r.stderr.decode()


# ------------------------------------------------------------------------------------------
# Excludes


def test_default_excludes(board, root, tmp_path):
    src = tmp_path / "src"
    (src / "__pycache__").mkdir(parents=True)
    (src / ".git").mkdir()
    (src / "__pycache__" / "a.mpy").write_bytes(b"x")
    (src / ".git" / "HEAD").write_bytes(b"x")
    (src / "a.pyc").write_bytes(b"x")
    (src / ".a.py.mpytmp").write_bytes(b"x")
    (src / "a.py").write_bytes(b"a")
    ok(mt(board, "tcp", "cp", "src/", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"a.py": sha(b"a")}


def test_user_excludes_both_ways(board, link, root, tmp_path):
    src = tmp_path / "src"
    (src / "docs").mkdir(parents=True)
    (src / "docs" / "x.py").write_bytes(b"x")
    (src / "a.txt").write_bytes(b"t")
    (src / "a.py").write_bytes(b"a")
    ok(mt(board, link, "-e", "*.txt", "-e", "docs", "cp", "src/", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == {"a.py": sha(b"a")}
    ok(mt(board, link, "cp", "src/", ":%s/" % root, cwd=tmp_path))
    ok(mt(board, link, "-e", "a.*", "cp", ":%s/" % root, "back/", cwd=tmp_path))
    assert local_tree(tmp_path / "back") == {"docs": None, "docs/x.py": sha(b"x")}


# ------------------------------------------------------------------------------------------
# Unchanged check, force


def summary_line(stderr):
    lines = [l for l in stderr.decode().splitlines() if SUMMARY_RE.match(l)]
    assert len(lines) == 1, stderr
    return lines[0]


def test_second_copy_is_unchanged(board, link, root, tmp_path):
    make_project(tmp_path)
    r = ok(mt(board, link, "cp", "proj", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(4 files)")
    r = ok(mt(board, link, "cp", "proj", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(0 transferred, 4 unchanged)")
    assert not [l for l in r.stderr.decode().splitlines() if DONE_RE.match(l)]
    r = ok(mt(board, link, "-v", "cp", "proj", ":%s/" % root, cwd=tmp_path))
    err = r.stderr.decode()
    assert err.count("(unchanged)") == 4
    assert re.search(r"\[2/4\] skip +440B proj/lib/util.py +-> :" + root +
                     r"/proj/lib/util.py +\(unchanged\)$", err, re.M), err
    # A change of content with the same size is noticed.
    util = tmp_path / "proj" / "lib" / "util.py"
    util.write_bytes(util.read_bytes().replace(b"1", b"2"))
    r = ok(mt(board, link, "cp", "proj", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(1 transferred, 3 unchanged)")
    assert board_tree(board, root + "/proj")["lib/util.py"] == sha(util.read_bytes())


def test_force_copies_unchanged_files(board, root, tmp_path):
    (tmp_path / "f.py").write_bytes(b"x = 1\n")
    ok(mt(board, "tcp", "cp", "f.py", ":%s/" % root, cwd=tmp_path))
    r = ok(mt(board, "tcp", "cp", "-f", "f.py", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(1 file)")
    r = ok(mt(board, "tcp", "-f", "cp", "f.py", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(1 file)")
    r = ok(mt(board, "tcp", "cp", "f.py", ":%s/" % root, cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(0 transferred, 1 unchanged)")


def test_download_unchanged_and_changed(board, remote_proj, tmp_path):
    src, tree = remote_proj
    ok(mt(board, "tcp", "cp", ":" + src, "out/", cwd=tmp_path))
    r = ok(mt(board, "tcp", "cp", ":" + src, "out/", cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(0 transferred, 4 unchanged)")
    main = tmp_path / "out" / "proj" / "main.py"
    main.write_bytes(main.read_bytes().replace(b"main", b"MAIN"))
    r = ok(mt(board, "tcp", "cp", ":" + src, "out/", cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(1 transferred, 3 unchanged)")
    assert local_tree(tmp_path / "out" / "proj") == tree
    r = ok(mt(board, "tcp", "cp", "-f", ":" + src, "out/", cwd=tmp_path))
    assert summary_line(r.stderr).endswith("(4 files)")


# ------------------------------------------------------------------------------------------
# Compression, transfer paths, chunk size


def json_run(board, link, *args, cwd=None, env=None):
    r = ok(mt(board, link, *args, cwd=cwd, env=env))
    return json.loads(r.stdout.decode()), r


def test_compression_flags(board, link, root, tmp_path):
    (tmp_path / "text.py").write_bytes(b"print('hello world')\n" * 500)
    doc, _ = json_run(board, link, "cp", "-z", "--json", "text.py", ":%s/z.py" % root,
                      cwd=tmp_path)
    assert doc["items"][0]["encodings"] == ["compressed"]
    assert doc["wire_bytes"] < doc["bytes"] / 5
    doc, _ = json_run(board, link, "cp", "-Z", "--json", "text.py", ":%s/raw.py" % root,
                      cwd=tmp_path)
    assert doc["items"][0]["encodings"] == []
    assert doc["wire_bytes"] >= doc["bytes"]
    # cp -Z wins over the global -z, cp -z over the global -Z.
    doc, _ = json_run(board, link, "-z", "cp", "-f", "-Z", "--json", "text.py",
                      ":%s/raw.py" % root, cwd=tmp_path)
    assert doc["items"][0]["encodings"] == []
    doc, _ = json_run(board, link, "-Z", "cp", "-f", "-z", "--json", "text.py",
                      ":%s/z.py" % root, cwd=tmp_path)
    assert doc["items"][0]["encodings"] == ["compressed"]
    doc, _ = json_run(board, link, "-Z", "cp", "-f", "--json", "text.py", ":%s/raw.py" % root,
                      cwd=tmp_path)
    assert doc["items"][0]["encodings"] == []
    want = sha(b"print('hello world')\n" * 500)
    assert board_tree(board, root) == {"z.py": want, "raw.py": want}


def test_verbose_line_shows_compressed(board, root, tmp_path):
    (tmp_path / "text.py").write_bytes(b"print('hello world')\n" * 500)
    r = ok(mt(board, "tcp", "-v", "cp", "-z", "text.py", ":%s/" % root, cwd=tmp_path))
    assert re.search(r"^ +100% +10\.3K text\.py -> :" + root + r"/text\.py  \(compressed\)$",
                     r.stderr.decode(), re.M), r.stderr
    assert re.search(r"^COPY \(chunk: \S+, compress: on\)$", r.stderr.decode(), re.M)
    assert re.search(r"  wire \S+  speedup \d+\.\dx  \(1 file\)$", r.stderr.decode(), re.M)


@pytest.mark.parametrize("mode", ["text", "stream"])
def test_transfer_paths(board, link, root, tmp_path, mode):
    tree = make_project(tmp_path)
    (tmp_path / "proj" / "all.bin").write_bytes(bytes(range(256)) * 50)
    tree["all.bin"] = sha(bytes(range(256)) * 50)
    ok(mt(board, link, "--transfer", mode, "cp", "proj/", ":%s/" % root, cwd=tmp_path))
    assert board_tree(board, root) == tree
    ok(mt(board, link, "--transfer", mode, "cp", ":%s/" % root, "back/", cwd=tmp_path))
    assert local_tree(tmp_path / "back") == tree


def test_text_path_reports_base64(board, root, tmp_path):
    (tmp_path / "all.bin").write_bytes(bytes(range(256)) * 4)
    doc, _ = json_run(board, "tcp", "--transfer", "text", "cp", "-Z", "--json", "all.bin",
                      ":%s/" % root, cwd=tmp_path)
    assert "base64" in doc["items"][0]["encodings"]


@pytest.mark.parametrize("compress", ["-z", "-Z"])
@pytest.mark.parametrize("size", ["64", "512B", "1K", "4KB"])
def test_chunk_sizes(board, root, tmp_path, size, compress):
    data = bytes(range(256)) * 40
    (tmp_path / "all.bin").write_bytes(data)
    ok(mt(board, "tcp", "cp", compress, "-c", size, "all.bin", ":%s/" % root, cwd=tmp_path))
    ok(mt(board, "tcp", "-c", size, "cp", compress, "-f", ":%s/all.bin" % root, "back.bin",
          cwd=tmp_path))
    assert (tmp_path / "back.bin").read_bytes() == data
    assert board_tree(board, root) == {"all.bin": sha(data)}


def test_bad_chunk_size(board, tmp_path):
    (tmp_path / "a").write_bytes(b"a")
    r = mt(board, "tcp", "cp", "-c", "huge", "a", ":/", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert "invalid size 'huge'" in r.stderr.decode()
    r = mt(board, "tcp", "cp", "-c", "1M", "a", ":/", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE
    assert "size out of range" in r.stderr.decode()


# ------------------------------------------------------------------------------------------
# -m: mpy-cross


def mpy_env():
    assert os.path.exists(os.path.join(os.path.dirname(MPY_CROSS), "node_modules")), \
        "run `npm ci` in tests/tools/mpy-cross (scripts/setup.sh does)"
    return {"MPY_CROSS": os.path.abspath(MPY_CROSS)}


def test_mpy_compiles_and_imports(board, root, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "cpmod.py").write_text("x = 6 * 7\ndef hello():\n    return 'žluť'\n")
    (src / "boot.py").write_text("pass\n")
    (src / "main.py").write_text("pass\n")
    (src / "data.txt").write_text("text\n")
    r = ok(mt(board, "tcp", "cp", "-m", "src/", ":%s/" % root, cwd=tmp_path, env=mpy_env()))
    tree = board_tree(board, root)
    assert sorted(tree) == ["boot.py", "cpmod.mpy", "data.txt", "main.py"]
    assert "src/cpmod.py -> :%s/cpmod.mpy" % root in r.stderr.decode()
    assert (src / "__pycache__").is_dir()
    out = board_exec(board, "import sys\nsys.path.insert(0, %r)\nimport cpmod\n"
                     "print(cpmod.x, cpmod.hello(), cpmod.__file__)" % root)
    assert out.split() == ["42", "žluť", root + "/cpmod.mpy"]
    # The compiled file is cached and the upload is unchanged the second time.
    r = ok(mt(board, "tcp", "cp", "-m", "src/", ":%s/" % root, cwd=tmp_path, env=mpy_env()))
    assert summary_line(r.stderr).endswith("(0 transferred, 4 unchanged)")


def test_mpy_without_compiler_uploads_py(board, root, tmp_path):
    (tmp_path / "m.py").write_text("x = 1\n")
    env = {"MPY_CROSS": "/nonexistent/mpy-cross", "PATH": "/usr/bin:/bin"}
    r = ok(mt(board, "tcp", "cp", "-m", "m.py", ":%s/" % root, cwd=tmp_path, env=env))
    assert "mpy-cross not found" in r.stderr.decode()
    assert sorted(board_tree(board, root)) == ["m.py"]


def test_mpy_compile_error_falls_back_to_py(board, root, tmp_path):
    (tmp_path / "bad.py").write_text("x = (\n")
    r = ok(mt(board, "tcp", "cp", "-m", "bad.py", ":%s/" % root, cwd=tmp_path, env=mpy_env()))
    assert "mpy-cross failed for bad.py" in r.stderr.decode()
    assert sorted(board_tree(board, root)) == ["bad.py"]


# ------------------------------------------------------------------------------------------
# Progress, summary, JSON


def test_lines_when_not_a_terminal(board, link, root, tmp_path):
    make_project(tmp_path)
    env = dict(os.environ)
    env.pop("NO_COLOR", None)  # colour is off anyway: stderr is not a terminal
    r = subprocess.run([MPYTOOL_ABS, *board.conn_args(link), "cp", "proj", ":%s/" % root],
                       capture_output=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert "\r" not in err and "\x1b" not in err
    lines = err.splitlines()
    assert lines[0] == "COPY"
    done = [DONE_RE.match(l) for l in lines[1:-1]]
    assert all(done), lines
    assert [(m.group(2), m.group(3)) for m in done] == [
        ("proj/main.py", ":%s/proj/main.py" % root),
        ("proj/lib/util.py", ":%s/proj/lib/util.py" % root),
        ("proj/lib/zero.txt", ":%s/proj/lib/zero.txt" % root),
        ("proj/lib/sub/data.bin", ":%s/proj/lib/sub/data.bin" % root)]
    assert SUMMARY_RE.match(lines[-1]), lines[-1]
    assert r.stdout == b""


def test_verbose_lines_are_aligned(board, root, tmp_path):
    make_project(tmp_path)
    r = ok(mt(board, "tcp", "-v", "cp", "proj", ":%s/" % root, cwd=tmp_path))
    lines = [l for l in r.stderr.decode().splitlines() if re.match(r"^  \[\d/4\] ", l)]
    assert len(lines) == 4
    assert len({l.index(" -> ") for l in lines}) == 1
    assert lines[0].startswith("  [1/4] 100%   14B proj/main.py ")


def test_quiet_prints_nothing(board, root, tmp_path):
    make_project(tmp_path)
    r = ok(mt(board, "tcp", "-q", "cp", "proj", ":%s/" % root, cwd=tmp_path))
    assert r.stderr == b"" and r.stdout == b""
    r = ok(mt(board, "tcp", "-q", "cp", "--json", "proj", ":%s/" % root, cwd=tmp_path))
    assert r.stderr == b""
    assert json.loads(r.stdout)["unchanged"] == 4


def test_json_summary(board, link, root, tmp_path):
    make_project(tmp_path)
    doc, r = json_run(board, link, "cp", "--json", "proj", ":%s/" % root, cwd=tmp_path)
    assert doc["files"] == 4 and doc["transferred"] == 4 and doc["unchanged"] == 0
    assert doc["bytes"] == 14 + 440 + 0 + 768
    assert doc["wire_bytes"] > 0 and doc["seconds"] >= 0
    assert [i["dst"] for i in doc["items"]] == [
        ":%s/proj/main.py" % root, ":%s/proj/lib/util.py" % root,
        ":%s/proj/lib/zero.txt" % root, ":%s/proj/lib/sub/data.bin" % root]
    assert {i["status"] for i in doc["items"]} == {"transferred"}
    assert SUMMARY_RE.match(r.stderr.decode().splitlines()[-1])
    (tmp_path / "proj" / "main.py").write_text("print('changed')\n")
    doc, _ = json_run(board, link, "cp", "--json", "proj", ":%s/" % root, cwd=tmp_path)
    assert (doc["transferred"], doc["unchanged"]) == (1, 3)
    assert [i["status"] for i in doc["items"]] == ["transferred"] + ["unchanged"] * 3
    assert doc["items"][0]["src"] == "proj/main.py"
    doc, _ = json_run(board, link, "cp", "--json", ":%s/proj/main.py" % root, "m.py",
                      cwd=tmp_path)
    assert doc["items"][0]["src"] == ":%s/proj/main.py" % root
    assert doc["items"][0]["dst"] == "m.py"
    assert doc["bytes"] == len(b"print('changed')\n")


def test_debug_logging_prints_each_progress_update_on_its_own_line(board, root, tmp_path):
    # The Python mpytool's -d behaviour: progress is not overwritten but listed, also without a
    # terminal.
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 200)
    r = ok(mt(board, "tcp", "-d", "cp", "-f", "big.bin", ":%s/" % root, cwd=tmp_path))
    err = r.stderr.decode()
    assert "\r" not in err
    steps = [l for l in err.splitlines() if "%" in l and "big.bin" in l]
    assert len(steps) >= 2, err
    assert steps[-1].split()[0] == "100%", steps


def test_progress_on_a_terminal(board, root, tmp_path):
    """On a terminal the counter line is redrawn with a carriage return and replaced by the
    finished line."""
    (tmp_path / "a.bin").write_bytes(bytes(range(256)) * 200)
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 100)
    master, slave = pty.openpty()
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    p = subprocess.Popen([MPYTOOL_ABS, *board.conn_args("tcp"), "cp", "a.bin", "b.bin",
                          ":%s/" % root], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave, cwd=tmp_path, env=env)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert p.wait(timeout=60) == 0
    text = out.decode()
    assert "\x1b" not in text  # NO_COLOR
    assert re.search(r"\r  \[1/2\] +\d+% 50\.0K a\.bin", text), text
    assert re.search(r"\r +50\.0K a\.bin -> :%s/a\.bin *\r?\n" % root, text), text
    assert re.search(r"\r +25\.0K b\.bin -> :%s/b\.bin *\r?\n" % root, text), text
    assert "(2 files)" in text
