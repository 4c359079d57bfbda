"""`mpytool fleet`: one chain on several boards at once (pty and TCP), each in its own mpytool
process: a failing board and a hanging one (--timeout) do not stop the others, the JSON report,
--fail-fast, and the partial-failure exit code 8."""
import json
import time

from conftest import run

CHECK = ("import os\n"
         "n = os.listdir('/')\n"
         "if 'hang' in n:\n"
         "    while True: pass\n"
         "print('MARK', open('/mark').read())\n")


def mark(board, text):
    r = run("-p", board.pty, "exec", "open('/mark','w').write(%r)" % text)
    assert r.returncode == 0, r.stderr


def test_fleet_runs_everywhere_and_reports_each_board(make_board):
    boards = [make_board() for _ in range(5)]
    for i, b in enumerate(boards[:4]):
        mark(b, "board%d" % i)
    run("-p", boards[3].pty, "exec", "open('/hang','w').write('1')")
    # boards[4] has no /mark: it fails; boards[3] hangs until --timeout.
    targets = ["-p", boards[0].pty, "-p", boards[1].pty, "-a", boards[2].tcp,
               "-p", boards[3].pty, "-p", boards[4].pty]
    start = time.monotonic()
    r = run("fleet", *targets, "--timeout", "5", "--json", "--", "exec", CHECK, "--", "ls",
            timeout=120)
    wall = time.monotonic() - start
    assert r.returncode == 8, r.stderr
    report = json.loads(r.stdout)
    by_board = {b["board"]: b for b in report["boards"]}
    # The report lists the -p boards, then the -a ones.
    assert [b["board"] for b in report["boards"]] == [boards[0].pty, boards[1].pty,
                                                      boards[3].pty, boards[4].pty,
                                                      boards[2].tcp]
    for i in range(3):
        b = by_board[boards[i].tcp if i == 2 else boards[i].pty]
        assert b["status"] == "ok" and b["exit"] == 0, b
        assert "MARK board%d" % i in b["output"] and "mark" in b["output"]  # exec, then ls
    assert by_board[boards[3].pty]["status"] == "timeout"
    failed = by_board[boards[4].pty]
    assert failed["status"] == "failed" and failed["exit"] == 4 and "ENOENT" in failed["error"]
    assert report["ok"] == 3 and report["failed"] == 2
    # Each board's steps, from the events its process wrote.
    steps = by_board[boards[0].pty]["steps"]
    assert [(st["command"], st["status"]) for st in steps] == [("exec", "ok"), ("ls", "ok")]
    steps = by_board[boards[4].pty]["steps"]
    assert [(st["command"], st["status"]) for st in steps] == [("exec", "failed")]
    assert "ENOENT" in steps[0]["error"]
    steps = by_board[boards[3].pty]["steps"]
    assert [(st["command"], st["status"]) for st in steps] == [("exec", "timeout")]
    assert wall < 60  # in parallel: the hung board's timeout, not the sum of the boards


def test_fleet_text_output_fail_fast_and_usage(make_board):
    good, bad = make_board(), make_board()
    mark(good, "fine")
    r = run("fleet", "-p", good.pty, "-p", bad.pty, "--", "exec", CHECK)
    assert r.returncode == 8
    out = r.stdout.decode()
    assert "[%s] ok in " % good.pty in out
    assert "[%s] failed in " % bad.pty in out and "ENOENT" in out
    assert "fleet: 1 of 2 boards ok" in out
    # What each board printed, under its line, each line prefixed by the board.
    lines = out.splitlines()
    at = lines.index(next(x for x in lines if x.startswith("[%s] ok in " % good.pty)))
    assert lines[at + 1] == "[%s] MARK fine" % good.pty, lines
    r = run("fleet", "-p", good.pty, "--", "exec", "print('all good')", "--", "exec",
            "print('one')\nprint('two')")
    assert r.returncode == 0 and b"fleet: 1 of 1 boards ok" in r.stdout
    for text in ("all good", "one", "two"):
        assert ("[%s] %s\n" % (good.pty, text)).encode() in r.stdout, r.stdout
    # --fail-fast with one job at a time: the board after the failing one never starts.
    r = run("fleet", "-p", bad.pty, "-p", good.pty, "--jobs", "1", "--fail-fast", "--json",
            "--", "exec", CHECK)
    report = json.loads(r.stdout)
    assert [b["status"] for b in report["boards"]] == ["failed", "cancelled"]
    r = run("fleet", "--", "ls")
    assert r.returncode == 2 and b"no boards" in r.stderr
    r = run("fleet", "-p", good.pty)
    assert r.returncode == 2 and b"no command chain" in r.stderr
    r = run("fleet", "-p", good.pty, "ls")
    assert r.returncode == 2 and b"the chain goes after --" in r.stderr


