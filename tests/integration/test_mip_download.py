"""`mpytool mip download`: host only (no board is started or needed). It resolves packages from
a small v2 index generated here (a host directory, and the same directory over a local HTTP
server), fetches their files, and writes an index plus mip.lock that a second download (or an
install) uses offline; the host cache stands in when the server is gone; errors are worded and
carry their exit codes."""
import hashlib
import http.server
import json
import os
import threading

import pytest

from conftest import run

EXIT_ERROR, EXIT_USAGE, EXIT_CONN = 1, 2, 3


def h8(data):
    return hashlib.sha256(data).hexdigest()[:8]


def add_package(root, name, version, files, deps=(), mpy="6", latest=True):
    """package/{mpy}/NAME/{VERSION,latest}.json and file/HH/HASH, the v2 layout."""
    hashes = []
    for path, data in files:
        h = h8(data)
        fdir = root / "file" / h[:2]
        fdir.mkdir(parents=True, exist_ok=True)
        (fdir / h).write_bytes(data)
        hashes.append([path, h])
    doc = json.dumps({"v": 1, "version": version, "hashes": hashes,
                      "deps": [list(d) for d in deps]})
    pdir = root / "package" / mpy / name
    pdir.mkdir(parents=True, exist_ok=True)
    (pdir / f"{version}.json").write_text(doc)
    if latest:
        (pdir / "latest.json").write_text(doc)


@pytest.fixture
def source(tmp_path):
    root = tmp_path / "src"
    add_package(root, "core", "1.0", [("core.mpy", b"C" * 3000)])
    add_package(root, "app", "2.1", [("app/__init__.mpy", b"A" * 100),
                                     ("app/util.mpy", b"U" * 5000)], deps=[("core", "")])
    add_package(root, "pyonly", "0.1", [("p.py", b"p")], mpy="py")
    return root


class Server:
    """python's http.server over a directory, in a thread; stop() takes it away."""

    def __init__(self, root):
        handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(  # noqa: E731
            *a, directory=str(root), **k)
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(source):
    s = Server(source)
    yield s
    s.stop()


def env_for(tmp_path):
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "MPYTOOL_MIP_INDEX": "http://127.0.0.1:9"}


def lock_of(directory):
    return json.loads((directory / "mip.lock").read_text())


