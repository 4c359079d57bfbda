"""flash-esp32 and flash-rp2 against virtual esp32 / rp2 boards: `flash` routed by capability
(table, info, a clear error on a generic board), read/write round trips with every byte value,
unchanged re-writes that send nothing, quick and full erase, the guards, UF2 refused, and OTA
(image checked on the host, set_boot, reset into the new app)."""
import json
import os

from conftest import run
from test_vboard_ota import make_image


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    return r


def all_bytes(n):
    return bytes((i * 7 + 3) % 256 for i in range(n - 256)) + bytes(range(256))


def test_flash_is_routed_by_platform(make_board, link):
    esp, rp2, gen = (make_board("--platform", "esp32"), make_board("--platform", "rp2"),
                     make_board())
    table = ok(run(*esp.conn_args(link), "flash")).stdout.decode()
    lines = table.splitlines()
    assert lines[0].split() == ["Label", "Type", "Subtype", "Address", "Size", "Block",
                                "Actual", "FS", "Flags"]
    assert lines[1] == "-" * 90
    assert any(l.split()[:2] == ["ota_0", "app"] and l.endswith("running") for l in lines)
    vfs = [l for l in lines if l.startswith("vfs")][0]
    assert "0x310000" in vfs and "littlefs2" in vfs and "fat" in vfs.split()
    assert "Boot partition: ota_0" in lines and "Next OTA:       ota_1" in lines
    info = ok(run(*rp2.conn_args(link), "flash")).stdout.decode()
    assert info == ("Platform:    RP2\nFlash size:  1.38M\nBlock size:  4096 bytes\n"
                    "Block count: 352\nFilesystem:  littlefs2\n")
    r = run(*gen.conn_args(link), "flash")
    assert r.returncode == 6
    assert b"mpytool: error: no plugin serves 'flash' on this board" in r.stderr
    assert b"hint: flash-esp32 needs platform.esp32, flash-rp2 needs platform.rp2" in r.stderr
    r = run(*rp2.conn_args(link), "flash-esp32", "flash")
    assert r.returncode == 6 and b"needs 'platform.esp32'" in r.stderr


def test_esp32_json_table(make_board):
    b = make_board("--platform", "esp32")
    t = json.loads(ok(run("-p", b.pty, "flash", "--json")).stdout)
    assert t["running"] == "ota_0" and t["next_ota"] == "ota_1"
    vfs = [p for p in t["partitions"] if p["label"] == "vfs"][0]
    assert vfs == {"label": "vfs", "type": "data", "subtype": "fat", "offset": 0x310000,
                   "size": 0xF0000, "encrypted": False, "running": False, "fs": "littlefs2"}


