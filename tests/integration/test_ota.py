"""The ota plugin against a virtual esp32 with ESP-IDF's rollback model: write with reset,
health check and confirm; --no-reset; an unconfirmed app rolled back by the next reset; ota
rollback; status text and JSON."""
import json

from conftest import run
from test_vboard_ota import make_image


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stderr)
    return r


def status(b):
    return json.loads(ok(run("-p", b.pty, "ota", "status", "--json")).stdout)


def slot(s, label):
    return [x for x in s["slots"] if x["label"] == label][0]


def test_update_confirm_then_rollback_command(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    s = status(b)
    assert s["running"] == "ota_0" and s["next_ota"] == "ota_1"
    assert slot(s, "ota_0")["app"]["project"] == "micropython"
    assert slot(s, "ota_1")["app"] is None
    (tmp_path / "app.bin").write_bytes(make_image())
    r = ok(run("-p", b.pty, "ota", "write", str(tmp_path / "app.bin"), timeout=120))
    assert b"Running the new app, confirmed" in r.stderr
    s = status(b)
    assert s["running"] == "ota_1" and not s["pending_verify"]
    assert slot(s, "ota_1")["state"] == "valid"
    assert slot(s, "ota_1")["app"]["project"] == "test"
    assert slot(s, "ota_1")["app"]["version"] == "v9.9.9"
    text = ok(run("-p", b.pty, "ota", "status")).stdout.decode()
    assert "ota_1    valid           test v9.9.9  [running]" in text
    # A confirmed app survives resets; `ota rollback` boots the other one.
    ok(run("-p", b.pty, "reset", "--machine", "--", "exec", "pass", timeout=60))
    assert status(b)["running"] == "ota_1"
    r = ok(run("-p", b.pty, "ota", "rollback", timeout=120))
    assert b"rolled back to ota_0" in r.stderr
    assert status(b)["running"] == "ota_0"


def test_no_reset_and_unconfirmed_app_rolls_back(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    (tmp_path / "app.bin").write_bytes(make_image())
    r = ok(run("-p", b.pty, "ota", "write", "--no-reset", str(tmp_path / "app.bin")))
    assert b"Boot app set" in r.stderr
    s = status(b)
    assert s["running"] == "ota_0" and s["boot"] == "ota_1" and slot(s, "ota_1")["state"] == "new"
    # Written again: nothing differs, nothing is sent.
    r = ok(run("-p", b.pty, "ota", "write", "--no-reset", str(tmp_path / "app.bin")))
    assert b"(0 of 2 blocks sent, verified)" in r.stderr, r.stderr
    r = ok(run("-p", b.pty, "ota", "write", "--no-confirm", str(tmp_path / "app.bin"),
               timeout=120))
    assert b"not confirmed" in r.stderr
    s = status(b)
    assert s["running"] == "ota_1" and s["pending_verify"]
    # The application never confirmed: the next reset rolls back, as the bootloader does.
    ok(run("-p", b.pty, "reset", "--machine", "--", "exec", "pass", timeout=60))
    s = status(b)
    assert s["running"] == "ota_0"
    assert slot(s, "ota_1")["state"] == "aborted"


def test_ota_refuses_bad_input(make_board, tmp_path):
    b = make_board("--platform", "esp32")
    bad = bytearray(make_image())
    bad[-1] ^= 1  # the appended SHA-256
    (tmp_path / "bad.bin").write_bytes(bytes(bad))
    r = run("-p", b.pty, "ota", "write", str(tmp_path / "bad.bin"))
    assert r.returncode == 2 and b"SHA-256 does not match" in r.stderr, r.stderr
    r = run("-p", b.pty, "ota", "write", str(tmp_path / "missing.bin"))
    assert r.returncode == 2 and b"Firmware file not found" in r.stderr
    g = make_board()
    r = run("-p", g.pty, "ota", "status")
    assert r.returncode == 6 and b"needs 'platform.esp32'" in r.stderr
