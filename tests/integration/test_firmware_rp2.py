"""`firmware` on virtual RP2 boards through their BOOTSEL drive: a UF2 from a running MicroPython
(over the pty and over TCP) and onto a board already in BOOTSEL, two boards in BOOTSEL each with
its own file (matched by USB serial number, never by label), a wrong-family UF2 refused before a
byte is copied and, forced, detected as ignored by the board, a drive that vanishes mid-copy, a
mixed fleet of RP2 and ESP32 boards in one run, and `firmware info` of a UF2.

The drives are found as on Linux, through udev-style links `usb-RPI_RP2_<SERIAL>-0:0-part1`: the
virtual boards make theirs in a directory the tests name with MPYTOOL_DISK_BY_ID (the seam
documented in plugins/firmware/README.md) instead of /dev/disk/by-id."""
import json
import os
import sys
import threading

import pytest

from conftest import Board, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import esp_image  # noqa: E402
import uf2_image  # noqa: E402

EXIT_USAGE, EXIT_CONN, EXIT_DEVICE = 2, 3, 4
SIZE = 96 * 1024  # image bytes: a 192 KiB UF2 keeps the tests quick
UIDS = ["e6614103e7452d2f", "e6614c311b4a5f2b"]


def uf2_file(tmp_path, chip="rp2040", version="v1.28.0", family=None, name=None):
    image = uf2_image.firmware(chip, version, SIZE)
    fam = family or uf2_image.CHIPS[chip]["family"]
    path = tmp_path / (name or f"{chip}-{version}.uf2")
    path.write_bytes(uf2_image.uf2(image, fam, abs_first=(chip == "rp2350")))
    return path


class Rp2:
    """A virtual RP2 board with a BOOTSEL drive, its by-id link in the shared by-id dir."""

    def __init__(self, tmp_path, uid, *extra, chip="rp2040", bootsel=False):
        self.uid = uid
        self.serial = uid.upper()
        self.drive = tmp_path / f"drive-{uid}"
        self.link = str(tmp_path / f"ttyACM-{uid}")
        self.by_id = tmp_path / "by-id"
        self.by_id.mkdir(exist_ok=True)
        self.log = tmp_path / f"bootsel-{uid}.log"
        args = ["--rp2-chip", chip, "--uid", uid, "--drive-dir", str(self.drive),
                "--disk-by-id", str(self.by_id), "--pty-link", self.link,
                "--bootsel-log", str(self.log), *extra]
        if bootsel:
            args.append("--bootsel")
        self.board = Board(*args)
        self.tcp = self.board.tcp

    def events(self):
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def stop(self):
        self.board.stop()


def env_for(tmp_path):
    return {"MPYTOOL_DISK_BY_ID": str(tmp_path / "by-id")}


def runs(board_args, tmp_path, *args, timeout=60):
    return run(*board_args, *args, timeout=timeout, env=env_for(tmp_path))


@pytest.fixture
def rp2(tmp_path):
    b = Rp2(tmp_path, UIDS[0])
    yield b
    b.stop()


def test_uf2_from_a_running_micropython_over_the_pty_then_tcp(rp2, tmp_path):
    img = uf2_file(tmp_path)
    r = runs(["-p", rp2.link], tmp_path, "firmware", "write", str(img))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith(f"wrote v1.28.0 ({len(img.read_bytes()) / 1000:.1f} kB) to RP2040 "
                          f"(serial {rp2.serial}) in "), out
    assert out.rstrip().endswith("the board runs MicroPython v1.28.0"), out
    assert any(e["event"] == "complete" for e in rp2.events())
    assert not rp2.drive.exists()
    # Over TCP, a newer version, JSON for scripts.
    new = uf2_file(tmp_path, version="v1.29.0")
    r = runs(["-a", rp2.tcp], tmp_path, "firmware", "write", "--json", str(new))
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert (rep["chip"], rep["serial"], rep["version"], rep["running"]) == \
        ("RP2040", rep["serial"], "v1.29.0", "v1.29.0")
    assert rep["serial"] == rp2.serial and rep["bytes"] == len(new.read_bytes())


def test_a_board_already_in_bootsel_found_by_itself_and_by_drive(tmp_path):
    b = Rp2(tmp_path, UIDS[0], bootsel=True)
    try:
        assert (b.drive / "INFO_UF2.TXT").read_text().startswith("UF2 Bootloader v3.0")
        img = uf2_file(tmp_path)
        # No port yet (the pty link appears when the board is back): the only drive is taken.
        r = runs(["-p", b.link], tmp_path, "firmware", "write", str(img))
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().rstrip().endswith("the board runs MicroPython v1.28.0"), r.stdout
        # Into BOOTSEL again by hand, then --drive names it.
        assert runs(["-p", b.link], tmp_path, "exec", "import machine; machine.bootloader()",
                    timeout=20).returncode in (0, EXIT_CONN)
        new = uf2_file(tmp_path, version="v1.29.0")
        r = runs(["-p", b.link], tmp_path, "firmware", "write", "--drive", str(b.drive), str(new))
        assert r.returncode == 0, r.stderr
        assert "the board runs MicroPython v1.29.0" in r.stdout.decode()
    finally:
        b.stop()


