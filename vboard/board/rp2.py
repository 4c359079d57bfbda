# rp2 module subset: the user-flash block device (the filesystem region).
import _vboard as _cfg
from _vb_flash import FlashImage, BLOCK

_SIZE = _cfg.fs_blocks * BLOCK  # 1.4 MiB on a Raspberry Pi Pico, 3 MiB on a Pico 2
_IMAGE = FlashImage(_cfg.state_root + '/rp2/flash.bin', _SIZE)


class Flash:
    def __init__(self, *a, **k):
        pass

    def readblocks(self, block_num, buf, offset=0):
        _IMAGE.read(block_num * BLOCK + offset, buf)

    def writeblocks(self, block_num, buf, offset=None):
        off = block_num * BLOCK
        if offset is None:
            _IMAGE.erase(off, (len(buf) + BLOCK - 1) // BLOCK * BLOCK)
            _IMAGE.program(off, buf)
        else:
            _IMAGE.program(off + offset, buf)

    def ioctl(self, op, arg):
        if op in (1, 2, 3):
            _IMAGE.flush()
            return 0
        if op == 4:
            return _SIZE // BLOCK
        if op == 5:
            return BLOCK
        if op == 6:
            _IMAGE.erase(arg * BLOCK, BLOCK)
            return 0
        return None


def bootsel_button():
    return 0
