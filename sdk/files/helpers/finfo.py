# _mt_finfo({path: expected_size}) -> {path: None | (size, None) | (size, b64_sha256)}.
# None: missing or not a regular file. (size, None): the size differs, so no hash is needed.
# needs: hash
def _mt_finfo(d):
    import os
    import gc
    r = {}
    for p, z in d.items():
        try:
            s = os.stat(p)
        except OSError:
            r[p] = None
            continue
        if s[0] & 0xF000 != 0x8000:
            r[p] = None
        elif s[6] != z:
            r[p] = (s[6], None)
        else:
            r[p] = (s[6], _mt_hash(p))
    gc.collect()
    return r
