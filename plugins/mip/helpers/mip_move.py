# The last step of a mip install or uninstall, whole or nothing.
# _mt_mipm(t, s, n, a, c) -> None or (moved, why, restored). a: b'\0'-joined n paths P_i (the
# staged file s/<i> goes to t/P_i), the paths to remove, then the new manifest ('': it stays;
# '*': it is staged as s/m).
# s: the staging dir (None: nothing staged); c: the dirs _mt_mipd(s) created. Writes the manifest
# to t/.mip.json.tmp (a full filesystem fails here, before anything moved), moves the staged
# files into place (a file one replaces is kept as s/b<i>; a dir there is an error), renames the
# manifest into place, removes the paths (and the dirs that leaves empty, up to t), then s. A
# failure puts back what was there (restored: it worked) and removes s and c (not when the
# restore failed: s holds the old files). A rename onto a file that fails (FAT) removes it first.
# Calls _mt_mipd (mip_stage.py), which must be on the board when n > 0.
def _mt_mipm(t, s, n, a, c):
    import os

    def mv(a, b):
        try:
            os.rename(a, b)
        except OSError:
            os.remove(b)
            os.rename(a, b)

    def rm(p):
        try:
            for e in os.ilistdir(p):
                rm(p + '/' + e[0])
            os.rmdir(p)
        except OSError:
            os.remove(p)

    a = a.decode().split('\0')
    t = t.rstrip('/')
    m = t + '/.mip.json'
    j = a.pop()
    u = []
    try:
        if j == '*':
            os.rename(s + '/m', m + '.tmp')
        elif j:
            with open(m + '.tmp', 'w') as x:
                x.write(j)
        for i in range(n):
            d = t + '/' + a[i]
            c += _mt_mipd(d[:d.rfind('/')])
            k = s + '/b%d' % i
            try:
                y = os.stat(d)[0]
            except OSError:
                y = 0
            if y & 0x4000:
                raise OSError(21)
            if y:
                mv(d, k)
            u.append([d, y and k, 0])
            os.rename(s + '/%d' % i, d)
            u[-1][2] = 1
        if j:
            mv(m + '.tmp', m)
    except Exception as e:
        w = '%s: %s' % (type(e).__name__, e)
        try:
            while u:
                d, k, x = u[-1]
                if x:
                    os.remove(d)
                if k:
                    os.rename(k, d)
                u.pop()
        except OSError:
            return (sum(x[2] for x in u), w, False)
        for d in [m + '.tmp', s]:
            try:
                rm(d)
            except (OSError, TypeError):
                pass
        for d in c[::-1]:
            try:
                os.rmdir(d)
            except OSError:
                pass
        return (0, w, True)
    for p in a[n:]:
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
    if s:
        try:
            rm(s)
        except OSError:
            pass
