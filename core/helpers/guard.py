# _mt_g(c, s): the guard (core/src/mpy_comm.cpp). The tool sends its own code as
# _mt_g(crc, b'...'): exec'd in __main__ only when its CRC-32 is c, so a bit flipped on the
# way never runs as another program; a mismatch raises, and the tool sends it again.
def _mt_g(c, s):
    from ubinascii import crc32
    if crc32(s) != c:
        raise OSError(0, 'mpytool guard')
    exec(s, globals())
