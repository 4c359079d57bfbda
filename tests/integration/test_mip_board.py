"""mip on the board: install (whole or nothing, through a staging dir, unchanged files skipped,
old versions replaced), list, uninstall and freeze against the virtual board, with packages from
a local package.json (relative `urls`) and a tiny local index (deps, versions): no server."""
import ast
import hashlib
import json
import pathlib
import random

import pytest

from conftest import Board, board_snapshot, run
from cutting_proxy import CuttingProxy


def sha(data):
    return hashlib.sha256(data).hexdigest()


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r.stdout.decode()


def mip(b, *args, timeout=60):
    return run(*b.conn_args("tcp"), "mip", *args, timeout=timeout)


def board_cat(b, path):
    r = run(*b.conn_args("tcp"), "cat", ":" + path)
    return r.stdout if r.returncode == 0 else None


def board_exec(b, code):
    return ok(run(*b.conn_args("tcp"), "exec", code))


def board_ls(b, path):
    r = run(*b.conn_args("tcp"), "-q", "ls", ":" + path)
    return r.stdout.decode().split() if r.returncode == 0 else None


def manifest(b, target="/lib"):
    return json.loads(board_cat(b, target + "/.mip.json"))


def make_pkg(root, version="1.0", files=None):
    """A package.json with `urls` relative to its directory, and its files."""
    files = files or {"foo.py": b"X = 1\n", "foo/util.py": b"def f():\n    return 2\n"}
    root.mkdir(parents=True, exist_ok=True)
    urls = []
    for path, data in files.items():
        name = path.replace("/", "_")
        (root / name).write_bytes(data)
        urls.append([path, name])
    (root / "package.json").write_text(json.dumps({"urls": urls, "version": version}))
    return root


def add_to_index(index, name, version, files, deps=()):
    """Adds NAME@VERSION (and latest) to a v2 index in a host directory (mpy 6)."""
    hashes = []
    for path, data in files.items():
        h = sha(data)[:8]
        (index / "file" / h[:2]).mkdir(parents=True, exist_ok=True)
        (index / "file" / h[:2] / h).write_bytes(data)
        hashes.append([path, h])
    doc = {"v": 1, "version": version, "hashes": hashes}
    if deps:
        doc["deps"] = [[d, "latest"] for d in deps]
    d = index / "package" / "6" / name
    d.mkdir(parents=True, exist_ok=True)
    (d / (version + ".json")).write_text(json.dumps(doc))
    (d / "latest.json").write_text(json.dumps(doc))


@pytest.fixture
def board():
    b = Board()
    yield b
    b.stop()


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    # The host cache in the test's own directory; nothing here needs the network.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_install_from_a_local_package_json(board, tmp_path):
    pkg = make_pkg(tmp_path / "pkg")
    out = ok(mip(board, "install", str(pkg)))
    assert out.splitlines() == [
        f"Install {pkg}",
        f"Installing {pkg}/package.json to /lib",
        "Installing: /lib/foo.py",
        "Installing: /lib/foo/util.py",
        "Done",
    ]
    assert board_cat(board, "/lib/foo.py") == b"X = 1\n"
    assert board_cat(board, "/lib/foo/util.py") == b"def f():\n    return 2\n"
    # No staging dir, no temporary manifest left behind.
    assert sorted(board_ls(board, "/lib")) == [".mip.json", "foo.py", "foo/"]
    assert board_cat(board, "/lib/.mip.json.tmp") is None
    m = manifest(board)
    assert m["v"] == 1
    entry = m["packages"]["pkg"]
    assert entry["version"] == "1.0"
    assert entry["requested"] is True
    assert entry["files"] == {"foo.py": sha(b"X = 1\n"),
                              "foo/util.py": sha(b"def f():\n    return 2\n")}
    assert entry["source"] == f"{pkg}/package.json"


def test_reinstall_uploads_nothing_and_keeps_the_manifest(board, tmp_path):
    pkg = make_pkg(tmp_path / "pkg")
    ok(mip(board, "install", str(pkg)))
    before = board_cat(board, "/lib/.mip.json")
    r = mip(board, "install", str(pkg), "--json")
    summary = json.loads(ok(r))
    assert summary["uploaded_bytes"] == 0
    assert summary["manifest_written"] is False
    assert summary["changed"] is False
    assert [f["action"] for f in summary["packages"][0]["files"]] == ["exists", "exists"]
    assert board_cat(board, "/lib/.mip.json") == before
    out = ok(mip(board, "install", str(pkg)))
    assert "Exists: /lib/foo.py" in out.splitlines()
    assert "Installing: /lib/foo.py" not in out


