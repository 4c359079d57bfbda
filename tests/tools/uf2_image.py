#!/usr/bin/python3
"""MicroPython-like RP2 firmware as UF2 files, for the tests and the BOOTSEL benchmarks (stdlib only).

A UF2 file is a sequence of 512-byte blocks (microsoft/uf2 README):
  u32 magic0 0x0A324655, magic1 0x9E5D5157, flags, target address, payload size, block number,
  number of blocks, file size or family id (flag 0x2000); data[476]; u32 magic end 0x0AB16F30.
Here every block carries 256 payload bytes at a 256-aligned flash address (0x10000000 up), as
the RP2040 bootrom requires and picotool writes. For the RP2350, picotool puts an absolute-family
block first (erratum E10 workaround): address 0x10FFFF00, flags 0xA000, block 0 of 2, 0xEF fill,
extension tag 0x9957E304 "ignore" after the payload. Facts: /work/shared/reference/
firmware-flashing.md section 4.

The image holds the string MicroPython puts in its banner, e.g.
"MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico with RP2040", which is where the version
shown by the tools and by the virtual board comes from, and code-like filler around it.

CLI:
  uf2_image.py --chip rp2040|rp2350 --version v1.28.0 --size BYTES -o OUT.uf2
               [--family-override HEX] [--truncate-blocks N] [--no-abs-block]
               [--board NAME] [--date YYYY-MM-DD] [--seed N]
      --version ''       no version string in the image
      --family-override  the family id of the image's blocks (e.g. 0xe48bff59 on an rp2040 board)
      --truncate-blocks  write only the first N blocks of the file (the block count stays the
                         full one: an incomplete file)
      --no-abs-block     rp2350: without picotool's leading absolute-family block
  uf2_image.py --info FILE.uf2     prints what the file holds as JSON
  uf2_image.py --selftest
"""
import argparse
import json
import random
import struct
import sys

MAGIC0, MAGIC1, MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
FLAG_NOT_MAIN_FLASH, FLAG_FAMILY, FLAG_EXTENSIONS = 0x1, 0x2000, 0x8000
FAMILY = {
    "rp2040": 0xE48BFF56, "absolute": 0xE48BFF57, "data": 0xE48BFF58,
    "rp2350-arm-s": 0xE48BFF59, "rp2350-riscv": 0xE48BFF5A, "rp2350-arm-ns": 0xE48BFF5B,
}
CHIPS = {
    "rp2040": dict(family=FAMILY["rp2040"], board="Raspberry Pi Pico", name="RP2040"),
    "rp2350": dict(family=FAMILY["rp2350-arm-s"], board="Raspberry Pi Pico2", name="RP2350"),
}
FLASH_BASE = 0x10000000
PAYLOAD = 256
ABS_BLOCK_ADDR = 0x10FFFF00
TAG_IGNORE = 0x9957E304


def block(addr, data, block_no, num_blocks, family, flags=FLAG_FAMILY, fill=0):
    """One 512-byte UF2 block; data (<= 476 bytes) is padded with `fill`."""
    body = bytes(data) + bytes([fill]) * (476 - len(data))
    return struct.pack("<8I", MAGIC0, MAGIC1, flags, addr, PAYLOAD, block_no, num_blocks,
                       family) + body + struct.pack("<I", MAGIC_END)


def abs_block():
    """picotool's gen_abs_block(): absolute family, block 0 of 2, 0xEF fill, the ignore tag."""
    data = bytearray([0xEF] * 476)
    data[PAYLOAD:PAYLOAD + 4] = struct.pack("<I", TAG_IGNORE)
    return block(ABS_BLOCK_ADDR, data, 0, 2, FAMILY["absolute"], FLAG_FAMILY | FLAG_EXTENSIONS)


def crc32_mpeg2(data):
    """The RP2040 boot2 checksum: CRC-32 poly 0x04C11DB7, init 0xFFFFFFFF, not reflected."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def firmware(chip, version, size, board=None, date="2026-10-01", seed=1):
    """A MicroPython-like image of `size` bytes (rounded up to 256) for chip."""
    c = CHIPS[chip]
    size = max(4096, (size + PAYLOAD - 1) // PAYLOAD * PAYLOAD)
    rnd = random.Random(seed)
    img = bytearray(rnd.randbytes(size))
    if chip == "rp2040":
        # boot2: 252 bytes of code and their CRC, as the bootrom checks it.
        img[252:256] = struct.pack("<I", crc32_mpeg2(img[:252]))
    else:
        # A minimal IMAGE_DEF block (start marker, image type exe/ARM-S, last item, end marker).
        img[0x100:0x114] = struct.pack("<5I", 0xFFFFDED3, 0x10210142, 0x000001FF, 0, 0xAB123579)
    # String tables: USB strings that are not the banner, then the banner itself.
    strings = b"MicroPython\x00Board in FS mode\x00"
    if version:
        strings += f"MicroPython {version} on {date}; {board or c['board']} with {c['name']}\x00".encode()
    at = (size // 2) & ~0xFF
    img[at:at + len(strings)] = strings
    return bytes(img)


def uf2(image, family, base=FLASH_BASE, abs_first=False, truncate=None):
    """The UF2 file of an image at `base`: 256 bytes per block, optionally picotool's abs block."""
    n = len(image) // PAYLOAD
    blocks = [abs_block()] if abs_first else []
    blocks += [block(base + i * PAYLOAD, image[i * PAYLOAD:(i + 1) * PAYLOAD], i, n, family)
               for i in range(n)]
    if truncate is not None:
        blocks = blocks[:truncate]
    return b"".join(blocks)


