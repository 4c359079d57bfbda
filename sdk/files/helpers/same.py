# _mt_same(q) -> '1' (unchanged) or '0' (missing, not a file, other size or content) per file.
# q: UTF-8 'path\0size\0sha\0...' where sha is the first 16 hex digits of the host's SHA-256;
# only files of the expected size are hashed (a negative size: any size). One round trip for a
# whole batch (cp, sync, mip).
def _mt_same(q):
    import os
    from hashlib import sha256
    from ubinascii import hexlify
    q = q.decode().split('\0')
    b = bytearray(1024)
    v = memoryview(b)
    r = ''
    for i in range(0, len(q) - 2, 3):
        p = q[i]
        try:
            s = os.stat(p)
            z = int(q[i + 1])
            k = s[0] & 0xF000 == 0x8000 and (z < 0 or s[6] == z)
            if k:
                h = sha256()
                with open(p, 'rb') as f:
                    while True:
                        n = f.readinto(b)
                        if not n:
                            break
                        h.update(v[:n])
                k = hexlify(h.digest())[:16] == q[i + 2].encode()
        except OSError:
            k = False
        r += '1' if k else '0'
    return r
