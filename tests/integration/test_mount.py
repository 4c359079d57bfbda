"""The mount plugin against the virtual board (docs/compatibility.md, "Mount"): `mount`, `ln`,
`umount`, the board's view of a host directory (imports, file API, os.*), read-only vs -w,
several mounts, soft reboots, transparent .mpy (-m), the jail, Ctrl-C of a program imported from
a mount and flow control on a UART link. Every write is checked byte for byte on the host; every
session is checked to leave nothing behind on the board (CWD, mount points, agent globals)."""
import ast
import hashlib
import json
import os
import select
import signal
import subprocess
import time

import pytest

from conftest import MPYTOOL, run

MPY_CROSS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "tools", "mpy-cross",
                                         "mpy-cross"))
USAGE = 2
GENERIC = 1
DEVICE = 4
EROFS = 30
JAILED = (2, 13)  # ENOENT or EACCES: the board may not learn more

# Prints "label OK repr" or "label ERR errno" (or "label EXC type") for each attempt.
TRY = """
def _t(label, f):
    try:
        r = f()
        print(label, 'OK', repr(r))
    except OSError as e:
        print(label, 'ERR', e.errno)
    except Exception as e:
        print(label, 'EXC', type(e).__name__, e)
"""

CLEAN = """
import os
_c = []
for _p in %r:
    try:
        os.stat(_p)
        _c.append(_p)
    except OSError:
        pass
print(os.getcwd(), sorted(os.listdir('/')), _c, [k for k in globals() if k.startswith('_mv')])
del _c, _p
"""


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r


def mt(board, *args, link="pty", **kw):
    return run(*board.conn_args(link), *args, **kw)


def out(r):
    return r.stdout.decode().replace("\r\n", "\n")


def err(r):
    return r.stderr.decode()


def results(r):
    """{label: (kind, value)} from the lines printed by TRY's _t(); an OK value is re-printed
    with CPython's repr (MicroPython escapes non-ASCII characters in repr())."""
    res = {}
    for line in out(r).splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in ("OK", "ERR", "EXC"):
            value = parts[2]
            if parts[1] == "OK":
                try:
                    value = repr(ast.literal_eval(value))
                except (ValueError, SyntaxError):
                    pass
            res[parts[0]] = (parts[1], value)
    return res


KEYS = ("mount_point", "local", "writable", "mpy", "open_files", "submounts")


def mount_json(text):
    """The documented keys of `mount --json` (extra keys are allowed)."""
    return [{k: m[k] for k in KEYS} for m in json.loads(text)]


def assert_clean(board, mps=("/remote",), link="pty"):
    """A second mpytool process sees no leftover of the finished session."""
    r = ok(mt(board, "exec", CLEAN % (list(mps),), link=link))
    assert out(r) == "/ ['lib'] [] []\n", out(r)


