"""The app without a board, and the git-style features that need the real binary."""
import re
import os
import shutil
import socket
import stat
import threading
import time

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


def help_section(text, title):
    """The rows of one section of `mpytool --help` ("commands:", "plugins (...)"): name, text."""
    rows, inside = [], False
    for line in text.splitlines():
        if line.startswith(title):
            inside = True
            continue
        if inside:
            if not line.startswith("  "):
                break
            if not line.startswith("    "):
                name, _, rest = line.strip().partition(" ")
                rows.append((name, rest.strip()))
    return rows


def test_help_lists_each_command_once_with_the_subcommands_it_has(make_board):
    out = run("--help").stdout.decode()
    names = [name for name, _ in help_section(out, "commands:")]
    assert len(names) == len(set(names)), names
    assert names.count("flash") == 1
    flash = dict(help_section(out, "commands:"))["flash"]
    plugins = dict(help_section(out, "plugins"))
    assert "info" not in plugins["flash-rp2"] and "table" not in plugins["flash-esp32"]
    # The completion list too: each word once.
    words = [line.split(":")[0] for line in run("_commands").stdout.decode().splitlines()]
    assert len(words) == len(set(words)), words
    # The subcommands the help names are those each plugin's flash accepts (its error lists them).
    for platform, plugin in (("esp32", "flash-esp32"), ("rp2", "flash-rp2")):
        b = make_board("--platform", platform)
        r = run("-p", b.pty, "flash", "nope")
        assert r.returncode == 2, r.stderr
        hint = r.stderr.decode().split("hint: use ")[1].strip()
        accepted = set(re.split(r", | or ", hint))
        listed = set(re.search(r"\[([a-z|]+)\]", plugins[plugin]).group(1).split("|"))
        assert listed == accepted, (plugin, listed, accepted)
        assert all(sub in flash for sub in accepted), flash
    r = run("flash", "--help")
    assert r.returncode == 0 and b"flash-esp32 flash" in r.stdout and b"flash-rp2 flash" in r.stdout
    # Every plugin's line names commands it has (`plugins --json`), each of them.
    import json
    for p in json.loads(run("plugins", "--json").stdout):
        text = plugins[p["name"]]
        named = re.findall(r"[a-z_0-9]+", text.split(":", 1)[1].split("[")[0])
        shown = [c for c in p["commands"] if not c.startswith("_")]
        assert sorted(named) == sorted(shown), (p["name"], named, shown)


@pytest.mark.parametrize("plugin,commands", [
    ("device", ["exec", "eval", "reset", "speedtest"]),
    ("fs", ["ls", "cp", "mkdir", "sync"]),
    ("flash-esp32", ["flash"]),
])
def test_plugin_help_lists_its_commands(plugin, commands):
    for flag in ("--help", "-h"):
        r = run(plugin, flag)
        assert r.returncode == 0, r.stderr
        out = r.stdout.decode()
        assert out.startswith("usage: mpytool %s <command>" % plugin), out
        listed = [name for name, _ in help_section(out, "commands:")]
        assert all(c in listed for c in commands), listed
    # After a chain separator too.
    r = run("sleep", "0", "--", plugin, "--help")
    assert r.returncode == 0 and b"commands:" in r.stdout


def test_mount_help_is_the_command_and_names_the_plugins_other_commands():
    # `mount` is a plugin and its command: the command's help, and the rest of the plugin.
    r = run("mount", "--help")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("usage: mpytool mount")
    assert "The plugin 'mount' also has: ln, umount" in out


def test_verbosity_after_the_command_name(board):
    conn = ["-p", board.pty]
    # The README's own `cp -v`: accepted, and verbose for cp (the per-file lines).
    src = os.path.join(os.path.dirname(__file__), "conftest.py")
    r = run(*conn, "cp", "-v", src, ":/verb.py")
    assert r.returncode == 0, r.stderr
    verbose = r.stderr.decode()
    quiet_default = run(*conn, "cp", src, ":/verb2.py").stderr.decode()
    assert len(verbose) > len(quiet_default), (verbose, quiet_default)
    # Same as the global flag, for that command alone: -q silences ls's header, not the next.
    r = run(*conn, "ls", "-q", ":/", "--", "ls", ":/")
    assert r.returncode == 0, r.stderr
    assert r.stderr.decode().count("LS") == 1, r.stderr
    assert run(*conn, "-q", "ls", ":/").stderr == run(*conn, "ls", ":/", "-q").stderr == b""
    # info -v (the README's) shows the fields the global -v shows (their values, free memory
    # among them, change from one run to the next).
    def fields(*args):
        out = run(*conn, *args).stdout.decode()
        return [line.split(":")[0] for line in out.splitlines()]
    assert fields("info", "-v") == fields("-v", "info")
    assert fields("info", "-v") != fields("info")


def test_vboard_without_its_npm_packages_is_one_error_with_the_hint(tmp_path):
    src = os.path.dirname(os.environ.get("MPYTOOL_VBOARD") or
                          os.path.join(os.path.dirname(__file__), "..", "..", "vboard",
                                       "vboard.mjs"))
    copy = tmp_path / "vboard"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("node_modules"))
    r = run("--vboard", "info", env={"MPYTOOL_VBOARD": str(copy / "vboard.mjs")}, timeout=60)
    assert r.returncode == 3, r.stderr
    lines = r.stderr.decode().splitlines()
    assert lines == ["mpytool: error: the virtual board's npm packages are missing (%s/node_modules)"
                     % copy, "hint: run npm ci in %s" % copy], lines


def serve(answer):
    """A TCP server on 127.0.0.1 that is not a MicroPython board: silent (answer None), or it
    answers its first bytes with `answer` and hangs up. Returns (port, stop)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    done = threading.Event()

    def loop():
        srv.settimeout(0.1)
        held = []
        while not done.is_set():
            try:
                c, _ = srv.accept()
            except OSError:
                continue
            if answer is None:
                held.append(c)  # reads nothing, says nothing
                continue
            c.settimeout(5)
            try:
                c.recv(100)
                c.sendall(answer)
            except OSError:
                pass
            c.close()
        for c in held:
            c.close()
        srv.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return srv.getsockname()[1], lambda: (done.set(), t.join())


@pytest.mark.parametrize("answer,bound,what", [
    (None, 6, b"no MicroPython REPL answers on 127.0.0.1:%d [tcp]: silent to every probe"),
    (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 3,
     b"127.0.0.1:%d [tcp] is not a MicroPython REPL: it answers like an HTTP server "
     b"('HTTP/1.1 400 Bad Request')"),
])
def test_a_peer_that_is_not_a_board_is_one_error_soon(answer, bound, what):
    port, stop = serve(answer)
    try:
        start = time.monotonic()
        r = run("-a", "127.0.0.1:%d" % port, "ls")
        wall = time.monotonic() - start
    finally:
        stop()
    assert r.returncode == 3, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == b"mpytool: error: " + what % port, lines
    assert len(lines) <= 2 and all(line.startswith(b"hint: ") for line in lines[1:]), lines
    # The aim: about 3 s for a silent peer (every probe of one round), at once for a
    # peer that answers like another protocol; generous bounds.
    assert wall < bound, wall
