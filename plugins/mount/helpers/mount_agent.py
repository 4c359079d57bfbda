# The mount agent (plugins/mount, protocol in plugins/mount/README.md): a VFS whose files live on
# the host. Request: 18 9A cmd mid seq len16 hc payload crc32. Reply: 18 st fl seq len16 payload
# crc32 (st 0 or an errno; fl 1 deflated, 2 parent listing, 4 end of file). Ctrl-C is off
# during a request; one that arrives meanwhile is raised once the reply is in (the third one at
# once: the host is gone).
import sys, os, io, time, micropython
from ubinascii import crc32
from struct import pack, unpack_from
try:
    import deflate as _mv_z
except ImportError:
    _mv_z = None
_mv_i = sys.stdin.buffer
_mv_o = sys.stdout.buffer
# sequence number, ticks of the last reply, chunk size, window bits, inflate input, inflater
_mv_g = [0, 0, 4096, 12, None, None]
_mv_c = {}  # stat cache: (mid, dir) -> {name: (mode, size, mtime)}
_mv_p = set()  # files with buffered writes: flushed before any other request and at unmount


def _mv_fa():
    while _mv_p:
        _mv_p.pop()._fw()


def _mv_n(n):
    b = bytearray(n)
    m = memoryview(b)
    j = 0
    while j < n:
        r = _mv_i.readinto(m[j:])
        if not r:
            raise OSError(5)
        j += r
    return b


def _mv_q(c, m, p=b''):
    # A request the host got damaged (84) or a reply that came damaged: asked again.
    for i in range(8):
        r = _mv_q1(c, m, p)
        if r and r[0] != 84:
            return r
    raise OSError(5)


def _mv_q1(c, m, p):
    g = _mv_g
    g[0] = q = (g[0] + 1) & 255
    # A new inflate stream when there is none or its input grew large: the host restarts too.
    if _mv_z and (g[5] is None or g[4].tell() > 8192):
        c |= 0x80
    h = pack('<BBBBBH', 0x18, 0x9A, c, m, q, len(p))
    h += bytes([(sum(h[2:]) & 255) ^ 0xA5])
    k = 0
    micropython.kbd_intr(-1)
    try:
        # A Ctrl-C that came just before kbd_intr(-1) is still pending and would fire at the
        # next jump, after the request went out: the host's reply would then reach the REPL
        # as typed text. A jump here raises it while no request is on the way.
        for _ in (0, 1):
            pass
        _mv_o.write(h + p + pack('<I', crc32(p, crc32(h[2:]))))
        while 1:
            b = _mv_i.read(1)
            if b == b'\x03':
                k += 1
                if k > 2:  # the host is gone: three Ctrl-C give up waiting
                    raise KeyboardInterrupt
            if b != b'\x18':
                continue
            h = _mv_n(5)
            d = _mv_n(h[3] | h[4] << 8)
            if unpack_from('<I', _mv_n(4))[0] != crc32(d, crc32(h)):
                g[5] = None
                return
            if h[2] == q:
                break
    finally:
        micropython.kbd_intr(3)
    if k:
        raise KeyboardInterrupt
    g[1] = time.ticks_ms()
    if c & 0x80:
        g[4] = io.BytesIO()
        g[5] = _mv_z.DeflateIO(g[4], _mv_z.RAW, g[3])
    if h[1] & 1:
        s = g[4]
        j = s.tell()
        s.seek(0, 2)
        s.write(d[2:])
        s.seek(j)
        n = d[0] | d[1] << 8
        d = g[5].read(n)
        if len(d) != n:
            g[5] = None
            raise OSError(5)
    return h[0], h[1], d


def _mv_r(c, m, p=b''):
    if _mv_p and c != 7:
        _mv_fa()
    s, f, d = _mv_q(c, m, p)
    if s:
        raise OSError(s)
    return f, d


def _mv_ls(d):
    # (name, mode, size, mtime) from a listing payload
    o = 0
    while o < len(d):
        k, t, z, w = unpack_from('<BHII', d, o)
        o += 11 + k
        yield str(d[o - k:o], 'utf-8'), t, z, w


