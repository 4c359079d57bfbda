"""Flash data through the core's streaming transfer agent: a throttled UART with slow flash
writes loses no byte (the board's overrun counter), the text path gives the same bytes, a write
cut by a killed host is completed by a re-run that sends only the missing blocks, an image the
board rejects at set_boot marks nothing bootable, and FAT signatures are detected on rp2."""
import json
import os
import struct
import subprocess
import time

from conftest import MPYTOOL, run
from test_vboard_ota import make_image

OVERRUNS = "import _vboard; print('OVR', _vboard.rx_overruns())"


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    return r


def overruns(r):
    return [int(l.split()[1]) for l in r.stdout.decode().splitlines() if l.startswith("OVR")]


def test_throttled_uart_loses_nothing_and_text_path_agrees(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--baud", "115200", "--link", "uart",
                   "--flash-delay-ms", "5")
    data = os.urandom(40000) + bytes(range(256)) * 40 + b"\x03\x04\x18\xa5" * 1000
    (tmp_path / "img.bin").write_bytes(data)
    back, text = tmp_path / "back.bin", tmp_path / "text.bin"
    n = (len(data) + 4095) // 4096
    r = ok(run("-p", b.pty, "flash", "write", "ota_1", str(tmp_path / "img.bin"), "--",
               "flash", "read", "ota_1", str(back), "--", "exec", OVERRUNS, timeout=600))
    assert b"(%d of %d blocks changed)" % (n, n) in r.stderr
    assert overruns(r) == [0]
    got = back.read_bytes()
    assert got[:len(data)] == data and got[len(data):] == b"\xff" * (len(got) - len(data))
    # The Python mpytool's exec path (no binary stream) writes and reads the same bytes.
    small = bytes(range(256)) * 40 + b"\x03\x04\x18\xa5" * 500
    (tmp_path / "small.bin").write_bytes(small)
    r = ok(run("-p", b.pty, "--transfer", "text", "flash", "write", "nvs",
               str(tmp_path / "small.bin"), "--", "flash", "read", "nvs", str(text),
               timeout=600))
    assert b"(3 of 3 blocks changed)" in r.stderr
    assert text.read_bytes()[:len(small)] == small
    r = ok(run("-p", b.pty, "flash", "write", "nvs", str(tmp_path / "small.bin")))
    assert b"(0 of 3 blocks changed)" in r.stderr


def test_interrupted_write_is_completed_by_a_rerun(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--baud", "230400", "--link", "uart")
    data = os.urandom(300 * 1024)  # 75 blocks, about 13 s at 230400 baud
    (tmp_path / "img.bin").write_bytes(data)
    env = dict(os.environ, NO_COLOR="1")
    err = open(tmp_path / "first.err", "wb")
    p = subprocess.Popen([MPYTOOL, "-p", b.pty, "flash", "write", "ota_1",
                          str(tmp_path / "img.bin")], env=env, stdout=subprocess.DEVNULL,
                         stderr=err)
    time.sleep(5)
    assert p.poll() is None, ("the write ended before the cut",
                              (tmp_path / "first.err").read_bytes())
    p.kill()  # the link is cut in the middle of a frame
    p.wait()
    r = run("-p", b.pty, "-v", "flash", "write", "ota_1", str(tmp_path / "img.bin"),
            timeout=120)
    if r.returncode:
        print(run("-p", b.pty, "exec", OVERRUNS).stdout)
        print(r.stderr.decode()[-3000:])
    ok(r)
    line = [l for l in r.stderr.decode().splitlines() if "blocks changed" in l][0]
    sent = int(line[line.rfind("(") + 1:].split()[0])
    assert 0 < sent < 75, line  # only what the cut left unwritten
    back = tmp_path / "back.bin"
    ok(run("-p", b.pty, "flash", "read", "ota_1", str(back), timeout=300))
    assert back.read_bytes()[:len(data)] == data


def with_min_chip_rev(image, rev):
    img = bytearray(image[:-32])
    img[15:17] = struct.pack("<H", rev)
    import hashlib
    return bytes(img) + hashlib.sha256(img).digest()


def test_image_rejected_at_set_boot_marks_nothing(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "new.bin").write_bytes(with_min_chip_rev(make_image(), 400))  # needs v4.0
    for cmd in (["flash", "ota"], ["ota", "write"]):
        r = run("-p", b.pty, *cmd, str(tmp_path / "new.bin"), timeout=120)
        assert r.returncode != 0
        assert b"the board refused the image in 'ota_1'" in r.stderr, r.stderr
        assert b"ESP_ERR_OTA_VALIDATE_FAILED" in r.stderr or b"-5379" in r.stderr, r.stderr
    t = json.loads(ok(run("-p", b.pty, "flash", "--json")).stdout)
    assert t["boot"] == "ota_0" and t["running"] == "ota_0"
    # The same image for a chip it fits (v3.0) is accepted.
    (tmp_path / "ok.bin").write_bytes(with_min_chip_rev(make_image(), 300))
    ok(run("-p", b.pty, "flash", "ota", str(tmp_path / "ok.bin"), timeout=120))
    assert json.loads(ok(run("-p", b.pty, "flash", "--json")).stdout)["boot"] == "ota_1"


def boot_sector(kind, cluster_sectors):
    s = bytearray(512)
    s[0:3] = b"\xeb\x3c\x90"
    s[3:11] = b"MSDOS5.0"
    s[11:13] = struct.pack("<H", 512)
    s[13] = cluster_sectors
    if kind == "fat32":
        s[82:90] = b"FAT32   "
    else:
        s[54:62] = b"FAT16   " if kind == "fat16" else b"FAT12   "
    s[510:512] = b"\x55\xaa"
    return bytes(s)


def test_rp2_detects_fat(make_board, tmp_path):
    b = make_board("--platform", "rp2")
    for kind, sectors, shown in (("fat16", 8, "fat16 (cluster: 4.00K)"),
                                 ("fat32", 1, "fat32 (cluster: 512B)"),
                                 ("fat12", 4, "fat12 (cluster: 2.00K)")):
        (tmp_path / "fs.bin").write_bytes(boot_sector(kind, sectors))
        r = ok(run("-p", b.pty, "flash", "write", str(tmp_path / "fs.bin"), "--", "flash"))
        assert f"Filesystem:  {shown}\n" in r.stdout.decode(), r.stdout
        info = json.loads(ok(run("-p", b.pty, "flash", "--json")).stdout)
        assert info["filesystem"] == kind and info["cluster"] == 512 * sectors
