"""Local destinations of downloads (issue 19): `cp :/file DEST` and `flash read` keep what DEST
is. A regular file is replaced atomically with its mode, a symlink is followed (the link stays),
/dev/null stays a character device, a FIFO's reader gets the bytes, `-` and /dev/stdout are
stdout; a read-only or full filesystem is a one-line error naming the cause with nothing left
behind; links planted at the names writers used to take are never followed; a 255-byte name
downloads. Mount-based cases need root (CAP_SYS_ADMIN) and are skipped with the reason otherwise."""
import os
import stat
import subprocess
import threading

import pytest

from conftest import MPYTOOL, Board

MPYTOOL_ABS = os.path.abspath(MPYTOOL) if os.sep in MPYTOOL else MPYTOOL
EXIT_USAGE = 2
DATA = bytes((i * 7 + 3) % 256 for i in range(5000)) + bytes(range(256))
LONG_NAME = "L" * 251 + ".bin"  # 255 bytes


def mt(board, *args, cwd=None, timeout=120):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([MPYTOOL_ABS, *board.conn_args("tcp"), *args], capture_output=True,
                          cwd=cwd, env=env, timeout=timeout)


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout[-300:], r.stderr)
    return r


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """A generic board holding /ld/data.bin, /ld/big.bin (200 KB), /ld/sub/x.txt and a file
    with a 255-byte name."""
    b = Board()
    src = tmp_path_factory.mktemp("ld-src")
    (src / "ld" / "sub").mkdir(parents=True)
    (src / "ld" / "data.bin").write_bytes(DATA)
    (src / "ld" / "big.bin").write_bytes(os.urandom(200 * 1024))
    (src / "ld" / "sub" / "x.txt").write_bytes(b"x\n")
    (src / "ld" / LONG_NAME).write_bytes(b"long name\n")
    ok(mt(b, "cp", str(src / "ld") + "/", ":/ld/"))
    yield b
    b.stop()


def names(d):
    return sorted(os.listdir(d))


@pytest.fixture
def tmpfs(tmp_path):
    """Mounts tmpfs filesystems under tmp_path (root only); unmounts them after the test."""
    mounted = []

    def mount(name, options):
        d = tmp_path / name
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(d)],
                           capture_output=True)
        if r.returncode != 0:
            pytest.skip("mounting a tmpfs is not permitted here (needs root with CAP_SYS_ADMIN): "
                        + r.stderr.decode().strip())
        mounted.append(d)
        return d
    yield mount
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def test_regular_file_is_replaced_with_its_mode(board, tmp_path):
    dest = tmp_path / "data.bin"
    dest.write_bytes(b"old content")
    os.chmod(dest, 0o600)
    ok(mt(board, "cp", ":/ld/data.bin", str(dest)))
    assert dest.read_bytes() == DATA
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert names(tmp_path) == ["data.bin"]
    # A new file: 0666 less the umask (the test process's, inherited).
    old = os.umask(0o027)
    try:
        ok(mt(board, "cp", ":/ld/data.bin", str(tmp_path / "new.bin")))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.bin").st_mode) == 0o640


