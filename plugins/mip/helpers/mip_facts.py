# _mt_mipf(t, n) -> (mpy, target, free, block, vfs, h, u, j, e): what mip needs of the board, in one
# round trip. t: the target dir, or None for the first sys.path entry that ends in '/lib' and is
# not under /rom (target None: there is none); relative to the CWD when not absolute. n: True
# for --no-mpy. mpy: sys.implementation._mpy & 0xff, 'py' when 0 or n. free, block: bytes free
# and the block size of the target's filesystem (asked at its mount point), None when unknown.
# vfs: the type name of what is mounted at the target's mount point when it is not a
# filesystem of the board's own (a Python-level VFS: a host's mount), else None.
# h: the sha256 (hex) of target/.mip.json, None when it is missing: the host knows the text of
# a manifest it wrote or read before, so the text itself does not travel. u: per file the
# manifest records, in sorted path order, '1' when the board's file has the recorded sha256
# (so a re-install needs no other round trip), else '0'; None when unknown (no manifest, no
# hashlib, a malformed manifest). j: the manifest's text when it cannot be hashed, else None.
# e: False when the target holds nothing (missing or empty: no file can be there already).
def _mt_mipf(t, n):
    import os, sys
    m = 0 if n else getattr(sys.implementation, '_mpy', 0) & 0xFF
    m = str(m) if m else 'py'
    if t is None:
        for p in sys.path:
            if p.endswith('/lib') and not p.startswith('/rom'):
                t = p
                break
        else:
            return (m, None, None, None, None, None, None, None, False)
    if t[:1] != '/':
        t = os.getcwd().rstrip('/') + '/' + t
    t = t.rstrip('/') or '/'
    v = j = h = u = None
    k = '/'
    try:
        import vfs
        for o, p in vfs.mount():
            if (t == p or t.startswith(p.rstrip('/') + '/')) and len(p) >= len(k):
                k, v = p, type(o).__name__
    except Exception:
        pass
    if v and v[:3] == 'Vfs':
        v = None
    try:
        s = os.statvfs(k)
        f, b = s[0] * s[4], s[0]
    except OSError:
        f = b = None
    d = t.rstrip('/') + '/'
    try:
        e = len(os.listdir(t)) > 0
    except OSError:
        e = False
    try:
        with open(d + '.mip.json') as x:
            j = x.read()
        from hashlib import sha256
        from binascii import hexlify
        h = hexlify(sha256(j).digest()).decode()
        r = {}
        for q in __import__('json').loads(j)['packages'].values():
            r.update(q['files'])
        u = ''
        for p in sorted(r):
            try:
                g = sha256()
                with open(d + p, 'rb') as x:
                    while True:
                        c = x.read(512)
                        if not c:
                            break
                        g.update(c)
                u += '1' if hexlify(g.digest()).decode() == r[p] else '0'
            except OSError:
                u += '0'
        j = None
    except Exception:
        u = None
    return (m, t, f, b, v, h, u, j, e)