class _mv_F(io.IOBase):
    def __init__(s, m, fd, mo, z, d, e):
        s.m, s.fd, s.t, s.z, s.b, s.p, s.s = m, fd, 'b' not in mo, z, bytes(d), 0, 0
        s.e = z if e else None  # end of file, when known
        s.w = bytearray()
        s.wp = 0
        if 'a' in mo:
            s.p = z

    def _get(s):
        if s.e is not None and s.p >= s.e:
            return 0
        f, d = _mv_r(6, s.m, pack('<BII', s.fd, s.p, _mv_g[2]))
        s.b, s.s = d, s.p
        if f & 4:
            s.e = s.p + len(d)
        return len(d)

    def _fw(s):
        _mv_p.discard(s)
        w, s.w = s.w, bytearray()
        j = 0
        while j < len(w):
            k = w[j:j + _mv_g[2]]
            _mv_r(7, s.m, pack('<BI', s.fd, s.wp + j) + k)
            j += len(k)

    def _rd(s, n, l=0):
        s._fw()
        r = []
        while n:
            o = s.p - s.s
            if not 0 <= o < len(s.b):
                if not s._get():
                    break
                continue
            e = len(s.b) if n < 0 else min(len(s.b), o + n)
            if l:
                i = s.b.find(b'\n', o, e)
                if i >= 0:
                    e = i + 1
                    n = e - o
            r.append(s.b[o:e])
            s.p += e - o
            if n > 0:
                n -= e - o
        return b''.join(r)

    def _tx(s, b):
        if not s.t:
            return b
        while 1:
            try:
                return str(b, 'utf-8')
            except UnicodeError:
                c = s._rd(1)
                if not c:
                    raise
                b += c

    def read(s, n=-1):
        return s._tx(s._rd(-1 if n is None else n))

    def readinto(s, u):
        b = s._rd(len(u))
        u[:len(b)] = b
        return len(b)

    def readline(s, n=-1):
        return s._tx(s._rd(n, 1))

    def readlines(s):
        return list(s)

    def __iter__(s):
        return s

    def __next__(s):
        l = s.readline()
        if not l:
            raise StopIteration
        return l

    def write(s, b):
        if s.fd < 0:
            raise OSError(9)
        if s.t:
            b = b.encode()
        if not s.w:
            s.wp = s.p
        elif s.wp + len(s.w) != s.p:
            s._fw()
            s.wp = s.p
        s.w += b
        _mv_p.add(s)
        s.p += len(b)
        s.z = max(s.z, s.p)
        s.b = b''
        if s.e is not None:
            s.e = s.z
        if len(s.w) >= _mv_g[2]:
            s._fw()
        return len(b)

    def flush(s):
        s._fw()

    def seek(s, o, w=0):
        s._fw()
        s.p = max(0, o + (s.p if w == 1 else s.z if w == 2 else 0))
        return s.p

    def tell(s):
        return s.p

    def close(s):
        if s.fd >= 0:
            try:
                s._fw()
            finally:
                if s.fd < 255:
                    _mv_r(5, s.m, bytes([s.fd]))
                s.fd = -1

    def ioctl(s, r, a):
        if r == 4:
            s.close()
        elif r == 1:
            s._fw()
        elif r == 11:
            return _mv_g[2]
        return 0

    def __enter__(s):
        return s

    def __exit__(s, *a):
        s.close()


class _mv_R:
    def __init__(s, m, ca):
        s.m, s.d, s.ca = m, '/', ca

    def mount(s, r, k):
        pass

    def umount(s):
        pass

    def _a(s, p):
        if type(p) is bytes:
            try:
                p = p.decode()
            except UnicodeError:
                raise OSError(13)  # the host could not name it either
        if not p or p == '.':
            return s.d
        if p[0] != '/':
            p = s.d.rstrip('/') + '/' + p
        q = []
        for x in p.split('/'):
            if x == '..':
                if q:
                    q.pop()
            elif x and x != '.':
                q.append(x)
        return '/' + '/'.join(q)

    def chdir(s, p):
        p = s._a(p)
        if s.stat(p)[0] & 0x4000 == 0:
            raise OSError(20)
        s.d = p

    def getcwd(s):
        return s.d

    def stat(s, p):
        if _mv_p:
            _mv_fa()
        p = s._a(p)
        if p == '/':
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        i = p.rfind('/')
        k = (s.m, p[:i] or '/')
        n = p[i + 1:]
        c = _mv_c.get(k)
        if c is None or time.ticks_diff(time.ticks_ms(), _mv_g[1]) > 1500:
            t, f, d = _mv_q(1, s.m, p.encode())
            if f & 2:
                c = {}
                for e in _mv_ls(d):
                    c[e[0]] = e[1:]
                if len(_mv_c) > 8:
                    _mv_c.clear()
                _mv_c[k] = c
            elif t:
                raise OSError(t)
            else:
                c = {n: unpack_from('<HII', d)}
        e = c.get(n)
        if e is None:
            raise OSError(2)
        return (e[0], 0, 0, 0, 0, 0, e[1], e[2], e[2], e[2])

    def ilistdir(s, p):
        p = s._a(p)
        f, d = _mv_r(2, s.m, p.encode())
        r = list(_mv_ls(d))
        if s.ca:
            c = {}
            for e in r:
                c[e[0]] = e[1:]
            _mv_c[(s.m, p)] = c
        for e in r:
            yield e[0], e[1], 0, e[2]

    def open(s, p, mo):
        if 'r' not in mo or '+' in mo:
            _mv_c.clear()
        f, d = _mv_r(4, s.m, mo.encode() + b'\0' + s._a(p).encode())
        fd, z = unpack_from('<BI', d)
        return _mv_F(s.m, fd, mo, z, d[5:], f & 4)

    def _o(s, c, b):
        _mv_c.clear()
        _mv_r(c, s.m, b)

    def mkdir(s, p):
        s._o(8, s._a(p).encode())

    def remove(s, p):
        s._o(9, b'\0' + s._a(p).encode())

    def rmdir(s, p):
        s._o(9, b'\1' + s._a(p).encode())

    def rename(s, a, b):
        s._o(10, s._a(a).encode() + b'\0' + s._a(b).encode())

    def statvfs(s, p):
        return unpack_from('<10I', _mv_r(3, s.m)[1])


def _mv_mount(mp, m, cs, ca, wb):
    _mv_g[2] = cs
    _mv_g[3] = wb
    try:
        os.umount(mp)
    except OSError:
        pass
    os.mount(_mv_R(m, ca), mp)
    print(1 if _mv_z else 0)
