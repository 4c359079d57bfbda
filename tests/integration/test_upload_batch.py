"""Uploads of many small files as batches (sdk/files: one O frame lists them, one deflate stream
carries their contents, the board splits it, checks all and renames each): a tree of small
Python files with an empty file and a new directory arrives intact and costs less on the wire
than the files deflated one by one; a failure in the middle of a batch, while writing or while
renaming, names the right file and leaves no temporary file, and every target is its old or
its new version as put_many documents (files before the failing one are done, the rest
untouched)."""
import json
import random
import zlib

import pytest

from conftest import Board
from test_cp import board_exec, board_tree, local_tree, mt, ok, sha

WORDS = ("sensor value buffer index count state config timeout packet frame connect "
         "characteristic service descriptor notify indicate advertise scan").split()


def module(rnd, n):
    """Python-like text of about n bytes, its identifiers shared with the other modules."""
    out = []
    while sum(map(len, out)) < n:
        a, b = rnd.choice(WORDS), rnd.choice(WORDS)
        out.append("def %s_%s(self, %s=%d):\n    return self._%s.%s(%s)\n\n"
                   % (a, b, b, rnd.randrange(100), a, b, b))
    return "".join(out).encode()


def make_tree(base, count, seed, tag=b""):
    """count modules of 200 B..6 KB under base/pkg (a third in pkg/sub), and pkg/empty.py."""
    rnd = random.Random(seed)
    files = {}
    for i in range(count):
        name = ("sub/m%02d.py" if i % 3 == 2 else "m%02d.py") % i
        files[name] = module(rnd, rnd.randint(200, 6000)) + tag
    files["empty.py"] = b""
    for name, data in files.items():
        path = base / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


@pytest.fixture
def board():
    b = Board("--platform", "esp32", "--no-deflate-compress")
    yield b
    b.stop()


def test_a_tree_of_small_files_arrives_intact_in_less_wire(board, tmp_path):
    files = make_tree(tmp_path, 30, 1)
    r = ok(mt(board, "tcp", "cp", "--json", "pkg", ":/", cwd=tmp_path))
    doc = json.loads(r.stdout.decode())
    assert doc["transferred"] == len(files)
    # Every file is on the board, in a directory new to it (pkg/sub) too, and reported done.
    assert board_tree(board, "/pkg") == local_tree(tmp_path / "pkg")
    assert {i["dst"] for i in doc["items"]} == {":/pkg/" + n for n in files}
    assert all(i["encodings"] == ["compressed"] for i in doc["items"] if i["size"])
    # One stream over all of them: smaller than the files deflated one by one (zlib -9, without
    # the frames around them), which is what the upload cost before.
    one_by_one = sum(len(zlib.compress(d, 9)) for d in files.values() if d)
    assert doc["wire_bytes"] < 0.9 * one_by_one, (doc["wire_bytes"], one_by_one)
    # A new version over the old one: the same.
    files = make_tree(tmp_path, 30, 1, tag=b"# v2\n")
    ok(mt(board, "tcp", "cp", "pkg", ":/", cwd=tmp_path))
    assert board_tree(board, "/pkg") == local_tree(tmp_path / "pkg")


def temporaries(board):
    out = board_exec(board, "import os\nprint(sorted(n for n in os.listdir('/pkg') "
                            "if n.endswith('.mpytmp')))")
    return eval(out.strip())


def test_a_target_that_is_a_directory_fails_in_the_rename(board, tmp_path):
    old = make_tree(tmp_path, 9, 2)
    r = ok(mt(board, "tcp", "cp", "--json", "pkg", ":/", cwd=tmp_path))
    order = [i["dst"][len(":/pkg/"):] for i in json.loads(r.stdout)["items"]]
    board_exec(board, "import os\nos.remove('/pkg/m04.py')\nos.mkdir('/pkg/m04.py')")
    new = make_tree(tmp_path, 9, 2, tag=b"# v2\n")
    r = mt(board, "tcp", "cp", "pkg", ":/", cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    err = r.stderr.decode()
    assert err.count("mpytool: error:") == 1 and "/pkg/m04.py" in err, err
    assert temporaries(board) == []
    # The files renamed before the failing one are done, the rest are as they were.
    at = order.index("m04.py")
    assert 0 < at < len(order) - 1
    tree = board_tree(board, "/pkg")
    assert tree["m04.py"] is None
    for name in order[:at]:
        assert tree[name] == sha(new[name]), name
    for name in order[at + 1:]:
        assert tree[name] == sha(old[name]), name


def test_a_file_that_cannot_be_written_names_itself_and_nothing_changes(board, tmp_path):
    old = make_tree(tmp_path, 9, 3)
    ok(mt(board, "tcp", "cp", "pkg", ":/", cwd=tmp_path))
    # Its temporary name is taken by a directory: the board cannot open it for writing.
    board_exec(board, "import os\nos.mkdir('/pkg/.m04.py.mpytmp')")
    make_tree(tmp_path, 9, 3, tag=b"# v2\n")
    r = mt(board, "tcp", "cp", "pkg", ":/", cwd=tmp_path)
    assert r.returncode == 4, r.stderr
    err = r.stderr.decode()
    assert err.count("mpytool: error:") == 1 and "/pkg/m04.py" in err, err
    # Only the directory put there: the batch's other temporary files are gone.
    assert temporaries(board) == [".m04.py.mpytmp"]
    tree = board_tree(board, "/pkg")
    assert {n: tree[n] for n in old} == {n: sha(d) for n, d in old.items()}
