"""Bad links (vboard --noise-ppm/--reset-after/--cut-after): a new version of a set of files is
copied over an old one while the board meets the fault. Whatever happens, every board file is
the old or the new version, never anything else; the run either completes or fails with one
line and the documented exit code; a re-run completes. Noise (up to 1000 ppm): the copy
completes and says how many frames it sent again. A chip reset: named, and resumed once (or
not, with --no-resume). A TCP cut: connected again and resumed (not with --retries 0). The same
for `flash write` (block hashes) and a mount's read path."""
import contextlib
import json
import hashlib
import os
import random
import re
import select
import signal
import time

import pytest

from conftest import Board, run

NAMES = ["main.py", "lib/a.py", "lib/b.bin", "data.bin"]


def version(tag, seed):
    """The files of one version: text and binary, 6..20 KB each."""
    rnd = random.Random(seed)
    files = {}
    for i, name in enumerate(NAMES):
        n = rnd.randint(6000, 20000)
        if name.endswith(".py"):
            body = "".join("x%d = %r  # %s\n" % (k, rnd.random(), tag) for k in range(n // 30))
            files[name] = body.encode()
        else:
            files[name] = bytes(rnd.getrandbits(8) for _ in range(n))
    return files


def write_tree(root, files):
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def board_hashes(board):
    code = ("import hashlib, binascii\n"
            "for n in %r:\n"
            "    try:\n"
            "        h = hashlib.sha256(open('/app/' + n, 'rb').read()).digest()\n"
            "        print(n, binascii.hexlify(h).decode())\n"
            "    except OSError:\n"
            "        print(n, '-')\n" % NAMES)
    r = run("-p", board.pty, "exec", code, timeout=60)
    assert r.returncode == 0, r.stderr
    return dict(line.split() for line in r.stdout.decode().splitlines())


def sha(data):
    return hashlib.sha256(data).hexdigest()


def check_old_or_new(board, old, new):
    got = board_hashes(board)
    for name in NAMES:
        assert got[name] in (sha(old[name]), sha(new[name])), (name, got[name])
    return all(got[n] == sha(new[n]) for n in NAMES)


def one_error_line(stderr):
    lines = [l for l in stderr.decode().splitlines() if l.startswith("mpytool: error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr.decode(), stderr
    return lines[0]


@pytest.fixture
def trees(tmp_path):
    old, new = version("old", 1), version("new", 2)
    write_tree(tmp_path / "old", old)
    write_tree(tmp_path / "new", new)
    return tmp_path, old, new


def wait_armed(b, timeout=15):
    """Until the board says its faults are armed (after 300 ms of idle link; later on a loaded
    machine, so a fixed sleep could let the copy start before they are)."""
    seen = b""
    deadline = time.time() + timeout
    while b"faults armed" not in seen:
        left = deadline - time.time()
        assert left > 0, f"the board did not arm its faults: {seen[-500:]!r}"
        if select.select([b.proc.stderr], [], [], left)[0]:
            chunk = os.read(b.proc.stderr.fileno(), 65536)
            assert chunk, "the board ended"
            seen += chunk


@contextlib.contextmanager
def armed_board(tmp, *options):
    """A board holding the old version, its faults (options) armed from here."""
    b = Board("--faults-armed-by-hook", *options)
    try:
        r = run("-p", b.pty, "cp", str(tmp / "old") + "/", ":/app/", timeout=120)
        assert r.returncode == 0, r.stderr
        b.proc.send_signal(signal.SIGUSR1)
        wait_armed(b)
        yield b
    finally:
        b.stop()


def copy_new(b, tmp, *global_options, conn=None, timeout=120):
    return run(*global_options, *(conn or ["-p", b.pty]), "cp", str(tmp / "new") + "/",
               ":/app/", timeout=timeout)


def disarm(b):
    b.proc.send_signal(signal.SIGUSR2)  # the link is clean again
    time.sleep(0.2)


def rerun_completes(b, tmp, old, new, conn=None):
    r = copy_new(b, tmp, conn=conn)
    assert r.returncode == 0, r.stderr
    assert check_old_or_new(b, old, new)


@pytest.mark.parametrize("ppm,seed", [(200, 1), (200, 2), (1000, 3), (1000, 4), (1000, 5)])
def test_noise_the_copy_completes(trees, ppm, seed):
    tmp, old, new = trees
    with armed_board(tmp, "--noise-ppm", str(ppm), "--noise-seed", str(seed)) as b:
        r = copy_new(b, tmp, timeout=300)
        disarm(b)
        assert r.returncode == 0, r.stderr
        summary = r.stdout.decode() + r.stderr.decode()
        assert re.search(r"\(4 files\)", summary), summary
        assert check_old_or_new(b, old, new)


def test_reset_mid_transfer_is_named_and_resumed(trees):
    tmp, old, new = trees
    with armed_board(tmp, "--reset-after", "20000") as b:
        r = copy_new(b, tmp)
        assert r.returncode == 0, r.stderr
        err = r.stderr.decode()
        assert re.search(r"the board reset during 'cp' \(at :/app/[\w/.]+\); nothing was "
                         r"replaced; resuming", err), err
        assert check_old_or_new(b, old, new)
        # Nothing temporary is left behind.
        r = run("-p", b.pty, "exec", "import os\nprint(os.listdir('/app'), os.listdir('/app/lib'))")
        assert b".mpytmp" not in r.stdout, r.stdout


def test_reset_without_resume_fails_in_one_line_and_a_rerun_completes(trees):
    tmp, old, new = trees
    with armed_board(tmp, "--reset-after", "20000") as b:
        r = copy_new(b, tmp, "--no-resume")
        assert r.returncode == 3, r.stderr
        line = one_error_line(r.stderr)
        assert re.fullmatch(r"mpytool: error: the board reset during 'cp' \(at :/app/[\w/.]+\); "
                            r"nothing was replaced", line), line
        assert not check_old_or_new(b, old, new)  # not all new: the reset came first
        rerun_completes(b, tmp, old, new)


@pytest.mark.parametrize("at", [3000, 30000])
def test_pty_cut_fails_cleanly_and_a_rerun_completes(trees, at):
    tmp, old, new = trees
    with armed_board(tmp, "--cut-after", str(at), "--cut-ms", "25000") as b:
        r = copy_new(b, tmp)
        assert r.returncode in (3, 5), r.stderr
        one_error_line(r.stderr)
        disarm(b)  # the cable is back
        check_old_or_new(b, old, new)
        rerun_completes(b, tmp, old, new)


def test_tcp_cut_connects_again_and_the_copy_completes(trees):
    tmp, old, new = trees
    with armed_board(tmp, "--cut-after", "20000") as b:
        r = copy_new(b, tmp, conn=["-a", b.tcp])
        assert r.returncode == 0, r.stderr
        assert re.search(r"Connection (lost: .*|closed) during 'cp'; connecting again",
                         r.stderr.decode()), r.stderr
        assert check_old_or_new(b, old, new)


def test_tcp_cut_without_retries_is_a_lost_connection_and_a_rerun_completes(trees):
    tmp, old, new = trees
    with armed_board(tmp, "--cut-after", "20000") as b:
        r = copy_new(b, tmp, "--retries", "0", conn=["-a", b.tcp])
        assert r.returncode == 3, r.stderr
        assert re.match(r"mpytool: error: Connection (lost|closed)", one_error_line(r.stderr))
        check_old_or_new(b, old, new)
        rerun_completes(b, tmp, old, new, conn=["-a", b.tcp])


def flash_board(*options):
    b = Board("--platform", "esp32", "--faults-armed-by-hook", *options)
    r = run("-p", b.pty, "exec", "print(1)")
    assert r.returncode == 0, r.stderr
    b.proc.send_signal(signal.SIGUSR1)
    wait_armed(b)
    return b


def flash_image(tmp):
    data = random.Random(7).randbytes(150 * 1024) + bytes(range(256)) * 40
    (tmp / "img.bin").write_bytes(data)
    return data


def flash_back(b, tmp, n):
    r = run("-p", b.pty, "flash", "read", "ota_1", str(tmp / "back.bin"), timeout=300)
    assert r.returncode == 0, r.stderr
    return (tmp / "back.bin").read_bytes()[:n]


def test_reset_mid_flash_write_is_named_and_resumed(tmp_path):
    data = flash_image(tmp_path)
    b = flash_board("--reset-after", "60000")
    try:
        r = run("-p", b.pty, "flash", "write", "ota_1", str(tmp_path / "img.bin"), timeout=300)
        assert r.returncode == 0, r.stderr
        err = r.stderr.decode()
        assert "the board reset during 'flash write'; resuming" in err, err
        m = re.search(r"\((\d+) of (\d+) blocks changed\)", err)
        assert m and 0 < int(m.group(1)) < int(m.group(2)), err  # only what was left
        assert flash_back(b, tmp_path, len(data)) == data
    finally:
        b.stop()


def test_reset_mid_flash_write_without_resume_fails_in_one_line(tmp_path):
    data = flash_image(tmp_path)
    b = flash_board("--reset-after", "60000")
    try:
        r = run("-p", b.pty, "--no-resume", "flash", "write", "ota_1", str(tmp_path / "img.bin"),
                timeout=300)
        assert r.returncode == 3, r.stderr
        assert one_error_line(r.stderr) == "mpytool: error: the board reset during 'flash write'"
        r = run("-p", b.pty, "flash", "write", "ota_1", str(tmp_path / "img.bin"), timeout=300)
        assert r.returncode == 0, r.stderr
        assert flash_back(b, tmp_path, len(data)) == data
    finally:
        b.stop()


def test_noise_flash_write_completes(tmp_path):
    data = flash_image(tmp_path)
    b = flash_board("--noise-ppm", "1000", "--noise-seed", "2")
    try:
        r = run("-p", b.pty, "flash", "write", "ota_1", str(tmp_path / "img.bin"), timeout=300)
        disarm(b)
        assert r.returncode == 0, r.stderr
        assert flash_back(b, tmp_path, len(data)) == data
    finally:
        b.stop()


def test_noise_mount_reads_are_right_or_refused(tmp_path):
    """Files read from a mount over a noisy link: every read gives the host file's bytes (a
    damaged request or reply is asked again), never another file's or altered bytes."""
    src = tmp_path / "src"
    src.mkdir()
    rnd = random.Random(3)
    files = {"f%d.bin" % i: rnd.randbytes(rnd.randint(1000, 2500)) for i in range(6)}
    for n, d in files.items():
        (src / n).write_bytes(d)
    want = {n: sha(d) for n, d in files.items()}
    code = ("import _vboard, time, hashlib, binascii\n_vboard.arm_faults()\ntime.sleep(0.6)\n"
            "w = %r\nok = bad = err = 0\n"
            "for n in sorted(w):\n"
            "    try:\n"
            "        h = binascii.hexlify(hashlib.sha256(open('/remote/' + n, 'rb').read())"
            ".digest()).decode()\n"
            "    except OSError:\n"
            "        err += 1\n"
            "        continue\n"
            "    if h == w[n]:\n"
            "        ok += 1\n"
            "    else:\n"
            "        bad += 1\n"
            "for i in range(3):  # the answer crosses the noisy link too\n"
            "    print('RESULT', ok, bad, err)\n" % want)
    b = Board("--faults-armed-by-hook", "--noise-ppm", "300", "--noise-seed", "4")
    try:
        r = run("-p", b.pty, "mount", str(src), ":/remote", "--", "exec", code, timeout=300)
        results = [l.split()[1:] for l in r.stdout.decode(errors="replace").splitlines()
                   if l.startswith("RESULT ") and len(l.split()) == 4]
        assert results, (r.returncode, r.stdout, r.stderr)
        assert all(x[1] == "0" for x in results), results  # nothing served wrong
        assert ["6", "0", "0"] in results, results  # and every read came through
    finally:
        b.stop()


def test_noise_download_gets_the_board_files(trees, tmp_path):
    """Board files copied to the host over a noisy link: the bytes are the board's (the stream
    gives the files still to come to the text path once a board frame arrives damaged)."""
    tmp, old, new = trees
    with armed_board(tmp, "--noise-ppm", "300", "--noise-seed", "3") as b:
        dst = tmp_path / "back"
        dst.mkdir()
        r = run("-p", b.pty, "cp", ":/app/lib/b.bin", ":/app/data.bin", str(dst) + "/",
                timeout=300)
        assert r.returncode == 0, r.stderr
        assert (dst / "b.bin").read_bytes() == old["lib/b.bin"]
        assert (dst / "data.bin").read_bytes() == old["data.bin"]
        # A file streamed to disk in part before the damage started again: no temporary left.
        assert sorted(p.name for p in dst.iterdir()) == ["b.bin", "data.bin"]


@pytest.mark.parametrize("at", [5000, 7000])  # the agent's paste; the stream
def test_reset_mid_ota_write_is_named_and_resumed(tmp_path, at):
    from test_vboard_ota import make_image
    (tmp_path / "app.bin").write_bytes(make_image(150000))
    b = flash_board("--reset-after", str(at))
    try:
        r = run("-p", b.pty, "ota", "write", "--no-reset", str(tmp_path / "app.bin"),
                timeout=300)
        assert r.returncode == 0, r.stderr
        assert "the board reset during 'ota write'; resuming" in r.stderr.decode(), r.stderr
        r = run("-p", b.pty, "ota", "status", "--json")
        s = json.loads(r.stdout)
        assert s["boot"] == "ota_1", s
        ota1 = [x for x in s["slots"] if x["label"] == "ota_1"][0]
        assert ota1["state"] == "new" and ota1["app"]["version"] == "v9.9.9", ota1
    finally:
        b.stop()
