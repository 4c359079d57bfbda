"""Local HTTP and HTTPS servers for the mip tests and benchmark (no internet).

IndexServer serves a directory (tests/tools/mip_index.py's tree) over HTTP/1.1 with keep-alive,
from a thread of this process. It records every request (`requests`, `count()`) so a test can
assert that the host cache avoided the network, and it can misbehave on purpose:
  - `cut[path] = N`: announce the whole file, send its first N bytes, close the connection
    (a server that dies mid-download);
  - `status[path] = CODE`: answer CODE with an empty body (e.g. 503);
  - `override[path] = BYTES`: serve BYTES instead of the file;
  - `stop()`: stop accepting (the port is closed: connection refused from then on).
With `tls=TestCA(...)` it serves HTTPS with a server certificate for 127.0.0.1 and localhost
signed by a test CA made with the openssl CLI (TestCA.ca_file is for MPYTOOL_CA_FILE).
"""
import http.server
import os
import shutil
import socketserver
import ssl
import subprocess
import threading
import urllib.parse


class TestCA:
    """A throw-away CA and a server certificate (127.0.0.1, localhost) made by openssl."""
    __test__ = False  # not a pytest class

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)

        def openssl(*args):
            subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=mpytool mip test CA", "-keyout", "ca.key", "-out", "ca.pem")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", "srv.key", "-out", "srv.csr")
        with open(os.path.join(directory, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "srv.pem")
        self.ca_file = os.path.join(directory, "ca.pem")
        self.cert = os.path.join(directory, "srv.pem")
        self.key = os.path.join(directory, "srv.key")

    @staticmethod
    def available():
        return shutil.which("openssl") is not None


class _Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive (SimpleHTTPRequestHandler sends Content-Length)

    def log_message(self, fmt, *args):  # quiet
        pass

    def _path(self):
        return urllib.parse.urlsplit(self.path).path

    def do_GET(self):
        srv = self.server.owner
        path = self._path()
        with srv.lock:
            srv.requests.append(path)
            status = srv.status.get(path)
            override = srv.override.get(path)
            cut = srv.cut.get(path)
        if status is not None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if override is None and cut is None:
            return super().do_GET()
        if override is None:
            local = self.translate_path(path)
            try:
                with open(local, "rb") as f:
                    override = f.read()
            except OSError:
                self.send_error(404)
                return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(override)))
        self.end_headers()
        if cut is None:
            self.wfile.write(override)
            return
        self.wfile.write(override[:cut])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class IndexServer:
    """Serves `root` on 127.0.0.1 (an ephemeral port) until stop()."""

    def __init__(self, root, tls=None):
        self.root = root
        self.lock = threading.Lock()
        self.requests = []
        self.cut = {}
        self.status = {}
        self.override = {}

        def handler(*args, **kw):
            return _Handler(*args, directory=root, **kw)
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.owner = self
        scheme = "http"
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls.cert, tls.key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.port = self.httpd.server_address[1]
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.stopped = False

    def count(self, prefix=""):
        """Requests so far whose path starts with prefix."""
        with self.lock:
            return sum(1 for p in self.requests if p.startswith(prefix))

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.cut.clear()
            self.status.clear()
            self.override.clear()

    def stop(self):
        if not self.stopped:
            self.stopped = True
            self.httpd.shutdown()
            self.httpd.server_close()
