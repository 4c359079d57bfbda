# _mt_stat(p): -1 for a directory, the size for a regular file, None when p is missing or is
# something else. The type bits are masked because some ports add permission bits to st_mode.
import os


def _mt_stat(p):
    try:
        s = os.stat(p)
    except OSError:
        return None
    t = s[0] & 0xF000
    return -1 if t == 0x4000 else s[6] if t == 0x8000 else None
