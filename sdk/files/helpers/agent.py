# The files library's operations for the streaming transfer agent (sdk/transfer/helpers/stream.py):
# _mt_up (O: "mode\0size\0path", or "mode\0size1\0path1\0size2\0path2..." for a batch of small
# files sent as one stream, their contents one after the other) and _mt_dn (G: "mode\0path"
# download; answers S "size", the data, E its SHA-256). mode 'z': deflated, 'r': raw.
# An upload lands in "dir/.name.mpytmp" per file first; once all are in, each is checked by its
# size and all of them together by the SHA-256 of their contents (E), then they are renamed over
# their targets in order, each answered by K "size". When writing fails (an OSError), I "index"
# names the file of the batch it happened in before the X. Whatever fails, no temporary file
# of the operation stays (cur[1] lists them for the agent to remove).
def _mt_up(x, p):
    import os
    tx, rx, cur, ob, om = x[0], x[2], x[4], x[5], x[6]
    a = bytes(p).decode().split('\0')
    fs = [(int(a[j]), a[j + 1]) for j in range(1, len(a), 2)]
    # the file being written, the bytes it still takes
    k = [-1, 0]

    def nx():
        if cur[0]:
            cur[0].close()
        k[0] += 1
        z, q = fs[k[0]]
        i = q.rfind('/') + 1
        # Next to the target; a fixed name when the longer one would not fit (255 bytes).
        q = q[:i] + ('.' + q[i:] if len(q[i:].encode()) < 240 else '.mpytool') + '.mpytmp'
        cur[1].append(q)
        cur[0] = open(q, 'wb')
        k[1] = z

    def put(b):
        while b:
            while not k[1]:
                nx()
            r = min(k[1], len(b))
            cur[0].write(b[:r])
            b = b[r:]
            k[1] -= r

    try:
        nx()
        e = rx(a[0] == 'z', put)
        while k[0] + 1 < len(fs):
            nx()
    except OSError:
        tx(73, str(k[0]).encode())
        raise
    cur[0].close()
    cur[0] = None
    h = e and x[7] & 1 and __import__('hashlib').sha256()
    for (z, q), t in zip(fs, cur[1]):
        if os.stat(t)[6] != z:
            raise OSError(0, 'verify')
        if h:
            with open(t, 'rb') as f:
                while True:
                    r = f.readinto(ob)
                    if not r:
                        break
                    h.update(om[:r])
    if h and h.digest() != e:
        raise OSError(0, 'verify')
    # littlefs renames over the target atomically; MicroPython's FAT removes it first.
    for z, q in fs:
        os.rename(cur[1][0], q)
        cur[1].pop(0)
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