def test_symlink_is_followed_and_stays_a_link(board, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "t.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.bin"
    link.symlink_to("real/t.bin")
    ok(mt(board, "cp", ":/ld/data.bin", str(link)))
    assert os.path.islink(link) and os.readlink(link) == "real/t.bin"
    assert target.read_bytes() == DATA
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    assert names(tmp_path / "real") == ["t.bin"] and names(tmp_path) == ["link.bin", "real"]
    # A dangling link: the target is created.
    dangling = tmp_path / "dangling.bin"
    dangling.symlink_to(tmp_path / "real" / "created.bin")
    ok(mt(board, "cp", ":/ld/data.bin", str(dangling)))
    assert os.path.islink(dangling)
    assert (tmp_path / "real" / "created.bin").read_bytes() == DATA


def test_dev_null_stays_a_character_device(board, make_board):
    ok(mt(board, "cp", ":/ld/data.bin", "/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    esp = make_board("--platform", "esp32")
    ok(mt(esp, "flash", "read", "nvs", "/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_reader_gets_the_bytes(board, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = mt(board, "cp", ":/ld/big.bin", str(fifo))
    reader.join(timeout=60)
    ok(r)
    assert got and len(got[0]) == 200 * 1024
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert names(tmp_path) == ["pipe"]


def test_dash_and_dev_stdout_are_stdout(board, tmp_path):
    for dest in ("-", "/dev/stdout"):
        r = ok(mt(board, "cp", ":/ld/data.bin", dest, cwd=tmp_path))
        assert r.stdout == DATA, dest
        assert b"/ld/data.bin" in r.stderr  # the progress lines stay on stderr
    assert names(tmp_path) == []
    # Through a shell pipe, as in the issue: `cp :/x /dev/stdout | wc -c`.
    for dest in ("-", "/dev/stdout"):
        line = subprocess.run(
            f"'{MPYTOOL_ABS}' -q -a {board.tcp} cp :/ld/big.bin {dest} | wc -c", shell=True,
            capture_output=True, timeout=120)
        assert line.stdout.decode().strip() == str(200 * 1024), (line.stdout, line.stderr)
    # Appending redirect: the bytes follow what is there, nothing is replaced.
    out = tmp_path / "log"
    out.write_bytes(b"before\n")
    subprocess.run(f"'{MPYTOOL_ABS}' -q -a {board.tcp} cp :/ld/sub/x.txt /dev/stdout >> '{out}'",
                   shell=True, check=True, timeout=120)
    assert out.read_bytes() == b"before\nx\n"


def test_dash_takes_one_file(board, tmp_path):
    for args in ((":/ld", "-"), (":/ld/", "-"), (":/ld/data.bin", ":/ld/sub/x.txt", "-")):
        r = mt(board, "cp", *args, cwd=tmp_path)
        assert r.returncode == EXIT_USAGE, (args, r.stderr)
        assert r.stdout == b""
    r = mt(board, "cp", ":/ld", "-", cwd=tmp_path)
    assert b"mpytool: error: cannot copy a directory to '-' (stdout): /ld" in r.stderr
    r = mt(board, "cp", "--json", ":/ld/data.bin", "-", cwd=tmp_path)
    assert r.returncode == EXIT_USAGE and r.stdout == b""
    # "./-" is the file named "-".
    ok(mt(board, "cp", ":/ld/data.bin", "./-", cwd=tmp_path))
    assert (tmp_path / "-").read_bytes() == DATA


def test_flash_read_to_stdout(make_board):
    esp = make_board("--platform", "esp32")
    r = ok(mt(esp, "flash", "read", "nvs", "-"))
    assert len(r.stdout) == 0x4000
    assert b"saved" in r.stderr
    rp2 = make_board("--platform", "rp2")
    r = ok(mt(rp2, "flash", "read", "-", timeout=300))
    assert len(r.stdout) == 352 * 4096


def test_read_only_directory_is_named_and_nothing_left(board, tmpfs):
    ro = tmpfs("ro", "ro,size=64k")
    r = mt(board, "cp", ":/ld/data.bin", str(ro / "x.bin"))
    assert r.returncode == 1
    assert r.stderr.decode().strip().splitlines()[-1] == (
        f"mpytool: error: cannot write '{ro / 'x.bin'}': read-only file system")
    assert names(ro) == []
    # A directory download: the directory that cannot be made names its cause too.
    r = mt(board, "cp", ":/ld/sub", str(ro) + "/")
    assert r.returncode == 1
    assert (f"mpytool: error: cannot create directory '{ro / 'sub'}': read-only file system"
            in r.stderr.decode()), r.stderr
    assert names(ro) == []


def test_full_filesystem_is_named_and_the_old_file_kept(board, make_board, tmpfs):
    small = tmpfs("small", "size=64k")
    (small / "big.bin").write_bytes(b"old")
    r = mt(board, "cp", ":/ld/big.bin", str(small / "big.bin"))
    assert r.returncode == 1
    assert r.stderr.decode().strip().splitlines()[-1] == (
        f"mpytool: error: cannot write '{small / 'big.bin'}': no space left on device")
    assert (small / "big.bin").read_bytes() == b"old"
    assert names(small) == ["big.bin"]
    # flash read into the same full filesystem: the whole rp2 flash does not fit.
    rp2 = make_board("--platform", "rp2")
    r = mt(rp2, "flash", "read", str(small / "flash.bin"), timeout=300)
    assert r.returncode == 1
    assert b"no space left on device" in r.stderr
    assert names(small) == ["big.bin"]


def test_planted_links_at_old_temporary_names_are_not_followed(board, make_board, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"outside stays")
    dest = tmp_path / "dest"
    dest.mkdir()
    # The names cp (".NAME.mpytmp") and flash read ("NAME.mpytmp") used to write through.
    for n in (".data.bin.mpytmp", "data.bin.mpytmp", ".nvs.bin.mpytmp", "nvs.bin.mpytmp"):
        (dest / n).symlink_to(outside)
    ok(mt(board, "cp", ":/ld/data.bin", str(dest / "data.bin")))
    esp = make_board("--platform", "esp32")
    ok(mt(esp, "flash", "read", "nvs", str(dest / "nvs.bin")))
    assert outside.read_bytes() == b"outside stays"
    assert (dest / "data.bin").read_bytes() == DATA
    assert len((dest / "nvs.bin").read_bytes()) == 0x4000
    assert all(os.path.islink(dest / n) for n in names(dest) if n.endswith(".mpytmp"))
    assert len(names(dest)) == 6


def test_name_of_255_bytes_downloads(board, tmp_path):
    ok(mt(board, "cp", ":/ld/" + LONG_NAME, str(tmp_path) + "/"))
    assert (tmp_path / LONG_NAME).read_bytes() == b"long name\n"
    ok(mt(board, "-f", "cp", ":/ld/" + LONG_NAME, str(tmp_path) + "/"))  # over the old one
    assert names(tmp_path) == [LONG_NAME]
    ok(mt(board, "cp", ":/ld/", str(tmp_path / "tree") + "/"))
    assert (tmp_path / "tree" / LONG_NAME).read_bytes() == b"long name\n"
    assert not [n for _, _, fs in os.walk(tmp_path) for n in fs if n.endswith(".mpytmp")]
