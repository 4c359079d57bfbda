"""Board profiles (profiles/*.yaml): listing, explicit --profile / --profile-dir, the raw-paste
setting applied at connect time, lazy matching for `info -v`, and broken profile files."""
import json
import os

from conftest import run


def shipped_profile(name):
    return os.path.join(os.path.dirname(__file__), "..", "..", "profiles", name)


def test_profiles_lists_the_shipped_profiles():
    r = run("profiles")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    # id, description, file and what it matches.
    usb = next(line for line in lines if line.startswith("esp32-usb "))
    assert usb.endswith("platform=esp32 usb=303a:1001"), usb
    assert next(line for line in lines if line.startswith("generic ")).endswith("(fallback)")
    r = run("profiles", "--json")
    rows = {p["id"]: p for p in json.loads(r.stdout)}
    assert rows["esp32-usb"]["extends"] == "esp32"
    assert rows["esp32-usb"]["match"]["usb"] == ["303a:1001"]
    assert rows["rp2"]["match"]["platform"] == "rp2" and rows["generic"]["match"]["platform"] is None
    ids = [line.split()[0] for line in lines]
    for pid in ("esp32", "rp2", "generic"):
        assert pid in ids
    esp32 = next(line for line in lines if line.startswith("esp32 "))
    assert "ESP32" in esp32 and "esp32.yaml  " in esp32 and esp32.endswith("platform=esp32")
    # The board catalogue: the Pico W by its whole machine string and MicroPython's USB id.
    pico_w = next(line for line in lines if line.startswith("pico-w "))
    assert "Pico W" in pico_w and "pico-w.yaml" in pico_w, pico_w
    assert pico_w.endswith("platform=rp2 machine~'with RP2040' "
                           "machine=/^Raspberry Pi Pico W with RP2040$/ usb=2e8a:0005"), pico_w
    assert rows["pico-w"]["extends"] == "rp2040" and rows["rp2040"]["extends"] == "rp2-usb"
    for pid in ("pico", "pico2", "pico2-w", "rp2040", "esp32-devkitc", "esp32s3-usb",
                "esp32c3-usb", "esp32c6-uart", "esp32s2-usb"):
        assert pid in ids, pid


def test_profiles_show_has_the_rp2_firmware_keys():
    r = run("profiles", "show", "pico2-w")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "chip: RP2350" in out and "flash_size: 0x400000" in out, out
    assert "boot_usb: 2e8a:000f" in out and "touch_1200: no" in out, out


def test_profile_dir_comes_first_and_shadows(tmp_path):
    (tmp_path / "esp32.yaml").write_text("id: esp32\ndescription: my own esp32\n")
    r = run("--profile-dir", str(tmp_path), "profiles")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].startswith("esp32 ") and "my own esp32" in lines[0]
    assert sum(line.startswith("esp32 ") for line in lines) == 1


