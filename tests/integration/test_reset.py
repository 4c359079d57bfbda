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
