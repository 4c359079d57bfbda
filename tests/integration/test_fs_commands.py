"""The fs plugin's commands against the virtual board, over the pty and over TCP: output formats
(docs/compatibility.md, "Commands"), --json outputs, error texts and exit codes
(docs/exit-codes.md)."""
import hashlib
import json
import os
import stat

import pytest

from conftest import run

# Exit codes of README.md.
USAGE = 2
DEVICE = 4

# Names that break naive quoting: Unicode, spaces, both quotes, a backslash.
ODD_NAMES = ["ü ñ.txt", "it's.py", 'say "hi".txt', "back\\slash.txt", "日本語"]


def ok(r):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return r


def fs(board, link, *args, **kw):
    """Runs mpytool on the board; returns the CompletedProcess."""
    return run(*board.conn_args(link), *args, **kw)


def out(board, link, *args, **kw):
    """Runs a command that must succeed; returns its stdout as text."""
    return ok(fs(board, link, *args, **kw)).stdout.decode()


def err_of(r):
    return r.stderr.decode()


def prepare(board, link, base, files=None, dirs=()):
    """Creates a fresh \\p base directory with \\p dirs and \\p files ({relative path: bytes})."""
    code = ["import os",
            "def _rm(p):",
            " for e in list(os.ilistdir(p)):",
            "  q = p + '/' + e[0]",
            "  _rm(q) if e[1] & 0xF000 == 0x4000 else os.remove(q)",
            " os.rmdir(p)",
            "def _mk(p):",
            " q = ''",
            " for c in p.strip('/').split('/'):",
            "  q += '/' + c",
            "  try:",
            "   os.mkdir(q)",
            "  except OSError:",
            "   pass",
            f"try:\n _rm({base!r})\nexcept OSError:\n pass",
            f"_mk({base!r})"]
    for d in dirs:
        code.append(f"_mk({base + '/' + d!r})")
    for name, data in (files or {}).items():
        path = base + "/" + name
        code.append(f"_mk({path.rsplit('/', 1)[0]!r})")
        code.append(f"open({path!r}, 'wb').write({bytes(data)!r})")
    ok(fs(board, link, "exec", "\n".join(code)))


def board_eval(board, link, expr):
    return out(board, link, "eval", expr).strip()


def read(board, link, path):
    return fs(board, link, "cat", ":" + path).stdout


# ---------------------------------------------------------------------------------------- ls

def test_ls_formats_and_order(board, link):
    base = f"/ls_{link}"
    prepare(board, link, base, {"small.txt": b"x" * 23, "big.bin": b"\0" * 3100,
                                "sub/inner.txt": b"1"}, dirs=["zdir"])
    r = ok(fs(board, link, "ls", ":" + base))
    lines = r.stdout.decode().splitlines()
    # Directories first (9 spaces, a space, name/), then files with the size right-aligned to 9.
    assert lines[:2] == ["          sub/", "          zdir/"] or \
        lines[:2] == ["          zdir/", "          sub/"]
    assert set(lines[2:]) == {"    3.03K big.bin", "      23B small.txt"}
    assert f"LS: {base}" in err_of(r)
    # A trailing slash is the same directory; -q prints bare names.
    assert ok(fs(board, link, "ls", f":{base}/")).stdout.decode().splitlines() == lines
    quiet = out(board, link, "-q", "ls", ":" + base).splitlines()
    assert sorted(quiet[:2]) == ["sub/", "zdir/"] and sorted(quiet[2:]) == ["big.bin", "small.txt"]
    assert err_of(fs(board, link, "-q", "ls", ":" + base)) == ""