def info(data):
    """What a UF2 file holds: block and family counts, address range, the MicroPython version."""
    fams, lo, hi, counts, tags = {}, None, None, set(), 0
    payload = {}
    bad = 0
    for off in range(0, len(data) - 511, 512):
        m0, m1, flags, addr, size, no, num, fam = struct.unpack_from("<8I", data, off)
        (mend,) = struct.unpack_from("<I", data, off + 508)
        if (m0, m1, mend) != (MAGIC0, MAGIC1, MAGIC_END):
            bad += 1
            continue
        key = f"0x{fam:08x}" if flags & FLAG_FAMILY else "none"
        fams[key] = fams.get(key, 0) + 1
        if flags & FLAG_EXTENSIONS and struct.unpack_from("<I", data, off + 32 + size)[0] == TAG_IGNORE:
            tags += 1
            continue
        counts.add(num)
        lo = addr if lo is None else min(lo, addr)
        hi = addr + size if hi is None else max(hi, addr + size)
        payload[addr] = data[off + 32:off + 32 + size]
    blob = b"".join(payload[a] for a in sorted(payload))
    version = ""
    i = blob.find(b"MicroPython v")
    while i >= 0 and not version:
        text = blob[i + 12:i + 12 + 96].split(b"\x00")[0].decode("latin1")
        cut = min([p for p in (text.find(";"), text.find(" on ")) if p >= 0], default=-1)
        if cut >= 2:
            version = text[:cut]
        i = blob.find(b"MicroPython v", i + 1)
    return {"blocks": len(data) // 512, "bad_blocks": bad, "families": fams, "ignored_tag_blocks": tags,
            "num_blocks": sorted(counts), "range": [f"0x{lo:08x}", f"0x{hi:08x}"] if lo is not None else None,
            "version": version}


def selftest():
    img = firmware("rp2040", "v1.28.0", 100000)
    f = uf2(img, FAMILY["rp2040"])
    i = info(f)
    assert i["blocks"] == len(img) // 256 and i["families"] == {"0xe48bff56": i["blocks"]}, i
    assert i["version"] == "v1.28.0" and i["range"][0] == "0x10000000", i
    assert struct.unpack_from("<I", img, 252)[0] == crc32_mpeg2(img[:252])
    f2 = uf2(firmware("rp2350", "v1.28.0-preview.5.gabc", 20000), FAMILY["rp2350-arm-s"], abs_first=True)
    i2 = info(f2)
    assert i2["ignored_tag_blocks"] == 1 and i2["families"]["0xe48bff57"] == 1, i2
    assert i2["version"] == "v1.28.0-preview.5.gabc", i2
    assert info(uf2(img, FAMILY["rp2040"], truncate=3))["blocks"] == 3
    print("selftest ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chip", choices=sorted(CHIPS), default="rp2040")
    ap.add_argument("--version", default="v1.28.0")
    ap.add_argument("--size", type=int, default=600 * 1024)
    ap.add_argument("--family-override", type=lambda s: int(s, 16))
    ap.add_argument("--truncate-blocks", type=int)
    ap.add_argument("--no-abs-block", action="store_true")
    ap.add_argument("--board")
    ap.add_argument("--date", default="2026-10-01")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output")
    ap.add_argument("--info", metavar="FILE")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        selftest()
        return 0
    if a.info:
        with open(a.info, "rb") as f:
            print(json.dumps(info(f.read())))
        return 0
    if not a.output:
        ap.error("-o OUT.uf2 is required")
    img = firmware(a.chip, a.version, a.size, a.board, a.date, a.seed)
    family = a.family_override if a.family_override is not None else CHIPS[a.chip]["family"]
    data = uf2(img, family, abs_first=a.chip == "rp2350" and not a.no_abs_block, truncate=a.truncate_blocks)
    with open(a.output, "wb") as f:
        f.write(data)
    print(f"{a.output}: {len(data) // 512} blocks, family 0x{family:08x}, image {len(img)} bytes at "
          f"0x{FLASH_BASE:08x}, version {a.version or '(none)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
