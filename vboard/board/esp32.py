# esp32 module subset: the Partition API used by tools for OTA and raw flash.
import _vboard as _cfg
from _vb_flash import FlashImage, BLOCK

# (type, subtype, addr, size, label) - the MicroPython ESP32_GENERIC-OTA table.
_TABLE = (
    (1, 2, 0x9000, 0x4000, 'nvs'),
    (1, 0, 0xD000, 0x2000, 'otadata'),
    (1, 1, 0xF000, 0x1000, 'phy_init'),
    (0, 16, 0x10000, 0x180000, 'ota_0'),
    (0, 17, 0x190000, 0x180000, 'ota_1'),
    (1, 129, 0x310000, 0xF0000, 'vfs'),
)
_IMAGES = {}
for _t in _TABLE:
    _IMAGES[_t[4]] = FlashImage(_cfg.state_root + '/esp32/' + _t[4] + '.bin', _t[3])

HEAP_DATA = 4
HEAP_EXEC = 1


class Partition:
    BOOT = 0
    RUNNING = 1
    TYPE_APP = 0
    TYPE_DATA = 1

    def __init__(self, id, block_size=BLOCK):
        if id == Partition.BOOT:
            id = _cfg.boot_label()
        elif id == Partition.RUNNING:
            id = _cfg.running_label()
        for t in _TABLE:
            if t[4] == id:
                self._t = t
                break
        else:
            raise ValueError('partition not found')
        self._img = _IMAGES[id]
        self._bs = block_size

    @staticmethod
    def find(type=TYPE_APP, subtype=0xFF, label=None, block_size=BLOCK):
        return [Partition(t[4], block_size) for t in _TABLE
                if t[0] == type and (subtype == 0xFF or t[1] == subtype)
                and (label is None or t[4] == label)]

    def info(self):
        t = self._t
        return (t[0], t[1], t[2], t[3], t[4], False)

    def __repr__(self):
        t = self._t
        return '<Partition type=%d, subtype=%d, address=%d, size=%d, label=%s, encrypted=0>' % t

    def readblocks(self, block_num, buf, offset=0):
        self._img.read(block_num * self._bs + offset, buf)

    def writeblocks(self, block_num, buf, offset=None):
        off = block_num * self._bs
        if offset is None:
            # 2-argument form erases the covered sectors first.
            n = (len(buf) + BLOCK - 1) // BLOCK * BLOCK
            self._img.erase(off, n)
            self._img.program(off, buf)
        else:
            self._img.program(off + offset, buf)

    def ioctl(self, op, arg):
        if op == 1 or op == 2 or op == 3:  # init, deinit, sync
            self._img.flush()
            return 0
        if op == 4:
            return self._t[3] // self._bs
        if op == 5:
            return self._bs
        if op == 6:
            self._img.erase(arg * self._bs, self._bs)
            return 0
        return None

    def set_boot(self):
        if self._t[0] != 0:
            raise OSError(-5379, 'ESP_ERR_OTA_VALIDATE_FAILED')
        head = bytearray(1)
        self._img.read(0, head)
        if head[0] != 0xE9:  # ESP image magic
            raise OSError(-5379, 'ESP_ERR_OTA_VALIDATE_FAILED')
        _cfg.set_boot_label(self._t[4])

    def get_next_update(self):
        cur = self._t[4] if self._t[0] == 0 else _cfg.running_label()
        return Partition('ota_1' if cur == 'ota_0' else 'ota_0')

    @staticmethod
    def mark_app_valid_cancel_rollback():
        pass