def test_ls_json_and_odd_names(board, link):
    base = f"/lsj_{link}"
    prepare(board, link, base, {n: n.encode() for n in ODD_NAMES}, dirs=["d ir"])
    data = json.loads(out(board, link, "ls", "--json", ":" + base))
    assert data[0] == {"name": "d ir", "type": "dir", "size": None}
    files = {e["name"]: e for e in data[1:]}
    assert set(files) == set(ODD_NAMES)
    for n in ODD_NAMES:
        assert files[n] == {"name": n, "type": "file", "size": len(n.encode())}
    plain = out(board, link, "ls", ":" + base)
    for n in ODD_NAMES:
        assert f"B {n}\n" in plain


def test_ls_relative_header_has_no_double_slash(board, link):
    prepare(board, link, f"/rel_{link}", {"f": b"1"})
    r = ok(fs(board, link, "cd", ":/", "--", "ls", f":rel_{link}", "--", "ls"))
    assert f"LS: /rel_{link}\n" in err_of(r) and "//" not in err_of(r)
    assert "LS: /\n" in err_of(r)


def test_ls_errors(board, link):
    r = fs(board, link, "ls", ":/no/such/dir")
    assert r.returncode == DEVICE
    assert "Dir '/no/such/dir' was not found" in err_of(r)
    r = fs(board, link, "ls", "lib")
    assert r.returncode == USAGE
    assert "ls requires device path (: prefix): lib" in err_of(r)


# -------------------------------------------------------------------------------------- tree

def test_tree_format(board, link):
    base = f"/tree_{link}"
    prepare(board, link, base, {"d/f.txt": b"12345", "g.bin": b"\xff" * 1024}, dirs=["d/e"])
    r = ok(fs(board, link, "tree", ":" + base))
    assert r.stdout.decode().splitlines() == [
        f"    1.00K {base}/",
        "       5B ├─ d/",
        "       0B │  ├─ e/",
        "       5B │  └─ f.txt",
        "    1.00K └─ g.bin",
    ]
    assert f"TREE: {base}" in err_of(r)
    assert out(board, link, "-q", "tree", f":{base}/").splitlines() == [
        f"{base}/", "├─ d/", "│  ├─ e/", "│  └─ f.txt", "└─ g.bin"]
    # A file is a single line; the CWD is "./" and the root "/".
    assert out(board, link, "tree", f":{base}/g.bin") == f"    1.00K {base}/g.bin\n"
    cwd = out(board, link, "cd", f":{base}/d", "--", "tree", "--", "cd", ":/").splitlines()
    assert cwd[0] == "       5B ./"
    assert out(board, link, "tree", ":/").splitlines()[0].endswith(" /")


def test_tree_json(board, link):
    base = f"/treej_{link}"
    prepare(board, link, base, {"a/ü ñ.txt": b"abc", "a/b/c.py": b"1234", "top": b""})
    data = json.loads(out(board, link, "tree", "--json", ":" + base))
    assert data == {
        "name": base, "type": "dir", "size": 7, "children": [
            {"name": "a", "type": "dir", "size": 7, "children": [
                {"name": "b", "type": "dir", "size": 4, "children": [
                    {"name": "c.py", "type": "file", "size": 4}]},
                {"name": "ü ñ.txt", "type": "file", "size": 3}]},
            {"name": "top", "type": "file", "size": 0}]}


def test_tree_missing(board, link):
    r = fs(board, link, "tree", ":/missing_tree")
    assert r.returncode == DEVICE
    assert "Dir '/missing_tree' was not found" in err_of(r)


# --------------------------------------------------------------------------------------- cat

def test_cat_binary_and_several_files(board, link):
    base = f"/cat_{link}"
    blob = bytes(range(256)) * 3 + b"\r\n\n\r"
    prepare(board, link, base, {"blob.bin": blob, "ü ñ.txt": "čau\n".encode(), "b": b"tail"})
    r = ok(fs(board, link, "cat", f":{base}/blob.bin"))
    assert r.stdout == blob
    assert f"CAT: {base}/blob.bin" in err_of(r)
    r = ok(fs(board, link, "cat", f":{base}/ü ñ.txt", f":{base}/b"))
    assert r.stdout == "čau\n".encode() + b"tail"


