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
    r = run("fleet", "-p", good.pty, "--", "exec", "print('all good')")
    assert r.returncode == 0 and b"fleet: 1 of 1 boards ok" in r.stdout
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