def snapshot(root):
    """{relative path: file bytes / ('dir',) / ('link', target)} of everything under root."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                snap[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                snap[rel] = ("dir",)
            else:
                with open(p, "rb") as f:
                    snap[rel] = f.read()
    return snap


def mpy_env():
    assert os.path.exists(os.path.join(os.path.dirname(MPY_CROSS), "node_modules")), \
        "run `npm ci` in tests/tools/mpy-cross (scripts/setup.sh does)"
    return {"MPY_CROSS": MPY_CROSS}


# ------------------------------------------------------------------------------ both links


def test_import_and_read_over_link(board, link, tmp_path):
    src = tmp_path / "src"
    (src / f"pk_{link}" / "sub").mkdir(parents=True)
    (src / f"lk_{link}.py").write_text("import sys\nprint('top', __name__)\nVALUE = 'žluť'\n")
    (src / f"pk_{link}" / "__init__.py").write_text("A = 1\n")
    (src / f"pk_{link}" / "sub" / "__init__.py").write_text("B = 2\n")
    (src / f"pk_{link}" / "sub" / "leaf.py").write_text("C = 3\n")
    (src / "data.txt").write_text("α line\nsecond\n")
    (src / "blob.bin").write_bytes(bytes(range(256)) * 33)
    code = (f"import lk_{link}, pk_{link}.sub.leaf as leaf, pk_{link}, os\n"
            f"print(lk_{link}.VALUE, pk_{link}.A, pk_{link}.sub.B, leaf.C)\n"
            "print(os.getcwd())\n"
            "print(open('data.txt').read(), end='')\n"
            "import hashlib, binascii\n"
            "print(binascii.hexlify(hashlib.sha256(open('/remote/blob.bin', 'rb').read())"
            ".digest()).decode())")
    r = ok(mt(board, "mount", str(src), "--", "exec", code, link=link))
    assert out(r) == (f"top lk_{link}\nžluť 1 2 3\n/remote\nα line\nsecond\n"
                      + hashlib.sha256(bytes(range(256)) * 33).hexdigest() + "\n")
    assert f"Mounted {src} on /remote (readonly)\n" in err(r)
    assert "Changed CWD to /remote\n" in err(r)
    assert_clean(board, link=link)


def test_write_over_link(board, link, tmp_path):
    src = tmp_path / "w"
    src.mkdir()
    code = ("f = open('all.bin', 'wb')\n"
            "f.write(bytes(range(256)) * 20)\n"
            "f.close()\n"
            "with open('žluť.txt', 'w') as f:\n"
            "    f.write('příliš žluťoučký kůň\\n')\n"
            "import os\n"
            "print(*sorted(os.listdir()), sep='|')")
    r = ok(mt(board, "mount", "-w", str(src), ":/wl", "--", "exec", code, link=link))
    assert out(r) == "all.bin|žluť.txt\n"
    assert f"Mounted {src} on /wl (read-write)\n" in err(r)
    assert (src / "all.bin").read_bytes() == bytes(range(256)) * 20
    assert (src / "žluť.txt").read_bytes() == "příliš žluťoučký kůň\n".encode()
    assert_clean(board, ("/wl",), link=link)


# ------------------------------------------------------------------------------ CLI


def test_listing_text_and_json(board, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    r = ok(mt(board, "mount", str(a), ":/la", "--", "mount", "-w", str(b), ":/lb/", "--",
              "mount", "--", "mount", "--json"))
    text, js = out(r).split("[", 1)
    assert text == (f"/la          {a} (readonly)\n"
                    f"/lb          {b} (read-write)\n")
    assert mount_json("[" + js) == [
        {"mount_point": "/la", "local": str(a), "writable": False, "mpy": False,
         "open_files": 0, "submounts": []},
        {"mount_point": "/lb", "local": str(b), "writable": True, "mpy": False,
         "open_files": 0, "submounts": []}]
    e = err(r)
    assert e.count("Changed CWD to") == 1 and "Changed CWD to /la\n" in e
    assert f"Mounted {b} on /lb (read-write)\n" in e
    assert_clean(board, ("/la", "/lb"))


def test_listing_without_mounts(board):
    r = ok(mt(board, "mount"))
    assert out(r) == "" and "No active mounts" in err(r)
    r = ok(mt(board, "mount", "--json"))
    assert json.loads(out(r)) == []


def test_cwd_moves_to_first_mount_and_comes_back(board, tmp_path):
    (tmp_path / "m" / "sub").mkdir(parents=True)
    r = ok(mt(board, "cd", ":/lib", "--", "mount", str(tmp_path / "m"), ":/cw", "--",
              "exec", "import os;print(os.getcwd())", "--", "cd", ":/cw/sub", "--",
              "exec", "import os;print(os.getcwd(), os.listdir())", "--", "umount", "--",
              "exec", "import os;print(os.getcwd())", "--", "cd", ":/"))
    assert out(r) == "/cw\n/cw/sub []\n/lib\n"
    assert_clean(board, ("/cw",))


@pytest.mark.parametrize("args_fn,code,message", [
    (lambda t: ["mount", str(t / "missing")], USAGE, "mount directory not found: {t}/missing"),
    (lambda t: ["mount", str(t), ":app"], USAGE, "mount point must be absolute path (e.g. :/app)"),
    (lambda t: ["mount", str(t), ":/d", str(t), ":/d"], USAGE, "duplicate mount points"),
    (lambda t: ["mount", str(t), ":/n", str(t), ":/n/x"], USAGE, "nested mount '/n/x' is not allowed"),
    (lambda t: ["mount", str(t), ":/"], GENERIC,
     "cannot mount on '/' - use '/remote' or another mount point"),
    (lambda t: ["mount", str(t), ":/o", "--", "mount", str(t), ":/o/in"], GENERIC,
     "'/o/in' is nested inside '/o'"),
    (lambda t: ["mount", str(t), ":/o", "--", "mount", str(t), ":/o"], GENERIC,
     "mount point '/o' already mounted"),
    (lambda t: ["mount", str(t), ":/o", "--", "umount", ":/zz"], GENERIC, "no mount at '/zz'"),
], ids=["missing-dir", "relative-mp", "duplicate", "nested-same-cmd", "root",
        "nested-later", "already-mounted", "umount-unknown"])
def test_mount_errors(board, tmp_path, args_fn, code, message):
    r = mt(board, *args_fn(tmp_path))
    assert r.returncode == code, (r.stdout, r.stderr)
    assert f"mpytool: error: {message.format(t=tmp_path)}\n" in err(r)
    assert_clean(board, ("/o", "/o/in", "/d", "/n"))


def test_umount_one_of_two_and_all(board, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "sub").mkdir(parents=True)
    b.mkdir()
    (a / "fa.txt").write_text("A")
    (b / "fb.txt").write_text("B")
    code_b = "print(open('/ub/fb.txt').read())"
    r = ok(mt(board, "mount", str(a), ":/ua", str(b), ":/ub", "--", "cd", ":/ua/sub", "--",
              "umount", ":/ua", "--",
              "exec", TRY + "import os\nprint(os.getcwd())\n_t('gone', lambda: os.listdir('/ua'))",
              "--", "exec", code_b, "--", "mount", "--", "umount", "--", "umount"))
    assert out(r) == "/\ngone ERR 2\nB\n" + f"/ub          {b} (readonly)\n"
    e = err(r)
    assert "Unmounted /ua\n" in e and "Unmounted /ub\n" in e and "No active mounts" in e
    assert_clean(board, ("/ua", "/ub"))


# ------------------------------------------------------------------------------ reading


def test_file_and_os_api_read_only(board, tmp_path):
    src = tmp_path / "ro"
    (src / "sub").mkdir(parents=True)
    blob = os.urandom(9000)
    (src / "b.bin").write_bytes(blob)
    (src / "t.txt").write_text("first\nsecond\nthird")
    (src / "sub" / "k.txt").write_text("k\n")
    st = os.stat(src / "b.bin")
    code = TRY + """
import os
f = open('b.bin', 'rb')
buf = bytearray(1000)
_t('readinto', lambda: (f.readinto(buf), bytes(buf[:4]).hex(), f.tell()))
_t('seek', lambda: (f.seek(7000), f.tell(), f.read(5).hex()))
_t('seek_end', lambda: (f.seek(-3, 2), f.read().hex(), f.tell()))
_t('seek_cur', lambda: (f.seek(100), f.seek(50, 1), f.read(2).hex()))
_t('big_read', lambda: (f.seek(10), len(f.read(8000)), f.tell()))
_t('eof', lambda: (f.seek(0, 2), f.read(), f.read(10)))
f.close()
with open('t.txt') as f:
    _t('readline', lambda: (f.readline(), f.tell(), f.readline(), list(f)))