def test_cat_errors(board, link):
    r = fs(board, link, "cat", ":/nope.txt")
    assert r.returncode == DEVICE and "File '/nope.txt' was not found" in err_of(r)
    r = fs(board, link, "cat", "nope.txt")
    assert r.returncode == USAGE and "cat requires device path (: prefix)" in err_of(r)


# ---------------------------------------------------------------------------------------- mv

def test_mv_rename_and_into_directory(board, link):
    base = f"/mv_{link}"
    prepare(board, link, base, {"a.txt": b"A", "b.txt": b"B", "c.txt": b"C", ODD_NAMES[3]: b"\\"})
    r = ok(fs(board, link, "mv", f":{base}/a.txt", f":{base}/renamed.txt"))
    assert f"MV: {base}/a.txt -> {base}/renamed.txt" in err_of(r)
    # A destination ending with '/' is a directory: created when missing, names kept.
    ok(fs(board, link, "mv", f":{base}/b.txt", f":{base}/c.txt", f":{base}/{ODD_NAMES[3]}",
          f":{base}/new/dir/"))
    assert sorted(json.loads(out(board, link, "ls", "--json", f":{base}/new/dir")),
                  key=lambda e: e["name"]) == sorted(
        [{"name": n, "type": "file", "size": 1} for n in ("b.txt", "c.txt", ODD_NAMES[3])],
        key=lambda e: e["name"])
    assert read(board, link, f"{base}/new/dir/{ODD_NAMES[3]}") == b"\\"
    # ':' is the CWD: mv from an absolute path into it.
    ok(fs(board, link, "cd", f":{base}/new", "--", "mv", f":{base}/renamed.txt", ":", "--",
          "cd", ":/"))
    assert read(board, link, f"{base}/new/renamed.txt") == b"A"
    assert [e["name"] for e in json.loads(out(board, link, "ls", "--json", ":" + base))] == ["new"]


def test_mv_errors(board, link):
    base = f"/mve_{link}"
    prepare(board, link, base, {"a": b"1", "b": b"2", "file": b"f"})
    r = fs(board, link, "mv", f":{base}/a")
    assert r.returncode == USAGE and "mv requires source and destination" in err_of(r)
    r = fs(board, link, "mv", f":{base}/a", f":{base}/b", f":{base}/c")
    assert r.returncode == USAGE
    assert "multiple sources require destination directory (ending with /)" in err_of(r)
    r = fs(board, link, "mv", f":{base}/missing", f":{base}/x")
    assert r.returncode == DEVICE
    assert f"Source not found on device: {base}/missing" in err_of(r)
    r = fs(board, link, "mv", f"{base}/a", f":{base}/x")
    assert r.returncode == USAGE and "mv requires device path (: prefix)" in err_of(r)
    r = fs(board, link, "mv", f":{base}/a", f":{base}/file/")
    assert r.returncode != 0
    assert f"Error creating directory, this is file: {base}/file" in err_of(r)
    assert read(board, link, f"{base}/a") == b"1"


# ------------------------------------------------------------------------------------- mkdir

def test_mkdir_parents_existing_and_file_in_the_way(board, link):
    base = f"/mkd_{link}"
    prepare(board, link, base, {"file": b"x"})
    r = ok(fs(board, link, "mkdir", f":{base}/a/b/c", f":{base}/a/b", f":{base}/ü ñ"))
    assert f"MKDIR: {base}/a/b/c" in err_of(r) and f"MKDIR: {base}/ü ñ" in err_of(r)
    tree = json.loads(out(board, link, "tree", "--json", ":" + base))
    names = {c["name"]: c for c in tree["children"]}
    assert names["a"]["children"][0]["children"][0] == {
        "name": "c", "type": "dir", "size": 0, "children": []}
    assert names["ü ñ"]["type"] == "dir"
    ok(fs(board, link, "mkdir", f":{base}/a/b/c"))  # an existing directory is fine
    # The error names the file in the way, not the directory asked for (a board refusal: 4).
    r = fs(board, link, "mkdir", f":{base}/file/sub/deeper")
    assert r.returncode == DEVICE
    assert f"Error creating directory, this is file: {base}/file\n" in err_of(r)
    r = fs(board, link, "mkdir", "x")
    assert r.returncode == USAGE and "mkdir requires device path (: prefix): x" in err_of(r)


