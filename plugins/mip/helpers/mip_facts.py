# _mt_mipf(t, n) -> (mpy, target, free, block, vfs, manifest, u): what mip needs of the board, in one
# round trip. t: the target dir, or None for the first sys.path entry that ends in '/lib' and is
# not under /rom (target None: there is none); relative to the CWD when not absolute. n: True
# for --no-mpy. mpy: sys.implementation._mpy & 0xff, 'py' when 0 or n. free, block: bytes free
# and the block size of the target's filesystem (asked at its mount point), None when unknown.
# vfs: the type name of what is mounted at the target's mount point when it is not a
# filesystem of the board's own (a Python-level VFS: a host's mount), else None. manifest: the
# text of target/.mip.json, None when it is missing. u: the manifest's paths whose file on the
# board has the sha256 the manifest records (so a re-install needs no other round trip), None
# when unknown (no manifest, no hashlib, a malformed manifest).
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
            return (m, None, None, None, None, None, None)
    if t[:1] != '/':
        t = os.getcwd().rstrip('/') + '/' + t
    t = t.rstrip('/') or '/'
    v = j = None
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
    u = None
    try:
        with open(t.rstrip('/') + '/.mip.json') as x:
            j = x.read()
        import json, hashlib, binascii
        u = []
        for q in json.loads(j)['packages'].values():
            for p, h in q['files'].items():
                try:
                    g = hashlib.sha256()
                    with open(t.rstrip('/') + '/' + p, 'rb') as x:
                        while True:
                            c = x.read(512)
                            if not c:
                                break
                            g.update(c)
                    if binascii.hexlify(g.digest()).decode() == h:
                        u.append(p)
                except OSError:
                    pass
    except Exception:
        u = None
    return (m, t, f, b, v, j, u)