def test_two_boards_in_bootsel_each_flashed_with_its_own_file(tmp_path):
    boards = [Rp2(tmp_path, uid, bootsel=True) for uid in UIDS]
    try:
        files = [uf2_file(tmp_path, version=v) for v in ("v1.28.0", "v1.29.0")]
        # Two drives labelled RPI-RP2: which is whose only the serial number says.
        r = runs([], tmp_path, "firmware", "write", "--no-verify-boot", str(files[0]))
        assert r.returncode == EXIT_USAGE, r.stderr
        err = r.stderr.decode()
        assert "2 boards are in BOOTSEL" in err and boards[0].serial in err, err
        results = [None, None]

        def flash(i):
            results[i] = runs(["-p", boards[i].link], tmp_path, "firmware", "write", "--serial",
                              boards[i].serial, str(files[i]))

        threads = [threading.Thread(target=flash, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, v in enumerate(("v1.28.0", "v1.29.0")):
            assert results[i].returncode == 0, results[i].stderr
            assert results[i].stdout.decode().rstrip().endswith(f"MicroPython {v}"), results[i]
            r = runs(["-p", boards[i].link], tmp_path, "exec", "import sys; print(sys.version)")
            assert v in r.stdout.decode(), r
    finally:
        for b in boards:
            b.stop()


def test_a_wrong_family_uf2_is_refused_and_forced_it_is_ignored_by_the_board(rp2, tmp_path):
    wrong = uf2_file(tmp_path, chip="rp2350", name="pico2.uf2")
    r = runs(["-p", rp2.link], tmp_path, "firmware", "write", str(wrong))
    assert r.returncode == EXIT_USAGE, r.stderr
    err = r.stderr.decode()
    assert "pico2.uf2 is for rp2350-arm-s" in err and "RP2040" in err and "--force" in err, err
    assert not rp2.drive.exists() and not rp2.events()  # the board was not touched
    # Forced: copied, and the bootrom ignores it: the drive stays, the tool says so.
    r = runs(["-p", rp2.link], tmp_path, "firmware", "write", "--force", "--timeout", "3",
             str(wrong))
    assert r.returncode == EXIT_DEVICE, r.stderr
    err = r.stderr.decode()
    assert "the board ignored pico2.uf2" in err and "still there" in err, err
    assert (rp2.drive / "INFO_UF2.TXT").exists()
    assert any(e["event"] == "ignored-family" for e in rp2.events())
    # The right file, copied to the drive that stayed, brings the board back.
    right = uf2_file(tmp_path)
    r = runs(["-p", rp2.link], tmp_path, "firmware", "write", "--serial", rp2.serial, str(right))
    assert r.returncode == 0, r.stderr


def test_a_drive_that_vanishes_mid_copy_is_named(tmp_path):
    b = Rp2(tmp_path, UIDS[0], "--drive-vanish-after", "65536")
    try:
        img = uf2_file(tmp_path)
        r = runs(["-p", b.link], tmp_path, "firmware", "write", "--timeout", "5", str(img))
        assert r.returncode in (EXIT_CONN, EXIT_DEVICE), r
        err = r.stderr.decode()
        # Noticed mid-copy (the drive checked between pieces), or, when the host wrote faster
        # than the drive went (the virtual drive takes writes at memory speed), by the port
        # that never comes back: a pulled cable is never taken for the bootrom's reboot.
        assert (f"vanished while copying {img.name}" in err and
                f"of {len(img.read_bytes())} bytes" in err) or \
            ("the board did not come back on its port" in err and "unplugged" in err), err
        assert b.serial in err, err
    finally:
        b.stop()


def test_a_mixed_fleet_of_rp2_and_esp32_boards_in_one_run(tmp_path):
    rp2s = [Rp2(tmp_path, uid) for uid in UIDS]
    esps = []
    try:
        for i in range(2):
            flash = tmp_path / f"esp{i}.bin"
            esps.append(Board("--chip", "esp32", "--flash-file", str(flash), "--rfc2217-port", "0"))
        rp2_file = uf2_file(tmp_path)
        esp_file = tmp_path / "esp32.bin"
        esp_file.write_bytes(esp_image.merged_image("esp32", version=b"v1.29.0", size=0x30000))
        ports = []
        for b in rp2s:
            ports += ["-p", b.link]
        for b in esps:
            ports += ["-p", f"rfc2217://{b.rfc2217}"]
        r = runs(["fleet", *ports, "--json", "--"], tmp_path, "firmware", "write", "--file-for",
                 f"rp2={rp2_file}", "--file-for", f"esp32={esp_file}", timeout=240)
        assert r.returncode == 0, (r.stdout, r.stderr)
        report = r.stdout.decode()
        assert report.count('"ok"') >= 4, report
        for b in rp2s:
            out = runs(["-p", b.link], tmp_path, "exec", "import sys; print(sys.version)")
            assert "v1.28.0" in out.stdout.decode()
        for b in esps:
            out = run("-p", f"rfc2217://{b.rfc2217}", "exec", "import sys; print(sys.version)")
            assert "v1.29.0" in out.stdout.decode(), out
    finally:
        for b in rp2s + esps:
            b.stop()


def test_firmware_info_of_a_uf2(tmp_path):
    img = uf2_file(tmp_path, chip="rp2350")
    r = run("firmware", "info", str(img))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    blocks = SIZE // 256
    assert f"{img.name}: UF2, {blocks + 1} blocks" in out, out
    assert f"family rp2350-arm-s (0xe48bff59): {blocks} blocks, 0x10000000..0x{0x10000000 + SIZE:08x}" \
        in out, out
    assert "family absolute (0xe48bff57): 1 block" in out, out
    assert "MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico2 with RP2350" in out, out
    r = run("firmware", "info", "--json", str(img))
    info = json.loads(r.stdout)
    assert info["kind"] == "uf2" and info["version"] == "v1.28.0"
    assert [f["name"] for f in info["families"]] == ["absolute", "rp2350-arm-s"] or \
        [f["name"] for f in info["families"]] == ["rp2350-arm-s", "absolute"]