# ---------------------------------------------------------------------------------------- rm

def test_rm_file_tree_and_contents(board, link):
    base = f"/rm_{link}"
    prepare(board, link, base, {"f.txt": b"1", "d/x/y.txt": b"2", "d/z": b"3",
                                "keep/a": b"a", "keep/sub/b": b"b", ODD_NAMES[1]: b"q"})
    r = ok(fs(board, link, "rm", f":{base}/f.txt", f":{base}/d", f":{base}/{ODD_NAMES[1]}"))
    assert f"RM: {base}/d" in err_of(r)
    assert [e["name"] for e in json.loads(out(board, link, "ls", "--json", ":" + base))] == \
        ["keep"]
    # Contents only: the directory stays, empty.
    r = ok(fs(board, link, "rm", f":{base}/keep/"))
    assert f"RM contents: {base}/keep/" in err_of(r)
    assert "  a\n" in err_of(r) and "  sub\n" in err_of(r)
    assert json.loads(out(board, link, "ls", "--json", f":{base}/keep")) == []
    # ':' is the CWD's contents.
    prepare(board, link, base, {"c/1": b"1", "c/2/3": b"3"})
    r = ok(fs(board, link, "cd", f":{base}/c", "--", "rm", ":", "--", "cd", ":/"))
    assert "RM contents: CWD" in err_of(r)
    assert json.loads(out(board, link, "ls", "--json", f":{base}/c")) == []


def test_rm_errors(board, link):
    r = fs(board, link, "rm", ":/not_there")
    assert r.returncode == DEVICE and "Path '/not_there' was not found" in err_of(r)
    r = fs(board, link, "rm", "not_there")
    assert r.returncode == USAGE and "rm requires device path (: prefix)" in err_of(r)


# ------------------------------------------------------------------------------ cd, pwd, path

def test_cd_pwd_chain(board, link):
    base = f"/cd_{link}"
    prepare(board, link, base, {"sub/f": b"1"})
    r = ok(fs(board, link, "cd", f":{base}/sub", "--", "pwd", "--", "ls", "--", "cd", ":/",
              "--", "pwd"))
    assert r.stdout.decode().splitlines() == [f"{base}/sub", "       1B f", "/"]
    assert f"CD: {base}/sub" in err_of(r) and "PWD" in err_of(r)
    assert f"LS: {base}/sub" in err_of(r)
    # Relative: the header joins the CWD without a double slash, the change is relative.
    r = ok(fs(board, link, "cd", ":/", "--", "cd", f":{base[1:]}", "--", "cd", ":sub", "--",
              "pwd", "--", "cd", ":/"))
    assert f"CD: {base}\n" in err_of(r) and f"CD: {base}/sub\n" in err_of(r)
    assert r.stdout.decode() == f"{base}/sub\n"
    # pwd chains further commands without '--' (the Python mpytool's parse_known_args).
    assert out(board, link, "pwd", "pwd") == "/\n/\n"


def test_cd_errors(board, link):
    r = fs(board, link, "cd", ":/no_dir_here")
    assert r.returncode == DEVICE and "Dir '/no_dir_here' was not found" in err_of(r)
    r = fs(board, link, "cd")
    assert r.returncode == USAGE
    r = fs(board, link, "cd", "lib")
    assert r.returncode == USAGE and "cd requires device path (: prefix): lib" in err_of(r)
    assert out(board, link, "pwd") == "/\n"


