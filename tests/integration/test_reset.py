"""Resets: soft keeps files and clears RAM; --raw; --machine with reconnect."""
from conftest import run


def test_soft_reset_keeps_files_clears_ram(board, link):
    args = board.conn_args(link)
    r = run(*args, "exec", "open('keep.txt', 'w').write('kept')\nmarker = 1")
    assert r.returncode == 0, r.stderr
    r = run(*args, "reset")
    assert r.returncode == 0, r.stderr
    assert b"RESET soft" in r.stderr
    r = run(*args, "exec", "print(open('keep.txt').read())\nprint('marker' in globals())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["kept", "False"]


def test_raw_reset_in_chain(board, link):
    r = run(*board.conn_args(link), "exec", "y = 5", "--", "reset", "--raw", "--",
            "exec", "print('y' in globals())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["False"]


def test_machine_reset_reconnects_and_keeps_files(board):
    args = board.conn_args("pty")
    r = run(*args, "exec", "open('m.txt', 'w').write('after machine reset')")
    assert r.returncode == 0, r.stderr
    r = run(*args, "reset", "--machine", "--", "exec", "print(open('m.txt').read())")
    assert r.returncode == 0, r.stderr
    assert b"RESET machine" in r.stderr
    assert b"after machine reset" in r.stdout


def test_timeout_option_only_with_machine_or_rts(board):
    r = run(*board.conn_args("tcp"), "reset", "-t", "3")
    assert r.returncode == 2
    assert b"--timeout only with --machine or --rts" in r.stderr


def test_rts_reset_on_pty_is_a_clear_error(board):
    r = run(*board.conn_args("pty"), "reset", "--rts")
    assert r.returncode != 0
    assert b"Hardware reset" in r.stderr


def test_machine_reset_over_tcp_redials(board):
    args = board.conn_args("tcp")
    r = run(*args, "exec", "open('t.txt', 'w').write('tcp')\nmarker = 1")
    assert r.returncode == 0, r.stderr
    r = run(*args, "reset", "--machine", "--", "exec", "print(open('t.txt').read(), 'marker' in globals())")
    assert r.returncode == 0, r.stderr
    assert b"connected" in r.stderr
    assert r.stdout.decode().split() == ["tcp", "False"]


def profile(tmp_path, reset):
    path = tmp_path / "acme.yaml"
    path.write_text("id: acme\ndescription: a vendor board\nreset:\n" + reset)
    return str(path)


def modem(trace):
    return [(float(t), line, int(v)) for t, line, v in
            (l.split() for l in trace.read_text().splitlines())]


def test_profile_reset_sequences_drive_the_modem_lines(board, tmp_path):
    # A pty has no DTR/RTS: MPYTOOL_MODEM_TRACE records the changes at ConnSerial's seam, with
    # their times, instead of driving the lines.
    trace = tmp_path / "modem.txt"
    env = {"MPYTOOL_MODEM_TRACE": str(trace)}
    prof = profile(tmp_path, '  hard: "D0|R1|W0.2|R0"\n  bootloader: "U0,1|W0.1|D1|R0|W0.05|D0"\n')
    r = run("--profile", prof, "-p", board.pty, "reset", "--rts", env=env)
    assert r.returncode == 0, r.stderr
    steps = modem(trace)
    assert [(l, v) for _, l, v in steps] == [("DTR", 0), ("RTS", 1), ("RTS", 0)]
    assert steps[2][0] - steps[1][0] >= 195  # W0.2 between asserting and releasing EN
    trace.unlink()
    r = run("--profile", prof, "-p", board.pty, "reset", "--dtr-boot", env=env)
    assert r.returncode == 0, r.stderr
    steps = modem(trace)
    assert [(l, v) for _, l, v in steps] == [("DTR", 0), ("RTS", 1), ("DTR", 1), ("RTS", 0),
                                             ("DTR", 0)]
    assert steps[2][0] - steps[1][0] >= 95 and steps[4][0] - steps[3][0] >= 45
    # A board whose profile says it has no reset line: a clear error, no line touched.
    trace.unlink()
    r = run("--profile", profile(tmp_path, "  hard: none\n"), "-p", board.pty, "reset", "--rts",
            env=env)
    assert r.returncode != 0 and b"profile 'acme' says the board has no reset line" in r.stderr
    assert not trace.exists()
    # A bad sequence is refused with the profile's line and column.
    r = run("--profile", profile(tmp_path, '  hard: "D0|Q1"\n'), "-p", board.pty, "reset",
            "--rts")
    assert r.returncode == 2 and b"(line 4, column 9): reset.hard" in r.stderr, r.stderr
