# Board bring-up, run once per (re)boot before the REPL starts.
# It adapts the WebAssembly port so that it looks like the selected board:
# platform strings, memory figures, time.sleep that the host can interrupt,
# and a filesystem whose root is the board's flash (Emscripten's /dev, /tmp,
# ... are not visible). Config comes from the JS module `_vboard`.
import sys
import _vboard as _cfg
from io import IOBase as _IOBase
from uctypes import addressof as _addressof

_real_sys = sys


def _parse_version(v):
    # 'v1.28.0' / 'v1.25.0-preview.123.gabc' (esp_app_desc_t.version) -> (1, 28, 0, '') and '1.28.0'
    s = v[1:] if v[:1] == 'v' else v
    head, _, pre = s.partition('-')
    try:
        nums = tuple(int(x) for x in head.split('.'))
        if len(nums) != 3:
            raise ValueError
    except ValueError:
        return (1, 27, 0, ''), s
    return nums + (pre.split('.')[0] if pre else '',), s


# --chip: MicroPython reports the version of the app found in flash.
_VER_STR = _cfg.version or 'v1.27.0'
_VER, _RELEASE = _parse_version(_VER_STR)


class _Impl:
    # Mirrors sys.implementation of real firmware (attrtuple-like object).
    name = 'micropython'
    version = _VER
    _machine = _cfg.machine
    _mpy = _cfg.mpy
    _build = _cfg.build

    def __repr__(self):
        return "(name='micropython', version=%r, _machine=%r, _mpy=%d, _build=%r)" % (
            self.version, self._machine, self._mpy, self._build)


class _RawBuffer:
    # sys.stdout.buffer: on a board its bytes go out raw, while text output
    # (print, sys.stdout.write) is cooked (\n -> \r\n) by the board's JS
    # output stage. The port's own buffer shares that stage, so binary data
    # is handed to JS by address and length and sent unchanged.
    def __init__(self, real):
        self._real = real

    def write(self, data):
        if isinstance(data, (bytes, bytearray)):
            n = len(data)
        elif isinstance(data, str):
            data = data.encode()
            n = len(data)
        else:
            data = memoryview(data)  # TypeError for non-buffers, as on a board
            n = len(data)
            if n:
                n *= len(bytes(data[:1]))  # item size (no memoryview.itemsize here)
        if n:
            _cfg.stdout_raw(_addressof(data), n)
        return n

    def __getattr__(self, name):
        return getattr(self._real, name)


class _Stdio(_IOBase):
    # sys.stdout / sys.stderr: forwards to the port's stream except .buffer.
    # IOBase gives it the stream protocol, so print(file=...) and
    # sys.print_exception(e, ...) accept it.
    def __init__(self, real):
        self._real = real
        self.buffer = _RawBuffer(real.buffer)

    def write(self, s):
        return self._real.write(s)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _SysProxy:
    # `sys` is built in and its `platform` is read-only, so `import sys`
    # is redirected (via sys.modules) to this proxy, which overrides only the
    # platform identity and stdout/stderr (raw `.buffer`), and forwards
    # everything else, including assignment (mpytool does `sys.path = [...]`).
    platform = _cfg.platform
    implementation = _Impl()
    stdout = _Stdio(_real_sys.stdout)
    stderr = _Stdio(_real_sys.stderr)

    def __getattr__(self, name):
        return getattr(_real_sys, name)

    def __setattr__(self, name, value):
        setattr(_real_sys, name, value)


if _cfg.version:
    # The version of the image the board booted (--chip, rp2 with --drive-dir).
    _SysProxy.version = '3.4.0; MicroPython ' + _VER_STR + ' on 2025-12-10'


class _GcProxy:
    # The port's heap grows on demand; report a fixed board-sized heap.
    def __getattr__(self, name):
        return getattr(_real_gc, name)

    def mem_alloc(self):
        return _real_gc.mem_alloc()

    def mem_free(self):
        return max(0, _cfg.heap - _real_gc.mem_alloc())


import gc as _real_gc
import os
import time
import vfs

sys.modules['sys'] = _SysProxy()
sys.modules['gc'] = _GcProxy()


class _Uname(tuple):
    sysname = property(lambda s: s[0])
    nodename = property(lambda s: s[1])
    release = property(lambda s: s[2])
    version = property(lambda s: s[3])
    machine = property(lambda s: s[4])


_UNAME = _Uname((_cfg.sysname, _cfg.sysname, _RELEASE, _VER_STR + ' on 2025-12-10', _cfg.machine))
os.uname = lambda: _UNAME


# time.sleep in the port busy-waits in wasm; route it to the board so that a
# Ctrl-C from the host interrupts it and the CPU is not burned.
def _sleep(s):
    _cfg.sleep_ms(s * 1000)


def _sleep_ms(ms):
    _cfg.sleep_ms(ms)


def _sleep_us(us):
    _cfg.sleep_ms(us / 1000)


time.sleep = _sleep
time.sleep_ms = _sleep_ms
time.sleep_us = _sleep_us

# Board-support modules (imported now, while /vbsys is on sys.path; they stay
# in sys.modules, which is where `import machine` finds them later).
import machine  # noqa: E402,F401

if _cfg.platform in ('esp32', 'rp2'):
    import network  # noqa: F401
if _cfg.platform == 'esp32':
    import esp32  # noqa: F401
if _cfg.platform == 'rp2':
    import rp2  # noqa: F401
if _cfg.no_deflate_compress:
    import _vb_deflate  # noqa: F401

# Mount the board flash as the VFS root; the JS side already chdir'd the
# process into it so relative paths resolve there too.
os.umount('/')
vfs.mount(vfs.VfsPosix(_cfg.board_root), '/')
os.chdir('/')

_real_rename = os.rename


# VfsPosix builds both absolute paths of a rename in one shared buffer, so the source is lost
# when both are absolute (ENOENT). Boards' littlefs/FAT have no such quirk: rename from the
# root with paths relative to it, which VfsPosix passes through untouched.
def _rename(a, b):
    c = os.getcwd()
    a, b = [p if p[:1] == '/' else c.rstrip('/') + '/' + p for p in (a, b)]
    os.chdir('/')
    try:
        _real_rename(a.lstrip('/') or '.', b.lstrip('/') or '.')
    finally:
        os.chdir(c)


os.rename = _rename


# The port's built-in input() spins forever inside wasm (its stdin HAL is a
# stub), so replace it with a UART-style line reader over the board's stdin:
# echo, backspace, ends at CR or LF, Ctrl-D on an empty line -> EOFError.
def _input(prompt=None):
    out = _real_sys.stdout
    if prompt is not None:
        out.write(str(prompt))
    rd = _real_sys.stdin.buffer.read
    buf = bytearray()
    while True:
        c = rd(1)
        if not c:
            raise EOFError
        b = c[0]
        if b == 13 or b == 10:
            out.write('\r\n')
            return buf.decode()
        if b == 4 and not buf:
            raise EOFError
        if b == 8 or b == 127:
            if buf:
                buf.pop()
                out.write('\b \b')
            continue
        if b >= 32 or b >= 128:
            buf.append(b)
            out.buffer.write(c) if hasattr(out, 'buffer') else out.write(chr(b))


import builtins  # noqa: E402
builtins.input = _input
