#!/usr/bin/python3
"""Builds a small package index with the real mip v2 layout, for the `mip` tests and benchmark.

usage: tests/tools/mip_index.py OUTDIR

The layout and the JSON are what micropython-lib's tools/build.py writes (see
../shared/reference/mip-webrepl-romfs.md §A):
  OUTDIR/index/index.json                       {"v": 2, "updated", "packages": [{"name",
                                                "version", "author", "description", "license",
                                                "versions": {"py": [...], "6": [...]}, "path"}]}
                                                (indent 2, sorted by name)
  OUTDIR/index/package/{6,py}/NAME/{latest,VERSION}.json
                                                {"v":1,"hashes":[[PATH,HASH]],"version":V}
                                                (minified; optional "deps" and "urls")
  OUTDIR/index/file/HH/HASH                     HASH = first 8 hex of the content's sha256
Besides the index (served from the same root by the tests' HTTP server):
  OUTDIR/index2/...                             a second index (for --index given twice)
  OUTDIR/github/ORG/REPO/REF/PATH               what raw.githubusercontent.com would serve
                                                (MPYTOOL_MIP_GITHUB=http://HOST/github)
  OUTDIR/web/...                                package.json files with `urls` and plain .py
                                                files reached by http:// URLs
  OUTDIR/local/...                              a package.json with relative urls, for
                                                `mip install DIR` and `mip install DIR/package.json`

The content is deterministic (same bytes, same hashes on every run). `.mpy` files are synthetic
(an mpy v6 header and bytecode-like bytes): mip never parses file contents and the tests never
import them.

Importable: `build(outdir)` writes everything and returns a description (class Tree) the tests
use to know which files each package installs and their contents.
"""
import hashlib
import json
import os
import random
import sys

MPY = "6"
HASH_LEN = 8  # build.py's default --hash-prefix


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def short_hash(data):
    return sha256(data)[:HASH_LEN]


# --- content ------------------------------------------------------------------------------------

_WORDS = ("self", "value", "data", "buf", "conn", "event", "handle", "uuid", "char", "service",
          "timeout", "result", "flags", "index", "offset", "length", "addr", "mode", "state")


def py_source(name, size, seed):
    """Python-like source of about `size` bytes (deterministic)."""
    rnd = random.Random("%s/%d" % (name, seed))
    out = ['# %s: generated for the mip tests\n' % name, "import micropython\n\n"]
    n = sum(len(s) for s in out)
    i = 0
    while n < size:
        w = [rnd.choice(_WORDS) for _ in range(4)]
        block = ("\n\nclass %s_%d:\n    def __init__(self, %s, %s=None):\n"
                 "        self._%s = %s\n        self._%s = %s or %d\n\n"
                 "    def %s(self, %s):\n        if %s is None:\n            return self._%s\n"
                 "        return (self._%s + %d) & 0x%x\n" % (
                     w[0].capitalize(), i, w[1], w[2], w[1], w[1], w[2], w[2], rnd.randrange(999),
                     w[3], w[0], w[0], w[1], w[1], rnd.randrange(4096), rnd.randrange(1, 65535)))
        out.append(block)
        n += len(block)
        i += 1
    text = "".join(out)[:size]
    return (text.rstrip() + "\n").encode()


def mpy_bytes(source):
    """A synthetic .mpy for `source`: the v6 header and bytecode-like bytes (~60 % of it)."""
    rnd = random.Random(sha256(source))
    body = bytearray()
    words = source.split()
    while len(body) < len(source) * 6 // 10:
        w = words[rnd.randrange(len(words))] if words else b"x"
        body += bytes([rnd.randrange(256), len(w) & 0x7F]) + w[:20]
    return b"M\x06\x00\x1f" + bytes(body)


# --- model --------------------------------------------------------------------------------------


class Flavour:
    """One package json: {path: bytes} plus optional deps/urls."""

    def __init__(self, files, deps=None):
        self.files = dict(files)
        self.deps = list(deps or [])


class Package:
    def __init__(self, name, version, flavours, description=""):
        self.name = name
        self.version = version
        self.flavours = flavours  # {"6": Flavour, "py": Flavour}
        self.description = description


