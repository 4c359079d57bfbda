#!/usr/bin/python3
"""Flash benchmark: the real `mpytool flash` against fresh virtual esp32 boards (bench/README.md).

usage: bench/flash.py [--build DIR] [--link a|b|both] [--size BYTES] [--keep]

The image: an ESP app image (header, esp_app_desc_t, checksum, appended SHA-256) whose code
segment is a real compiled binary (the first bytes of the system's libcrypto), 1 MiB in all.
Scenarios on one fresh board per link (esp32, no on-board compression, like real firmware),
through a byte-counting TCP proxy (bench/run.py's):
  write      flash write ota_1 IMAGE         (every block differs)
  rewrite    flash write ota_1 IMAGE again   (unchanged: block hashes only)
  read       flash read ota_1 OUT            (the whole 1.5 MiB partition, compared)
  ota        flash ota IMAGE on a second fresh board (write, verify, set_boot)
After each scenario the board's stdin overrun counter (_vboard.rx_overruns()) is read: bytes
the board had to drop because its buffer was full.

It prints figures, it is not a test (exit status 1 only when the setup is broken or a read gave
wrong data).
"""
import argparse
import os
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (Proxy, Board, BenchError, run_cli, constants)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "tools"))
import esp_image  # noqa: E402  (the tests' ESP app image builder)

ROOT = common.ROOT
RATE = common.LINK_A_RATE
LINKS = {
    "a": ("A", "--baud 115200 --link uart, 5 ms per 4 KB flash write (USB-UART, no flow control)",
          ["--baud", "115200", "--link", "uart", "--flash-delay-ms", "5"]),
    "b": ("B", "unthrottled, 1 ms latency each way (USB-CDC-like)", ["--latency", "1"]),
}
TARGETS = {
    ("a", "write"): "<= 1.10 x deflated",
    ("a", "rewrite"): "<= 3.0 s",
    ("a", "read"): "<= 1.10 x raw",
    ("a", "ota"): "<= 1.10 x deflated",
}
PARTITION = 0x180000  # ota_1 of the virtual esp32's table
BINARIES = ["/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/bin/node", "/usr/bin/python3"]


def make_image(size):
    for path in BINARIES:
        if os.path.isfile(path) and os.path.getsize(path) >= size:
            with open(path, "rb") as f:
                code = f.read(size - esp_image.OVERHEAD)
            img = esp_image.app_image(code, project=b"bench", version=b"1.0.0")
            return img + b"\xff" * (size - len(img)), path
    raise common.BenchError("no compiled binary of %d bytes found for the payload" % size)


def overruns(mpytool, proxy):
    out = common.run_cli(mpytool, proxy, ["exec", "import _vboard;print(_vboard.rx_overruns())"])[3]
    return int(out.split()[0])


def bench_link(key, mpytool, image, work):
    rows = []
    img_path = os.path.join(work, "image.bin")
    out_path = os.path.join(work, "read-%s.bin" % key)
    boards = []
    try:
        board = common.Board(LINKS[key][2], os.path.join(work, "board-%s.log" % key))
        boards.append(board)
        proxy = common.Proxy(board.tcp)
        common.run_cli(mpytool, proxy, ["exec", "pass"])  # boots, helpers not yet loaded
        for name, args in (("write", ["-v", "flash", "write", "ota_1", img_path]),
                           ("rewrite", ["-v", "flash", "write", "ota_1", img_path]),
                           ("read", ["flash", "read", "ota_1", out_path])):
            sec, h2b, b2h, out = common.run_cli(mpytool, proxy, args)
            rows.append((name, sec, h2b, b2h, overruns(mpytool, proxy), out))
        with open(out_path, "rb") as f:
            back = f.read()
        if back[:len(image)] != image or back[len(image):] != b"\xff" * (PARTITION - len(image)):
            raise common.BenchError("link %s: the partition read back differs" % key)
        proxy.close()
        board2 = common.Board(LINKS[key][2], os.path.join(work, "board-%s-ota.log" % key))
        boards.append(board2)
        proxy = common.Proxy(board2.tcp)
        common.run_cli(mpytool, proxy, ["exec", "pass"])
        sec, h2b, b2h, out = common.run_cli(mpytool, proxy, ["-v", "flash", "ota", img_path])
        rows.append(("ota", sec, h2b, b2h, overruns(mpytool, proxy), out))
        proxy.close()
    finally:
        for b in boards:
            b.stop()
    return rows


def main():
    ap = argparse.ArgumentParser(description="mpytool flash benchmark (prints figures)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--link", choices=("a", "b", "both"), default="both")
    ap.add_argument("--size", type=int, default=1 << 20, help="image size (default 1 MiB)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    opts = ap.parse_args()
    mpytool = os.path.join(opts.build, "bin", "mpytool")
    if not os.access(mpytool, os.X_OK):
        sys.exit("bench: %s not found: build first or pass --build DIR" % mpytool)
    def body(work):
        image, source = make_image(opts.size)
        with open(os.path.join(work, "image.bin"), "wb") as f:
            f.write(image)
        z = zlib.compressobj(9, zlib.DEFLATED, 15)
        deflated = len(z.compress(image) + z.flush())
        print("mpytool flash benchmark: %s" % mpytool)
        print("image: %s B ESP app image, code = first bytes of %s; zlib -9 (32 KiB window): "
              "%s B" % (common.fmt_int(len(image)), source, common.fmt_int(deflated)))
        print("board: vboard --platform esp32 --no-deflate-compress, fresh per link (a second "
              "one for ota), via a byte-counting proxy; seconds = wall time of mpytool")
        limits = {"write": deflated / RATE, "ota": deflated / RATE, "read": PARTITION / RATE}
        for key in (("a", "b") if opts.link == "both" else (opts.link,)):
            label, desc = LINKS[key][:2]
            print("\nlink %s: %s" % (label, desc))
            print("  %-8s %8s %10s %10s %9s %9s %8s  %-20s %s" % (
                "scenario", "seconds", "host>brd", "brd>host", "overruns", "limit s", "ratio",
                "target", "blocks"))
            for name, sec, h2b, b2h, ovr, out in bench_link(key, mpytool, image, work):
                blocks = ""
                for line in out.splitlines():
                    if "blocks changed" in line:
                        blocks = line[line.rfind("(") + 1:line.rfind(")")]
                limit = limits.get(name) if key == "a" else None
                print("  %-8s %8.2f %10s %10s %9d %9s %8s  %-20s %s" % (
                    name, sec, common.fmt_int(h2b), common.fmt_int(b2h), ovr,
                    "%.2f" % limit if limit else "-", "%.2f x" % (sec / limit) if limit else "-",
                    TARGETS.get((key, name), ""), blocks))
                sys.stdout.flush()
        print("\nlimit s (link A): write/ota = zlib -9 size / 11,520 B/s, read = partition size "
              "(1.5 MiB, the board cannot compress) / 11,520 B/s; ratio = seconds / limit.")

    return common.in_workdir("mpytool-flash-bench-", opts.keep, body)


if __name__ == "__main__":
    sys.exit(main())
