#!/usr/bin/python3
"""ESP images as esptool and ESP-IDF lay them out, for the tests and the flash benchmarks.

- app_image(): an app image: the image header with the extended header, an esp_app_desc_t in
  segment 0, the code segment, the XOR checksum seeded 0xEF and the appended SHA-256.
- bootloader_image(): a 2nd-stage bootloader image (two segments, no app description).
- partition_table(): the binary partition table (32-byte rows, MD5 row, 0xFF up to 0xC00).
- merged_image(): a MicroPython-like merged firmware.bin for a chip: bootloader, table and app
  with 0xFF gaps, starting at the chip's bootloader offset (ESP32/S2 0x1000, S3/C3/C6 0x0).
- firmware_code(): code bytes that deflate like real firmware (zlib -9 ratio about 0.62).
- corrupt(), corrupt_merged(): broken variants (checksum, SHA, truncated, chip id, table MD5).
- parse_image(), check_merged(): the checks a boot does, used by `selftest`.

Facts from /work/shared/reference/firmware-flashing.md sections 1 and 3 (esptool
firmware-image-format.rst, esp_app_desc.h, MicroPython partitions-4MiBplus.csv).

CLI:
  esp_image.py merged --chip esp32 --version v1.28.0 --size 1600000 -o FILE [--corrupt KIND]
  esp_image.py app --chip esp32 --version v1.28.0 --size 1500000 -o FILE [--corrupt KIND]
  esp_image.py bootloader --chip esp32c3 -o FILE [--corrupt KIND]
  esp_image.py table -o FILE
  esp_image.py selftest
It prints the file's size and its zlib -9 size and ratio.
"""
import argparse
import hashlib
import random
import struct
import sys
import zlib

# Chip facts: image chip id (extended header byte 12), bootloader flash offset, and plausible
# load addresses: the bootloader's DRAM and IRAM segments and entry, the app's DROM (where the
# esp_app_desc_t lives, mapped flash) and its IRAM code segment.
CHIPS = {
    "esp32": dict(id=0, boot=0x1000, b_dram=0x3FFF0030, b_iram=0x40078000, b_entry=0x40080400,
                  drom=0x3F400020, iram=0x40080000, entry=0x40081234),
    "esp32s2": dict(id=2, boot=0x1000, b_dram=0x3FFE6100, b_iram=0x4004B000, b_entry=0x4004B400,
                    drom=0x3F000020, iram=0x40022000, entry=0x40024000),
    "esp32c3": dict(id=5, boot=0x0, b_dram=0x3FCD5820, b_iram=0x403CC710, b_entry=0x403CE000,
                    drom=0x3C000020, iram=0x40380000, entry=0x40380080),
    "esp32s3": dict(id=9, boot=0x0, b_dram=0x3FCE3810, b_iram=0x403C9700, b_entry=0x403C9900,
                    drom=0x3C000020, iram=0x40374000, entry=0x40375000),
    "esp32c6": dict(id=13, boot=0x0, b_dram=0x4086C410, b_iram=0x4086E610, b_entry=0x4086F000,
                    drom=0x42800020, iram=0x40800000, entry=0x40800080),
}
TABLE_OFFSET = 0x8000
TABLE_SIZE = 0xC00
APP_OFFSET = 0x10000
APP_DESC_MAGIC = 0xABCD5432
CHECKSUM_SEED = 0xEF

# (label, type, subtype, offset, size, flags); type app 0 / data 1; subtypes: factory 0x00,
# nvs 0x02, phy 0x01, fat 0x81.
# The table the task describes: MicroPython's 4 MiB layout with a vfs row.
PARTITIONS_MICROPYTHON = [
    (b"nvs", 1, 0x02, 0x9000, 0x6000, 0),
    (b"phy_init", 1, 0x01, 0xF000, 0x1000, 0),
    (b"factory", 0, 0x00, 0x10000, 0x1F0000, 0),
    (b"vfs", 1, 0x81, 0x200000, 0x200000, 0),
]
# Upstream partitions-4MiBplus.csv itself has no vfs row (the filesystem takes the rest of the
# flash at run time).
PARTITIONS_4MIBPLUS_UPSTREAM = PARTITIONS_MICROPYTHON[:3]


