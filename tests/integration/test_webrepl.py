"""WebREPL (`-a ws://HOST:PORT`, sdk/links ConnWebrepl) against the virtual board's WebREPL
endpoint (vboard --webrepl 0): login with a good and a bad password and the password's sources,
exec, a long raw-paste, cp of a tree both ways through the stream path, mount with an import,
repl through a pty with a soft reboot, a soft reset in the middle of a chain, a second client
refused, a host that serves a web page, a connection killed mid-cp then a run that completes,
and the password never in a child's command line, `ps` or a -dd log."""
import hashlib
import os
import socket
import subprocess
import threading
import time

import pytest

from conftest import MPYTOOL, VBOARD, Board, run
from test_mount_repl import Terminal

EXIT_USAGE, EXIT_CONN = 2, 3
PASSWORD = "pw7Kq2x"  # 4-9 characters, as webrepl_setup allows; unique enough to grep for


@pytest.fixture(scope="module")
def wb():
    """A board with its WebREPL (skipped while the vboard has none)."""
    usage = subprocess.run(["node", VBOARD, "--help"], capture_output=True, timeout=30)
    if b"--webrepl" not in usage.stdout + usage.stderr:
        pytest.skip("the virtual board has no WebREPL endpoint (--webrepl) yet")
    b = Board("--webrepl", "0", "--webrepl-password", PASSWORD)
    assert b.webrepl, "READY without webrepl="
    yield b
    b.stop()


def mt(b, *args, password=PASSWORD, timeout=120, env=None, **kw):
    """mpytool over the board's WebREPL, the password in the environment."""
    full = {"MPYTOOL_PASSWORD": password} if password is not None else {}
    full.update(env or {})
    return run(*b.conn_args("webrepl"), *args, timeout=timeout, env=full, **kw)


def ok(r):
    assert r.returncode == 0, (r.stdout, r.stderr)
    return r


def no_password_env():
    env = dict(os.environ)
    env.pop("MPYTOOL_PASSWORD", None)
    env["NO_COLOR"] = "1"
    return env