def test_download_from_a_host_index_then_offline_from_the_result(source, tmp_path):
    out = tmp_path / "out"
    r = run("mip", "download", "app", "-d", str(out), "--index", str(source),
            env=env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    assert f"Downloading core (1.0) from {source}".encode() in r.stdout
    assert f"Downloading app (2.1) from {source}".encode() in r.stdout
    assert r.stdout.rstrip().endswith(b"Done")
    assert (out / "file" / h8(b"U" * 5000)[:2] / h8(b"U" * 5000)).read_bytes() == b"U" * 5000
    index = json.loads((out / "index.json").read_text())
    assert index["v"] == 2 and sorted(p["name"] for p in index["packages"]) == ["app", "core"]
    assert (out / "package" / "6" / "app" / "2.1.json").exists()
    lock = lock_of(out)
    assert lock["v"] == 1 and lock["mpy"] == "6"
    assert [p["name"] for p in lock["packages"]] == ["core", "app"]  # deps first
    app = lock["packages"][1]
    assert app["requested"] and app["deps"] == ["core"] and app["version"] == "2.1"
    files = {f["path"]: f for f in app["files"]}
    assert files["app/util.mpy"]["sha256"] == hashlib.sha256(b"U" * 5000).hexdigest()

    # The written directory is an index: download again from it alone, the source gone.
    os.rename(source, tmp_path / "gone")
    out2 = tmp_path / "out2"
    r = run("mip", "download", "app", "-d", str(out2), "--index", str(out),
            env=env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    assert [[f["sha256"] for f in p["files"]] for p in lock_of(out2)["packages"]] == \
        [[f["sha256"] for f in p["files"]] for p in lock["packages"]]
    # And its lock file alone (-r) reproduces it.
    out3 = tmp_path / "out3"
    r = run("mip", "download", "-r", str(out / "mip.lock"), "-d", str(out3),
            env=env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (out3 / "package" / "6" / "core" / "1.0.json").exists()


def test_download_over_http_then_from_the_cache(server, tmp_path):
    out = tmp_path / "out"
    env = env_for(tmp_path)
    env["MPYTOOL_MIP_INDEX"] = server.url  # the default index comes from the seam
    r = run("mip", "download", "app", "-d", str(out), "--json", env=env)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["files_written"] == 3 and doc["mpy"] == "6"
    assert [p["name"] for p in doc["packages"]] == ["core", "app"]
    cached = list((tmp_path / "cache" / "mpytool" / "mip" / "files").rglob("*"))
    assert sum(1 for p in cached if p.is_file()) == 3

    # The server gone: the cache stands in (the index JSONs' last copies, the files by hash).
    server.stop()
    out2 = tmp_path / "out2"
    r = run("-v", "mip", "download", "app", "-d", str(out2), env=env)
    assert r.returncode == 0, r.stderr
    assert b"using the cached copy" in r.stderr
    assert [f["sha256"] for f in lock_of(out2)["packages"][1]["files"]] == \
        [f["sha256"] for f in lock_of(out)["packages"][1]["files"]]
    # Without a cache the network error is the error (exit 3).
    r = run("mip", "download", "app", "-d", str(tmp_path / "out3"),
            env=dict(env, XDG_CACHE_HOME=str(tmp_path / "empty")))
    assert r.returncode == EXIT_CONN, r.stderr
    assert b"127.0.0.1" in r.stderr


def test_requirements_list_and_py_flavour(server, source, tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# the app\napp@2.1\n\ncore  # its dep, named too\n")
    out = tmp_path / "out"
    r = run("mip", "download", "-r", str(req), "-d", str(out), "--index", server.url,
            env=env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    assert sorted(p["name"] for p in lock_of(out)["packages"] if p["requested"]) == \
        ["app", "core"]
    r = run("mip", "download", "pyonly", "-d", str(out), "--index", server.url, "--mpy", "py",
            env=env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (out / "package" / "py" / "pyonly" / "0.1.json").exists()
    assert (out / "package" / "6" / "app" / "latest.json").exists()  # the first download kept
    assert sorted(p["name"] for p in json.loads((out / "index.json").read_text())["packages"]) \
        == ["app", "core", "pyonly"]


def test_errors(server, source, tmp_path):
    env = env_for(tmp_path)
    out = str(tmp_path / "out")
    r = run("mip", "download", "nope", "-d", out, "--index", server.url, "--index", str(source),
            env=env)
    assert r.returncode == EXIT_ERROR
    assert f"package not found: 'nope' (searched {server.url}, {source})".encode() in r.stderr
    r = run("mip", "download", "pyonly", "-d", out, "--index", server.url, env=env)
    assert r.returncode == EXIT_ERROR
    assert b"package pyonly 0.1 has no files for mpy 6" in r.stderr
    assert b"--no-mpy" in r.stderr
    r = run("mip", "download", "app", "--index", server.url, env=env)
    assert r.returncode == EXIT_USAGE and b"-d DIR is required" in r.stderr
    r = run("mip", "download", "a@1@2", "-d", out, env=env)
    assert r.returncode == EXIT_USAGE and b"more than one '@'" in r.stderr
    r = run("mip", "frobnicate", env=env)
    assert r.returncode == EXIT_USAGE and b"unknown subcommand 'frobnicate'" in r.stderr
    # A file whose bytes are not what the index says.
    h = h8(b"C" * 3000)
    (source / "file" / h[:2] / h).write_bytes(b"tampered")
    r = run("mip", "download", "core", "-d", out, "--index", server.url, env=env)
    assert r.returncode == EXIT_ERROR
    assert (f"hash mismatch for core.mpy from {server.url}/file/{h[:2]}/{h}: expected {h}, "
            f"got {h8(b'tampered')}").encode() in r.stderr
    # Malformed JSON names its URL.
    (source / "package" / "6" / "bad").mkdir(parents=True)
    (source / "package" / "6" / "bad" / "latest.json").write_text("{oops")
    r = run("mip", "download", "bad", "-d", out, "--index", server.url, env=env)
    assert r.returncode == EXIT_ERROR
    assert f"malformed package JSON {server.url}/package/6/bad/latest.json".encode() in r.stderr


def test_github_urls_deps_cycles_and_conflicts(server, source, tmp_path):
    # A repository laid out as raw.githubusercontent.com serves it, reached through the seam:
    # `urls` relative to the package.json and a github: dep on the index package "core".
    repo = source / "gh" / "org" / "drv" / "v1"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "drv.py").write_bytes(b"import core\n")
    (repo / "package.json").write_text(json.dumps(
        {"urls": [["drv/__init__.py", "src/drv.py"]], "deps": [["core", "1.0"]],
         "version": "1.0.0"}))
    add_package(source, "ping", "1", [("ping.py", b"ping")], deps=[("pong", "")])
    add_package(source, "pong", "1", [("pong.py", b"pong")], deps=[("ping", "")])
    add_package(source, "old", "1", [("old.py", b"old")], deps=[("core", "0.9")])
    env = dict(env_for(tmp_path), MPYTOOL_MIP_GITHUB=server.url + "/gh")
    out = tmp_path / "out"
    r = run("-v", "mip", "download", "github:org/drv@v1", "ping", "-d", str(out),
            "--index", server.url, env=env)
    assert r.returncode == 0, r.stderr
    assert f"Downloading drv (v1) from {server.url}/gh/org/drv/v1/package.json".encode() \
        in r.stdout
    assert b"dependency cycle: ping -> pong -> ping (installed once)" in r.stderr
    lock = lock_of(out)
    drv = next(p for p in lock["packages"] if p["name"] == "drv")
    assert drv["files"][0]["sha256"] == hashlib.sha256(b"import core\n").hexdigest()
    assert drv["deps"] == ["core"] and drv["index"] is None
    assert sorted(p["name"] for p in lock["packages"]) == ["core", "drv", "ping", "pong"]
    # The downloaded index serves drv by name now (its files inside out/).
    r = run("mip", "download", "drv", "-d", str(tmp_path / "again"), "--index", str(out),
            env=env)
    assert r.returncode == 0, r.stderr
    # Two packages pinning different versions of one dep: refused before any download.
    r = run("mip", "download", "github:org/drv@v1", "old", "-d", str(tmp_path / "x"),
            "--index", server.url, env=env)
    assert r.returncode == EXIT_USAGE
    assert b"version conflict: core 1.0 (needed by drv) and core 0.9 (needed by old)" in r.stderr
    assert not (tmp_path / "x").exists()
