"""`sync LOCAL :DST`: add, update, delete (with --delete), --keep and .mpyignore protection,
--dry-run (the plan printed is what the real run does), --json, the --force guard for deleting
more than half the files, and a re-run with nothing to do."""
import json
import os

from conftest import run


def board_files(board, root):
    code = ("import os\n"
            "def w(p):\n"
            " for n in sorted(os.listdir(p)):\n"
            "  q = p + '/' + n\n"
            "  if os.stat(q)[0] & 0x4000:\n"
            "   print(q + '/'); w(q)\n"
            "  else:\n"
            "   print(q, open(q).read())\n"
            "w(%r)\n" % root)
    r = run("-p", board.pty, "exec", code)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().splitlines()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def test_sync_add_update_delete_keep_ignore(make_board, tmp_path):
    board = make_board()
    src = tmp_path / "proj"
    write(str(src / "main.py"), "main-1")
    write(str(src / "lib" / "a.py"), "a-1")
    write(str(src / "lib" / "b.py"), "b-1")
    write(str(src / "notes.log"), "not for the board")
    write(str(src / "build" / "out.bin"), "not for the board")
    write(str(src / ".mpyignore"), "*.log\n/build/\ncfg/\n")
    r = run("-p", board.pty, "sync", str(src), ":/app", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["added"] == 4 and result["updated"] == 0 and result["deleted"] == 0
    assert board_files(board, "/app") == ["/app/lib/", "/app/lib/a.py a-1", "/app/lib/b.py b-1",
                                          "/app/main.py main-1"]
    # Things on the board that sync must not delete: --keep and .mpyignore (cfg/).
    run("-p", board.pty, "exec",
        "import os\nos.mkdir('/app/cfg'); open('/app/cfg/wifi.json','w').write('w')\n"
        "open('/app/data.db','w').write('d'); open('/app/old.py','w').write('o')\n"
        "os.mkdir('/app/stale'); open('/app/stale/x.py','w').write('x')\n"
        "open('/outside.py','w').write('o')")
    write(str(src / "lib" / "a.py"), "a-2")  # changed
    os.remove(str(src / "lib" / "b.py"))       # gone locally
    write(str(src / "lib" / "c.py"), "c-1")   # new

    r = run("-p", board.pty, "sync", str(src), ":/app", "--delete", "--keep", "*.db",
            "--dry-run")
    assert r.returncode == 0, r.stderr
    plan = r.stdout.decode().splitlines()
    assert sorted(plan) == sorted(["- stale/x.py", "- lib/b.py", "- old.py",
                                   "- stale/", "+ lib/c.py", "~ lib/a.py", "= main.py"]), plan
    assert b"dry run: nothing changed" in r.stderr
    assert "/app/lib/b.py b-1" in board_files(board, "/app")  # nothing changed yet

    r = run("-p", board.pty, "sync", str(src), ":/app", "--delete", "--keep", "*.db", "--json")
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)
    made = sorted("%s %s" % ({"add": "+", "update": "~", "delete": "-", "unchanged": "="}[a["op"]],
                             a["path"]) for a in done["plan"])
    assert made == sorted(plan)  # the plan printed is what was done
    assert board_files(board, "/app") == [
        "/app/cfg/", "/app/cfg/wifi.json w", "/app/data.db d", "/app/lib/", "/app/lib/a.py a-2",
        "/app/lib/c.py c-1", "/app/main.py main-1"]
    assert board_files(board, "")[-1] == "/outside.py o"  # outside DST: untouched

    # Nothing to do: every file unchanged, nothing printed but the summary.
    r = run("-p", board.pty, "sync", str(src), ":/app", "--delete", "--keep", "*.db")
    assert r.returncode == 0 and r.stdout == b""
    assert b"0 added, 0 updated, 0 deleted, 3 unchanged" in r.stderr


def test_deleting_most_files_needs_force(make_board, tmp_path):
    board = make_board()
    src = tmp_path / "big"
    for i in range(4):
        write(str(src / ("m%d.py" % i)), str(i))
    assert run("-p", board.pty, "sync", str(src), ":/lib").returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("-p", board.pty, "sync", str(empty), ":/lib", "--delete")
    assert r.returncode == 2
    assert b"sync: this would delete 4 of the 4 files under :/lib" in r.stderr
    assert len(board_files(board, "/lib")) == 4
    r = run("-p", board.pty, "sync", str(empty), ":/lib", "--delete", "--force")
    assert r.returncode == 0, r.stderr
    assert board_files(board, "/lib") == []
    r = run("-p", board.pty, "sync", str(tmp_path / "nope"), ":/lib")
    assert r.returncode == 2 and b"is not a local directory" in r.stderr
    r = run("-p", board.pty, "sync", str(src), "/lib")
    assert r.returncode == 2


