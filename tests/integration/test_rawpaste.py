"""Raw-paste mode and both fallbacks: boards that answer R\\x00 and old boards that don't answer."""
import pytest

from conftest import run


@pytest.mark.parametrize("mode", ["yes", "no", "silent"])
def test_exec_works_in_every_raw_paste_mode(make_board, mode):
    b = make_board("--raw-paste", mode)
    code = "s = 0\n" + "\n".join(f"s += {i}" for i in range(300)) + "\nprint('sum', s)"
    for link in ("pty", "tcp"):
        r = run(*b.conn_args(link), "-dd", "exec", code)
        assert r.returncode == 0, r.stderr
        assert f"sum {sum(range(300))}" in r.stdout.decode()
        # The log says which path was taken.
        expected = {"yes": b"raw-paste: supported", "no": b"raw-paste: declined by the board",
                    "silent": b"raw-paste: no header from the board"}[mode]
        assert expected in r.stderr


@pytest.mark.parametrize("mode", ["no", "silent"])
def test_fallback_is_cached_within_a_session(make_board, mode):
    b = make_board("--raw-paste", mode)
    r = run(*b.conn_args("tcp"), "-dd", "exec", "print(1)", "--", "exec", "print(2)",
            "--", "exec", "print(3)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == ["1", "2", "3"]
    # Raw-paste is asked for once, then remembered.
    assert r.stderr.count(b"\\x05A\\x01") == 1


def test_device_error_in_every_mode(make_board):
    for mode in ("yes", "no", "silent"):
        b = make_board("--raw-paste", mode)
        r = run(*b.conn_args("tcp"), "exec", "raise ValueError('bad value')")
        assert r.returncode == 4, (mode, r.stderr)
        assert b"ValueError: bad value" in r.stderr
