"""The app without a board, and the git-style features that need the real binary."""
import re
import os
import shutil
import stat

import pytest

from conftest import EXAMPLE, MPYTOOL, run


def test_help_lists_usage_options_and_commands():
    r = run("--help")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "usage:" in out.lower()
    for word in ("--port", "--address", "--ssl", "exec", "eval", "run", "info", "reset", "plugins"):
        assert word in out


def test_version():
    r = run("--version")
    assert r.returncode == 0
    lines = r.stdout.decode().splitlines()
    assert re.match(r"mpytool \d+\.\d+\.\d+ \(revision \S+, plugin ABI \d+\)$", lines[0]), lines
    # The loaded plugins with their versions.
    assert lines[1].startswith("plugins: ") and "device 0.1.0" in lines[1] and "fs 0.1.0" in lines[1]
    assert run("version").stdout == r.stdout


def test_plugins_lists_device_plugin():
    r = run("plugins")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "device" in out
    assert "mpytool-device" in out
    assert "exec" in out


@pytest.mark.parametrize("words", [["help", "exec"], ["exec", "--help"], ["device", "exec", "--help"],
                                   ["help", "device", "reset"]])
def test_command_help(words):
    r = run(*words)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "usage:" in out.lower()


def test_reset_help_names_modes():
    out = run("reset", "--help").stdout.decode()
    for mode in ("--machine", "--rts", "--raw", "--boot", "--dtr-boot"):
        assert mode in out


def test_unknown_command_suggests():
    r = run("-p", "/dev/null", "exce")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "unknown" in err.lower()
    assert "exec" in err


def test_port_and_address_conflict():
    r = run("-p", "/dev/tty0", "-a", "127.0.0.1", "exec", "1")
    assert r.returncode != 0
    assert b"only" in r.stderr.lower()


def test_bad_global_option_is_usage_error():
    r = run("--no-such-option", "info")
    assert r.returncode == 2


def test_bad_chunk_size_is_usage_error():
    assert run("-c", "12", "info").returncode == 2
    assert run("-c", "abc", "info").returncode == 2


def test_missing_port_is_connection_error():
    r = run("-p", "/dev/does-not-exist-xyz", "exec", "1")
    assert r.returncode == 3
    assert b"/dev/does-not-exist-xyz" in r.stderr


def test_no_command_does_nothing():
    r = run()
    assert r.returncode == 0
    assert r.stdout == b""


def test_sleep_needs_no_board():
    r = run("sleep", "0.1")
    assert r.returncode == 0
    assert b"SLEEP 0.1s" in r.stderr


def test_external_command_gets_connection_settings(tmp_path):
    script = tmp_path / "mpytool-hello"
    script.write_text('#!/bin/sh\necho "hello $* port=$MPYTOOL_PORT"\nexit 7\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    r = run("-p", "/dev/ttyFAKE", "hello", "a", "b",
            env={"PATH": f"{tmp_path}:{os.environ['PATH']}"})
    assert r.returncode == 7
    assert r.stdout.decode().strip() == "hello a b port=/dev/ttyFAKE"


def test_completion_commands():
    r = run("_commands")
    assert r.returncode == 0
    names = [line.split(":")[0] for line in r.stdout.decode().splitlines()]
    assert "exec" in names and "reset" in names
    r = run("_options")
    assert b"--port" in r.stdout and b"--verbose" in r.stdout


def test_vboard_option_runs_a_private_board():
    r = run("--vboard", "info", "--", "exec", "print('private board')", timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"Platform:" in r.stdout
    assert b"private board" in r.stdout



def test_auto_detect_names_the_problem():
    # Without -p/-a exactly one USB serial port is used; none or several is a clear error.
    ports = run("ports").stdout.decode().splitlines()
    r = run("exec", "print(1)", timeout=30)
    if not ports:
        assert r.returncode == 3
        assert b"No serial port found. Use -p to specify port." in r.stderr
    elif len(ports) > 1:
        assert r.returncode == 3
        assert b"Multiple serial ports found" in r.stderr
    else:
        pytest.skip("one USB serial port is attached; auto-detection would use it")


def test_man_page_is_made_from_the_command_tables():
    r = run("_man")
    assert r.returncode == 0, r.stderr
    page = r.stdout.decode()
    assert page.startswith(".TH MPYTOOL 1 ")
    for section in (".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS",
                    ".SH ENVIRONMENT"):
        assert section in page, section
    commands = [line.split(":", 1)[0] for line in run("_commands").stdout.decode().splitlines()]
    heads = [line for line in page.splitlines() if line.startswith(".SS ")]
    for c in commands:
        assert any(h.startswith('.SS "%s' % c.replace("-", "\\-")) for h in heads), c
    assert "\\fB\\-\\-delete\\fR" in page  # a command's option (sync)
    assert "\\fB\\-e\\fR, \\fB\\-\\-exclude\\fR" in page  # a plugin's global option
    # The build wrote the same page next to the tool (share/man/man1, as installed).
    built = os.path.join(os.path.dirname(os.path.abspath(MPYTOOL)), "..", "share", "man", "man1",
                         "mpytool.1")
    with open(built) as f:
        assert f.read() == page