_t('readlines', lambda: open('t.txt').readlines())
_t('iter', lambda: [l for l in open('/remote/t.txt')])
_t('read_n', lambda: (lambda f: (f.read(3), f.read(4), f.read()))(open('t.txt')))
_t('listdir', lambda: sorted(os.listdir()))
_t('listdir_abs', lambda: sorted(os.listdir('/remote/sub')))
_t('ilistdir', lambda: sorted(os.ilistdir('/remote')))
_t('stat', lambda: os.stat('b.bin'))
_t('stat_dir', lambda: os.stat('sub')[0])
_t('stat_mp', lambda: os.stat('/remote')[0])
_t('stat_missing', lambda: os.stat('nope'))
_t('open_missing', lambda: open('nope.txt'))
_t('open_dir', lambda: open('sub'))
_t('statvfs', lambda: os.statvfs('/remote')[8])
_t('chdir', lambda: (os.chdir('sub'), os.getcwd(), os.listdir(), open('k.txt').read(),
                     os.chdir('..'), os.getcwd()))
_t('chdir_file', lambda: os.chdir('t.txt'))
"""
    r = ok(mt(board, "mount", str(src), "--", "exec", code))
    res = results(r)
    assert res["readinto"] == ("OK", repr((1000, blob[:4].hex(), 1000)))
    assert res["seek"] == ("OK", repr((7000, 7000, blob[7000:7005].hex())))
    assert res["seek_end"] == ("OK", repr((8997, blob[-3:].hex(), 9000)))
    assert res["seek_cur"] == ("OK", repr((100, 150, blob[150:152].hex())))
    assert res["big_read"] == ("OK", repr((10, 8000, 8010)))
    assert res["eof"] == ("OK", repr((9000, b"", b"")))
    assert res["readline"] == ("OK", repr(("first\n", 6, "second\n", ["third"])))
    assert res["readlines"] == ("OK", repr(["first\n", "second\n", "third"]))
    assert res["iter"] == ("OK", repr(["first\n", "second\n", "third"]))
    assert res["read_n"] == ("OK", repr(("fir", "st\ns", "econd\nthird")))
    assert res["listdir"] == ("OK", repr(["b.bin", "sub", "t.txt"]))
    assert res["listdir_abs"] == ("OK", repr(["k.txt"]))
    assert res["ilistdir"] == ("OK", repr([("b.bin", 0x8000, 0, 9000), ("sub", 0x4000, 0, 0),
                                           ("t.txt", 0x8000, 0, 18)]))
    m = int(st.st_mtime)
    assert res["stat"] == ("OK", repr((0x8000, 0, 0, 0, 0, 0, 9000, m, m, m)))
    assert res["stat_dir"] == ("OK", repr(0x4000))
    assert res["stat_mp"] == ("OK", repr(0x4000))
    assert res["stat_missing"] == ("ERR", "2")
    assert res["open_missing"] == ("ERR", "2")
    assert res["open_dir"] == ("ERR", "21")
    assert res["statvfs"] == ("OK", "1")  # f_flag: read-only
    assert res["chdir"] == ("OK", repr((None, "/remote/sub", ["k.txt"], "k\n", None, "/remote")))
    assert res["chdir_file"] == ("ERR", "20")
    assert_clean(board)


def test_text_utf8_across_chunk_boundaries(board, tmp_path):
    src = tmp_path / "u"
    src.mkdir()
    text = ("ž" * 2047 + "abc\n") * 3 + "€" * 3000  # 2-byte and 3-byte characters split at 4 KB
    (src / "u.txt").write_text(text)
    (src / "long.txt").write_text("x" * 10000 + "\n" + "y" * 5000 + "\ntail")
    code = (TRY + "_t('whole', lambda: open('u.txt').read() == %r)\n" % text
            + "def _chunks():\n"
              " f = open('u.txt'); r = []\n"
              " while True:\n"
              "  c = f.read(333)\n"
              "  if not c: return ''.join(r)\n"
              "  r.append(c)\n"
            + "_t('chunks', lambda: _chunks() == %r)\n" % text
            + "_t('lines', lambda: [len(l) for l in open('long.txt')])\n")
    r = ok(mt(board, "mount", str(src), "--", "exec", code))
    assert results(r) == {"whole": ("OK", "True"), "chunks": ("OK", "True"),
                          "lines": ("OK", "[10001, 5001, 4]")}


def test_board_output_with_protocol_bytes_passes_through(board, tmp_path):
    (tmp_path / "f.txt").write_text("ok")
    raw = b"<\x18\x9a\x01\x00\x18>"
    code = ("import sys\nsys.stdout.buffer.write(%r)\nprint(open('f.txt').read())" % raw)
    r = ok(mt(board, "mount", str(tmp_path), ":/pb", "--", "exec", code, timeout=30))
    assert r.stdout == raw + b"ok\r\n"


# ------------------------------------------------------------------------------ read-only


def test_readonly_refuses_every_change(board, tmp_path):
    src = tmp_path / "ro"
    (src / "sub").mkdir(parents=True)
    (src / "t.txt").write_text("keep")
    (src / "empty").mkdir()
    before = snapshot(tmp_path)
    code = TRY + """