class Tree:
    """What build() wrote: packages[name][version] -> Package, latest[name] -> version, and
    the contents of the github tree and of the web/local package.json files."""

    def __init__(self, root):
        self.root = root
        self.packages = {}
        self.latest = {}
        self.second = {}  # the second index: name -> Package (latest only)
        self.github = {}  # "ORG/REPO/REF/PATH" -> bytes
        self.web = {}  # "web/..." -> bytes
        self.local = {}  # "local/..." -> bytes
        self.corrupt = {}  # package name -> (path, served bytes)

    def files(self, name, version=None, mpy=MPY, second=False):
        """{path: bytes} that package NAME (VERSION or latest) installs itself (no deps)."""
        if second:
            return dict(self.second[name].flavours[mpy].files)
        version = version or self.latest[name]
        return dict(self.packages[name][version].flavours[mpy].files)

    def deps(self, name, version=None, mpy=MPY):
        version = version or self.latest[name]
        return list(self.packages[name][version].flavours[mpy].deps)


def _two(py_files, mpy=True, deps=None):
    """Both flavours from the .py files: "py" as is, "6" compiled to .mpy when `mpy`."""
    six = {}
    for path, data in py_files.items():
        if mpy and path.endswith(".py"):
            six[path[:-3] + ".mpy"] = mpy_bytes(data)
        else:
            six[path] = data
    return {"py": Flavour(py_files, deps), MPY: Flavour(six, deps)}


BLE_MODULES = [("__init__.py", 1800), ("core.py", 5200), ("device.py", 4100),
               ("peripheral.py", 3900), ("central.py", 6100), ("client.py", 7300),
               ("server.py", 6900), ("l2cap.py", 3400), ("security.py", 4600)]
SHARED_PATH = "common/shared.py"
SHARED = py_source("common.shared", 900, 1)


def packages():
    """Every package of the main index (a list of Package)."""
    p = []
    # A 9-file package of realistic sizes, like aioble: the benchmark's package.
    ble = {"blepkg/" + f: py_source("blepkg." + f, size, 0) for f, size in BLE_MODULES}
    p.append(Package("blepkg", "0.5.0", _two(ble),
                     "Nine modules, a few KB each (like aioble)"))
    # Dependencies: app -> util, shared-a; app2 -> util, shared-b; shared-a and shared-b both
    # install common/shared.py (same path, same bytes, same hash).
    p.append(Package("util", "1.0", _two({"util.py": py_source("util", 700, 0)})))
    p.append(Package("shared-a", "1.0", _two(
        {"shared_a.py": py_source("shared_a", 600, 0), SHARED_PATH: SHARED}, mpy=False)))
    p.append(Package("shared-b", "1.0", _two(
        {"shared_b.py": py_source("shared_b", 650, 0), SHARED_PATH: SHARED}, mpy=False)))
    p.append(Package("app", "1.0", _two({"app.py": py_source("app", 500, 0)}, mpy=False,
                                        deps=[["util", "1.0"], ["shared-a", "latest"]])))
    p.append(Package("app2", "1.0", _two({"app2.py": py_source("app2", 400, 0)}, mpy=False,
                                         deps=[["util", "1.0"], ["shared-b", ""]])))
    # A cycle: cyc-a -> cyc-b -> cyc-a.
    p.append(Package("cyc-a", "1.0", _two({"cyc_a.py": py_source("cyc_a", 300, 0)}, mpy=False,
                                          deps=[["cyc-b", "1.0"]])))
    p.append(Package("cyc-b", "1.0", _two({"cyc_b.py": py_source("cyc_b", 300, 0)}, mpy=False,
                                          deps=[["cyc-a", "1.0"]])))
    # Two versions (latest = 2.0), and a conflict: x needs vpkg 1.0, y needs vpkg 2.0.
    p.append(Package("vpkg", "1.0", _two({"vpkg.py": b"VERSION = '1.0'\n" +
                                          py_source("vpkg1", 400, 0)}, mpy=False)))
    p.append(Package("vpkg", "2.0", _two({"vpkg.py": b"VERSION = '2.0'\n" +
                                          py_source("vpkg2", 450, 0)}, mpy=False)))
    p.append(Package("x", "1.0", _two({"x.py": py_source("x", 200, 0)}, mpy=False,
                                      deps=[["vpkg", "1.0"]])))
    p.append(Package("y", "1.0", _two({"y.py": py_source("y", 200, 0)}, mpy=False,
                                      deps=[["vpkg", "2.0"]])))
    # Only a py flavour (no package/6/pyonly).
    p.append(Package("pyonly", "1.0", {"py": Flavour({"pyonly.py": py_source("pyonly", 300, 0)})}))
    # Different files for mpy 6 (.mpy) and py (.py).
    p.append(Package("mpyflav", "1.0", _two({"mpyflav.py": py_source("mpyflav", 1200, 0)})))
    # The served file does not match its hash (see _write_index: the blob is altered).
    p.append(Package("badhash", "1.0", _two({"badhash.py": py_source("badhash", 500, 0)},
                                            mpy=False)))
    # A package whose json is malformed (written by _write_index).
    p.append(Package("badjson", "1.0", _two({"badjson.py": b"x = 1\n"}, mpy=False)))
    # A dependency that is missing from the index.
    p.append(Package("brokendep", "1.0", _two({"brokendep.py": b"y = 2\n"}, mpy=False,
                                              deps=[["no-such-package", "1.0"]])))
    # Big incompressible files: to fill a small board.
    rnd = random.Random(7)
    big = {"big/b%d.bin" % i: bytes(rnd.randrange(256) for _ in range(40000)) for i in range(4)}
    p.append(Package("bigpkg", "1.0", _two(big, mpy=False)))
    return p