def checksum(data, seed=CHECKSUM_SEED):
    """XOR of the bytes, seeded 0xEF (the image checksum over the segments' data)."""
    s = seed
    # XOR eight bytes at a time: the benchmark images are megabytes.
    n = len(data) - len(data) % 8
    acc = 0
    for (w,) in struct.iter_unpack("<Q", bytes(data[:n])):
        acc ^= w
    for i in range(8):
        s ^= (acc >> (8 * i)) & 0xFF
    for b in data[n:]:
        s ^= b
    return s


def esp_image(segments, chip=0, entry=0x40081234, hash_=True, flash_mode=2, size_freq=0x20):
    """An image: header (E9, segment count, flash mode, size/freq, entry), extended header
    (chip id at byte 12, byte 23 = SHA appended), segments (load address, length, data), 0 bytes
    up to 15 mod 16, the XOR checksum, then the SHA-256 of everything before it if hash_."""
    hdr = (bytes([0xE9, len(segments), flash_mode, size_freq]) + struct.pack("<I", entry)
           + bytes([0xEE, 0, 0, 0]) + struct.pack("<H", chip) + bytes(9)
           + bytes([1 if hash_ else 0]))
    img = bytearray(hdr)
    s = CHECKSUM_SEED
    for addr, data in segments:
        img += struct.pack("<II", addr, len(data)) + data
        s = checksum(data, s)
    img += bytes(15 - len(img) % 16)
    img.append(s)
    if hash_:
        img += hashlib.sha256(img).digest()
    return bytes(img)


def app_desc(project=b"test", version=b"v9.9.9", time=b"", date=b"", idf_ver=b""):
    """esp_app_desc_t (256 bytes): magic, version[32] @16, project_name[32] @48, time[16] @80,
    date[16] @96, idf_ver[32] @112."""
    desc = bytearray(256)
    desc[0:4] = struct.pack("<I", APP_DESC_MAGIC)
    desc[16:16 + len(version)] = version
    desc[48:48 + len(project)] = project
    desc[80:80 + len(time)] = time
    desc[96:96 + len(date)] = date
    desc[112:112 + len(idf_ver)] = idf_ver
    return bytes(desc)


def app_image(code, hash_=True, chip=0, project=b"test", version=b"v9.9.9", addrs=None,
              time=b"", date=b"", idf_ver=b""):
    """An app image: segment 0 = esp_app_desc_t (image offset 0x20), segment 1 = code.
    addrs = (desc load address, code load address, entry); default the ESP32 ones."""
    drom, iram, entry = addrs or (0x3F400020, 0x40080000, 0x40081234)
    desc = app_desc(project, version, time, date, idf_ver)
    return esp_image([(drom, desc), (iram, bytes(code))], chip=chip, entry=entry, hash_=hash_)


# Bytes an image adds around its code (header, two segment headers, description, padding of at
# most 15, checksum, SHA-256).
OVERHEAD = 24 + 8 + 256 + 8 + 15 + 1 + 32