def test_path_show_and_change(board, link):
    original = out(board, link, "path").split()
    assert original and all(p.startswith(":") for p in original)
    try:
        r = ok(fs(board, link, "path", ":/a", ":", "--", "path", "--", "path", "-f", ":/b",
                  ":/a", "--", "path", "--", "path", "-a", ":/c", ":/b", "--", "path", "--",
                  "path", "-d", ":/a", ":/x", "--", "path"))
        assert r.stdout.decode().splitlines() == [
            ":/a :", ":/b :/a :", ":/b :/a : :/c", ":/b : :/c"]
        e = err_of(r)
        assert "PATH set to 2 entries" in e and "PATH prepended 2 entries" in e
        assert "PATH appended 2 entries" in e and "PATH removed 2 entries" in e
        assert "日本語" in out(board, link, "path", ":/日本語", "--", "path")
    finally:
        ok(fs(board, link, "path", *original))
    assert out(board, link, "path").split() == original
    r = fs(board, link, "path", "-f", "-a", ":/x")
    assert r.returncode == USAGE and "mutually exclusive" in err_of(r)
    r = fs(board, link, "path", "/x")
    assert r.returncode == USAGE and "path requires device path (: prefix)" in err_of(r)


# ------------------------------------------------------------------------- touch, sha256sum

def test_touch(board, link):
    base = f"/touch_{link}"
    prepare(board, link, base, {"keep.txt": b"content"}, dirs=["d"])
    r = ok(fs(board, link, "touch", f":{base}/keep.txt", f":{base}/new.txt",
              f":{base}/{ODD_NAMES[2]}"))
    assert f"TOUCH: {base}/new.txt" in err_of(r)
    assert read(board, link, f"{base}/keep.txt") == b"content"
    sizes = {e["name"]: e["size"] for e in json.loads(out(board, link, "ls", "--json", ":" + base))}
    assert sizes == {"d": None, "keep.txt": 7, "new.txt": 0, ODD_NAMES[2]: 0}
    r = fs(board, link, "touch", f":{base}/ok", f":{base}/nodir/x")
    assert r.returncode == DEVICE and f"Dir '{base}/nodir' was not found" in err_of(r)
    r = fs(board, link, "touch", f":{base}/d")
    assert r.returncode == DEVICE and f"cannot touch ':{base}/d'" in err_of(r)