def second_index_packages():
    """The second index: vpkg 9.0 (shadowed by the first index's vpkg when the first comes first)
    and only2, found only here."""
    return [Package("vpkg", "9.0", _two({"vpkg.py": b"VERSION = '9.0'\n"}, mpy=False)),
            Package("only2", "1.0", _two({"only2.py": py_source("only2", 300, 0)}, mpy=False))]


# --- writers ------------------------------------------------------------------------------------


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def _write_json(path, obj, minify):
    # As build.py's _write_json: minified package jsons, indented index.json, final newline.
    text = json.dumps(obj, indent=None if minify else 2,
                      separators=(",", ":") if minify else None)
    _write(path, (text + "\n").encode())


def package_json(flavour, version):
    obj = {"v": 1, "hashes": [[path, short_hash(data)] for path, data in flavour.files.items()],
           "version": version}
    if flavour.deps:
        obj["deps"] = flavour.deps
    return obj


def _write_index(root, pkgs, tree=None):
    """Writes one v2 index at root for pkgs (several versions of a name: the last is latest)."""
    index = {"packages": [], "v": 2, "updated": 1767225600}
    entries = {}
    for pkg in pkgs:
        entry = entries.get(pkg.name)
        if entry is None:
            entry = entries[pkg.name] = {"name": pkg.name}
            index["packages"].append(entry)
        entry["version"] = pkg.version
        entry["author"] = ""
        entry["description"] = pkg.description
        entry["license"] = "MIT"
        versions = entry.setdefault("versions", {})
        for mpy in ("py", MPY):
            if mpy in pkg.flavours:
                versions.setdefault(mpy, []).append(pkg.version)
        entry["path"] = "micropython/" + pkg.name
        for mpy, flavour in pkg.flavours.items():
            obj = package_json(flavour, pkg.version)
            for version in ("latest", pkg.version):
                path = os.path.join(root, "package", mpy, pkg.name, version + ".json")
                if pkg.name == "badjson":
                    _write(path, b'{"v":1,"hashes":[["badjson.py","1234abcd"]],"version":\n')
                else:
                    _write_json(path, obj, minify=True)
            for path, data in flavour.files.items():
                h = short_hash(data)
                served = data
                if pkg.name == "badhash":
                    served = data.replace(b"import", b"imp0rt", 1)
                    if tree is not None:
                        tree.corrupt[pkg.name] = (path, served)
                _write(os.path.join(root, "file", h[:2], h), served)
        if tree is not None:
            tree.packages.setdefault(pkg.name, {})[pkg.version] = pkg
            tree.latest[pkg.name] = pkg.version
    index["packages"].sort(key=lambda e: e["name"])
    _write_json(os.path.join(root, "index.json"), index, minify=False)


GH_ORG, GH_REPO, GH_DEP = "testorg", "ghrepo", "ghdep"