def test_fleet_inventory_labels_matrix_and_unchanged(make_board, tmp_path):
    boards = [make_board() for _ in range(4)]
    for i, b in enumerate(boards[:3]):
        mark(b, "b%d" % i)
    inv = tmp_path / "mpytool.yaml"
    inv.write_text("boards:\n" + "".join(
        "  b%d:\n    port: %s\n    labels: [line1%s]\n" % (i, b.pty, ", odd" if i % 2 else "")
        for i, b in enumerate(boards)))
    env = {"MPYTOOL_INVENTORY": str(inv)}
    app = tmp_path / "app.py"
    app.write_text("print('app')\n" * 50)
    r = run("fleet", "--all", "--", "exec", CHECK, "--", "cp", str(app), ":/", env=env,
            timeout=120)
    assert r.returncode == 8, r.stderr
    out = r.stdout.decode()
    # A board x step matrix: b3 has no /mark, its exec failed and its cp never ran.
    lines = out.splitlines()
    head = [ln for ln in lines if ln.startswith("board")][0]
    assert "1.exec" in head and "2.cp" in head
    row = {ln.split()[0]: ln.split()[1:] for ln in lines if ln.startswith("@b")}
    assert row["@b0"][0] == "ok" and row["@b0"][2] == "ok", out
    assert row["@b3"][0] == "failed" and row["@b3"][2] == "-", out
    assert "[@b3] exec: " in out and "ENOENT" in out
    assert "fleet: 3 of 4 boards ok" in out
    # Only the boards labelled odd; the cp finds the file there: unchanged.
    r = run("fleet", "--label", "odd", "--label", "line1", "--json", "--", "cp", str(app), ":/",
            env=env)
    report = json.loads(r.stdout)
    assert [b["board"] for b in report["boards"]] == ["@b1", "@b3"]
    assert report["boards"][0]["steps"][0]["status"] == "unchanged"
    assert report["boards"][1]["steps"][0]["status"] == "ok"  # b3 had no app.py yet
    r = run("fleet", "--label", "even", "--", "ls", env=env)
    assert r.returncode == 2 and b"no board of" in r.stderr and b"label even" in r.stderr
    r = run("fleet", "--json", "--events", "-p", boards[0].pty, "--", "ls")
    assert r.returncode == 2 and b"exclude each other" in r.stderr


def test_fleet_events_are_ndjson(make_board, tmp_path):
    fast = [make_board() for _ in range(3)]
    slow = make_board("--baud", "115200", "--link", "uart")
    mark(fast[0], "x")
    mark(fast[1], "y")
    data = tmp_path / "blob.bin"
    data.write_bytes(bytes(range(256)) * 120)  # 30 KB: about 3 s at 115200 baud
    targets = []
    for b in fast + [slow]:
        targets += ["-p", b.pty]
    r = run("fleet", *targets, "--events", "--", "exec", "print(1)", "--", "cp", str(data),
            ":/blob.bin", "--", "exec", "print(open('/mark').read())", timeout=120)
    assert r.returncode == 8, r.stderr
    events = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert events[-1]["event"] == "fleet" and events[-1]["ok"] == 2 and events[-1]["failed"] == 2
    by = {}
    for e in events[:-1]:
        by.setdefault(e["board"], []).append(e)
    assert set(by) == {b.pty for b in fast + [slow]}
    for b in fast + [slow]:
        evs = by[b.pty]
        assert evs[0] == {"event": "board", "board": b.pty, "state": "start"}
        assert evs[-1]["event"] == "board"
        steps = [(e["step"], e["command"], e["state"]) for e in evs if e["event"] == "step"]
        assert steps[:4] == [(0, "exec", "start"), (0, "exec", "ok"), (1, "cp", "start"),
                             (1, "cp", "ok")], steps
    assert by[fast[0].pty][-1]["state"] == "ok"
    assert by[fast[2].pty][-1]["state"] == "failed" and "ENOENT" in by[fast[2].pty][-1]["error"]
    failed = [e for e in by[fast[2].pty] if e["event"] == "step" and e["state"] == "failed"]
    assert failed[0]["step"] == 2 and failed[0]["exit"] == 4
    # The slow board's upload reported progress on the way.
    progress = [e for e in by[slow.pty] if e["event"] == "progress"]
    assert progress and all(e["step"] == 1 for e in progress), by[slow.pty]
