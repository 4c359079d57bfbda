# esp32 module subset: the Partition API used by tools for OTA and raw flash, with ESP-IDF's OTA
# data and rollback (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) modelled on the flash images:
# - otadata holds two esp_ota_select_entry_t (ota_seq, seq_label, ota_state, crc32 of ota_seq),
#   one per 4 KB sector; the valid entry with the highest seq selects slot (seq - 1) % 2;
# - set_boot() verifies the image as esp_image_verify() does (magic, the minimum chip revision
#   against the chip's v3.1, segments, XOR checksum, appended SHA-256), else OSError(-5379) ESP_ERR_OTA_VALIDATE_FAILED, and writes a new entry
#   in state NEW into the other sector;
# - at a hard reset the "bootloader" (boot_select(), run when this module loads after a
#   non-soft reset) boots a NEW slot as PENDING_VERIFY; a slot still PENDING_VERIFY at the next
#   reset is ABORTED and the previous app boots (rollback); mark_app_valid_cancel_rollback()
#   makes the running slot VALID. A slot whose image does not verify is never booted.
import _vboard as _cfg
import struct
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
_SLOTS = ('ota_0', 'ota_1')
# The chip's revision as major * 100 + minor: v3.1, an ESP32 ECO3 like most boards sold now.
CHIP_REV = 301

HEAP_DATA = 4
HEAP_EXEC = 1

# esp_ota_img_states_t
_NEW, _PENDING, _VALID, _INVALID, _ABORTED, _UNDEFINED = 0, 1, 2, 3, 4, 0xFFFFFFFF


def _crc(seq):
    from binascii import crc32
    return crc32(struct.pack('<I', seq), 0xFFFFFFFF) & 0xFFFFFFFF


def _entries():
    """[(sector, seq, state)] of the valid otadata entries."""
    out = []
    buf = bytearray(32)
    for sector in (0, 1):
        _IMAGES['otadata'].read(sector * BLOCK, buf)
        seq, _, state, crc = struct.unpack('<I20sII', buf)
        if seq != 0xFFFFFFFF and crc == _crc(seq):
            out.append((sector, seq, state))
    return out


def _active():
    e = _entries()
    return max(e, key=lambda x: x[1]) if e else None


def _write_entry(sector, seq, state):
    img = _IMAGES['otadata']
    img.erase(sector * BLOCK, BLOCK)
    img.program(sector * BLOCK, struct.pack('<I20sII', seq, b'\xff' * 20, state, _crc(seq)))
    img.flush()


def _verify(label):
    """True if partition `label` holds an app image the bootloader accepts."""
    img = _IMAGES[label]
    head = bytearray(24)
    img.read(0, head)
    if head[0] != 0xE9 or not 1 <= head[1] <= 16:
        return False
    # bootloader_common_check_chip_validity(): the extended header's min_chip_rev_full
    # (major * 100 + minor, LE16 at 15) must not exceed the chip's revision.
    if head[15] | head[16] << 8 > CHIP_REV:
        return False
    pos, acc = 24, 0
    chunk = bytearray(BLOCK)
    for _ in range(head[1]):
        if pos + 8 > img.size:
            return False
        sh = bytearray(8)
        img.read(pos, sh)
        n = struct.unpack('<I', sh[4:])[0]
        pos += 8
        if n > img.size - pos:
            return False
        end = pos + n
        while pos < end:
            k = min(BLOCK, end - pos)
            view = memoryview(chunk)[:k]
            img.read(pos, view)
            acc ^= int.from_bytes(bytes(view) + bytes(BLOCK - k), 'little')
            pos += k
    s = 0xEF
    for b in acc.to_bytes(BLOCK, 'little'):
        s ^= b
    pos += 15 - pos % 16
    if pos >= img.size:
        return False
    c = bytearray(1)
    img.read(pos, c)
    if c[0] != s:
        return False
    pos += 1
    if head[23] == 1:
        import hashlib
        h = hashlib.sha256()
        q = 0
        while q < pos:
            k = min(BLOCK, pos - q)
            view = memoryview(chunk)[:k]
            img.read(q, view)
            h.update(view)
            q += k
        want = bytearray(32)
        if pos + 32 > img.size:
            return False
        img.read(pos, want)
        if h.digest() != want:
            return False
    return True