def _github(tree):
    """The fake raw.githubusercontent.com tree: ORG/REPO/REF/PATH."""
    gh = {}
    main_py = py_source("ghpkg", 800, 0)
    util_py = py_source("ghpkg.util", 600, 0)
    dep_py = py_source("ghdep", 400, 0)
    # github:testorg/ghrepo (HEAD): urls as github: URLs and relative; a github: dependency.
    gh["%s/%s/HEAD/package.json" % (GH_ORG, GH_REPO)] = json.dumps({
        "urls": [["ghpkg/__init__.py", "github:%s/%s/ghpkg/__init__.py" % (GH_ORG, GH_REPO)],
                 ["ghpkg/util.py", "ghpkg/util.py"]],
        "deps": [["github:%s/%s" % (GH_ORG, GH_DEP), "main"]],
        "version": "0.1"}, indent=2).encode()
    gh["%s/%s/HEAD/ghpkg/__init__.py" % (GH_ORG, GH_REPO)] = main_py
    gh["%s/%s/HEAD/ghpkg/util.py" % (GH_ORG, GH_REPO)] = util_py
    # @v1.0: another version of the same repository.
    gh["%s/%s/v1.0/package.json" % (GH_ORG, GH_REPO)] = json.dumps({
        "urls": [["ghpkg/__init__.py", "github:%s/%s/ghpkg/__init__.py" % (GH_ORG, GH_REPO)]],
        "version": "1.0"}, indent=2).encode()
    gh["%s/%s/v1.0/ghpkg/__init__.py" % (GH_ORG, GH_REPO)] = b"VERSION = 'v1.0'\n"
    # A single module reached as github:testorg/ghrepo/single.py.
    gh["%s/%s/HEAD/single.py" % (GH_ORG, GH_REPO)] = b"def hello():\n    return 'single'\n"
    # github:testorg/ghdep@main
    gh["%s/%s/main/package.json" % (GH_ORG, GH_DEP)] = json.dumps({
        "urls": [["ghdep.py", "ghdep.py"]], "version": "main"}).encode()
    gh["%s/%s/main/ghdep.py" % (GH_ORG, GH_DEP)] = dep_py
    for path, data in gh.items():
        _write(os.path.join(tree.root, "github", path), data)
    tree.github = gh


def _web(tree):
    """Packages reached by http(s):// URLs: a package.json with relative and github: urls, a
    directory URL (DIR/package.json), and a plain .py file."""
    web = {}
    web["web/urlspkg/package.json"] = json.dumps({
        "urls": [["urlspkg/__init__.py", "urlspkg/__init__.py"],
                 ["urlspkg/helper.py", "./urlspkg/helper.py"],
                 ["urlspkg/gh.py", "github:%s/%s/single.py" % (GH_ORG, GH_REPO)]],
        "deps": [["util", "1.0"]],
        "version": "1.2"}, indent=2).encode()
    web["web/urlspkg/urlspkg/__init__.py"] = py_source("urlspkg", 700, 0)
    web["web/urlspkg/urlspkg/helper.py"] = py_source("urlspkg.helper", 500, 0)
    web["web/named.json"] = json.dumps({
        "urls": [["named.py", "plain/hello.py"]], "version": "3"}).encode()
    web["web/plain/hello.py"] = b"print('hello from a URL')\n"
    web["web/bad/package.json"] = b'{"urls": [["a.py", "a.py"]'
    for path, data in web.items():
        _write(os.path.join(tree.root, path), data)
    tree.web = web
    local = {}
    local["local/pkg/package.json"] = json.dumps({
        "urls": [["localpkg/__init__.py", "localpkg/__init__.py"],
                 ["localpkg/mod.py", "localpkg/mod.py"]],
        "version": "0.9"}, indent=2).encode()
    local["local/pkg/localpkg/__init__.py"] = py_source("localpkg", 600, 0)
    local["local/pkg/localpkg/mod.py"] = py_source("localpkg.mod", 900, 0)
    for path, data in local.items():
        _write(os.path.join(tree.root, path), data)
    tree.local = local


def build(outdir):
    """Writes the index, the second index, the github tree and the web/local files under
    outdir; returns the Tree describing them."""
    tree = Tree(os.path.abspath(outdir))
    _write_index(os.path.join(tree.root, "index"), packages(), tree)
    second = second_index_packages()
    _write_index(os.path.join(tree.root, "index2"), second)
    tree.second = {p.name: p for p in second}
    _github(tree)
    _web(tree)
    return tree


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    tree = build(argv[1])
    n = sum(len(v) for v in tree.packages.values())
    print("wrote %s: %d package versions in index/, %d in index2/, %d github files" % (
        tree.root, n, len(tree.second), len(tree.github)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