def test_shipped_esp32_profile_still_probes_raw_paste(make_board):
    b = make_board("--platform", "esp32", "--raw-paste", "no")
    r = run(*b.conn_args("tcp"), "--profile", "esp32", "-dd", "exec", "print(6 * 7)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["42"]
    assert b"\\x05A\\x01" in r.stderr  # repl.raw_paste: auto


def test_raw_paste_no_skips_the_probe(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--raw-paste", "no")
    text = open(shipped_profile("esp32.yaml")).read().replace("raw_paste: auto", "raw_paste: no")
    (tmp_path / "esp32.yaml").write_text(text)
    for link in ("pty", "tcp"):
        r = run(*b.conn_args(link), "--profile-dir", str(tmp_path), "--profile", "esp32",
                "-dd", "exec", "print(6 * 7)", "--", "exec", "print(1)")
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().split() == ["42", "1"]
        assert b"\\x05A\\x01" not in r.stderr
    # A profile file given by path works the same way.
    r = run(*b.conn_args("tcp"), "--profile", str(tmp_path / "esp32.yaml"), "-dd", "exec",
            "print(5)")
    assert r.returncode == 0, r.stderr
    assert b"\\x05A\\x01" not in r.stderr


def test_info_verbose_shows_the_matched_profile(make_board):
    # The virtual rp2 board says "Raspberry Pi Pico with RP2040": the catalogue's pico.
    for platform, pid in (("esp32", "esp32"), ("rp2", "pico"), ("generic", "generic")):
        b = make_board("--platform", platform)
        r = run(*b.conn_args("tcp"), "-v", "info")
        assert r.returncode == 0, r.stderr
        assert f"Profile:     {pid} (platform " in r.stdout.decode()
        r = run(*b.conn_args("tcp"), "info")
        assert r.returncode == 0, r.stderr
        assert "Profile:" not in r.stdout.decode()


def test_explicit_profile_wins_over_matching(make_board):
    b = make_board("--platform", "generic")
    r = run(*b.conn_args("tcp"), "--profile", "rp2", "-v", "info")
    assert r.returncode == 0, r.stderr
    assert "Profile:     rp2 (--profile rp2)\n" in r.stdout.decode()


def test_bad_profile_file_is_a_usage_error(make_board, tmp_path):
    b = make_board()
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntransfer:\n  chunk_size: big\n")
    r = run(*b.conn_args("tcp"), "--profile", str(bad), "exec", "print(1)")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert f"profile '{bad}'" in err
    assert "transfer.chunk_size" in err
    assert r.stdout == b""

    bad.write_text("id: bad\ncolour: red\n")
    r = run("--profile", str(bad), "profiles")
    assert r.returncode == 2
    assert "colour: unknown key" in r.stderr.decode()

    r = run("--profile", "rp3", "profiles")
    assert r.returncode == 2
    assert "unknown profile 'rp3'" in r.stderr.decode()
    assert "did you mean 'rp2'?" in r.stderr.decode()


def test_extends_inherits_and_overrides_and_show_prints_the_result(tmp_path):
    # A vendor's board builds on the shipped esp32 profile and changes only what differs.
    (tmp_path / "acme.yaml").write_text(
        "id: acme-s3\ndescription: Acme S3 board\nextends: esp32\n"
        "match: {machine_contains: ESP32S3}\ntransfer: {stdin_buffer: 1024}\n"
        "reset: {hard: \"D0|R1|W0.2|R0\"}\n")
    r = run("--profile-dir", str(tmp_path), "profiles", "show", "acme-s3")
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    assert "extends: esp32\n" in text
    assert "  platform: esp32\n  machine_contains: ESP32S3\n" in text  # merged mapping
    assert "capabilities: [platform.esp32, flash.partitions, ota.partitions]" in text  # inherited
    assert "  stdin_buffer: 1024\n" in text  # overridden
    assert '  hard: "D0|R1|W0.2|R0"\n' in text
    r = run("--profile-dir", str(tmp_path), "profiles", "check", str(tmp_path / "acme.yaml"))
    assert r.returncode == 0 and b"ok (id 'acme-s3', extends 'esp32')" in r.stdout, r.stderr
    # The profile in force for a command is the merged one.
    r = run("--profile-dir", str(tmp_path), "profiles", "show", "nope")
    assert r.returncode == 2 and b"unknown profile 'nope'" in r.stderr


def test_extends_errors(tmp_path):
    (tmp_path / "a.yaml").write_text("id: a\nextends: b\n")
    (tmp_path / "b.yaml").write_text("id: b\nextends: a\n")
    (tmp_path / "c.yaml").write_text("id: c\nextends: missing\n")
    r = run("--profile-dir", str(tmp_path), "profiles", "check", str(tmp_path / "a.yaml"))
    assert r.returncode == 2 and b"extends: circular: a -> b -> a" in r.stderr, r.stderr
    r = run("--profile-dir", str(tmp_path), "profiles", "check", str(tmp_path / "c.yaml"))
    assert r.returncode == 2 and b"extends: no profile 'missing' in the search path" in r.stderr
    (tmp_path / "c.yaml").write_text("id: c\nextends: rp2\nbogus: 1\n")
    r = run("--profile-dir", str(tmp_path), "profiles", "check", str(tmp_path / "c.yaml"))
    assert r.returncode == 2 and b"bogus" in r.stderr, r.stderr


def test_project_profiles_in_dot_mpytool(tmp_path):
    import subprocess
    from conftest import MPYTOOL
    (tmp_path / ".mpytool" / "profiles").mkdir(parents=True)
    (tmp_path / ".mpytool" / "profiles" / "bench.yaml").write_text(
        "id: bench-rig\ndescription: the lab's rig\nextends: rp2\n")
    exe = os.path.abspath(MPYTOOL) if os.sep in MPYTOOL else MPYTOOL
    r = subprocess.run([exe, "profiles"], capture_output=True, cwd=tmp_path,
                       env=dict(os.environ, NO_COLOR="1"), timeout=60)
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.decode().splitlines() if l.startswith("bench-rig "))
    assert "the lab's rig" in line and ".mpytool/profiles/bench.yaml" in line
