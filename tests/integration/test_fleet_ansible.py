"""examples/fleet: the Ansible playbook runs `mpytool fleet --all --json` on the stations of an
inventory (here localhost with four virtual boards, one failing) and collects each station's
JSON report on the controller; a failed board fails the station."""
import json
import os
import shutil
import subprocess

from conftest import MPYTOOL, run

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "fleet")


def test_playbook_runs_the_fleet_and_collects_reports(make_board, tmp_path):
    playbook = shutil.which("ansible-playbook")
    assert playbook, "ansible-playbook is missing (scripts/setup.sh installs ansible-core)"
    boards = [make_board() for _ in range(4)]
    for b in boards[:3]:
        r = run("-p", b.pty, "exec", "open('/ok','w').write('1')")
        assert r.returncode == 0
    station = tmp_path / "station"
    station.mkdir()
    (station / "mpytool.yaml").write_text("boards:\n" + "".join(
        "  slot-%d:\n    port: %s\n    labels: [line1]\n" % (i, b.pty)
        for i, b in enumerate(boards)))
    reports = tmp_path / "reports"
    chain = ["exec", "print('slot', open('/ok').read())"]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_HOST_KEY_CHECKING="False",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
               ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-remote"),
               HOME=str(tmp_path))
    env.pop("MPYTOOL_INVENTORY", None)
    extra = {"mpytool": os.path.abspath(MPYTOOL), "station_dir": str(station),
             "reports": str(reports), "chain": chain}
    r = subprocess.run([playbook, "-i", os.path.join(EXAMPLE, "stations.ini"),
                        os.path.join(EXAMPLE, "playbook.yml"), "-e", json.dumps(extra)],
                       capture_output=True, env=env, timeout=300)
    out = r.stdout.decode()
    # One board failed, so the station failed, after its report was collected.
    assert r.returncode == 2, out + r.stderr.decode()
    assert "1 board(s) failed: @slot-3" in out, out
    report = json.loads((reports / "localhost.json").read_text())
    assert report["ok"] == 3 and report["failed"] == 1
    by = {b["board"]: b for b in report["boards"]}
    for i in range(3):
        assert by["@slot-%d" % i]["status"] == "ok"
        assert "slot 1" in by["@slot-%d" % i]["output"]
    assert by["@slot-3"]["status"] == "failed" and "ENOENT" in by["@slot-3"]["error"]

    # All boards fine: the play succeeds.
    run("-p", boards[3].pty, "exec", "open('/ok','w').write('1')")
    r = subprocess.run([playbook, "-i", os.path.join(EXAMPLE, "stations.ini"),
                        os.path.join(EXAMPLE, "playbook.yml"), "-e", json.dumps(extra)],
                       capture_output=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert json.loads((reports / "localhost.json").read_text())["ok"] == 4
