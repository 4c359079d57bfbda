# _mt_mkdir(p): creates p and its missing parents. Returns the first existing component that is
# a file (the path that is in the way), 0 otherwise. Components are stat'ed only until the first missing one; everything
# below a new directory is new too.
import os


def _mt_mkdir(p):
    q = ''
    a = p[:1] == '/'
    m = 0
    for c in p.split('/'):
        if not c:
            continue
        q = q + '/' + c if q or a else c
        if not m:
            try:
                if os.stat(q)[0] & 0xF000 != 0x4000:
                    return q
                continue
            except OSError:
                m = 1
        os.mkdir(q)
    return 0
