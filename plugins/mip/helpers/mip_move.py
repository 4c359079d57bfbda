# _mt_mipm(t, s, f, r, j): the last step of a mip install or uninstall, in one program. Writes
# j to t/.mip.json.tmp first (so a full filesystem fails before anything moved; j None: the
# manifest stays), moves each staged file s/P of f to t/P (parents created), removes t/P for
# each P of r (and the dirs that leaves empty, up to t), renames the new manifest into place,
# then removes the staging dir s with what is left in it (s None: nothing staged). A rename onto
# an existing file that fails (FAT) removes that file first. Returns None, or on a failure
# (n, len(f), why): n files were moved, the new manifest was not put in place (its temp is
# removed, so is the staging dir).
# needs: mkdir rmdir
def _mt_mipm(t, s, f, r, j):
    import os

    def mv(a, b):
        try:
            os.rename(a, b)
        except OSError:
            os.remove(b)
            os.rename(a, b)

    t = t.rstrip('/')
    m = t + '/.mip.json'
    n = 0
    try:
        if j is not None:
            with open(m + '.tmp', 'w') as x:
                x.write(j)
        for p in f:
            d = t + '/' + p
            _mt_mkdir(d[:d.rfind('/')])
            mv(s + '/' + p, d)
            n += 1
    except Exception as e:
        try:
            os.remove(m + '.tmp')
        except OSError:
            pass
        if s:
            try:
                _mt_rmdir(s)
            except OSError:
                pass
        return (n, len(f), '%s: %s' % (type(e).__name__, e))
    for p in r:
        d = t + '/' + p
        try:
            os.remove(d)
        except OSError:
            pass
        d = d[:d.rfind('/')]
        while len(d) > len(t):
            try:
                os.rmdir(d)
            except OSError:
                break
            d = d[:d.rfind('/')]
    if j is not None:
        mv(m + '.tmp', m)
    if s:
        try:
            _mt_rmdir(s)
        except OSError:
            pass
    return None
