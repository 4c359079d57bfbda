"""The C++ Quick Start example (examples/quickstart.cpp) against the virtual board."""
import subprocess

import os

from conftest import EXAMPLE

MOUNT_EXAMPLE = os.environ.get("MPYTOOL_MOUNT_EXAMPLE_BIN", "mpytool-mount-monitor")


def test_quickstart_example(board, link):
    target = board.pty if link == "pty" else board.tcp
    r = subprocess.run([EXAMPLE, target], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "platform: webassembly" in out or "platform: " in out
    assert "cwd: /" in out
    assert "exec: hello from the board" in out
    assert "eval: [2, 'two', {'three': 3.0}]" in out
    assert "memory: " in out
    assert "put: 33 bytes" in out
    assert "ls: hello.py 33" in out
    assert "get: same" in out


def test_mount_monitor_example(board, link, tmp_path):
    # The program imports a module from the host and prints from it while the example's poll()
    # loop follows the output: every read serves the board's file requests.
    # Module names per link: the shared board keeps what it imported.
    (tmp_path / ("ticker_%s.py" % link)).write_text(
        "import helper_%s as helper\nfor i in range(3):\n    print('tick', i, helper.WORD)\n"
        "print('done')\n" % link)
    (tmp_path / ("helper_%s.py" % link)).write_text("WORD = 'from-the-host'\n")
    target = board.pty if link == "pty" else board.tcp
    r = subprocess.run([MOUNT_EXAMPLE, target, str(tmp_path), "ticker_" + link],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "mounted %s on /remote" % tmp_path in out
    for i in range(3):
        assert "tick %d from-the-host" % i in out
    served = int(out.split("requests served: ")[1].split()[0])
    assert served >= 2  # ticker.py and helper.py at least


FLASH_EXAMPLE = os.environ.get("MPYTOOL_FLASH_EXAMPLE_BIN", "mpytool-flash-update")


def test_flash_update_example(make_board, link, tmp_path):
    # The C++ API of the flash and OTA libraries: table, a partition backup, the whole update
    # (write, verify, set_boot, reset, health check, confirm) and the status after it.
    from test_vboard_ota import make_image
    b = make_board("--platform", "esp32")
    image = make_image(20000)
    blocks = (len(image) + 4095) // 4096
    (tmp_path / "app.bin").write_bytes(image)
    target = b.pty if link == "pty" else b.tcp
    r = subprocess.run([FLASH_EXAMPLE, target, str(tmp_path / "app.bin"), "nvs"],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "partition ota_0 1572864 running" in out and "partition vfs 983040" in out
    assert "backup nvs: 16384 bytes" in out
    assert "progress %d/%d" % (blocks * 4096, blocks * 4096) in out
    assert "written ota_1: %d of %d blocks sent (stream)" % (blocks, blocks) in out
    assert "confirmed: yes" in out
    assert "Running:" in out and "ota_1" in out.split("Running:")[1].splitlines()[0]
