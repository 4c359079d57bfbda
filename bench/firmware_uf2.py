#!/usr/bin/python3
"""UF2 benchmark: `mpytool firmware write X.uf2` of a 1.5 MB MicroPython-like image onto a
virtual RP2040 running MicroPython (vboard --drive-dir: the bootrom's BOOTSEL drive model), from
the command to the new version running, side by side with the same job done by hand: a plain
`cp` to the drive (its own time shown apart) between `machine.bootloader()` and the board's
serial port answering again.

usage: bench/firmware_uf2.py [--build DIR] [--size BYTES] [--runs N]

The virtual drive takes writes at memory speed (a real RP2040 drive takes roughly 0.5-1 MB/s of
UF2 over USB full speed), so `cp` here is the host's copy alone: what the figures compare is
what the tool adds around the copy (entering BOOTSEL, finding the drive by serial number,
waiting for the drive to go and the port to come back, reading the version). It prints figures,
it is not a test (exit status 1 when the setup is broken).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import uf2_image  # noqa: E402

UID = "e6614103e7452d2f"


def start_board(tmp):
    drive, by_id, link = (os.path.join(tmp, n) for n in ("drive", "by-id", "ttyACM0"))
    os.makedirs(by_id, exist_ok=True)
    p = subprocess.Popen(["node", os.path.join(ROOT, "vboard", "vboard.mjs"), "--rp2-chip",
                          "rp2040", "--uid", UID, "--drive-dir", drive, "--disk-by-id", by_id,
                          "--pty-link", link], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    if not p.stdout.readline().startswith(b"READY"):
        raise SystemExit("vboard did not start")
    return p, drive, by_id, link


def wait(pred, timeout=30):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise SystemExit("timed out")
        time.sleep(0.01)


def by_hand(tool, env, image, drive, link):
    """machine.bootloader(), cp to the drive once it is there, then the REPL answering again."""
    start = time.monotonic()
    subprocess.run([tool, "-p", link, "exec", "import machine; machine.bootloader()"],
                   capture_output=True, env=env, timeout=30)
    wait(lambda: os.path.exists(os.path.join(drive, "INFO_UF2.TXT")))
    t = time.monotonic()
    shutil.copyfile(image, os.path.join(drive, "fw.uf2"))
    cp = time.monotonic() - t

    def answers():
        if not os.path.exists(link):
            return False
        r = subprocess.run([tool, "-p", link, "exec", "import sys; print(sys.version)"],
                           capture_output=True, env=env, timeout=30)
        return r.returncode == 0 and b"MicroPython" in r.stdout

    wait(answers)
    return time.monotonic() - start, cp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--size", type=int, default=1500000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "mpytool")
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "fw.uf2")
        data = uf2_image.uf2(uf2_image.firmware("rp2040", "v1.28.0", a.size),
                             uf2_image.FAMILY["rp2040"])
        open(image, "wb").write(data)
        print(f"image: rp2040 v1.28.0, {a.size} B in a {len(data)} B UF2 "
              f"({len(data) // 512} blocks)")
        board, drive, by_id, link = start_board(tmp)
        env = dict(os.environ, MPYTOOL_DISK_BY_ID=by_id,
                   MPYTOOL_PLUGIN_PATH=os.path.join(a.build, "lib", "mpytool", "plugins"))
        tool_times, hand_times, cps, copies = [], [], [], []
        try:
            for _ in range(a.runs):
                start = time.monotonic()
                r = subprocess.run([tool, "-p", link, "firmware", "write", "--json", image],
                                   capture_output=True, env=env, timeout=120)
                tool_times.append(time.monotonic() - start)
                if r.returncode != 0:
                    raise SystemExit(f"mpytool failed: {r.stderr.decode()}")
                rep = json.loads(r.stdout)
                if rep["running"] != "v1.28.0":
                    raise SystemExit(f"the board runs {rep['running']}")
                copies.append(rep["copy_seconds"])
                total, cp = by_hand(tool, env, image, drive, link)
                hand_times.append(total)
                cps.append(cp)
        finally:
            board.terminate()
            board.wait()
        med = statistics.median
        print(f"mpytool firmware write: {med(tool_times):.2f} s from the command to v1.28.0 "
              f"running (copy {med(copies):.3f} s), median of {a.runs}")
        print(f"by hand (exec machine.bootloader(); cp; until the REPL answers): "
              f"{med(hand_times):.2f} s, of which cp {med(cps):.3f} s")
        print(f"ratio mpytool / by hand: {med(tool_times) / med(hand_times):.2f}")


if __name__ == "__main__":
    main()