import os
_t('w', lambda: open('new.txt', 'w'))
_t('wb', lambda: open('t.txt', 'wb'))
_t('a', lambda: open('t.txt', 'a'))
_t('r+', lambda: open('t.txt', 'r+'))
_t('w+', lambda: open('t.txt', 'w+'))
_t('x', lambda: open('x.txt', 'x'))
_t('mkdir', lambda: os.mkdir('d'))
_t('remove', lambda: os.remove('t.txt'))
_t('rmdir', lambda: os.rmdir('empty'))
_t('rename', lambda: os.rename('t.txt', 'u.txt'))
_t('rename_dir', lambda: os.rename('sub', 'sub2'))
_t('read', lambda: open('t.txt').read())
"""
    r = ok(mt(board, "mount", str(src), "--", "exec", code))
    res = results(r)
    for label in ("w", "wb", "a", "r+", "w+", "x", "mkdir", "remove", "rmdir", "rename",
                  "rename_dir"):
        assert res[label] == ("ERR", str(EROFS)), (label, res[label])
    assert res["read"] == ("OK", "'keep'")
    assert snapshot(tmp_path) == before
    assert_clean(board)


# ------------------------------------------------------------------------------ writable


def test_writable_file_and_dir_operations(board, tmp_path):
    src = tmp_path / "rw"
    src.mkdir()
    (src / "rp.txt").write_text("abcdef")
    (src / "gone.txt").write_text("x")
    (src / "emptydir").mkdir()
    code = TRY + """
import os
data = bytes(range(256)) * 40
with open('bin.dat', 'wb') as f:
    f.write(data[:5000]); f.write(data[5000:])
_t('readback', lambda: open('bin.dat', 'rb').read() == data)
with open('žluť.txt', 'w') as f:
    f.write('příliš žluťoučký kůň\\n')
with open('log.txt', 'w') as f:
    f.write('one\\n')
with open('log.txt', 'a') as f:
    f.write('two\\n')
with open('log.txt', 'ab') as f:
    f.write(b'\\x00\\xff\\n')
def _rp():
    with open('rp.txt', 'r+') as f:
        a = f.read(2); f.seek(2); f.write('XY'); f.seek(0); return a, f.read()
_t('r+', _rp)
def _wp():
    with open('wp.txt', 'w+') as f:
        f.write('hello world'); f.seek(6); return f.read()
_t('w+', _wp)
def _sparse():
    with open('sp.bin', 'wb') as f:
        f.write(b'ab'); f.seek(10); f.write(b'cd'); return f.tell()
_t('sparse', _sparse)
_t('mkdir', lambda: os.mkdir('newdir'))
with open('newdir/f.txt', 'w') as f:
    f.write('in dir')
_t('mkdir_exists', lambda: os.mkdir('newdir'))
_t('rmdir', lambda: os.rmdir('emptydir'))
_t('rmdir_nonempty', lambda: os.rmdir('newdir'))
_t('remove', lambda: os.remove('gone.txt'))
_t('remove_missing', lambda: os.remove('gone.txt'))
with open('old.txt', 'w') as f:
    f.write('renamed')
_t('rename', lambda: os.rename('old.txt', 'newdir/new.txt'))
_t('rename_dir', lambda: os.rename('newdir', 'movedir'))
_t('listdir', lambda: sorted(os.listdir()))
_t('stat', lambda: os.stat('bin.dat')[6])
_t('statvfs', lambda: os.statvfs('/remote')[8])
"""
    r = ok(mt(board, "mount", "-w", str(src), "--", "exec", code))
    res = results(r)
    assert res == {
        "readback": ("OK", "True"),
        "r+": ("OK", repr(("ab", "abXYef"))),
        "w+": ("OK", "'world'"),
        "sparse": ("OK", "12"),
        "mkdir": ("OK", "None"),
        "mkdir_exists": ("ERR", "17"),
        "rmdir": ("OK", "None"),
        "rmdir_nonempty": ("ERR", "39"),
        "remove": ("OK", "None"),
        "remove_missing": ("ERR", "2"),
        "rename": ("OK", "None"),
        "rename_dir": ("OK", "None"),
        "listdir": ("OK", repr(sorted(["bin.dat", "log.txt", "movedir", "rp.txt", "sp.bin",
                                       "wp.txt", "žluť.txt"]))),
        "stat": ("OK", "10240"),
        "statvfs": ("OK", "0"),
    }, out(r)
    assert snapshot(src) == {
        "bin.dat": bytes(range(256)) * 40,
        "žluť.txt": "příliš žluťoučký kůň\n".encode(),
        "log.txt": b"one\ntwo\n\x00\xff\n",
        "rp.txt": b"abXYef",
        "wp.txt": b"hello world",
        "sp.bin": b"ab" + b"\0" * 8 + b"cd",
        "movedir": ("dir",),
        "movedir/f.txt": b"in dir",
        "movedir/new.txt": b"renamed",
    }
    assert_clean(board)


def test_write_payloads_with_protocol_bytes(board, tmp_path):
    """0x18 (the request magic), Ctrl-C, Ctrl-D in data and a 24-byte path (length byte 0x18)."""
    src = tmp_path / "pb"
    src.mkdir()
    data = bytes([0x18, 0x9A]) * 3000 + b"\x18" * 100 + b"\x03\x04\x18\x9a\x01"
    name = "a" * 20 + ".bin"  # 24 bytes
    code = (TRY + "d = %r\n" % data
            + "with open(%r, 'wb') as f:\n    f.write(d)\n" % name
            + "_t('back', lambda: open(%r, 'rb').read() == d)\n" % name)
    r = ok(mt(board, "mount", "-w", str(src), "--", "exec", code))
    assert results(r) == {"back": ("OK", "True")}
    assert (src / name).read_bytes() == data


def test_single_large_write(make_board, tmp_path):
    """One write() call larger than a request frame (64 KB) must still land on the host."""
    b = make_board()
    src = tmp_path / "lw"
    src.mkdir()
    code = ("f = open('big.bin', 'wb')\nf.write(bytes(range(256)) * 300)\nf.close()\n"
            "import os\nprint(os.stat('big.bin')[6])")
    try:
        r = mt(b, "mount", "-w", str(src), "--", "exec", "-t", "5", code, timeout=40)
    except subprocess.TimeoutExpired:
        pytest.fail("mpytool hung on a 76800-byte write()")
    assert r.returncode == 0, (r.returncode, r.stdout[-300:], r.stderr[-300:])
    assert out(r) == "76800\n"
    assert (src / "big.bin").read_bytes() == bytes(range(256)) * 300


def test_unclosed_file_reaches_host(board, tmp_path):
    src = tmp_path / "nc"
    src.mkdir()
    r = ok(mt(board, "mount", "-w", str(src), "--",
              "exec", "open('nc.txt', 'w').write('data')\nimport gc\ngc.collect()"))
    assert (src / "nc.txt").read_bytes() == b"data"
    assert_clean(board)


# ------------------------------------------------------------------------------ two mounts


def test_two_mounts_with_files_open_on_both(board, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "big.bin").write_bytes(b"\x01" * 10000)
    (b / "big.bin").write_bytes(b"\x02" * 10000)
    read_both = """
