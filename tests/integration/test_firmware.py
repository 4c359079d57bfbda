"""`firmware` on the virtual ESP32-family board through its RFC 2217 endpoint (the USB-UART
adapter with the auto-reset circuit behind it): merged images onto blank chips and over a running
MicroPython, the guards refused before a byte is written, a board that will not enter the
bootloader, a port that vanishes mid-write, a baud rate the adapter refuses, the reset sequence
as the board saw it, several boards at once with fleet, and `firmware info/chip/erase`."""
import hashlib
import json
import os
import sys

import pytest

from conftest import Board, run

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import esp_image  # noqa: E402

EXIT_USAGE, EXIT_CONN = 2, 3
# A merged image small enough to keep the tests quick (the app fills it to this size).
SIZE = 0x30000


def merged(tmp_path, chip="esp32", version=b"v1.28.0", name=None):
    path = tmp_path / (name or f"{chip}-{version.decode()}.bin")
    path.write_bytes(esp_image.merged_image(chip, version=version, size=SIZE))
    return path


def esp_board(tmp_path, chip="esp32", *extra, name="flash.bin"):
    flash = tmp_path / name
    b = Board("--chip", chip, "--flash-file", str(flash), "--rfc2217-port", "0",
              "--lines-log", str(tmp_path / (name + ".lines")), *extra)
    b.flash = flash
    b.url = f"rfc2217://{b.rfc2217}"
    return b


def flash_digest(board):
    return hashlib.sha256(board.flash.read_bytes()).hexdigest() if board.flash.exists() else ""


@pytest.fixture
def esp32(tmp_path):
    b = esp_board(tmp_path)
    yield b
    b.stop()