def test_exec_with_the_password_from_each_source(wb, tmp_path):
    r = ok(mt(wb, "exec", "print(6 * 7)"))
    assert r.stdout.split() == [b"42"]
    # --password (the environment unset).
    r = subprocess.run([MPYTOOL, *wb.conn_args("webrepl"), "--password", PASSWORD, "exec",
                        "print(7 * 7)"], capture_output=True, timeout=60, env=no_password_env(),
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [b"49"]
    # The inventory entry's password: key.
    inv = tmp_path / "inventory.yaml"
    inv.write_text("boards:\n  esp:\n    address: ws://%s\n    password: %s\n"
                   % (wb.webrepl, PASSWORD))
    env = no_password_env()
    env["MPYTOOL_INVENTORY"] = str(inv)
    r = subprocess.run([MPYTOOL, "-p", "@esp", "exec", "print(8 * 8)"], capture_output=True,
                       timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [b"64"]
    # None at all and no terminal to ask on: a usage error that says where it may come from.
    r = subprocess.run([MPYTOOL, *wb.conn_args("webrepl"), "exec", "print(1)"],
                       capture_output=True, timeout=60, env=no_password_env(),
                       stdin=subprocess.DEVNULL, start_new_session=True)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert b"needs a password" in r.stderr and b"MPYTOOL_PASSWORD" in r.stderr


def test_a_wrong_password_is_refused(wb):
    r = mt(wb, "exec", "print(1)", password="wrong1")
    assert r.returncode == EXIT_CONN, r.stderr
    err = r.stderr.decode()
    assert err.splitlines()[0] == (
        "mpytool: error: webrepl at %s: access denied (wrong password)" % wb.webrepl)
    # The board takes the next client with the right one.
    ok(mt(wb, "exec", "print(1)"))


def test_a_long_raw_paste(wb, tmp_path):
    # Far beyond the board's 256-512 byte input ring: only flow control gets it there whole.
    lines = ["s = 0"] + ["s += %d  # %s" % (i, "x" * 40) for i in range(150)]
    lines.append("print('SUM', s, len(%r))" % ("y" * 300))
    prog = tmp_path / "long.py"
    prog.write_text("\n".join(lines) + "\n")
    assert prog.stat().st_size > 8000
    r = ok(mt(wb, "run", str(prog)))
    assert r.stdout.split() == [b"SUM", str(sum(range(150))).encode(), b"300"]


def make_tree(root):
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "main.py").write_text("print('main')\n")
    (root / "all.bin").write_bytes(bytes(range(256)) * 40 + os.urandom(7000))
    (root / "sub" / "deep" / "z.bin").write_bytes(b"\x00\xff\x80" * 1000)
    (root / "sub" / "empty.txt").write_bytes(b"")
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_cp_a_tree_both_ways_through_the_stream_path(wb, tmp_path):
    src = tmp_path / "proj"
    files = make_tree(src)
    ok(mt(wb, "--transfer", "stream", "cp", str(src), ":/ws/"))
    back = tmp_path / "back"
    back.mkdir()
    ok(mt(wb, "--transfer", "stream", "cp", ":/ws/proj", str(back) + "/"))
    got = {str(p.relative_to(back / "proj")): p.read_bytes()
           for p in (back / "proj").rglob("*") if p.is_file()}
    assert got == files


def test_mount_with_an_import(wb, tmp_path):
    (tmp_path / "wsmod.py").write_text("VALUE = 6 * 7\n")
    r = ok(mt(wb, "mount", str(tmp_path), "--", "exec", "import wsmod; print('V', wsmod.VALUE)"))
    assert b"V 42" in r.stdout


def test_a_soft_reset_mid_chain_logs_in_again(wb):
    r = ok(mt(wb, "-v", "exec", "marker = 1", "--", "reset", "--", "exec",
              "print('after', 'marker' in globals())", "--", "reset", "--raw", "--", "exec",
              "print('raw', 'marker' in globals())"))
    assert r.stdout.split() == [b"after", b"False", b"raw", b"False"]
    assert r.stderr.decode().count("WebREPL session closed by a soft reset: reconnected") == 2


def test_repl_through_a_pty(wb):
    env_before = os.environ.get("MPYTOOL_PASSWORD")
    os.environ["MPYTOOL_PASSWORD"] = PASSWORD
    try:
        t = Terminal(*wb.conn_args("webrepl"), "repl")
    finally:
        if env_before is None:
            os.environ.pop("MPYTOOL_PASSWORD")
        else:
            os.environ["MPYTOOL_PASSWORD"] = env_before
    t.expect(b"REPL (Ctrl+] to exit)")
    t.type(b"\r")
    t.expect(b">>> ")
    t.type(b"print('WS', 6 * 7)\r")
    t.expect(b"WS 42")
    t.expect(b">>> ")
    # Ctrl-D: the board soft-reboots and drops the session; the link logs in again.
    t.type(b"\x04")
    t.expect(b"soft reboot")
    t.expect(b">>> ")
    t.type(b"print('AGAIN', 7 * 7)\r")
    t.expect(b"AGAIN 49")
    t.type(b"\x1d")
    assert t.close() == 0


def handshake(address):
    host, port = address.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              b"Sec-WebSocket-Key: foo\r\n\r\n")
    seen = b""
    while b"Password: " not in seen:
        chunk = s.recv(4096)
        assert chunk, seen
        seen += chunk
    return s


def test_a_second_client_is_refused(wb):
    first = handshake(wb.webrepl)  # holds the board's one WebREPL slot
    try:
        r = mt(wb, "exec", "print(1)")
        assert r.returncode == EXIT_CONN, r.stderr
        assert r.stderr.decode().splitlines()[0] == (
            "mpytool: error: webrepl at %s refused: another client is connected (WebREPL takes "
            "one)" % wb.webrepl)
    finally:
        first.close()
    time.sleep(0.3)
    ok(mt(wb, "exec", "print(1)"))


