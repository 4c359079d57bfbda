# _mt_tree(p) -> (p, total_size, entries): directories first, then files. A file entry is
# (name, size, None), a directory entry (name, size, [its entries]). Recursion stays on the
# board so a whole tree costs one round trip.
import os


def _mt_tree(p):
    ds = []
    fs = []
    t = 0
    for e in os.ilistdir(p):
        n = e[0]
        q = p + n if p in ('', '/') else p + '/' + n
        if e[1] & 0xF000 == 0x4000:
            c = _mt_tree(q)
            ds.append((n, c[1], c[2]))
            t += c[1]
        else:
            # littlefs/FAT give the size in the entry; VfsPosix (unix port) does not.
            z = e[3] if len(e) > 3 else os.stat(q)[6]
            fs.append((n, z, None))
            t += z
    return (p, t, ds + fs)