def test_dry_run_changes_nothing(board, tmp_path):
    pkg = make_pkg(tmp_path / "pkg")
    out = ok(mip(board, "install", "-n", str(pkg)))
    assert "Installing: /lib/foo.py" in out.splitlines()
    assert out.splitlines()[-1] == "Dry run: nothing was changed"
    assert board_cat(board, "/lib/foo.py") is None
    assert board_cat(board, "/lib/.mip.json") is None


def test_list_reports_intact_changed_and_missing(board, tmp_path):
    assert ok(mip(board, "list")) == "No packages installed in /lib\n"
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    assert ok(mip(board, "list")) == "pkg 1.0 (2 files): intact\n"
    board_exec(board, "open('/lib/foo.py','w').write('X = 2\\n')")
    board_exec(board, "import os; os.remove('/lib/foo/util.py')")
    assert ok(mip(board, "list")) == \
        "pkg 1.0 (2 files): changed foo.py, missing foo/util.py\n"
    listing = json.loads(ok(mip(board, "list", "--json")))
    assert listing["target"] == "/lib"
    p = listing["packages"][0]
    assert (p["name"], p["intact"], p["changed"], p["missing"]) == \
        ("pkg", False, ["foo.py"], ["foo/util.py"])
    assert p["files"] == ["foo.py", "foo/util.py"]


def test_freeze_writes_the_lock_of_the_manifest(board, tmp_path):
    pkg = make_pkg(tmp_path / "pkg")
    ok(mip(board, "install", str(pkg)))
    lock = json.loads(ok(mip(board, "freeze")))
    assert lock["v"] == 1 and lock["mpy"] == "6"
    (p,) = lock["packages"]
    assert (p["name"], p["version"], p["requested"]) == ("pkg", "1.0", True)
    assert p["files"] == [
        {"path": "foo.py", "sha256": sha(b"X = 1\n"), "url": str(pkg / "foo.py")},
        {"path": "foo/util.py", "sha256": sha(b"def f():\n    return 2\n"),
         "url": str(pkg / "foo_util.py")},
    ]
    out = tmp_path / "mip.lock"
    summary = json.loads(ok(mip(board, "freeze", "-o", str(out), "--json")))
    assert summary["packages"] == 1
    assert json.loads(out.read_text()) == lock
    # The lock installs the same files on another board.
    other = Board()
    try:
        ok(mip(other, "install", "-r", str(out)))
        assert board_cat(other, "/lib/foo/util.py") == b"def f():\n    return 2\n"
        assert manifest(other)["packages"]["pkg"]["files"] == \
            manifest(board)["packages"]["pkg"]["files"]
    finally:
        other.stop()


def test_uninstall_removes_exactly_its_files_and_the_deps_it_brought(board, tmp_path):
    index = tmp_path / "index"
    add_to_index(index, "lib1", "1.0", {"lib1.py": b"L = 1\n"})
    add_to_index(index, "lib2", "1.0", {"lib2/__init__.py": b"L = 2\n"})
    add_to_index(index, "app", "1.0", {"app.py": b"import lib1, lib2\n"}, deps=["lib1", "lib2"])
    add_to_index(index, "other", "2.0", {"other.py": b"import lib2\n"}, deps=["lib2"])
    out = ok(mip(board, "install", "--index", str(index), "app", "other"))
    assert f"Installing app (1.0) from {index} to /lib" in out.splitlines()
    board_exec(board, "open('/lib/mine.py','w').write('# not a package file')")
    m = manifest(board)["packages"]
    assert sorted(m) == ["app", "lib1", "lib2", "other"]
    assert m["app"]["deps"] == ["lib1", "lib2"] and m["lib1"]["requested"] is False

    out = ok(mip(board, "uninstall", "app"))
    assert out.splitlines() == ["Uninstalling app (1.0)", "Uninstalling lib1 (1.0)",
                                "Removing: /lib/app.py", "Removing: /lib/lib1.py", "Done"]
    assert sorted(manifest(board)["packages"]) == ["lib2", "other"]
    assert sorted(board_ls(board, "/lib")) == [".mip.json", "lib2/", "mine.py", "other.py"]

    out = ok(mip(board, "uninstall", "other"))
    assert "Removing: /lib/lib2/__init__.py" in out.splitlines()
    # The dir the package's files were in goes with them; the user's file stays.
    assert sorted(board_ls(board, "/lib")) == [".mip.json", "mine.py"]
    assert manifest(board)["packages"] == {}