def _label_of(seq):
    return _SLOTS[(seq - 1) % 2]


def boot_select():
    """The bootloader's choice at a hard reset; updates otadata like ESP-IDF does."""
    entries = sorted(_entries(), key=lambda x: -x[1])
    chosen = None
    bad = set()
    for sector, seq, state in entries:
        label = _label_of(seq)
        if state == _NEW:
            _write_entry(sector, seq, _PENDING)
        elif state == _PENDING:
            _write_entry(sector, seq, _ABORTED)  # booted once, never confirmed: roll back
            bad.add(label)
            continue
        elif state in (_INVALID, _ABORTED):
            bad.add(label)
            continue
        if label not in bad and _verify(label):
            chosen = label
            break
    if chosen is None:
        # No usable otadata entry: the first app slot that verifies and was not given up.
        for label in _SLOTS:
            if label not in bad and _verify(label):
                chosen = label
                break
        else:
            chosen = 'ota_0'
    
    _cfg.set_running_label(chosen)
    _cfg.set_boot_label(chosen)


def ota_state(label):
    """The esp_ota_img_states_t of app slot `label` (UNDEFINED when no entry names it)."""
    best = None
    for sector, seq, state in _entries():
        if _label_of(seq) == label and (best is None or seq > best[0]):
            best = (seq, state)
    return _UNDEFINED if best is None else best[1]


class Partition:
    BOOT = 0
    RUNNING = 1
    TYPE_APP = 0
    TYPE_DATA = 1

    def __init__(self, id, block_size=BLOCK):
        if id == Partition.BOOT:
            a = _active()
            id = _label_of(a[1]) if a and a[2] not in (_INVALID, _ABORTED) else _cfg.running_label()
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
        label = self._t[4]
        if self._t[0] != 0 or label not in _SLOTS or not _verify(label):
            raise OSError(-5379, 'ESP_ERR_OTA_VALIDATE_FAILED')
        entries = _entries()
        a = max(entries, key=lambda x: x[1]) if entries else None
        seq = (a[1] if a else 0) + 1
        while _label_of(seq) != label:
            seq += 1
        sector = 1 - a[0] if a else 0
        _write_entry(sector, seq, _NEW)
        _cfg.set_boot_label(label)

    def get_next_update(self):
        cur = self._t[4] if self._t[0] == 0 else _cfg.running_label()
        return Partition('ota_1' if cur == 'ota_0' else 'ota_0')

    @staticmethod
    def mark_app_valid_cancel_rollback():
        running = _cfg.running_label()
        for sector, seq, state in _entries():
            if _label_of(seq) == running and state == _PENDING:
                _write_entry(sector, seq, _VALID)


def _factory_app():
    """The app MicroPython itself stands for in ota_0 (a small valid image), when blank."""
    img = _IMAGES['ota_0']
    b = bytearray(1)
    img.read(0, b)
    if b[0] != 0xFF:
        return
    import hashlib
    import sys
    desc = bytearray(256)
    desc[0:4] = struct.pack('<I', 0xABCD5432)
    ver = ('v%d.%d.%d' % sys.implementation.version[:3]).encode()
    desc[16:16 + len(ver)] = ver
    desc[48:59] = b'micropython'
    desc[80:88] = b'00:00:00'
    desc[96:107] = b'Dec 10 2025'
    desc[112:118] = b'v5.2.2'
    code = bytes(range(256)) * 4
    out = bytearray(b'\xe9\x02\x02\x20' + struct.pack('<I', 0x40081000) + b'\xee\x00\x00\x00'
                    + struct.pack('<H', 0) + bytes(9) + b'\x01')
    out += struct.pack('<II', 0x3F400020, len(desc)) + desc
    out += struct.pack('<II', 0x40080000, len(code)) + code
    c = 0xEF
    for x in desc + code:
        c ^= x
    out += bytes(15 - len(out) % 16)
    out.append(c)
    out += hashlib.sha256(out).digest()
    img.erase(0, BLOCK)
    img.program(0, out)
    img.flush()


if _cfg.reset_cause() != 5:  # not a soft reset: the bootloader ran
    _factory_app()
    boot_select()
