# _mt_rmdir(p): removes directory p with everything in it. The listing is taken before
# deleting, because removing entries while ilistdir iterates can skip some on FAT. A name that
# is not a plain file name (a damaged file system) is left alone: joined to p it would lead
# elsewhere.
import os


def _mt_rmdir(p):
    b = p.rstrip('/') + '/'
    for n, t in [(e[0], e[1]) for e in os.ilistdir(p)]:
        if n in ('', '.', '..') or '/' in n or '\0' in n:
            continue
        if t & 0xF000 == 0x4000:
            _mt_rmdir(b + n)
        else:
            os.remove(b + n)
    os.rmdir(p)
