"""The virtual board's rx overrun counter (`_vboard.rx_overruns()`, vboard/README.md "Test
hooks"): a `--link uart` board loses bytes that arrive while running code has its receive buffer
full, so a flow-controlled upload must leave the counter at 0."""
import hashlib
import os

from conftest import run

COUNT = "import _vboard;print(_vboard.rx_overruns())"


def test_flow_controlled_cp_loses_nothing_on_a_uart_board(make_board, tmp_path):
    b = make_board("--platform", "esp32", "--link", "uart", "--baud", "115200")
    r = run("-p", b.pty, "exec", COUNT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "0"

    data = os.urandom(20 * 1024)  # incompressible: ~20 KB on the wire at 11.5 KB/s
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    r = run("-p", b.pty, "cp", str(src), ":/blob.bin", timeout=120)
    assert r.returncode == 0, r.stderr

    r = run("-p", b.pty, "exec",
            "import hashlib,binascii;h=hashlib.sha256();f=open('/blob.bin','rb');"
            "h.update(f.read());f.close();print(binascii.hexlify(h.digest()).decode())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == hashlib.sha256(data).hexdigest()

    r = run("-p", b.pty, "exec", COUNT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "0"