fa = open('/ta/big.bin', 'rb'); fb = open('/tb/big.bin', 'rb')
ra = []; rb = []
while True:
    x = fa.read(3000); y = fb.read(3000)
    if not x and not y:
        break
    ra.append(x); rb.append(y)
print(b''.join(ra) == b'\\x01' * 10000, b''.join(rb) == b'\\x02' * 10000)
"""
    r = ok(mt(board, "mount", str(a), ":/ta", str(b), ":/tb", "--", "exec", read_both, "--",
              "mount", "--json", "--", "exec", "print(fa.tell(), fb.tell()); fa.close(); fb.close()",
              "--", "mount", "--json"))
    lines = out(r).splitlines()
    assert lines[0] == "True True"
    assert [m["open_files"] for m in mount_json(lines[1])] == [1, 1]
    assert lines[2] == "10000 10000"
    assert [m["open_files"] for m in mount_json(lines[3])] == [0, 0]
    assert_clean(board, ("/ta", "/tb"))

    # Two mount commands, one writable: interleaved write on one and read on the other.
    code = TRY + """
import os
print(os.getcwd())
fa = open('/ta/w.txt', 'w'); fb = open('/tb/big.bin', 'rb')
fa.write('A' * 5000)
n = len(fb.read(5000))
fa.write('B')
_t('n', lambda: (n, len(fb.read())))
fa.close(); fb.close()
_t('ro', lambda: open('/tb/x', 'w'))
"""
    r = ok(mt(board, "mount", "-w", str(a), ":/ta", "--", "mount", str(b), ":/tb", "--",
              "exec", code))
    assert out(r).splitlines()[0] == "/ta"
    assert results(r) == {"n": ("OK", "(5000, 5000)"), "ro": ("ERR", str(EROFS))}
    assert (a / "w.txt").read_bytes() == b"A" * 5000 + b"B"
    assert not (b / "x").exists()
    assert_clean(board, ("/ta", "/tb"))


# ------------------------------------------------------------------------------ ln


def test_ln_links_into_a_mount(board, tmp_path):
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    drivers = tmp_path / "drivers"
    drivers.mkdir()
    (drivers / "__init__.py").write_text("print('drivers init')\n")
    (drivers / "lnx.py").write_text("print('drivers lnx')\n")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "e.txt").write_text("E")
    single = tmp_path / "single.py"
    single.write_text("S = 7\n")
    code = ("import sys, os\nsys.path.append('/app/lib')\nimport drivers.lnx, lns\nprint(lns.S)\n"
            "print(sorted(os.listdir('/app/lib')), sorted(os.listdir('/app')),"
            " os.listdir('/app/ext'), open('/app/ext/e.txt').read())")
    r = ok(mt(board, "mount", str(app), ":/app", "--", "ln", str(drivers), ":/app/lib/", "--",
              "ln", str(single), ":/app/lib/lns.py", "--", "ln", str(extra) + "/", ":/app/ext/",
              "--", "exec", code, "--", "mount", "--", "mount", "--json"))
    text = out(r)
    head, js = text.split("[{", 1)
    assert head == ("drivers init\ndrivers lnx\n7\n"
                    "['drivers', 'lns.py'] ['ext', 'lib'] ['e.txt'] E\n"
                    f"/app         {app} (readonly)\n"
                    f"  /app/ext -> {extra}\n"
                    f"  /app/lib/drivers -> {drivers}\n"
                    f"  /app/lib/lns.py -> {single}\n")
    subs = mount_json("[{" + js)[0]["submounts"]
    assert sorted((s["path"], s["local"]) for s in subs) == [
        ("/app/ext", str(extra)), ("/app/lib/drivers", str(drivers)),
        ("/app/lib/lns.py", str(single))]
    e = err(r)
    assert f"Linked {drivers} -> /app/lib/drivers\n" in e
    assert f"Linked {single} -> /app/lib/lns.py\n" in e
    # Host-side only: nothing appeared in the mounted directory.
    assert snapshot(app) == {"lib": ("dir",)}
    assert_clean(board, ("/app",))


def test_ln_several_sources_into_a_directory(board, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    for n in ("l1.txt", "l2.txt"):
        (tmp_path / n).write_text(n)
    r = ok(mt(board, "mount", str(app), ":/ls", "--", "ln", str(tmp_path / "l1.txt"),
              str(tmp_path / "l2.txt"), ":/ls/v/", "--", "exec",
              "import os;print(os.listdir('/ls'), sorted(os.listdir('/ls/v')),"
              " open('/ls/v/l2.txt').read())"))
    assert out(r) == "['v'] ['l1.txt', 'l2.txt'] l2.txt\n"
    assert_clean(board, ("/ls",))


@pytest.mark.parametrize("ln_args,message", [
    ([], "ln requires source(s) and destination"),
    (["{f}"], "ln requires source(s) and destination"),
    (["{f}", "/app/"], "ln destination must be device path (: prefix)"),
    (["{f}", ":app/"], "ln destination must be absolute path (e.g. :/lib/)"),
    (["{f}", "{f}", ":/app/lib"], "multiple sources require directory destination (trailing /)"),
    (["{f}", ":/elsewhere/"], "ln requires an active mount (use mount first)"),
    (["{t}/nope", ":/app/"], "source not found: '{t}/nope'"),
], ids=["nothing", "no-dst", "no-colon", "relative", "multi-no-slash", "no-mount", "no-source"])
def test_ln_errors(board, tmp_path, ln_args, message):
    (tmp_path / "app").mkdir()
    f = tmp_path / "f.py"
    f.write_text("")
    args = [a.format(f=f, t=tmp_path) for a in ln_args]
    r = mt(board, "mount", str(tmp_path / "app"), ":/app", "--", "ln", *args)
    assert r.returncode == USAGE, (r.stdout, r.stderr)
    assert f"mpytool: error: {message.format(t=tmp_path)}\n" in err(r)
    assert_clean(board, ("/app",))


def test_ln_without_any_mount(board, tmp_path):
    f = tmp_path / "f.py"
    f.write_text("")
    r = mt(board, "ln", str(f), ":/app/")
    assert r.returncode == USAGE
    assert "mpytool: error: ln requires an active mount (use mount first)\n" in err(r)


# ------------------------------------------------------------------------------ soft reboot


def test_chained_reset_remounts_with_cwd_and_links(board, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "srapp.py").write_text("print('srapp ran')\n")
    linked = tmp_path / "srlinked.py"
    linked.write_text("print('srlinked ran')\n")
    r = ok(mt(board, "mount", str(src), "--", "reset", "--", "exec",
              "import srapp, os; print(os.getcwd())"))
    assert out(r) == "srapp ran\n/remote\n"
    assert_clean(board)
    # The CWD chosen with cd (inside the mount) and ln links survive the reboot; RAM does not.
    r = ok(mt(board, "mount", str(src), "--", "ln", str(linked), ":/remote/sub/", "--",
              "cd", ":/remote/sub", "--", "exec", "marker = 1", "--", "reset", "--", "exec",
              "import os, srlinked; print(os.getcwd(), sorted(os.listdir()), 'marker' in globals())"))
    assert out(r) == "srlinked ran\n/remote/sub ['srlinked.py'] False\n"
    assert_clean(board)


def test_soft_reset_from_exec_then_more_commands(make_board, tmp_path):
    b = make_board()
    (tmp_path / "sxapp.py").write_text("print('sxapp ran')\n")
    r = mt(b, "mount", str(tmp_path), "--", "exec", "import machine; machine.soft_reset()", "--",
           "exec", "import sxapp, os; print(os.getcwd())", timeout=40)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    assert out(r) == "sxapp ran\n/remote\n"
    assert_clean(b)


# ------------------------------------------------------------------------------ -m (.mpy)


def test_mpy_imports_compiled_modules(board, tmp_path):
    src = tmp_path / "mp"
    (src / "mpk").mkdir(parents=True)
    (src / "mcomp.py").write_text("import sys\nprint(__file__)\nV = 'žluť'\n")
    (src / "mpk" / "__init__.py").write_text("print(__file__)\n")
    (src / "boot.py").write_text("print('boot ran', __file__)\n")
    (src / "main.py").write_text("print('main ran', __file__)\n")
    (tmp_path / "mpre.py").write_text("def f():\n    return 42\n")
    subprocess.run([MPY_CROSS, "-o", str(src / "mpre.mpy"), str(tmp_path / "mpre.py")],
                   check=True, capture_output=True, timeout=60, env=dict(os.environ, **mpy_env()))
    code = ("import mcomp, mpk, mpre, main, os\nprint(mcomp.V, mpre.f())\n"
            "print(os.stat('boot.py')[6], os.stat('main.py')[6])")
    r = ok(mt(board, "mount", "-m", str(src), "--", "exec", code, "--", "mount",
              env=mpy_env(), timeout=120))
    lines = out(r).splitlines()
    assert lines[0].endswith("mcomp.mpy"), lines
    assert lines[1].endswith(".mpy") and "mpk" in lines[1], lines
    assert lines[2].startswith("main ran ") and lines[2].endswith("main.py"), lines
    assert lines[3] == "žluť 42"
    assert lines[4] == "%d %d" % (os.path.getsize(src / "boot.py"), os.path.getsize(src / "main.py"))
    assert lines[5] == f"/remote      {src} (readonly, .mpy compilation)"
    assert f"Mounted {src} on /remote (readonly, .mpy compilation)\n" in err(r)
    compiled = os.listdir(src / "__pycache__")
    assert any(n.startswith("mcomp.") for n in compiled), compiled
    assert not any(n.startswith(("boot.", "main.")) for n in compiled), compiled
    assert_clean(board)


def test_mpy_recompiles_an_edited_source(board, tmp_path):
    src = tmp_path / "mp"
    src.mkdir()
    mod = src / "medit.py"
    mod.write_text("print('version 1', __file__)\n")
    code = "import sys\nsys.modules.pop('medit', None)\nimport medit"
    r = ok(mt(board, "mount", "-m", str(src), "--", "exec", code, env=mpy_env(), timeout=120))
    assert out(r).startswith("version 1 ") and out(r).rstrip().endswith(".mpy"), out(r)
    mod.write_text("print('version 2', __file__)\n")
    t = time.time() + 5
    os.utime(mod, (t, t))
    r = ok(mt(board, "mount", "-m", str(src), "--", "exec", code, env=mpy_env(), timeout=120))
    assert out(r).startswith("version 2 ") and out(r).rstrip().endswith(".mpy"), out(r)
    assert_clean(board)


def test_new_run_imports_the_edited_module(board, tmp_path):
    src = tmp_path / "nr"
    src.mkdir()
    mod = src / "nrmod.py"
    mod.write_text("V = 1\n")
    r = ok(mt(board, "mount", str(src), "--", "exec", "import nrmod; print(nrmod.V)"))
    assert out(r) == "1\n"
    mod.write_text("V = 2\n")
    t = time.time() + 5
    os.utime(mod, (t, t))
    r = ok(mt(board, "mount", str(src), "--", "exec", "import nrmod; print(nrmod.V)"))
    assert out(r) == "2\n"


# ------------------------------------------------------------------------------ the jail


def make_jail(tmp_path):
    """tmp/app (mounted), tmp/outside.txt, tmp/app2/x (a sibling with the same prefix)."""
    app = tmp_path / "app"
    (app / "d").mkdir(parents=True)
    (app / "real.txt").write_text("inner\n")
    (app / "d" / "f.txt").write_text("in d\n")
    (app / "m.txt").write_text("move me\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    (tmp_path / "app2").mkdir()
    (tmp_path / "app2" / "x").write_text("sibling\n")
    os.symlink("../outside.txt", app / "out_link")
    os.symlink(str(tmp_path / "outside.txt"), app / "abs_out_link")
    os.symlink("/etc", app / "etc_link")
    os.symlink(str(tmp_path), app / "up_link")
    os.symlink("../app2/x", app / "sib_link")
    os.symlink("../app2", app / "sibdir_link")
    os.symlink("../created_by_board.txt", app / "dangling_out")
    os.symlink("out_link", app / "chain_link")
    os.symlink("loop_b", app / "loop_a")
    os.symlink("loop_a", app / "loop_b")
    os.symlink("real.txt", app / "in_link")
    os.symlink(str(app / "real.txt"), app / "abs_in_link")
    os.symlink("d", app / "dir_link")
    return app


def test_jail_reads_stay_inside(board, tmp_path):
    app = make_jail(tmp_path)
    before = snapshot(tmp_path)
    long = "a" * 300
    code = TRY + f"""
