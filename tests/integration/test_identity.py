"""Which board: `ports --probe` (unique id, platform, matched profile, --json), selection by
`-p uid:HEX` among the probed ports, `-p @NAME` from an inventory file (mpytool.yaml found from
the working directory, MPYTOOL_INVENTORY), and the errors of each. Virtual boards are ptys, not
USB devices: MPYTOOL_PORTS names them as extra ports, as a user would for a socat bridge."""
import json
import os

from conftest import run


def test_ports_probe_lists_unique_ids_and_profiles(make_board):
    a = make_board("--uid", "0a0b0c0d01020304")
    b = make_board("--platform", "esp32", "--uid", "24dcc3112233")
    env = {"MPYTOOL_PORTS": "%s:%s" % (a.pty, b.pty)}
    r = run("ports", "--probe", "--json", env=env)
    assert r.returncode == 0, r.stderr
    rows = {row["device"]: row for row in json.loads(r.stdout)}
    assert rows[a.pty]["answered"] and rows[a.pty]["unique_id"] == "0a0b0c0d01020304"
    assert rows[b.pty]["platform"] == "esp32" and rows[b.pty]["unique_id"] == "24dcc3112233"
    assert rows[b.pty]["profile"] == "esp32" and rows[a.pty]["usb"] is None
    # Why it matched (match_profile's reason): a pty has no USB id, so the platform alone.
    assert rows[b.pty]["profile_reason"] == "platform esp32", rows[b.pty]
    r = run("ports", "--probe", env=env)
    line = [ln for ln in r.stdout.decode().splitlines() if ln.startswith(b.pty)][0]
    assert "platform=esp32" in line and "uid=24dcc3112233" in line and "profile=esp32" in line
    assert "profile=esp32 (platform esp32)" in line, line
    # The Python mpytool's plain listing is unchanged: device, tab, description.
    r = run("ports", env=env)
    assert "%s\tn/a" % a.pty in r.stdout.decode().splitlines()


def test_ports_probe_says_why_a_board_profile_matched(make_board):
    pico = make_board("--platform", "rp2")  # "Raspberry Pi Pico with RP2040"
    env = {"MPYTOOL_PORTS": pico.pty}
    r = run("ports", "--probe", "--json", env=env)
    assert r.returncode == 0, r.stderr
    row = next(row for row in json.loads(r.stdout) if row["device"] == pico.pty)
    assert row["profile"] == "pico", row
    assert row["profile_reason"] == ("platform rp2, machine contains 'with RP2040', "
                                     "machine ~ /^Raspberry Pi Pico with RP2040$/"), row
    r = run("ports", "--probe", env=env)
    line = [ln for ln in r.stdout.decode().splitlines() if ln.startswith(pico.pty)][0]
    assert "profile=pico (platform rp2, machine contains 'with RP2040'" in line, line


def test_select_by_unique_id(make_board):
    a = make_board("--uid", "0a0b0c0d01020304")
    b = make_board("--uid", "1111222233334444")
    run("-p", b.pty, "exec", "open('/who','w').write('board b')")
    env = {"MPYTOOL_PORTS": "%s:%s" % (a.pty, b.pty)}
    # Separators and case do not matter.
    r = run("-p", "uid:11:11:22:22:33:33:44:44", "cat", ":/who", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"board b"
    r = run("-p", "uid:0A0B0C0D01020304", "exec", "import os; print('who' in os.listdir())", env=env)
    assert r.stdout.strip() == b"False"
    r = run("-p", "uid:deadbeef", "ls", env=env)
    assert r.returncode == 3
    assert b"no board with unique id 'deadbeef'" in r.stderr and a.pty.encode() in r.stderr
    r = run("-p", "uid:xyz", "ls", env=env)
    assert r.returncode == 2 and b"expected hex digits" in r.stderr
    r = run("-p", "id:NOSUCHSERIAL", "ls", env=env)
    assert r.returncode == 3 and b"no board with USB serial 'NOSUCHSERIAL'" in r.stderr


def test_select_by_inventory_name(make_board, tmp_path):
    a = make_board("--uid", "0a0b0c0d01020304")
    b = make_board("--platform", "esp32")
    run("-p", a.pty, "exec", "open('/who','w').write('bench-a')")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.yaml").write_text(
        "id: mine\nextends: generic\ncapabilities: [lab.mine]\n")
    (tmp_path / "mpytool.yaml").write_text(
        "boards:\n"
        "  bench-a:\n"
        "    port: uid:0a0b0c0d01020304\n"
        "    profile: profiles/mine.yaml\n"
        "    labels: [line1]\n"
        "  gateway:\n"
        "    address: %s\n" % b.tcp)
    sub = tmp_path / "src"
    sub.mkdir()
    env = {"MPYTOOL_PORTS": "%s:%s" % (a.pty, b.pty)}
    cwd = os.getcwd()
    os.chdir(sub)  # the nearest parent's mpytool.yaml is the project's inventory
    try:
        r = run("-p", "@bench-a", "cat", ":/who", env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout == b"bench-a"
        r = run("-v", "-p", "@bench-a", "info", env=env)
        assert b"Profile:     mine" in r.stdout, r.stdout
        assert b"inventory" in r.stdout
        r = run("-p", "@gateway", "exec", "import sys; print(sys.platform)", env=env)
        assert r.stdout.strip() == b"esp32", r.stderr
        r = run("-p", "@bench-b", "ls", env=env)
        assert r.returncode == 2
        assert b"no board 'bench-b' in the inventory" in r.stderr and b"bench-a" in r.stderr
    finally:
        os.chdir(cwd)
    bad = tmp_path / "bad.yaml"
    bad.write_text("boards:\n  x:\n    port: /dev/ttyACM0\n    colour: red\n")
    r = run("-p", "@x", "ls", env={"MPYTOOL_INVENTORY": str(bad)})
    assert r.returncode == 2
    assert b"(line 4, column 5): boards.x.colour: unknown key" in r.stderr, r.stderr