def test_sha256sum(board, link):
    base = f"/sha_{link}"
    files = {"a.bin": bytes(range(256)) * 9, "ü ñ.txt": "ü\n".encode(), "empty": b""}
    prepare(board, link, base, files, dirs=["d"])
    paths = [f"{base}/{n}" for n in files]
    r = ok(fs(board, link, "sha256sum", *(":" + p for p in paths)))
    assert r.stdout.decode().splitlines() == [
        f"{hashlib.sha256(d).hexdigest()}  {p}" for p, d in zip(paths, files.values())]
    data = json.loads(out(board, link, "sha256sum", "--json", *(":" + p for p in paths)))
    assert data == [{"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
                    for p, d in zip(paths, files.values())]
    r = fs(board, link, "sha256sum", f":{base}/a.bin", f":{base}/missing")
    assert r.returncode == DEVICE and f"File '{base}/missing' was not found" in err_of(r)
    assert r.stdout == b""
    r = fs(board, link, "sha256sum", f":{base}/d")
    assert r.returncode == DEVICE and "is a directory" in err_of(r)


# ---------------------------------------------------------------------------------------- df

def test_df(board, link):
    r = ok(fs(board, link, "df"))
    lines = r.stdout.decode().splitlines()
    assert lines[0].split() == ["Mount", "Size", "Used", "Avail", "Use%"]
    root = lines[1].split()
    assert root[0] == "/" and root[1] == "2.00M" and root[4].endswith("%")
    assert "DF" in err_of(r)
    data = json.loads(out(board, link, "df", "--json"))
    assert data[0]["mount"] == "/" and data[0]["size"] == 2 * 1024 * 1024
    assert data[0]["used"] + data[0]["avail"] == data[0]["size"]
    assert 0 <= data[0]["use_percent"] <= 100


# ----------------------------------------------------------------------------------- _paths

def test_paths_completion(board, link):
    base = f"/cmpl_{link}"
    prepare(board, link, base, {"f.py": b"", "ü ñ": b""}, dirs=["sub"])
    assert out(board, link, "_paths", f":{base}/").splitlines() == ["sub/", "f.py", "ü ñ"]
    assert "cmpl_" + link + "/" in out(board, link, "_paths", ":/").splitlines()
    # Errors stay silent, the missing ':' does not.
    r = ok(fs(board, link, "_paths", ":/no_such"))
    assert r.stdout == b"" and r.stderr == b""
    r = fs(board, link, "_paths", "lib")
    assert r.returncode == USAGE
    # Hidden from the listings.
    assert "_paths" not in run("--help").stdout.decode()
    assert "_paths" not in run("_commands").stdout.decode()


def test_paths_completion_is_silent_without_board():
    r = run("-a", "127.0.0.1:1", "_paths", ":")
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b""


# -------------------------------------------------------------------------------------- edit

@pytest.fixture
def editor(tmp_path):
    """A fake editor: appends a line to the file and records its arguments."""
    script = tmp_path / "ed.sh"
    log = tmp_path / "args"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {log}\nprintf "added\\n" >> "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def test_edit_changes_uploaded(board, link, editor):
    script, log = editor
    base = f"/edit_{link}"
    prepare(board, link, base, {"main.py": b"x = 1\n"})
    r = ok(fs(board, link, "-v", "edit", f":{base}/main.py", env={"EDITOR": str(script),
                                                                   "VISUAL": ""}))
    assert read(board, link, f"{base}/main.py") == b"x = 1\nadded\n"
    e = err_of(r)
    assert f"EDIT: {base}/main.py" in e and "uploading 12 bytes..." in e and "  done" in e
    assert f"  editor: {script}" in e
    tmp = log.read_text().splitlines()[0]
    assert tmp.endswith(".py") and not os.path.exists(tmp)  # remote suffix, deleted after


def test_edit_new_file_quoted_editor_command(board, link, tmp_path):
    base = f"/editn_{link}"
    prepare(board, link, base)
    # --editor wins over $EDITOR and is split like a shell: the quoted word stays one argument.
    cmd = "sh -c 'printf \"%s\" \"$0\" > \"$1\"' 'two words'"
    r = ok(fs(board, link, "edit", "--editor", cmd, f":{base}/ü ñ.txt",
              env={"EDITOR": "false"}))
    assert "(new file)" in err_of(r)
    assert read(board, link, f"{base}/ü ñ.txt") == b"two words"


def test_edit_unchanged_failed_and_unconfigured(board, link):
    base = f"/edite_{link}"
    prepare(board, link, base, {"a.txt": b"keep"})
    r = ok(fs(board, link, "edit", f":{base}/a.txt", env={"VISUAL": "true", "EDITOR": "false"}))
    assert "(no changes)" in err_of(r)
    r = fs(board, link, "edit", f":{base}/a.txt",
           env={"VISUAL": "", "EDITOR": "sh -c 'echo junk > \"$0\"; exit 3'"})
    assert r.returncode == 1
    assert "editor exited with code 3, file not uploaded" in err_of(r)
    assert read(board, link, f"{base}/a.txt") == b"keep"
    r = fs(board, link, "edit", f":{base}/a.txt", env={"VISUAL": "", "EDITOR": ""})
    assert r.returncode == USAGE and "No editor configured" in err_of(r)
    r = fs(board, link, "edit", f"{base}/a.txt", env={"EDITOR": "true"})
    assert r.returncode == USAGE and "edit requires device path (: prefix)" in err_of(r)
