# Block-device helpers for the flash plugins (core/include/mpytool/flash_transfer.hpp). d is a
# block device (esp32.Partition, rp2.Flash), bs its block size.
# _mt_fbh(d, bs, n): the first 8 bytes of each block's SHA-256 as hex, for n blocks.
# _mt_fsha(d, bs, k): hex SHA-256 of the first k bytes.  _mt_frd(d, bs, i, n): n blocks from i,
# base64.
def _mt_fbh(d, bs, n):
    import hashlib
    import ubinascii
    b = bytearray(bs)
    o = []
    for i in range(n):
        d.readblocks(i, b)
        o.append(ubinascii.hexlify(hashlib.sha256(b).digest()[:8]))
    return b''.join(o).decode()


def _mt_fsha(d, bs, k):
    import hashlib
    import ubinascii
    h = hashlib.sha256()
    b = bytearray(bs)
    i = 0
    while k > 0:
        d.readblocks(i, b)
        h.update(memoryview(b)[:min(bs, k)])
        k -= bs
        i += 1
    return ubinascii.hexlify(h.digest()).decode()


def _mt_frd(d, bs, i, n):
    import ubinascii
    b = bytearray(bs * n)
    d.readblocks(i, b)
    return ubinascii.b2a_base64(b).strip().decode()