def app_length(code_len):
    """Length of app_image(code) for a code segment of code_len bytes (with the SHA)."""
    return ((24 + 8 + 256 + 8 + code_len) // 16 + 1) * 16 + 32


def code_size_for(app_len):
    """The largest code segment whose app_image() (with the SHA) is app_len bytes long (app_len
    rounded down to a multiple of 16)."""
    code = app_len // 16 * 16 - 32 - 16 - (24 + 8 + 256 + 8) + 15
    if code < 0:
        raise ValueError("an app image of %d bytes is too small" % app_len)
    return code


def firmware_code(size, seed=1):
    """size bytes that deflate (zlib -9) to about 62 % like a MicroPython ESP32 app: runs of
    random bytes (machine code with no redundancy) mixed with copies of earlier runs within the
    deflate window (repeated code sequences, string tables) and a few zero runs."""
    rnd = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        r = rnd.random()
        n = rnd.randrange(16, 160)
        if r < 0.615 or len(out) < 4096:
            out += rnd.randbytes(n)
        elif r < 0.97:
            start = max(0, len(out) - 30000)
            at = rnd.randrange(start, len(out) - n) if len(out) - n > start else start
            out += out[at:at + n]
        else:
            out += bytes(n)
    return bytes(out[:size])


def bootloader_image(chip="esp32", hash_=True, size=0x5000, seed=2):
    """A 2nd-stage bootloader image for chip: a DRAM segment and an IRAM code segment of about
    size bytes in all (must stay below the table: 0x7000 for ESP32/S2, 0x8000 for the others)."""
    c = CHIPS[chip]
    code = firmware_code(size - 0x800, seed)
    data = random.Random(seed + 1).randbytes(0x800 - 0x100)
    return esp_image([(c["b_dram"], data), (c["b_iram"], code)], chip=c["id"],
                     entry=c["b_entry"], hash_=hash_)


def partition_table(rows=None, md5=True):
    """The binary partition table: rows AA 50 type subtype offset size label[16] flags, then the
    MD5 row EB EB + 14 x FF + MD5 of the rows, then 0xFF up to 0xC00 bytes."""
    out = bytearray()
    for label, ptype, sub, off, size, flags in (PARTITIONS_MICROPYTHON if rows is None else rows):
        out += (bytes([0xAA, 0x50, ptype, sub]) + struct.pack("<II", off, size)
                + label.ljust(16, b"\0") + struct.pack("<I", flags))
    if md5:
        out += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(bytes(out)).digest()
    return bytes(out) + b"\xff" * (TABLE_SIZE - len(out))


def micropython_app(chip="esp32", version=b"v1.28.0", code_size=0x180000, project=b"micropython",
                    seed=1):
    """A MicroPython-like app image for chip (code_size bytes of firmware_code)."""
    c = CHIPS[chip]
    return app_image(firmware_code(code_size, seed), chip=c["id"], project=project,
                     version=version, addrs=(c["drom"], c["iram"], c["entry"]),
                     time=b"12:00:00", date=b"Jan  1 2026", idf_ver=b"v5.4.2")


def merged_image(chip="esp32", version=b"v1.28.0", size=None, project=b"micropython",
                 bootloader=None, table=None, app=None, seed=1):
    """A merged firmware.bin as MicroPython publishes it: it starts at the chip's bootloader
    offset B; bootloader, 0xFF up to 0x8000 - B, the partition table, 0xFF up to 0x10000 - B,
    the app. size: the whole file's length, rounded down to a multiple of 16 (the app's code
    grows to fill it); default a 1.5 MiB app. bootloader/table/app: prebuilt parts instead."""
    b = CHIPS[chip]["boot"]
    boot = bootloader_image(chip) if bootloader is None else bootloader
    tab = partition_table() if table is None else table
    if app is None:
        code_size = 0x180000
        if size is not None:
            code_size = code_size_for(size - (APP_OFFSET - b))
        app = micropython_app(chip, version, code_size, project, seed)
    if len(boot) > TABLE_OFFSET - b:
        raise ValueError("bootloader of %d bytes overlaps the partition table" % len(boot))
    out = bytearray(boot)
    out += b"\xff" * (TABLE_OFFSET - b - len(out))
    out += tab
    out += b"\xff" * (APP_OFFSET - b - len(out))
    out += app
    return bytes(out)


def parse_image(img):
    """The layout of an image: dict(chip, segments=[(addr, offset, len)], checksum_at, end
    (the offset after the checksum byte), hash (appended flag), sha_ok, checksum_ok, length).
    Raises ValueError when the image is cut short or has no E9 magic."""
    if len(img) < 24 or img[0] != 0xE9:
        raise ValueError("no image magic")
    nseg = img[1]
    pos = 24
    segs = []
    s = CHECKSUM_SEED
    for _ in range(nseg):
        if pos + 8 > len(img):
            raise ValueError("truncated segment header")
        addr, ln = struct.unpack_from("<II", img, pos)
        if pos + 8 + ln > len(img):
            raise ValueError("truncated segment")
        segs.append((addr, pos + 8, ln))
        s = checksum(img[pos + 8:pos + 8 + ln], s)
        pos += 8 + ln
    pos += 15 - pos % 16
    if pos >= len(img):
        raise ValueError("truncated before the checksum")
    hash_ = img[23] == 1
    end = pos + 1
    sha_ok = None
    if hash_:
        if end + 32 > len(img):
            raise ValueError("truncated SHA-256")
        sha_ok = hashlib.sha256(img[:end]).digest() == img[end:end + 32]
    return dict(chip=struct.unpack_from("<H", img, 12)[0], segments=segs, checksum_at=pos,
                end=end, hash=hash_, checksum_ok=img[pos] == s, sha_ok=sha_ok,
                length=end + (32 if hash_ else 0))


def _rehash(img, info):
    if info["hash"]:
        img[info["end"]:info["end"] + 32] = hashlib.sha256(bytes(img[:info["end"]])).digest()


CORRUPTIONS = ("checksum", "sha", "truncated", "chip")


def corrupt(img, kind, chip_id=None):
    """A broken copy of an image (app or bootloader): 'checksum' (wrong checksum byte, SHA
    recomputed so only the checksum is wrong), 'sha' (a byte of the appended SHA-256 flipped),
    'truncated' (the last 100 bytes cut off: the SHA and part of the code missing), 'chip' (the
    extended header's chip id changed to chip_id, default the id + 1, SHA recomputed)."""
    out = bytearray(img)
    info = parse_image(img)
    if kind == "checksum":
        out[info["checksum_at"]] ^= 0x5A
        _rehash(out, info)
    elif kind == "sha":
        if not info["hash"]:
            raise ValueError("the image has no SHA-256")
        out[info["end"] + 7] ^= 0x01
    elif kind == "truncated":
        return bytes(out[:info["length"] - 100])
    elif kind == "chip":
        cid = info["chip"] + 1 if chip_id is None else chip_id
        out[12:14] = struct.pack("<H", cid)
        _rehash(out, info)
    else:
        raise ValueError("unknown corruption %r" % kind)
    return bytes(out)


MERGED_CORRUPTIONS = CORRUPTIONS + ("table-md5", "boot-checksum", "boot-sha", "boot-chip")


def corrupt_merged(merged, chip, kind):
    """A broken copy of a merged image: the app corrupted as corrupt() does (for 'truncated' the
    file is cut), 'table-md5' (one partition row changed, the MD5 row left), or 'boot-*' (the
    bootloader corrupted)."""
    b = CHIPS[chip]["boot"]
    app_at = APP_OFFSET - b
    if kind in CORRUPTIONS:
        return merged[:app_at] + corrupt(merged[app_at:], kind)
    if kind == "table-md5":
        out = bytearray(merged)
        out[TABLE_OFFSET - b + 32 + 8] ^= 0x10  # the second row's size
        return bytes(out)
    if kind.startswith("boot-"):
        info = parse_image(merged)
        boot = corrupt(merged[:info["length"]], kind[5:])
        return boot + merged[len(boot):]
    raise ValueError("unknown corruption %r" % kind)


def check_merged(merged, chip):
    """The checks a boot does on a merged image for chip; returns a list of problems (empty when
    it is good): bootloader and app images (chip id, checksum, SHA), table rows and MD5 row, the
    factory app's esp_app_desc_t magic."""
    problems = []
    c = CHIPS[chip]
    b = c["boot"]
    for name, at in (("bootloader", 0), ("app", APP_OFFSET - b)):
        try:
            info = parse_image(merged[at:])
        except ValueError as e:
            problems.append("%s: %s" % (name, e))
            continue
        if info["chip"] != c["id"]:
            problems.append("%s: chip id %d, not %d" % (name, info["chip"], c["id"]))
        if not info["checksum_ok"]:
            problems.append("%s: bad checksum" % name)
        if info["sha_ok"] is False:
            problems.append("%s: bad SHA-256" % name)
        if name == "app" and merged[at + 0x20:at + 0x24] != struct.pack("<I", APP_DESC_MAGIC):
            problems.append("app: no esp_app_desc_t")
    t = merged[TABLE_OFFSET - b:TABLE_OFFSET - b + TABLE_SIZE]
    rows = b""
    for i in range(0, len(t), 32):
        row = t[i:i + 32]
        if row[:2] == b"\xaa\x50":
            rows += row
        elif row[:2] == b"\xeb\xeb":
            if hashlib.md5(rows).digest() != row[16:]:
                problems.append("table: MD5 mismatch")
            break
        else:
            problems.append("table: no MD5 row")
            break
    return problems


def deflated_size(data):
    z = zlib.compressobj(9, zlib.DEFLATED, 15)
    return len(z.compress(data) + z.flush())


def _selftest():
    fails = 0
    for chip in CHIPS:
        m = merged_image(chip, size=200000 + 7)
        probs = check_merged(m, chip)
        ok = not probs and len(m) == 200000 and m[0] == 0xE9
        print("%-8s merged %d B: %s" % (chip, len(m), "ok" if ok else probs))
        fails += not ok
        for kind in MERGED_CORRUPTIONS:
            bad = corrupt_merged(m, chip, kind)
            probs = check_merged(bad, chip)
            print("  %-13s -> %s" % (kind, probs))
            fails += not probs
    old = app_image(bytes(range(200)))
    info = parse_image(old)
    if not (info["checksum_ok"] and info["sha_ok"] and len(old) == app_length(200)):
        print("app_image layout changed")
        fails += 1
    return 1 if fails else 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="build ESP test images")
    sub = ap.add_subparsers(dest="what", required=True)
    for name in ("merged", "app", "bootloader", "table"):
        p = sub.add_parser(name)
        p.add_argument("-o", "--output", required=True)
        if name != "table":
            p.add_argument("--chip", choices=sorted(CHIPS), default="esp32")
            kinds = MERGED_CORRUPTIONS if name == "merged" else CORRUPTIONS
            p.add_argument("--corrupt", choices=kinds)
        if name in ("merged", "app"):
            p.add_argument("--version", default="v1.28.0")
            p.add_argument("--project", default="micropython")
            p.add_argument("--size", type=int, help="file size in bytes (rounded down to 16)")
            p.add_argument("--seed", type=int, default=1)
    sub.add_parser("selftest")
    o = ap.parse_args(argv)
    if o.what == "selftest":
        return _selftest()
    if o.what == "table":
        data = partition_table()
    elif o.what == "bootloader":
        data = bootloader_image(o.chip)
        if o.corrupt:
            data = corrupt(data, o.corrupt)
    elif o.what == "merged":
        data = merged_image(o.chip, o.version.encode(), o.size, o.project.encode(), seed=o.seed)
        if o.corrupt:
            data = corrupt_merged(data, o.chip, o.corrupt)
    else:
        code_size = 0x180000
        if o.size is not None:
            code_size = code_size_for(o.size)
        data = micropython_app(o.chip, o.version.encode(), code_size, o.project.encode(), o.seed)
        if o.corrupt:
            data = corrupt(data, o.corrupt)
    with open(o.output, "wb") as f:
        f.write(data)
    z = deflated_size(data)
    print("%s: %d bytes, zlib -9 %d bytes (ratio %.3f)" % (o.output, len(data), z, z / len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
