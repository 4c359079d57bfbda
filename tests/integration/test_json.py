"""--json outputs that docs/json.md documents, parsed: info, eval, plugins (profiles, ports,
fleet, sync, ls/tree/df, cp, flash and ota have their own tests)."""
import json

from conftest import run


def test_info_json(board, link):
    r = run(*board.conn_args(link), "info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["platform"] == "webassembly"
    assert info["implementation"]["name"] == "micropython"
    assert all(isinstance(n, int) for n in info["implementation"]["version"])
    assert info["memory"]["total"] == info["memory"]["free"] + info["memory"]["alloc"]
    root = next(f for f in info["filesystems"] if f["mount"] == "/")
    assert root["used"] == root["total"] - root["free"]
    assert isinstance(info["unique_id"], str) and info["profile"] == "generic"
    assert "platform webassembly" in info["profile_reason"]


def test_eval_json(board):
    r = run("-p", board.pty, "eval", "--json", "{'a': [1, 2.5, None, True], 'b': b'\\x00A'}")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["value"] == {"a": [1, 2.5, None, True], "b": {"bytes": "0041"}}
    assert out["repr"] == "{'a': [1, 2.5, None, True], 'b': b'\\x00A'}"
    r = run("-p", board.pty, "eval", "--json", "2**70")
    assert json.loads(r.stdout)["value"] == 2 ** 70
    r = run("-p", board.pty, "eval", "--json", "print")  # not a literal
    out = json.loads(r.stdout)
    assert out["value"] is None and "function" in out["repr"]


def test_plugins_json():
    r = run("plugins", "--json")
    assert r.returncode == 0, r.stderr
    rows = {p["name"]: p for p in json.loads(r.stdout)}
    assert rows["fs"]["status"] == "loaded" and "sync" in rows["fs"]["commands"]
    assert "--exclude" in rows["fs"]["global_options"]
    assert "rtc" in rows["device"]["commands"]
