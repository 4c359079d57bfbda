"""The bash completion script (completions/mpytool.bash) driven as bash does it: COMP_WORDS /
COMP_LINE set, the completion function called, COMPREPLY read back. Commands and options come
from the tool, board paths from `_paths` over the line's own -p."""
import os
import shutil
import subprocess

import pytest

from conftest import MPYTOOL, run

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "completions", "mpytool.bash")


def complete(line, words):
    """COMPREPLY for `line` (the cursor at its end), split into `words` as bash would."""
    bindir = os.path.dirname(os.path.abspath(MPYTOOL))
    quoted = " ".join("'%s'" % w for w in words)
    prog = ("source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\nCOMP_LINE='%s'\nCOMP_POINT=%d\n"
            "_mpytool\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n"
            % (SCRIPT, quoted, len(words) - 1, line, len(line)))
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], NO_COLOR="1")
    r = subprocess.run(["bash", "--norc", "-c", prog], capture_output=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    return [w for w in r.stdout.decode().splitlines() if w]


def test_commands_options_and_board_paths(board):
    assert shutil.which("bash")
    got = complete("mpytool sy", ["mpytool", "sy"])
    assert got == ["sync"], got
    got = complete("mpytool sync --d", ["mpytool", "sync", "--d"])
    assert set(got) == {"--delete", "--dry-run"}, got
    got = complete("mpytool --pro", ["mpytool", "--pro"])
    assert set(got) == {"--profile", "--profile-dir"}, got
    run("-p", board.pty, "exec",
        "import os\nos.mkdir('/compl'); os.mkdir('/compl/lib')\n"
        "open('/compl/main.py','w').write('x'); open('/compl/make.txt','w').write('y')")
    # bash splits ':/compl/ma' at the ':' (COMP_WORDBREAKS): the script sees the whole word.
    line = "mpytool -p %s cat :/compl/ma" % board.pty
    got = complete(line, ["mpytool", "-p", board.pty, "cat", ":", "/compl/ma"])
    assert sorted(got) == ["/compl/main.py", "/compl/make.txt"], got
    line = "mpytool -p %s ls :/compl/l" % board.pty
    assert complete(line, ["mpytool", "-p", board.pty, "ls", ":", "/compl/l"]) == ["/compl/lib/"]


def test_board_paths_and_commands_after_an_address_with_a_port(board):
    # `-a HOST:PORT` reaches the script as `-a`, `HOST`, `:`, `PORT` (COMP_WORDBREAKS): it is one
    # word again, the port is not taken for the command, and _paths gets the whole address.
    run("-p", board.pty, "exec",
        "import os\nos.mkdir('/acompl')\n"
        "open('/acompl/main.py','w').write('x'); open('/acompl/make.txt','w').write('y')")
    host, port = board.tcp.rsplit(":", 1)
    addr = ["mpytool", "-a", host, ":", port]
    line = "mpytool -a %s cat :/acompl/ma" % board.tcp
    got = complete(line, addr + ["cat", ":", "/acompl/ma"])
    assert sorted(got) == ["/acompl/main.py", "/acompl/make.txt"], got
    line = "mpytool -a %s ls :/acompl/m" % board.tcp
    got = complete(line, addr + ["ls", ":", "/acompl/m"])
    assert sorted(got) == ["/acompl/main.py", "/acompl/make.txt"], got
    # The word after the address is a command word.
    got = complete("mpytool -a %s sy" % board.tcp, addr + ["sy"])
    assert got == ["sync"], got
    got = complete("mpytool -a %s sync --d" % board.tcp, addr + ["sync", "--d"])
    assert set(got) == {"--delete", "--dry-run"}, got
    # `--address=HOST:PORT` too.
    line = "mpytool --address=%s cat :/acompl/ma" % board.tcp
    got = complete(line, ["mpytool", "--address", "=", host, ":", port, "cat", ":", "/acompl/ma"])
    assert sorted(got) == ["/acompl/main.py", "/acompl/make.txt"], got


ZSH_SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "completions", "_mpytool")


def zsh_complete(words):
    """What completions/_mpytool offers for the last of `words` (the cursor at its end), in
    `zsh -f`: the script sourced, zsh's `words`/`CURRENT` set as the completion system sets
    them, and compadd/_files replaced by functions that print what they are given (zsh itself
    then keeps the candidates that start with the word; the test does that filtering)."""
    bindir = os.path.dirname(os.path.abspath(MPYTOOL))
    quoted = " ".join("'%s'" % w for w in words)
    prog = ("compadd() { local -a a=(\"$@\"); print -l -- ${a[${a[(i)--]}+1,-1]} }\n"
            "_files() { print -- '<files>' }\n"
            "source %s\nwords=(%s)\nCURRENT=%d\n_mpytool\n" % (ZSH_SCRIPT, quoted, len(words)))
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], NO_COLOR="1")
    r = subprocess.run(["zsh", "-f", "-c", prog], capture_output=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    cur = words[-1]
    return [w for w in r.stdout.decode().splitlines() if w and (w == "<files>" or w.startswith(cur))]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_commands_options_and_board_paths(board):
    assert zsh_complete(["mpytool", "sy"]) == ["sync"]
    assert set(zsh_complete(["mpytool", "sync", "--d"])) == {"--delete", "--dry-run"}
    assert set(zsh_complete(["mpytool", "--pro"])) == {"--profile", "--profile-dir"}
    # `mpytool <plugin> <cmd>`: the options of the plugin's command.
    assert "--delete" in zsh_complete(["mpytool", "fs", "sync", "--"])
    # A value-taking global option's value is not the command.
    assert set(zsh_complete(["mpytool", "--baud", "9600", "sync", "--d"])) == {"--delete",
                                                                             "--dry-run"}
    run("-p", board.pty, "exec",
        "import os\nos.mkdir('/zcompl'); os.mkdir('/zcompl/lib')\n"
        "open('/zcompl/main.py','w').write('x'); open('/zcompl/make.txt','w').write('y')")
    got = zsh_complete(["mpytool", "-p", board.pty, "cat", ":/zcompl/ma"])
    assert sorted(got) == [":/zcompl/main.py", ":/zcompl/make.txt"], got
    got = zsh_complete(["mpytool", "-p", board.pty, "ls", ":/zcompl/"])
    assert sorted(got) == [":/zcompl/lib/", ":/zcompl/main.py", ":/zcompl/make.txt"], got
    # A local path after a command: zsh's own file completion.
    assert zsh_complete(["mpytool", "-p", board.pty, "cp", "READ"]) == ["<files>"]
