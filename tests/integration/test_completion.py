"""The bash completion script (completions/mpytool.bash) driven as bash does it: COMP_WORDS /
COMP_LINE set, the completion function called, COMPREPLY read back. Commands and options come
from the tool, board paths from `_paths` over the line's own -p."""
import os
import shutil
import subprocess

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
