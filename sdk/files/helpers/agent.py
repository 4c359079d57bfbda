# The files library's operations for the streaming transfer agent (core/helpers/stream.py):
# _mt_up (O: "mode\0size\0path" upload; it lands in "dir/.name.mpytmp" first, is checked by
# size and SHA-256 and renamed over the target; answers K "size") and _mt_dn (G: "mode\0path"
# download; answers S "size", the data, E its SHA-256). mode 'z': deflated, 'r': raw.
def _mt_up(x, p):
    import os
    tx, rx, cur, ob, om = x[0], x[2], x[4], x[5], x[6]
    a = bytes(p).decode().split('\0')
    z = int(a[1])
    q = a[2]
    i = q.rfind('/') + 1
    # Next to the target; a fixed name when the longer one would not fit (255 bytes).
    tq = q[:i] + ('.' + q[i:] if len(q[i:].encode()) < 240 else '.mpytool') + '.mpytmp'
    cur[1] = tq
    f = open(tq, 'wb')
    cur[0] = f
    e = rx(a[0] == 'z', f.write)
    f.close()
    cur[0] = None
    if os.stat(tq)[6] != z:
        raise OSError(0, 'verify')
    if e and x[7] & 1:
        from hashlib import sha256
        h = sha256()
        with open(tq, 'rb') as f:
            while True:
                k = f.readinto(ob)
                if not k:
                    break
                h.update(om[:k])
        if h.digest() != e:
            raise OSError(0, 'verify')
    # littlefs renames over the target atomically; MicroPython's FAT removes it first.
    os.rename(tq, q)
    cur[1] = None
    tx(75, str(z).encode())


def _mt_dn(x, p):
    import os
    tx, sx, cur, ob, om = x[0], x[3], x[4], x[5], x[6]
    a = bytes(p).decode().split('\0')
    q = a[1]
    z = os.stat(q)
    if z[0] & 0xF000 != 0x8000:
        raise OSError(21)
    f = open(q, 'rb')
    cur[0] = f
    tx(83, str(z[6]).encode())
    e = sx(lambda: om[:f.readinto(ob)], a[0] == 'z')
    f.close()
    cur[0] = None
    tx(69, e)