def test_uninstall_keeps_a_dep_the_user_asked_for(board, tmp_path):
    index = tmp_path / "index"
    add_to_index(index, "lib1", "1.0", {"lib1.py": b"L = 1\n"})
    add_to_index(index, "app", "1.0", {"app.py": b"import lib1\n"}, deps=["lib1"])
    ok(mip(board, "install", "--index", str(index), "lib1"))
    ok(mip(board, "install", "--index", str(index), "app"))
    assert manifest(board)["packages"]["lib1"]["requested"] is True
    out = ok(mip(board, "uninstall", "app"))
    assert "Removing: /lib/lib1.py" not in out
    assert board_cat(board, "/lib/lib1.py") == b"L = 1\n"


def test_uninstall_of_an_unknown_package(board, tmp_path):
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    r = mip(board, "uninstall", "nope")
    assert r.returncode == 2
    assert b"package 'nope' is not installed (installed: pkg)" in r.stderr


def test_a_new_version_replaces_the_old_files(board, tmp_path):
    index = tmp_path / "index"
    add_to_index(index, "drv", "1.0", {"drv/__init__.py": b"V = 1\n", "drv/old.py": b"O\n"})
    ok(mip(board, "install", "--index", str(index), "drv@1.0"))
    add_to_index(index, "drv", "2.0", {"drv/__init__.py": b"V = 2\n", "drv/new.py": b"N\n"})
    out = ok(mip(board, "install", "--index", str(index), "drv@2.0"))
    assert "Removing: /lib/drv/old.py" in out.splitlines()
    assert sorted(board_ls(board, "/lib/drv")) == ["__init__.py", "new.py"]
    m = manifest(board)["packages"]["drv"]
    assert m["version"] == "2.0"
    assert sorted(m["files"]) == ["drv/__init__.py", "drv/new.py"]


def test_install_keeps_other_packages_and_uses_target(board, tmp_path):
    ok(mip(board, "install", "--target", "/apps", str(make_pkg(tmp_path / "a"))))
    ok(mip(board, "install", "--target", "/apps/", str(make_pkg(
        tmp_path / "b", files={"b.py": b"B\n"}))))
    assert sorted(manifest(board, "/apps")["packages"]) == ["a", "b"]
    assert board_cat(board, "/lib/.mip.json") is None
    assert ok(mip(board, "list", "--target", "/apps")).splitlines() == [
        "a 1.0 (2 files): intact", "b 1.0 (1 file): intact"]


def test_not_enough_space_installs_nothing(tmp_path):
    b = Board("--fs-size", str(64 * 1024))
    try:
        small = make_pkg(tmp_path / "small", files={"s.py": b"S\n"})
        ok(mip(b, "install", str(small)))
        big = make_pkg(tmp_path / "big", files={"big%d.py" % i: bytes([65 + i]) * 9000
                                                  for i in range(8)})
        r = mip(b, "install", str(big))
        assert r.returncode == 4, (r.returncode, r.stderr)
        assert b"nothing was installed: not enough space in /lib" in r.stderr
        assert sorted(board_ls(b, "/lib")) == [".mip.json", "s.py"]
        assert sorted(manifest(b)["packages"]) == ["small"]
    finally:
        b.stop()


def test_a_failure_mid_upload_leaves_the_target_as_it_was(board, tmp_path):
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    before = board_cat(board, "/lib/.mip.json")
    new = make_pkg(tmp_path / "pkg", version="2.0",
                   files={"foo.py": b"X = 2\n", "foo/util.py": b"U = 2\n", "zzz.py": b"Z\n"})
    # A directory where the last staged file must go (the files wait as staging/0, /1, /2): its
    # upload fails on the board, after the others were staged.
    board_exec(board, "import os\nos.mkdir('/lib/.mip-staging')\nos.mkdir('/lib/.mip-staging/2')")
    r = mip(board, "install", str(new))
    assert r.returncode != 0
    assert b"nothing was installed: " in r.stderr
    assert board_cat(board, "/lib/foo.py") == b"X = 1\n"
    assert board_cat(board, "/lib/zzz.py") is None
    assert board_cat(board, "/lib/.mip.json") == before
    assert board_ls(board, "/lib/.mip-staging") is None
    ok(mip(board, "install", str(new)))
    assert board_cat(board, "/lib/zzz.py") == b"Z\n"