def test_esp32_write_read_unchanged_erase(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    data = all_bytes(12000)
    src, back = tmp_path / "nvs.bin", tmp_path / "back.bin"
    src.write_bytes(data)
    r = ok(run("-p", b.pty, "flash", "write", "nvs", str(src), "--", "flash", "read", "nvs",
               str(back)))
    assert b"(3 of 3 blocks changed)" in r.stderr
    got = back.read_bytes()
    assert len(got) == 16384 and got[:len(data)] == data
    assert got[len(data):] == b"\xff" * (16384 - len(data))
    r = ok(run("-p", b.pty, "flash", "write", "nvs", str(src)))
    assert b"(0 of 3 blocks changed)" in r.stderr  # nothing sent twice
    changed = bytearray(data)
    changed[5000] ^= 1
    src.write_bytes(bytes(changed))
    r = ok(run("-p", b.pty, "flash", "write", "nvs", str(src)))
    assert b"(1 of 3 blocks changed)" in r.stderr
    ok(run("-p", b.pty, "flash", "erase", "nvs", "--", "flash", "read", "nvs", str(back)))
    got = back.read_bytes()
    assert got[:8192] == b"\xff" * 8192 and got[8192:12000] == bytes(changed)[8192:]
    ok(run("-p", b.pty, "flash", "erase", "nvs", "--full", "--", "flash", "read", "nvs",
           str(back)))
    assert back.read_bytes() == b"\xff" * 16384


def test_esp32_guards(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "x.bin").write_bytes(b"\x00" * 100)
    for label, why in (("ota_0", b"it is the running app"), ("otadata", b"OTA boot selection"),
                       ("phy_init", b"radio calibration")):
        r = run("-p", b.pty, "flash", "write", label, str(tmp_path / "x.bin"))
        assert r.returncode == 1 and why in r.stderr and b"hint: use --force" in r.stderr, r.stderr
        r = run("-p", b.pty, "flash", "erase", label)
        assert r.returncode == 1 and why in r.stderr
    r = run("-p", b.pty, "flash", "write", "nope", str(tmp_path / "x.bin"))
    assert r.returncode == 1 and b"Partition 'nope' not found" in r.stderr
    (tmp_path / "big.bin").write_bytes(b"\x00" * 20000)
    r = run("-p", b.pty, "flash", "write", "nvs", str(tmp_path / "big.bin"))
    assert r.returncode == 1 and b"Data too large: 20000 > 16384 bytes" in r.stderr
    ok(run("-p", b.pty, "flash", "write", "phy_init", str(tmp_path / "x.bin"), "--force"))


def test_ota_happy_path_and_bad_image(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    bad = bytearray(make_image())
    bad[300] ^= 1
    (tmp_path / "bad.bin").write_bytes(bytes(bad))
    r = run("-p", b.pty, "flash", "ota", str(tmp_path / "bad.bin"))
    assert r.returncode == 2 and b"checksum" in r.stderr, r.stderr
    (tmp_path / "s3.bin").write_bytes(make_image(chip=9))
    r = run("-p", b.pty, "flash", "ota", str(tmp_path / "s3.bin"))
    assert r.returncode == 2 and b"built for ESP32-S3, the board is an ESP32" in r.stderr, r.stderr
    table = ok(run("-p", b.pty, "flash")).stdout.decode()
    assert "Boot partition: ota_0" in table  # nothing was marked bootable
    (tmp_path / "app.bin").write_bytes(make_image())
    r = ok(run("-p", b.pty, "flash", "ota", str(tmp_path / "app.bin"), "--", "reset",
               "--machine", "--", "flash", timeout=120))
    assert b"Target: ota_1" in r.stderr and b"Image:    test v9.9.9" in r.stderr, r.stderr
    lines = r.stdout.decode().splitlines()
    assert any(l.startswith("ota_1") and l.endswith("running") for l in lines)
    assert "Next OTA:       ota_0" in lines


def test_rp2_round_trip_uf2_and_erase(make_board, tmp_path):
    b = make_board("--platform", "rp2")
    data = all_bytes(20000)
    (tmp_path / "img.bin").write_bytes(data)
    r = ok(run("-p", b.pty, "flash", "write", str(tmp_path / "img.bin"), "--", "flash", "write",
               str(tmp_path / "img.bin")))
    assert b"(5 of 5 blocks changed)" in r.stderr and b"(0 of 5 blocks changed)" in r.stderr
    uf2 = b"UF2\n" + b"\x57\x51\x5d\x9e" + bytes(504)
    (tmp_path / "fw.uf2").write_bytes(uf2)
    r = run("-p", b.pty, "flash", "write", str(tmp_path / "fw.uf2"))
    assert r.returncode == 2 and b"BOOTSEL" in r.stderr, r.stderr
    r = ok(run("-p", b.pty, "flash", "erase", "--", "flash"))
    assert b"filesystem will be recreated on next boot" in r.stderr
    assert b"Filesystem:  unknown  (magic: ff ff ff ff" in r.stdout


LAYOUT = [("nvs", "data", "nvs", 0x9000, 0x4000), ("otadata", "data", "ota", 0xD000, 0x2000),
          ("phy_init", "data", "phy", 0xF000, 0x1000), ("ota_0", "app", "ota_0", 0x10000, 0x180000),
          ("ota_1", "app", "ota_1", 0x190000, 0x180000), ("vfs", "data", "fat", 0x310000, 0xF0000)]


def profile_file(path, layout):
    lines = ["id: acme-board", "description: a vendor board", "capabilities: [platform.esp32]",
             "flash:", "  layout:"]
    for label, typ, sub, off, size in layout:
        lines.append(f"    - {{label: {label}, type: {typ}, subtype: {sub}, offset: {off:#x}, "
                     f"size: {size:#x}}}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_layout_guard_of_a_vendor_profile(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "x.bin").write_bytes(b"\x01" * 5000)
    (tmp_path / "app.bin").write_bytes(make_image())
    good = profile_file(tmp_path / "good.yaml", LAYOUT)
    ok(run("--profile", good, "-p", b.pty, "flash", "write", "nvs", str(tmp_path / "x.bin")))
    moved = [e if e[0] != "ota_1" else ("ota_1", "app", "ota_1", 0x200000, 0x180000)
             for e in LAYOUT]
    bad = profile_file(tmp_path / "bad.yaml", moved)
    for args in (["flash", "write", "nvs", str(tmp_path / "x.bin")], ["flash", "erase", "nvs"],
                 ["ota", "write", str(tmp_path / "app.bin")],
                 ["flash", "ota", str(tmp_path / "app.bin")]):
        r = run("--profile", bad, "-p", b.pty, *args)
        assert r.returncode == 1, (args, r.stderr)
        assert (b"the board's partition table differs from the profile's layout: ota_1: offset "
                b"0x190000, the profile says 0x200000") in r.stderr, r.stderr
    ok(run("--profile", bad, "-f", "-p", b.pty, "flash", "write", "nvs", str(tmp_path / "x.bin")))