def test_symlink_loop_is_an_error_before_anything_is_uploaded(make_board, tmp_path):
    # `up -> ..` leads to the directory that holds the source: following it would upload the
    # parent tree (and the source inside it again) until the board is full.
    board = make_board()
    src = tmp_path / "proj"
    write(str(src / "main.py"), "main")
    write(str(tmp_path / "secret.txt"), "not for the board")
    os.symlink("..", src / "up")
    for extra in ([], ["--follow-links"]):
        r = run("-p", board.pty, "sync", str(src), ":/app", *extra)
        assert r.returncode != 0
        err = [l for l in r.stderr.decode().splitlines() if not l.startswith("SYNC ")]
        assert err == ["mpytool: error: directory loop (symlink) at '%s'" % (src / "up")], err
        r = run("-p", board.pty, "exec", "import os; print('app' in os.listdir('/'))")
        assert r.stdout.decode().strip() == "False"
    # A loop deeper inside (a link to a directory on the walk's path) too, and cp says the same.
    os.remove(src / "up")
    write(str(src / "lib" / "a.py"), "a")
    os.symlink("../..", src / "lib" / "again")
    r = run("-p", board.pty, "sync", str(src), ":/app")
    assert b"directory loop (symlink) at '%s'" % bytes(src / "lib" / "again") in r.stderr
    r = run("-p", board.pty, "cp", str(src), ":/app")
    assert b"directory loop (symlink) at '%s'" % bytes(src / "lib" / "again") in r.stderr
    r = run("-p", board.pty, "exec", "import os; print('app' in os.listdir('/'))")
    assert r.stdout.decode().strip() == "False"


def test_symlink_outside_is_skipped_unless_follow_links(make_board, tmp_path):
    board = make_board()
    src = tmp_path / "proj"
    write(str(src / "main.py"), "main")
    write(str(tmp_path / "shared" / "util.py"), "util")
    write(str(tmp_path / "cfg.py"), "cfg")
    os.symlink("../shared", src / "shared")
    os.symlink(str(tmp_path / "cfg.py"), src / "cfg.py")  # a file: content, followed anywhere
    r = run("-p", board.pty, "sync", str(src), ":/app")
    assert r.returncode == 0, r.stderr
    assert [l for l in r.stderr.decode().splitlines() if "warning" in l] == [
        "mpytool: warning: skipping '%s': a link to a directory outside the source "
        "(--follow-links)" % (src / "shared")]
    assert board_files(board, "/app") == ["/app/cfg.py cfg", "/app/main.py main"]

    r = run("-p", board.pty, "sync", str(src), ":/app", "--follow-links")
    assert r.returncode == 0, r.stderr
    assert b"warning" not in r.stderr
    assert board_files(board, "/app") == ["/app/cfg.py cfg", "/app/main.py main", "/app/shared/",
                                          "/app/shared/util.py util"]
    # cp follows the same rule.
    r = run("-p", board.pty, "cp", str(src), ":/copy")
    assert r.returncode == 0, r.stderr
    assert b"skipping '%s'" % bytes(src / "shared") in r.stderr
    assert board_files(board, "/copy") == ["/copy/cfg.py cfg", "/copy/main.py main"]
    r = run("-p", board.pty, "cp", "--follow-links", str(src), ":/copy2")
    assert r.returncode == 0, r.stderr
    assert board_files(board, "/copy2") == ["/copy2/cfg.py cfg", "/copy2/main.py main",
                                            "/copy2/shared/", "/copy2/shared/util.py util"]


def test_symlink_inside_the_source_is_followed(make_board, tmp_path):
    board = make_board()
    src = tmp_path / "proj"
    write(str(src / "lib" / "real" / "a.py"), "a")
    os.symlink("real", src / "lib" / "alias")
    os.symlink(str(src / "lib" / "real"), src / "abs_alias")
    r = run("-p", board.pty, "sync", str(src), ":/app")
    assert r.returncode == 0, r.stderr
    assert b"warning" not in r.stderr
    assert board_files(board, "/app") == ["/app/abs_alias/", "/app/abs_alias/a.py a",
                                          "/app/lib/", "/app/lib/alias/", "/app/lib/alias/a.py a",
                                          "/app/lib/real/", "/app/lib/real/a.py a"]