def test_a_web_page_is_not_webrepl(tmp_path):
    (tmp_path / "index.html").write_text("<html>webrepl page</html>")
    server = subprocess.Popen(["python3", "-m", "http.server", "0", "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = server.stdout.readline().decode()
        port = line.split("port ")[1].split()[0]
        r = run("-a", "ws://127.0.0.1:%s" % port, "exec", "print(1)",
                env={"MPYTOOL_PASSWORD": PASSWORD})
        assert r.returncode == EXIT_CONN, r.stderr
        assert r.stderr.decode().splitlines()[0] == (
            "mpytool: error: 127.0.0.1:%s is not a WebREPL endpoint (it served a web page; is "
            "webrepl started?)" % port)
    finally:
        server.kill()
        server.wait()


class CuttingProxy:
    """127.0.0.1:PORT forwarding to the board's WebREPL; the first connection is cut after
    `cut_after` bytes from the host, the next ones are forwarded whole."""

    def __init__(self, target, cut_after):
        self.target = target.rsplit(":", 1)
        self.cut_after = cut_after
        self.cuts = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        first = True
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            board = socket.create_connection((self.target[0], int(self.target[1])))
            limit = self.cut_after if first else None
            first = False
            threading.Thread(target=self.pump, args=(client, board, limit), daemon=True).start()
            threading.Thread(target=self.pump, args=(board, client, None), daemon=True).start()

    def pump(self, src, dst, limit):
        sent = 0
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.listener.close()


def test_a_connection_killed_mid_cp_then_a_run_that_completes(wb, tmp_path):
    data = os.urandom(60000)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    proxy = CuttingProxy(wb.webrepl, cut_after=30000)
    try:
        args = ["-a", "ws://127.0.0.1:%d" % proxy.port]
        r = run(*args, "--retries", "0", "--transfer", "stream", "cp", str(src), ":/cut.bin",
                env={"MPYTOOL_PASSWORD": PASSWORD}, timeout=120)
        assert proxy.cuts == 1
        assert r.returncode == EXIT_CONN, (r.stdout, r.stderr)
        # The next run (the proxy forwards everything now) completes, whatever the board was
        # left doing.
        r = run(*args, "--transfer", "stream", "cp", str(src), ":/cut.bin",
                env={"MPYTOOL_PASSWORD": PASSWORD}, timeout=120)
        assert r.returncode == 0, (r.stdout, r.stderr)
    finally:
        proxy.close()
    r = ok(mt(wb, "exec", "import hashlib, binascii; "
              "print(binascii.hexlify(hashlib.sha256(open('/cut.bin','rb').read()).digest()))"))
    assert hashlib.sha256(data).hexdigest().encode() in r.stdout


def test_a_cut_mid_cp_resumes_in_the_same_run(wb, tmp_path):
    # By default a transfer that loses its TCP link connects again once and carries on.
    data = os.urandom(50000)
    src = tmp_path / "resume.bin"
    src.write_bytes(data)
    proxy = CuttingProxy(wb.webrepl, cut_after=25000)
    try:
        r = run("-a", "ws://127.0.0.1:%d" % proxy.port, "--transfer", "stream", "cp", str(src),
                ":/resume.bin", env={"MPYTOOL_PASSWORD": PASSWORD}, timeout=120)
        assert proxy.cuts == 1
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert b"connecting again" in r.stderr
    finally:
        proxy.close()
    r = ok(mt(wb, "exec", "import os; print(os.stat('/resume.bin')[6])"))
    assert r.stdout.split() == [b"50000"]


def processes():
    """(pid, parent pid, command line) of every process."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmdline = f.read()
                with open("/proc/%s/stat" % pid) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            out.append((int(pid), ppid, cmdline))
    return out


def test_the_password_is_never_on_a_command_line_or_in_a_log(wb):
    # fleet starts a child mpytool per board: the password reaches it in its environment. The
    # parent blanks its own copy in argv as soon as it has read it.
    p = subprocess.Popen([MPYTOOL, "--password", PASSWORD, "fleet", "-a",
                          "ws://%s" % wb.webrepl, "--", "exec",
                          "import time; time.sleep(3); print('slept')"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=no_password_env())
    seen = []
    deadline = time.time() + 60
    while p.poll() is None and time.time() < deadline:
        now = processes()
        children = [c for pid, ppid, c in now if ppid == p.pid and MPYTOOL.encode() in c]
        if children:  # the parent runs its main() by now: its argv is blanked
            seen += children + [c for pid, ppid, c in now if pid == p.pid]
        time.sleep(0.1)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, (out, err)
    assert any(b"fleet" not in c for c in seen), seen  # a child was seen
    assert any(b"fleet" in c for c in seen), seen  # and its parent
    assert not [c for c in seen if PASSWORD.encode() in c], seen
    assert PASSWORD.encode() not in out + err
    # Every byte of the wire at -dd, the login included: not the password.
    r = ok(mt(wb, "-dd", "exec", "print(1)"))
    assert b"TX:" in r.stderr
    assert PASSWORD.encode() not in r.stdout + r.stderr
    r = mt(wb, "-dd", "exec", "print(1)", password="wrong1")
    assert b"wrong1" not in r.stdout + r.stderr


@pytest.fixture(scope="module")
def wss_front(wb, tmp_path_factory):
    """A TLS front (socat, a CA made here) before the board's WebREPL: wss://localhost:PORT."""
    import shutil
    if shutil.which("socat") is None or shutil.which("openssl") is None:
        pytest.skip("socat and openssl are needed")
    from test_tls import make_ca, openssl
    d = tmp_path_factory.mktemp("wss")
    make_ca(d, "ca", "mpytool test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "srv.key", "-out", "srv.csr", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "srv.pem", cwd=d)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    front = subprocess.Popen([
        "socat", f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={d}/srv.pem,"
        f"key={d}/srv.key,verify=0", f"TCP:{wb.webrepl}"], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    time.sleep(0.3)  # the probe's session ends on the board
    yield d, port
    front.terminate()
    front.wait()


def test_wss_verifies_as_ssl_does(wss_front):
    d, port = wss_front
    env = {"MPYTOOL_PASSWORD": PASSWORD}
    url = "wss://localhost:%d" % port
    r = run("-a", url, "--ssl-ca", str(d / "ca.pem"), "-v", "exec", "print('over wss')", "--",
            "reset", "--", "exec", "print('again')", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [b"over", b"wss", b"again"]
    assert b"reconnected" in r.stderr
    # Not trusted: refused, as -a HOST --ssl would be.
    r = run("-a", url, "exec", "print(1)", env=env)
    assert r.returncode == EXIT_CONN, r.stderr
    assert r.stderr.startswith(b"mpytool: error: SSL error: certificate verify failed")
    r = run("-a", url, "--ssl-no-verify", "exec", "print('unverified')", env=env)
    assert r.returncode == 0, r.stderr
    # TLS options with a plain ws:// URL are a mistake, not ignored.
    r = run("-a", "ws://localhost:%d" % port, "--ssl", "exec", "print(1)", env=env)
    assert r.returncode == EXIT_USAGE, r.stderr
    assert b"TLS needs wss://" in r.stderr


def test_ctrl_c_stops_a_program_over_webrepl(wb):
    # No byte can be written to a WebSocket from a signal handler: the link sends the Ctrl-C
    # as a frame of its own while it waits for the board.
    p = subprocess.Popen([MPYTOOL, *wb.conn_args("webrepl"), "exec",
                          "import time\nprint('looping')\nwhile True: time.sleep(0.05)"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env={**os.environ, "MPYTOOL_PASSWORD": PASSWORD, "NO_COLOR": "1"})
    line = p.stdout.readline()
    assert b"looping" in line
    p.send_signal(2)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 130, err
    assert b"KeyboardInterrupt" in out + err
    r = ok(mt(wb, "exec", "print('alive')"))
    assert r.stdout.split() == [b"alive"]


def test_the_password_prompt_does_not_echo(wb):
    saved = os.environ.pop("MPYTOOL_PASSWORD", None)
    try:
        t = Terminal(*wb.conn_args("webrepl"), "exec", "print('PROMPTED', 6 * 7)")
    finally:
        if saved is not None:
            os.environ["MPYTOOL_PASSWORD"] = saved
    t.expect(b"WebREPL password for ws://%s: " % wb.webrepl.encode())
    t.type(PASSWORD.encode() + b"\n")
    seen = t.expect(b"PROMPTED 42")
    assert PASSWORD.encode() not in seen
    assert t.close() == 0
