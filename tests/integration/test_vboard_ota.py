"""The virtual esp32's OTA model behaves like ESP-IDF with app rollback (vboard/board/esp32.py):
set_boot() verifies the image, a new app boots pending-verify, a second reset without
mark_app_valid_cancel_rollback() rolls back, a confirmed app stays, otadata survives resets."""
import os
import sys

from conftest import run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from esp_image import app_image  # noqa: E402


def make_image(size=5000, hash_=True, chip=0):
    """An ESP app image as esptool lays it out, with an esp_app_desc_t in segment 0."""
    return app_image(bytes((i * 31 + 7) & 255 for i in range(size)), hash_=hash_, chip=chip)


WRITE = """import esp32
p=esp32.Partition('ota_1')
d=open('/app.bin','rb').read()
d=d+b'\\xff'*((-len(d))%4096)
for i in range(len(d)//4096):
 p.writeblocks(i, d[i*4096:(i+1)*4096])
"""
STATE = ("import esp32; P=esp32.Partition; print('S', P(P.RUNNING).info()[4], P(P.BOOT).info()[4],"
         " esp32.ota_state('ota_1'))")
NEW, PENDING, VALID, ABORTED, UNDEFINED = 0, 1, 2, 4, 0xFFFFFFFF


def states(r):
    assert r.returncode == 0, r.stderr
    return [tuple(l.split()[1:3]) + (int(l.split()[3]),)
            for l in r.stdout.decode().splitlines() if l.startswith("S ")]


def test_pending_verify_then_rollback_then_confirm(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "app.bin").write_bytes(make_image())
    pty = b.pty
    r = run("-p", pty, "exec", STATE, "--", "cp", str(tmp_path / "app.bin"), ":/app.bin",
            "--", "exec", WRITE + "p.set_boot()", "--", "exec", STATE,
            "--", "reset", "--machine", "--", "exec", STATE,
            "--", "reset", "--machine", "--", "exec", STATE, timeout=120)
    assert states(r) == [("ota_0", "ota_0", UNDEFINED), ("ota_0", "ota_1", NEW),
                         ("ota_1", "ota_1", PENDING), ("ota_0", "ota_0", ABORTED)]
    r = run("-p", pty, "exec", WRITE + "p.set_boot()", "--", "reset", "--machine",
            "--", "exec", "import esp32; esp32.Partition.mark_app_valid_cancel_rollback()",
            "--", "reset", "--machine", "--", "exec", STATE, timeout=120)
    assert states(r) == [("ota_1", "ota_1", VALID)]


def test_set_boot_refuses_an_image_the_bootloader_would_not_boot(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    bad = bytearray(make_image())
    bad[200] ^= 0x10  # damaged data: checksum and SHA-256 no longer match
    (tmp_path / "app.bin").write_bytes(bytes(bad))
    r = run("-p", b.pty, "cp", str(tmp_path / "app.bin"), ":/app.bin", "--", "exec",
            WRITE + "try:\n p.set_boot()\nexcept OSError as e:\n print('refused', e.args[0])\n",
            "--", "exec", STATE, timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"refused -5379" in r.stdout
    assert states(r) == [("ota_0", "ota_0", UNDEFINED)]


def test_factory_app_has_a_description(make_board):
    b = make_board("--platform", "esp32")
    r = run("-p", b.pty, "exec", "import esp32; p=esp32.Partition('ota_0'); d=bytearray(288);"
            " p.readblocks(0, d); print(d[0] == 0xE9, bytes(d[32+48:32+59]))")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"True b'micropython'\r\n"
