# Block device over a backing file with NOR-flash semantics: erase sets 0xFF,
# programming can only clear bits. The files are opened at boot, before the
# board's VFS replaces the root, so they stay reachable but invisible.
BLOCK = 4096


class FlashImage:
    def __init__(self, path, size):
        self._f = open(path, 'r+b')
        self.size = size

    def _check(self, off, n):
        if off < 0 or off + n > self.size:
            raise OSError(22)  # EINVAL, as the IDF reports out-of-range

    def read(self, off, buf):
        self._check(off, len(buf))
        self._f.seek(off)
        self._f.readinto(buf)

    def erase(self, off, n):
        self._check(off, n)
        self._f.seek(off)
        self._f.write(b'\xff' * n)

    def program(self, off, buf):
        # AND with the current content: flash cannot turn 0 bits back to 1.
        self._check(off, len(buf))
        old = bytearray(len(buf))
        self._f.seek(off)
        self._f.readinto(old)
        if old != b'\xff' * len(old):
            for i in range(len(buf)):
                old[i] &= buf[i]
        else:
            old = buf
        self._f.seek(off)
        self._f.write(old)

    def flush(self):
        self._f.flush()