def fill(b, free_blocks):
    """Writes /filler so that statvfs reports exactly free_blocks 4 KiB blocks free."""
    code = ("import os\ns = os.statvfs('/')\nn = s[0] * s[3] - %d\nf = open('/filler', 'wb')\n"
            "while n > 0:\n    k = min(n, 4096)\n    f.write(bytes(k))\n    n -= k\n"
            "f.close()\nprint(os.statvfs('/')[3])\n" % (free_blocks * 4096))
    assert board_exec(b, code).split() == [str(free_blocks)]


def one_error_line(r):
    """The one error line on stderr (other lines are progress, such as "Replacing ...")."""
    lines = [ln for ln in r.stderr.decode().splitlines() if ln.startswith("mpytool: error:")]
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_a_board_that_fills_up_mid_upload_keeps_what_it_had(tmp_path):
    """statvfs says there is room, the filesystem runs out in the middle of the upload (as
    littlefs does: a write needs blocks of its own that the free count does not show). The
    install fails and the board's filesystem is exactly as before, staging dir gone."""
    b = Board("--fs-size", str(256 * 1024), "--fs-hidden-blocks", "6")
    try:
        ok(mip(b, "install", str(make_pkg(tmp_path / "pkg"))))
        rnd = random.Random(5)  # incompressible: 3 blocks each on the board
        files = {"foo.py": b"X = 2\n", "foo/util.py": b"U = 2\n"}
        files.update({"big%d.bin" % i: rnd.randbytes(9000) for i in range(4)})
        new = make_pkg(tmp_path / "pkg", version="2.0", files=files)
        # 18 blocks reported free: more than the install needs by the host's count (the staging
        # dir, 2 + 4 x 3 blocks of files, the manifest, a dir), 12 that can really be written:
        # the fourth big file does not fit.
        fill(b, 18)
        before = board_snapshot(b, "tcp")
        r = mip(b, "install", str(new))
        assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
        line = one_error_line(r)
        assert "nothing was installed: " in line and "(errno 28)" in line, line
        assert board_snapshot(b, "tcp") == before
        # With the room it needs, the same install goes through.
        board_exec(b, "import os\nos.remove('/filler')")
        ok(mip(b, "install", str(new)))
        assert board_cat(b, "/lib/big3.bin") == files["big3.bin"]
        assert board_ls(b, "/lib/.mip-staging") is None
    finally:
        b.stop()


def test_a_failed_move_puts_back_what_it_had_moved(board, tmp_path):
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    # Version 2 replaces both files and adds new/x.py and zzz.py; a directory of the user's
    # where zzz.py must go makes the last move fail, after the others were moved.
    board_exec(board, "import os\nos.mkdir('/lib/zzz.py')\nopen('/lib/zzz.py/keep','w').write('k')")
    before = board_snapshot(board, "tcp")
    new = make_pkg(tmp_path / "pkg", version="2.0", files={
        "foo.py": b"X = 2\n", "foo/util.py": b"U = 2\n", "new/x.py": b"N\n", "zzz.py": b"Z\n"})
    r = mip(board, "install", str(new))
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    assert one_error_line(r).endswith(
        "nothing was installed: moving the files into /lib failed: OSError: [Errno 21] EISDIR")
    assert board_snapshot(board, "tcp") == before
    # Without the directory in the way the same install goes through.
    board_exec(board, "import os\nos.remove('/lib/zzz.py/keep')\nos.rmdir('/lib/zzz.py')")
    ok(mip(board, "install", str(new)))
    assert board_cat(board, "/lib/zzz.py") == b"Z\n"
    assert board_cat(board, "/lib/foo/util.py") == b"U = 2\n"
    assert manifest(board)["packages"]["pkg"]["version"] == "2.0"
    assert board_ls(board, "/lib/.mip-staging") is None


# Firmware built without the deflate module (MICROPY_PY_DEFLATE off): importing it fails.
NO_DEFLATE = """import builtins
_mt_i = builtins.__import__
def _mt_no_deflate(n, *a):
    if n == 'deflate':
        raise ImportError("no module named 'deflate'")
    return _mt_i(n, *a)
builtins.__import__ = _mt_no_deflate
"""


def test_install_on_a_board_without_deflate(board, tmp_path):
    """The move program (helper, paths and manifest) travels deflated; without deflate it goes
    again as it is, and the install is the same."""
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    new = make_pkg(tmp_path / "pkg", version="2.0", files={"foo.py": b"X = 2\n", "bar.py": b"B\n"})
    out = ok(run(*board.conn_args("tcp"), "exec", NO_DEFLATE, "--", "mip", "install", str(new)))
    assert "Removing: /lib/foo/util.py" in out.splitlines()
    assert board_cat(board, "/lib/foo.py") == b"X = 2\n"
    assert board_cat(board, "/lib/bar.py") == b"B\n"
    assert sorted(board_ls(board, "/lib")) == [".mip.json", "bar.py", "foo.py"]
    assert sorted(manifest(board)["packages"]["pkg"]["files"]) == ["bar.py", "foo.py"]