import os
_t('dotdot', lambda: open('/remote/../../etc/passwd').read())
_t('dotdot_rel', lambda: open('../../etc/passwd').read())
_t('dotdot_sub', lambda: (os.chdir('/remote/d'), open('../../../outside.txt').read()))
os.chdir('/remote')
_t('dotdot_out', lambda: open('/remote/../outside.txt').read())
_t('sib_dotdot', lambda: open('/remote/../app2/x').read())
_t('out_link', lambda: open('/remote/out_link').read())
_t('abs_out_link', lambda: open('abs_out_link').read())
_t('chain_link', lambda: open('chain_link').read())
_t('etc_open', lambda: open('/remote/etc_link/passwd').read())
_t('etc_list', lambda: os.listdir('/remote/etc_link'))
_t('etc_ilist', lambda: list(os.ilistdir('etc_link')))
_t('etc_stat', lambda: os.stat('/remote/etc_link/passwd'))
_t('etc_chdir', lambda: os.chdir('etc_link'))
_t('out_stat', lambda: os.stat('out_link'))
_t('up_list', lambda: os.listdir('up_link'))
_t('up_read', lambda: open('up_link/outside.txt').read())
_t('sib_link', lambda: open('sib_link').read())
_t('sibdir_link', lambda: open('sibdir_link/x').read())
_t('sibdir_list', lambda: os.listdir('sibdir_link'))
_t('loop', lambda: open('loop_a').read())
_t('long_stat', lambda: os.stat('/remote/{long}'))
_t('long_open', lambda: open('{long}'))
_t('in_link', lambda: open('in_link').read())
_t('abs_in_link', lambda: open('abs_in_link').read())
_t('dir_link', lambda: (os.listdir('dir_link'), open('/remote/dir_link/f.txt').read()))
_t('listing', lambda: [n for n in sorted(os.listdir('/remote'))
                       if n in ('d', 'real.txt', 'm.txt', 'in_link', 'abs_in_link', 'dir_link')])
