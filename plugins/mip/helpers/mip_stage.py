# _mt_mipd(d) -> [dirs]: creates dir d and its missing parents (d absolute); returns the dirs it
# created, outermost first. mip's staging dir before an upload, the parents of each file the
# install moves into place (_mt_mipm in mip_move.py), and what a failed install removes again.
def _mt_mipd(d):
    import os
    c = []
    q = ''
    for x in d.split('/')[1:]:
        q += '/' + x
        try:
            os.mkdir(q)
            c.append(q)
        except OSError:
            pass
    return c
