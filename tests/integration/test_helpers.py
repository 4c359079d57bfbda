"""The MicroPython helpers of core/helpers/ and sdk/files/helpers/ run on the virtual board and do
what the host expects."""
import base64
import hashlib
import pathlib

from conftest import run

ROOT = pathlib.Path(__file__).resolve().parents[2]
HELPERS = {"info": ROOT / "core" / "helpers"}
FS_HELPERS = ROOT / "sdk" / "files" / "helpers"


def board_eval(board, setup, expr):
    code = "".join((HELPERS.get(h, FS_HELPERS) / f"{h}.py").read_text() + "\n" for h in
                   ("stat", "tree", "mkdir", "rmdir", "hash", "finfo", "info"))
    r = run(*board.conn_args("tcp"), "exec", code + setup, "--", "eval", expr)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


def test_stat_mkdir_tree_rmdir(board):
    setup = ("_mt_mkdir('/h/a/b')\nopen('/h/a/f.txt', 'w').write('12345')\n"
             "open('/h/top', 'w').write('x')\n")
    assert board_eval(board, setup, "(_mt_stat('/h'), _mt_stat('/h/a/f.txt'), _mt_stat('/nope'))") \
        == "(-1, 5, None)"
    # A file in the way of a directory is reported (the file's path), not clobbered.
    assert board_eval(board, "", "(_mt_mkdir('/h/top/x/y'), _mt_mkdir('/h/a'))") == "('/h/top', 0)"
    assert board_eval(board, "", "_mt_tree('/h')") == \
        "('/h', 6, [('a', 5, [('b', 0, []), ('f.txt', 5, None)]), ('top', 1, None)])"
    assert board_eval(board, "_mt_rmdir('/h')", "_mt_stat('/h')") == "None"


def test_hash_and_finfo_match_host_sha256(board):
    data = bytes(range(256)) * 5
    digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
    setup = f"open('/bin.dat', 'wb').write({data!r})\n"
    assert board_eval(board, setup, "_mt_hash('/bin.dat')") == f"b'{digest}'"
    out = board_eval(board, "", "_mt_finfo({'/bin.dat': 1280, '/lib': 0, '/x': 1, 'bin.dat': 3})")
    assert out == (f"{{'/bin.dat': (1280, b'{digest}'), '/lib': None, '/x': None, "
                   f"'bin.dat': (1280, None)}}")


def test_info_helpers(make_board):
    b = make_board("--platform", "rp2")
    out = board_eval(b, "", "(len(_mt_uid()), [m[0] for m in _mt_macs()], _mt_fs()[0][0])")
    assert out.startswith("(") and "'WiFi'" in out and out.endswith("'/')")


def sent_definitions(stderr):
    """The guard's and the helpers' definitions a -dd wire trace shows going to the board."""
    text = stderr.decode(errors="replace")
    return text.count("_mt_s=b'def _mt_g"), text.count("_mt_H.add(")


def test_a_later_run_reuses_what_the_board_kept(make_board):
    """The board keeps the guard and the helpers in its RAM after a run (its registry _mt_H holds
    their sources' CRC-32s): the next run on the same REPL state sends none of them again; after a
    soft reset (RAM new) everything goes again and still works."""
    b = make_board()
    link = b.conn_args("tcp")
    r = run(*link, "exec", "open('/src.txt', 'w').write('x' * 3000)")
    assert r.returncode == 0, r.stderr
    cmd = (*link, "-dd", "cp", ":/src.txt", ":/copy.txt", "+", "ls", ":/")
    first = run(*cmd)
    assert first.returncode == 0, first.stderr
    guard, helpers = sent_definitions(first.stderr)
    assert guard == 1 and helpers >= 1
    again = run(*cmd)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert sent_definitions(again.stderr) == (0, 0)
    # A helper the board holds under another source (another version of the tool) is sent.
    r = run(*link, "exec", "_mt_H.clear()\n_mt_H.add(1)")
    assert r.returncode == 0, r.stderr
    third = run(*cmd)
    assert third.returncode == 0 and third.stdout == first.stdout
    guard, helpers = sent_definitions(third.stderr)
    assert guard == 1 and helpers >= 1
    # A soft reset clears the RAM and the registry with it.
    r = run(*link, "reset")
    assert r.returncode == 0, r.stderr
    fourth = run(*cmd)
    assert fourth.returncode == 0, fourth.stderr
    assert fourth.stdout == first.stdout
    guard, helpers = sent_definitions(fourth.stderr)
    assert guard == 1 and helpers >= 1