_t('cwd', lambda: os.getcwd())
"""
    r = ok(mt(board, "mount", str(app), "--", "exec", code))
    res = results(r)
    assert "root:" not in out(r) and "secret" not in out(r) and "sibling" not in out(r)
    for label in ("dotdot", "dotdot_rel", "dotdot_sub", "dotdot_out", "sib_dotdot", "out_link",
                  "abs_out_link", "chain_link", "etc_open", "etc_list", "etc_ilist", "etc_stat",
                  "etc_chdir", "out_stat", "up_list", "up_read", "sib_link", "sibdir_link",
                  "sibdir_list", "loop", "long_stat", "long_open"):
        assert label in res, (label, out(r))
        assert res[label][0] == "ERR" and int(res[label][1]) in JAILED, (label, res[label])
    assert res["in_link"] == ("OK", repr("inner\n"))
    assert res["abs_in_link"] == ("OK", repr("inner\n"))
    assert res["dir_link"] == ("OK", repr((["f.txt"], "in d\n")))
    assert res["listing"] == ("OK", repr(["abs_in_link", "d", "dir_link", "in_link", "m.txt",
                                          "real.txt"]))
    assert res["cwd"] == ("OK", "'/remote'")
    assert snapshot(tmp_path) == before
    assert_clean(board)


def test_jail_writes_stay_inside(board, tmp_path):
    app = make_jail(tmp_path)
    outside_before = {k: v for k, v in snapshot(tmp_path).items()
                      if not k.startswith("app" + os.sep) and k != "app"}
    code = TRY + """