def test_a_link_cut_mid_upload_installs_nothing(board, tmp_path):
    ok(mip(board, "install", str(make_pkg(tmp_path / "pkg"))))
    before = board_cat(board, "/lib/.mip.json")
    big = random.Random(7).randbytes(60000)  # does not compress
    new = make_pkg(tmp_path / "pkg", version="2.0", files={"foo.py": b"X = 3\n", "big.bin": big})
    proxy = CuttingProxy(board.tcp, 30000)
    r = run("-a", proxy.address, "mip", "install", str(new), timeout=60)
    assert proxy.cut.is_set()
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert b"nothing was installed: " in r.stderr
    assert board_cat(board, "/lib/foo.py") == b"X = 1\n"
    assert board_cat(board, "/lib/big.bin") is None
    assert board_cat(board, "/lib/.mip.json") == before
    # The next install finishes the job (a staging dir left behind is no obstacle).
    ok(mip(board, "install", str(new)))
    assert board_cat(board, "/lib/big.bin") == big
    assert board_ls(board, "/lib/.mip-staging") is None


def test_target_inside_a_mount_is_refused(board, tmp_path):
    (tmp_path / "host" / "lib").mkdir(parents=True)
    pkg = make_pkg(tmp_path / "pkg")
    r = run(*board.conn_args("tcp"), "mount", str(tmp_path / "host"), "--", "mip", "install",
            "--target", "/remote/lib", str(pkg))
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert (b"target /remote/lib is inside a mount: mip installs onto the board's own "
            b"filesystem") in r.stderr
    assert list((tmp_path / "host" / "lib").iterdir()) == []


def test_no_lib_dir_in_sys_path(board):
    r = run(*board.conn_args("tcp"), "exec", "import sys; sys.path[:] = ['', '/rom/lib']",
            "--", "mip", "list")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert b"unable to find lib dir in sys.path, use --target to override" in r.stderr


HELPERS = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "mip" / "helpers"


def facts(b, call, chain=()):
    code = (HELPERS / "mip_facts.py").read_text() + "\nprint(repr(%s))" % call
    r = run(*b.conn_args("tcp"), *chain, "exec", code)
    assert r.returncode == 0, r.stderr
    return ast.literal_eval(r.stdout.decode().strip().splitlines()[-1])


def test_facts_helper_on_the_board(board, tmp_path):
    mpy, target, free, block, vfs, digest, intact, text, filled = facts(
        board, "_mt_mipf(None, False)")
    assert (mpy, target, block, vfs, digest, intact, text, filled) == (
        "6", "/lib", 4096, None, None, None, None, False)
    assert 0 < free <= 2 * 1024 * 1024
    assert facts(board, "_mt_mipf(None, True)")[0] == "py"
    # A relative target is the CWD's; a trailing slash goes; a missing dir is measured at the
    # nearest existing one.
    assert facts(board, "_mt_mipf('x/y/', False)")[1:4] == ("/x/y", free, 4096)
    # A manifest the board cannot read as one comes back as its text (the host reports it).
    board_exec(board, "open('/lib/.mip.json','w').write('{}')")
    assert facts(board, "_mt_mipf('/lib', False)")[5:] == (
        hashlib.sha256(b"{}").hexdigest(), None, "{}", True)
    # The manifest's files are hashed on the board: only those with the recorded hash are intact
    # ('1' per file in sorted path order); the manifest itself travels as its sha256 only.
    good = hashlib.sha256(b"good").hexdigest()
    manifest = json.dumps({"v": 1, "packages": {"p": {"version": "1", "files": {
        "a.py": good, "b.py": good, "gone.py": good}}}})
    board_exec(board, "open('/lib/a.py','w').write('good'); open('/lib/b.py','w').write('bad');"
               "open('/lib/.mip.json','w').write(%r)" % manifest)
    assert facts(board, "_mt_mipf('/lib', False)")[5:] == (
        hashlib.sha256(manifest.encode()).hexdigest(), "100", None, True)
    (tmp_path / "host").mkdir()
    got = facts(board, "_mt_mipf('/remote/lib', False)", chain=("mount", str(tmp_path / "host"), "--"))
    assert got[1] == "/remote/lib" and got[4] == "_mv_R"
