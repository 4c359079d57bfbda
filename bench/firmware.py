#!/usr/bin/python3
"""Firmware benchmark: `mpytool firmware write` of a merged MicroPython-like image onto a fresh
virtual ESP32 over its RFC 2217 endpoint (the ROM loader without a stub: 1 KiB compressed
blocks, one round trip each), at each baud rate, side by side with esptool-js doing the same
write on the same kind of board (bench/esptool_js_flash.mjs).

usage: bench/firmware.py [--build DIR] [--size BYTES] [--baud 115200,460800] [--no-esptool-js]

Per baud rate one line: the write's time (FLASH_DEFL_BEGIN with the ROM's erase to the last
block's reply, as mpytool reports it), the limit = the compressed bytes' wire time
(compressed * 10 * 1050/1024 / baud: 8N1, a 1 KiB block is about 1050 B on the wire with its
SLIP framing and command header) + the board's modelled erase (120 ms per 64 KiB block, 30 ms
per remaining 4 KiB sector, vboard/README.md), and ratio = time / limit. The whole command
(reset, sync, detection, baud change, write, MD5, reset and the MicroPython banner) is shown
apart. It prints figures, it is not a test (exit status 1 when the setup is broken).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
import esp_image  # noqa: E402


def erase_seconds(size):
    size = (size + 0xFFF) & ~0xFFF
    return (size // 0x10000) * 0.120 + ((size % 0x10000) // 0x1000) * 0.030


def start_board(flash):
    p = subprocess.Popen(["node", os.path.join(ROOT, "vboard", "vboard.mjs"), "--chip", "esp32",
                          "--flash-file", flash, "--rfc2217-port", "0", "--no-pty"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline().decode()
    if not line.startswith("READY"):
        raise SystemExit(f"vboard did not start: {line!r}")
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    return p, fields["rfc2217"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--size", type=int, default=1600000)
    ap.add_argument("--baud", default="115200,460800")
    ap.add_argument("--no-esptool-js", action="store_true")
    a = ap.parse_args()
    tool = os.path.join(a.build, "bin", "mpytool")
    with tempfile.TemporaryDirectory() as tmp:
        image = os.path.join(tmp, "firmware.bin")
        data = esp_image.merged_image("esp32", size=a.size)
        open(image, "wb").write(data)
        compressed = len(zlib.compress(data, 9))
        print(f"image: merged esp32 v1.28.0, {len(data)} B, zlib -9 {compressed} B "
              f"({compressed / len(data):.3f})")
        env = dict(os.environ, MPYTOOL_PLUGIN_PATH=os.path.join(a.build, "lib", "mpytool",
                                                               "plugins"))
        for baud in [int(b) for b in a.baud.split(",")]:
            flash = os.path.join(tmp, f"flash-{baud}.bin")
            board, addr = start_board(flash)
            try:
                start = time.monotonic()
                r = subprocess.run([tool, "-p", f"rfc2217://{addr}", "firmware", "write", "--json",
                                    "--firmware-baud", str(baud), image],
                                   capture_output=True, env=env, timeout=900)
                total = time.monotonic() - start
            finally:
                board.terminate()
                board.wait()
            if r.returncode != 0:
                raise SystemExit(f"mpytool failed: {r.stderr.decode()}")
            rep = json.loads(r.stdout)
            wire = rep["compressed"] * 10 * (1050 / 1024) / baud
            limit = wire + erase_seconds(rep["bytes"])
            print(f"mpytool baud {baud}: write {rep['write_seconds']:.2f} s, wire {wire:.2f} s + "
                  f"erase {erase_seconds(rep['bytes']):.2f} s = limit {limit:.2f} s, ratio "
                  f"{rep['write_seconds'] / limit:.2f}; {rep['wire_bytes']} B sent; whole "
                  f"command {total:.2f} s (runs {rep['running']})")
        if not a.no_esptool_js:
            subprocess.run(["node", os.path.join(ROOT, "bench", "esptool_js_flash.mjs"),
                            "--image", image, "--baud", a.baud], check=True)


if __name__ == "__main__":
    main()