import os
_t('w_out_link', lambda: open('out_link', 'w').write('x'))
_t('a_out_link', lambda: open('out_link', 'a').write('x'))
_t('rp_out_link', lambda: open('abs_out_link', 'r+').write('x'))
_t('w_dangling', lambda: open('dangling_out', 'w').write('x'))
_t('w_up', lambda: open('up_link/new.txt', 'w').write('x'))
_t('w_sib', lambda: open('sib_link', 'w').write('x'))
_t('w_sibdir', lambda: open('sibdir_link/new', 'w').write('x'))
_t('w_etc', lambda: open('etc_link/mpytool_test', 'w').write('x'))
_t('mkdir_up', lambda: os.mkdir('up_link/newdir'))
_t('mkdir_etc', lambda: os.mkdir('etc_link/newdir'))
_t('rm_up', lambda: os.remove('up_link/outside.txt'))
_t('rm_sib', lambda: os.remove('sibdir_link/x'))
_t('rmdir_up', lambda: os.rmdir('up_link/app2'))
_t('ren_up', lambda: os.rename('real.txt', 'up_link/moved.txt'))
_t('ren_from_up', lambda: os.rename('up_link/outside.txt', 'stolen.txt'))
_t('ren_sib', lambda: os.rename('sibdir_link/x', 'stolen2.txt'))
_t('ren_dotdot', lambda: os.rename('m.txt', '../outside.txt'))
_t('w_dotdot', lambda: open('/remote/../../created.txt', 'w').close())
"""
    r = ok(mt(board, "mount", "-w", str(app), "--", "exec", code))
    res = results(r)
    for label in ("w_out_link", "a_out_link", "rp_out_link", "w_dangling", "w_up", "w_sib",
                  "w_sibdir", "w_etc", "mkdir_up", "mkdir_etc", "rm_up", "rm_sib", "rmdir_up",
                  "ren_up", "ren_from_up", "ren_sib"):
        assert label in res, (label, out(r))
        assert res[label][0] == "ERR" and int(res[label][1]) in JAILED, (label, res[label])
    # '..' above the mount point is clamped by the board's path handling: either refused or
    # kept inside the mount, never outside it.
    for label in ("ren_dotdot", "w_dotdot"):
        assert res[label][0] in ("OK", "ERR"), (label, res[label])
    after = snapshot(tmp_path)
    outside_after = {k: v for k, v in after.items()
                     if not k.startswith("app" + os.sep) and k != "app"}
    assert outside_after == outside_before
    assert not os.path.exists("/etc/mpytool_test")
    assert (app / "real.txt").read_text() == "inner\n"
    moved = [k for k, v in after.items() if v == b"move me\n"]
    assert len(moved) == 1 and moved[0].startswith("app" + os.sep), moved
    assert_clean(board)


def test_jail_bytes_paths(board, tmp_path):
    (tmp_path / "real.txt").write_text("inner\n")
    before = snapshot(tmp_path)
    code = TRY + """
import os
_t('valid', lambda: os.stat(b'/remote/real.txt')[6])
_t('invalid_utf8', lambda: os.stat(b'/remote/\\xff\\xfe'))
_t('invalid_utf8_open', lambda: open(b'/remote/\\xc3(', 'rb'))
"""
    r = ok(mt(board, "mount", str(tmp_path), "--", "exec", code))
    res = results(r)
    assert res["valid"] == ("OK", "6")
    for label in ("invalid_utf8", "invalid_utf8_open"):
        assert res[label][0] == "ERR" and int(res[label][1]) in JAILED, (label, res[label])
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------ Ctrl-C


def test_ctrl_c_stops_a_program_imported_from_the_mount(board, tmp_path):
    (tmp_path / "ccloop.py").write_text(
        "import time\nprint('looping')\nwhile True:\n    time.sleep(0.1)\n")
    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.Popen([MPYTOOL, *board.conn_args("pty"), "mount", str(tmp_path), "--",
                          "exec", "import ccloop"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        seen = b""
        deadline = time.time() + 20
        while b"looping" not in seen and time.time() < deadline:
            if select.select([p.stdout], [], [], 0.5)[0]:
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    break
                seen += chunk
        assert b"looping" in seen, seen
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode in (130, 4), (p.returncode, stderr)
    if p.returncode == 4:
        assert b"KeyboardInterrupt" in stderr
    r = ok(mt(board, "exec", "print(1)"))
    assert out(r) == "1\n"
    assert_clean(board)


# ------------------------------------------------------------------------------ UART link


def test_uart_flow_control_reads_lose_nothing(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--link", "uart", "--baud", "115200")
    blob = os.urandom(30 * 1024)
    words = ["alpha", "beta", "žluť", "kůň", "\x03", "\x18\x9a", "€uro"]
    lines, size, i = [], 0, 0
    while size < 20 * 1024:
        line = " ".join(words[(i * 7 + k) % len(words)] for k in range(i % 9 + 1)) + "\n"
        lines.append(line)
        size += len(line.encode())
        i += 1
    text = "".join(lines)
    (tmp_path / "r.bin").write_bytes(blob)
    (tmp_path / "t.txt").write_text(text)
    code = """
import hashlib, binascii
def h(n, m):
    s = hashlib.sha256()
    with open(n, m) as f:
        while True:
            d = f.read(1000)
            if not d:
                break
            s.update(d if m == 'rb' else d.encode())
    print(n, binascii.hexlify(s.digest()).decode())
h('r.bin', 'rb')
h('t.txt', 'r')
s = hashlib.sha256(open('t.txt').read().encode())
print('whole', binascii.hexlify(s.digest()).decode())
"""
    r = ok(mt(b, "mount", str(tmp_path), "--", "exec", code, timeout=120))
    th = hashlib.sha256(text.encode()).hexdigest()
    assert out(r) == (f"r.bin {hashlib.sha256(blob).hexdigest()}\n"
                      f"t.txt {th}\nwhole {th}\n")
    r = ok(mt(b, "exec", "import _vboard\nprint(hasattr(_vboard, 'rx_overruns'))"))
    if out(r).strip() != "True":
        pytest.skip("_vboard.rx_overruns() is not available in this vboard")
    r = ok(mt(b, "exec", "import _vboard;print(_vboard.rx_overruns())"))
    assert out(r) == "0\n"
