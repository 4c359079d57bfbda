"""ESP app images as esptool lays them out, for the tests and the flash benchmark: the image
header with the extended header, an esp_app_desc_t in segment 0, the code segment, the XOR
checksum seeded 0xEF and the appended SHA-256."""
import hashlib
import struct


def app_image(code, hash_=True, chip=0, project=b"test", version=b"v9.9.9"):
    hdr = (bytes([0xE9, 2, 2, 0x20]) + struct.pack("<I", 0x40081234) + bytes([0xEE, 0, 0, 0])
           + struct.pack("<H", chip) + bytes(9) + bytes([1 if hash_ else 0]))
    desc = bytearray(256)
    desc[0:4] = struct.pack("<I", 0xABCD5432)
    desc[16:16 + len(version)] = version
    desc[48:48 + len(project)] = project
    img = bytearray(hdr)
    img += struct.pack("<II", 0x3F400020, len(desc)) + desc
    img += struct.pack("<II", 0x40080000, len(code)) + code
    s = 0xEF
    for b in bytes(desc) + code:
        s ^= b
    img += bytes(15 - len(img) % 16)
    img.append(s)
    if hash_:
        img += hashlib.sha256(img).digest()
    return bytes(img)


# Bytes an image adds around its code (header, two segment headers, description, padding of at
# most 15, checksum, SHA-256).
OVERHEAD = 24 + 8 + 256 + 8 + 15 + 1 + 32
