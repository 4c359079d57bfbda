"""TLS: a local socat OPENSSL-LISTEN front with a CA made by the test, in front of a vboard."""
import shutil
import socket
import subprocess
import time

import pytest

from conftest import run

pytestmark = pytest.mark.skipif(shutil.which("socat") is None or shutil.which("openssl") is None,
                                reason="socat and openssl are needed")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={cn}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


@pytest.fixture(scope="module")
def tls_front(tmp_path_factory):
    from conftest import Board
    d = tmp_path_factory.mktemp("tls")
    make_ca(d, "ca", "mpytool test CA")
    make_ca(d, "other", "some other CA")
    # Server certificate for "localhost" signed by the test CA.
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "srv.key", "-out", "srv.csr", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "srv.pem", cwd=d)
    board = Board()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    front = subprocess.Popen([
        "socat",
        f"OPENSSL-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,cert={d}/srv.pem,"
        f"key={d}/srv.key,verify=0",
        f"TCP:{board.tcp}"], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield d, port
    front.terminate()
    front.wait()
    board.stop()


def test_tls_with_test_ca_verifies(tls_front):
    d, port = tls_front
    r = run("-a", f"localhost:{port}", "--ssl-ca", str(d / "ca.pem"), "exec", "print('over tls')")
    assert r.returncode == 0, r.stderr
    assert b"over tls" in r.stdout


def test_tls_wrong_ca_fails(tls_front):
    d, port = tls_front
    r = run("-a", f"localhost:{port}", "--ssl-ca", str(d / "other.pem"), "exec", "print(1)")
    assert r.returncode == 3, r.stderr
    assert b"ssl" in r.stderr.lower()


def test_tls_system_store_rejects_test_ca(tls_front):
    _, port = tls_front
    r = run("-a", f"localhost:{port}", "--ssl", "exec", "print(1)")
    assert r.returncode == 3


def test_tls_no_verify_passes(tls_front):
    _, port = tls_front
    r = run("-a", f"127.0.0.1:{port}", "--ssl-no-verify", "eval", "1+1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "2"


def test_tls_hostname_mismatch_fails_unless_no_hostname(tls_front):
    d, port = tls_front
    # The certificate names "localhost", not 127.0.0.1.
    r = run("-a", f"127.0.0.1:{port}", "--ssl-ca", str(d / "ca.pem"), "eval", "1")
    assert r.returncode == 3
    r = run("-a", f"127.0.0.1:{port}", "--ssl-ca", str(d / "ca.pem"), "--ssl-no-hostname",
            "eval", "1")
    assert r.returncode == 0, r.stderr


def test_plain_tcp_to_tls_port_fails_cleanly(tls_front):
    _, port = tls_front
    r = run("-a", f"127.0.0.1:{port}", "exec", "print(1)", timeout=60)
    assert r.returncode != 0
    assert b"Traceback" not in r.stderr


@pytest.mark.parametrize("tls", [["--ssl"], ["--ssl-no-verify"], ["--ssl-ca", "ca.pem"]])
def test_tls_with_a_serial_port_is_refused(tls, board):
    # TLS is for -a; with -p it was silently ignored.
    r = run("-p", board.pty, *tls, "eval", "1")
    assert r.returncode == 2, r.stderr
    assert r.stderr.decode().startswith("mpytool: error: TLS (--ssl, --ssl-ca, --ssl-no-verify, "
                                        "--ssl-no-hostname) needs a network address (-a), not a "
                                        "serial port\n"), r.stderr