def test_merged_image_onto_a_blank_chip_then_a_new_version_over_micropython(esp32, tmp_path):
    img = merged(tmp_path)
    r = run("-p", esp32.url, "firmware", "write", str(img), timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("wrote v1.28.0 (196.6 kB) to ESP32 rev"), out
    assert out.rstrip().endswith("the board runs MicroPython v1.28.0"), out
    flash = esp32.flash.read_bytes()
    assert flash[0x1000:0x1000 + SIZE] == img.read_bytes()
    # Over the running MicroPython: the new version boots and says so; JSON for scripts.
    new = merged(tmp_path, version=b"v1.29.0")
    r = run("-p", esp32.url, "firmware", "write", "--json", str(new), timeout=120)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["running"] == "v1.29.0" and rep["version"] == "v1.29.0"
    assert rep["offset"] == 0x1000 and rep["bytes"] == SIZE and rep["compressed"] < SIZE
    assert rep["md5"] == hashlib.md5(new.read_bytes()).hexdigest()
    r = run("-p", esp32.url, "exec", "import os; print(os.uname().release)")
    assert r.returncode == 0 and b"1.29.0" in r.stdout, r


def test_guards_refuse_before_a_byte_is_written(tmp_path):
    b = esp_board(tmp_path, "esp32", "--flash-size", str(1 << 20))
    try:
        before = flash_digest(b)
        s3 = merged(tmp_path, "esp32s3")
        app = tmp_path / "app.bin"
        app.write_bytes(esp_image.micropython_app("esp32", code_size=0x8000))
        big = tmp_path / "big.bin"
        big.write_bytes(esp_image.merged_image("esp32", size=0x130000))
        bad = tmp_path / "bad.bin"
        bad.write_bytes(esp_image.corrupt(app.read_bytes(), "checksum"))
        cases = [
            ([str(s3)], "an image for ESP32-S3, but the board is an ESP32"),
            ([str(app), "--offset", "0x1000"], "an app image at the bootloader offset 0x1000"),
            ([str(merged(tmp_path)), "--offset", "0x10000"],
             "a merged image (bootloader, partition table, app) at the app offset 0x10000"),
            ([str(big)], "does not fit the board's 1 MB flash"),
            ([str(bad)], "does not match the data"),
        ]
        for words, message in cases:
            r = run("-p", b.url, "firmware", "write", *words, timeout=60)
            assert r.returncode == EXIT_USAGE, (words, r)
            err = r.stderr.decode()
            assert err.startswith("mpytool: error: ") and message in err, (words, err)
            assert flash_digest(b) == before, words
        # --force passes the chip guard (the user knows better)
        r = run("-p", b.url, "firmware", "write", "--force", "--no-verify-boot", str(s3),
                timeout=120)
        assert r.returncode == 0, r.stderr
    finally:
        b.stop()


@pytest.mark.parametrize("flag,message", [("--secure-download", "Secure Download Mode"),
                                          ("--flash-encryption", "flash encryption enabled")])
def test_security_states_refuse(tmp_path, flag, message):
    b = esp_board(tmp_path, "esp32s3", flag)
    try:
        before = flash_digest(b)
        r = run("-p", b.url, "firmware", "write", str(merged(tmp_path, "esp32s3")), timeout=60)
        assert r.returncode == EXIT_USAGE and message in r.stderr.decode(), r
        assert flash_digest(b) == before
    finally:
        b.stop()


def test_a_board_that_will_not_enter_the_bootloader(esp32, tmp_path):
    # A profile whose sequence pulses EN without holding GPIO0 low: the chip just reboots.
    prof = tmp_path / "wrong.yaml"
    prof.write_text('id: wrong\nreset:\n  bootloader: "D0|R1|W0.1|R0"\n')
    r = run("-p", esp32.url, "--profile", str(prof), "firmware", "write",
            str(merged(tmp_path)), timeout=120)
    assert r.returncode == EXIT_CONN, r
    lines = r.stderr.decode().splitlines()
    assert lines[0].startswith(f"mpytool: error: cannot enter the ESP ROM bootloader on {esp32.url}"
                               ": no sync reply after the reset sequences D0|R1|W0.1|R0"), lines
    assert any("hold BOOT while pressing EN" in line for line in lines[1:]), lines


def test_the_reset_sequence_at_the_board_matches_the_profile(esp32, tmp_path):
    prof = tmp_path / "slow.yaml"
    prof.write_text('id: slow\nreset:\n  bootloader: "D0|R1|W0.2|D1|R0|W0.1|D0"\n')
    r = run("-p", esp32.url, "--profile", str(prof), "firmware", "chip", timeout=60)
    assert r.returncode == 0, r.stderr
    assert "chip: ESP32 rev" in r.stdout.decode() and "MAC: " in r.stdout.decode()
    events = [json.loads(line) for line in
              (tmp_path / "flash.bin.lines").read_text().splitlines()]
    lines = [e for e in events if "dtr" in e]
    first = next(i for i, e in enumerate(lines) if e["rts"] and not e["dtr"])
    seq = lines[first:first + 4]
    assert [(e["dtr"], e["rts"]) for e in seq] == [(False, True), (True, True), (True, False),
                                                   (False, False)], seq
    t = [e["t_ms"] for e in seq]
    assert 185 <= t[1] - t[0] <= 260, t       # W0.2
    assert t[2] - t[1] <= 5, t                # D1 then R0 in one write: back to back
    assert 88 <= t[3] - t[2] <= 160, t        # W0.1 (a loaded machine delays timestamps)
    assert any(e.get("event") == "download" for e in events)


def test_a_port_that_vanishes_mid_write_is_named_and_a_rerun_completes(tmp_path):
    b = esp_board(tmp_path, "esp32", "--cut-after", "60000")
    try:
        img = merged(tmp_path)
        r = run("-p", b.url, "firmware", "write", str(img), timeout=120)
        assert r.returncode == EXIT_CONN, r
        assert b.url in r.stderr.decode().splitlines()[0], r.stderr
        r = run("-p", b.url, "firmware", "write", str(img), timeout=120)
        assert r.returncode == 0, r.stderr
        assert b"the board runs MicroPython v1.28.0" in r.stdout
    finally:
        b.stop()


def test_a_baud_rate_the_adapter_refuses_falls_back(tmp_path):
    b = esp_board(tmp_path, "esp32", "--adapter-max-baud", "115200")
    try:
        r = run("-p", b.url, "firmware", "write", "--json", str(merged(tmp_path)), timeout=180)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["baud"] == 115200 and rep["running"] == "v1.28.0"
        assert "refused 460800 baud" in r.stderr.decode(), r.stderr
    finally:
        b.stop()


def test_fleet_flashes_four_boards_in_parallel(tmp_path):
    boards = [esp_board(tmp_path, "esp32", name=f"flash{i}.bin") for i in range(4)]
    try:
        img = merged(tmp_path)
        args = [w for b in boards for w in ("-p", b.url)]
        r = run("fleet", *args, "--json", "--", "firmware", "write", str(img), timeout=300)
        assert r.returncode == 0, r.stderr
        for b in boards:
            assert b.flash.read_bytes()[0x1000:0x1000 + SIZE] == img.read_bytes()
        report = r.stdout.decode()
        assert report.count('"ok"') >= 4, report
    finally:
        for b in boards:
            b.stop()


def test_info_erase_and_usage(esp32, tmp_path):
    img = merged(tmp_path)
    r = run("firmware", "info", str(img))
    assert r.returncode == 0, r.stderr
    assert b"merged image (bootloader, partition table, app) from 0x1000 for ESP32" in r.stdout
    assert b"micropython v1.28.0" in r.stdout
    r = run("firmware", "info", "--json", str(img))
    info = json.loads(r.stdout)
    assert info["kind"] == "merged" and info["app"]["version"] == "v1.28.0"
    r = run("firmware", "info", str(tmp_path / "missing.bin"))
    assert r.returncode == EXIT_USAGE
    assert run("-p", esp32.url, "firmware", "write", "--no-verify-boot", str(img),
               timeout=120).returncode == 0
    r = run("-p", esp32.url, "firmware", "erase", "0x10000", "0x10000", input=b"")
    assert r.returncode == EXIT_USAGE and b"needs --yes" in r.stderr, r
    r = run("-p", esp32.url, "firmware", "erase", "--yes", "0x10000", "0x10000", timeout=60)
    assert r.returncode == 0, r.stderr
    flash = esp32.flash.read_bytes()
    assert flash[0x10000:0x20000] == b"\xff" * 0x10000
    assert flash[0x1000:0x8000] == img.read_bytes()[:0x7000]


def test_a_profile_that_enters_the_bootloader_through_micropython(esp32, tmp_path):
    # A board whose DTR/RTS are not wired (a profile that says so): machine.bootloader() in the
    # running MicroPython takes it into the ROM loader instead.
    img = merged(tmp_path)
    assert run("-p", esp32.url, "firmware", "write", "--no-verify-boot", str(img),
               timeout=120).returncode == 0
    prof = tmp_path / "nolines.yaml"
    prof.write_text("id: nolines\nreset:\n  bootloader: machine\n")
    new = merged(tmp_path, version=b"v1.29.0")
    r = run("-p", esp32.url, "--profile", str(prof), "firmware", "write", str(new), timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"the board runs MicroPython v1.29.0" in r.stdout
    events = [json.loads(line) for line in
              (tmp_path / "flash.bin.lines").read_text().splitlines()]
    last_write = max(i for i, e in enumerate(events) if e.get("event") == "download")
    # The second time the board went to the ROM loader without a line change before it.
    lines_before = [e for e in events[:last_write] if "dtr" in e]
    downloads = [i for i, e in enumerate(events) if e.get("event") == "download"]
    assert len(downloads) >= 2
    between = [e for e in events[downloads[-2] + 1:downloads[-1]] if "dtr" in e]
    assert all(not e["dtr"] for e in between), between
    assert lines_before
