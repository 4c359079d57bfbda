"""CuttingProxy: a TCP proxy between mpytool and the virtual board's TCP link that cuts the link
in the middle of a transfer (test_transfer_faults.py, test_mip_board.py)."""
import socket
import threading


class CuttingProxy:
    """TCP proxy that forwards both ways and closes both sides once the host has sent
    `limit` bytes (the link is cut in the middle of whatever is in flight)."""

    def __init__(self, target, limit):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.limit = limit
        self.sent = 0
        self.cut = threading.Event()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.address = "127.0.0.1:%d" % self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        client, _ = self.listener.accept()
        board = socket.create_connection(self.target)

        def pump(src, dst, count):
            try:
                while not self.cut.is_set():
                    data = src.recv(4096)
                    if not data:
                        break
                    if count:
                        room = self.limit - self.sent
                        data = data[:room]
                        self.sent += len(data)
                    dst.sendall(data)
                    if count and self.sent >= self.limit:
                        break
            except OSError:
                pass
            self.cut.set()
            for s in (client, board):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

        threading.Thread(target=pump, args=(board, client, False), daemon=True).start()
        pump(client, board, True)
        self.listener.close()
