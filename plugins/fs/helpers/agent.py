# _mt_ag(w, n, c, zb): the streaming transfer agent of the fs plugin.
# Frames both ways: 0xA5, type, payload length (u16 LE), CRC-32 of type+length+payload (u32 LE),
# payload of at most n bytes. Host -> board: P probe (echoed), O open an upload
# ("mode\0size\0path"; it lands in "dir/.name.mpytmp" first), D data, E end of file (its SHA-256),
# G get ("mode\0path"), Q quit,
# A abort. Board -> host: H hello ("flags mem_free"), C credit, P, K upload done, X error
# ("errno message"), S download size, D data, E download end (SHA-256 digest).
# Flow control: before each blocking read the board grants the host (type C) a limit of
# stream bytes it may have sent: what this read consumes plus w, the stdin buffer that holds
# bytes while the board is busy writing flash. Nothing is ever sent that the board cannot hold.
# c: chunk (file buffer) size; zb: deflate window bits for compressed downloads.
def _mt_ag(w, n, c, zb):
    import sys
    import os
    import micropython
    # ubinascii: the built-in module even where a binascii.py on the path shadows it.
    from ubinascii import crc32
    fl = 0
    try:
        from hashlib import sha256
        fl |= 1
    except ImportError:
        sha256 = None
    try:
        import deflate
        import io
        fl |= 2
        try:
            deflate.DeflateIO(io.BytesIO(), deflate.ZLIB, 8).write(b'a')
            fl |= 4
        except Exception:
            pass
    except ImportError:
        pass
    si = sys.stdin.buffer
    so = sys.stdout.buffer
    fb = bytearray(n + 8)
    fm = memoryview(fb)
    ob = bytearray(c)
    om = memoryview(ob)
    st = [0, 0]
    cur = [None, None]

    def tx(t, p=b''):
        h = bytearray(8)
        h[0] = 0xA5
        h[1] = t
        h[2] = len(p) & 255
        h[3] = len(p) >> 8
        h[4:8] = crc32(p, crc32(h[1:4])).to_bytes(4, 'little')
        so.write(h)
        so.write(p)

    def rd(v):
        k = len(v)
        st[0] += k
        if st[1] < st[0] + w // 2:
            st[1] = st[0] + w
            tx(67, st[1].to_bytes(4, 'little'))
        j = 0
        while j < k:
            r = si.readinto(v[j:])
            if not r:
                raise ValueError('eof')
            j += r

    def rf():
        rd(fm[:8])
        l = fb[2] | fb[3] << 8
        if fb[0] != 0xA5 or l > n:
            raise ValueError('frame')
        p = fm[8:8 + l]
        rd(p)
        if crc32(p, crc32(fm[1:4])) != int.from_bytes(fb[4:8], 'little'):
            raise ValueError('crc')
        return fb[1], p

    def drop():
        f, cur[0] = cur[0], None
        q, cur[1] = cur[1], None
        try:
            if f:
                f.close()
        except Exception:
            pass
        try:
            if q:
                os.remove(q)
        except Exception:
            pass

    def fail(e):
        # Report, clean up and ignore the rest of the batch until the host aborts.
        drop()
        tx(88, ('%d %s' % (e.errno if isinstance(e, OSError) else 0, repr(e))).encode())
        while rf()[0] not in (65, 81):
            pass

    def digest(q):
        h = sha256()
        with open(q, 'rb') as f:
            while True:
                k = f.readinto(ob)
                if not k:
                    return h.digest()
                h.update(om[:k])

    def up(a):
        z = int(a[1])
        q = a[2]
        i = q.rfind('/') + 1
        # Next to the target; a fixed name when the longer one would not fit (255 bytes).
        tq = q[:i] + ('.' + q[i:] if len(q[i:].encode()) < 240 else '.mpytool') + '.mpytmp'
        cur[1] = tq
        cur[0] = open(tq, 'wb')
        f = cur[0]
        d = None
        if a[0] == 'z':
            s = io.BytesIO()
            se = 0
            d = deflate.DeflateIO(s, deflate.ZLIB)
        k = 0
        while True:
            t, p = rf()
            if t == 69:
                break
            if t != 68:
                raise ValueError('seq')
            if d:
                u = int.from_bytes(p[:4], 'little')
                r = s.tell()
                s.seek(r)
                b = s.read(se - r)
                s.seek(0)
                s.write(b)
                s.write(p[4:])
                se = s.tell()
                s.seek(0)
                while u:
                    x = d.readinto(om[:min(u, c)])
                    if not x:
                        raise OSError(0, 'inflate')
                    f.write(om[:x])
                    u -= x
            else:
                # Small frames are gathered into chunk-sized flash writes.
                x = len(p)
                if k + x > c:
                    f.write(om[:k])
                    k = 0
                if x > c:
                    f.write(p)
                else:
                    om[k:k + x] = p
                    k += x
        if d:
            if d.readinto(om[:1]):
                raise OSError(0, 'inflate')
        elif k:
            f.write(om[:k])
        f.close()
        cur[0] = None
        if os.stat(tq)[6] != z or (sha256 and len(p) and digest(tq) != bytes(p)):
            raise OSError(0, 'verify')
        # littlefs renames over the target atomically; MicroPython's FAT removes it first.
        os.rename(tq, q)
        cur[1] = None
        tx(75, str(z).encode())

    def dn(a):
        q = a[1]
        z = os.stat(q)
        if z[0] & 0xF000 != 0x8000:
            raise OSError(21)
        f = open(q, 'rb')
        cur[0] = f
        tx(83, str(z[6]).encode())
        h = sha256() if sha256 else None
        d = None
        if a[0] == 'z':
            s = io.BytesIO()
            d = deflate.DeflateIO(s, deflate.ZLIB, zb)
        while True:
            k = f.readinto(ob)
            if h and k:
                h.update(om[:k])
            if d:
                if k:
                    d.write(om[:k])
                else:
                    d.close()
                v = s.getvalue()
                m = memoryview(v)
                e = s.tell()
                s.seek(0)
            else:
                m = om
                e = k
            for j in range(0, e, n):
                tx(68, m[j:min(e, j + n)])
            if not k:
                break
        f.close()
        cur[0] = None
        tx(69, h.digest() if h else b'')

    micropython.kbd_intr(-1)
    ok = 0
    try:
        import gc
        gc.collect()
        tx(72, ('%d %d' % (fl, gc.mem_free())).encode())
        while True:
            t, p = rf()
            if t == 80:
                tx(80, p)
                continue
            if t not in (79, 71):
                break
            try:
                a = bytes(p).decode().split('\0')
                up(a) if t == 79 else dn(a)
            except ValueError:
                raise
            except Exception as e:
                fail(e)
                break
        ok = 1
    finally:
        drop()
        if not ok:
            # Broken stream: swallow what the host still sends until it falls silent, so
            # that no stray frame byte reaches the REPL (a Ctrl-D there could soft-reset).
            try:
                import select
                q = select.poll()
                q.register(sys.stdin, select.POLLIN)
                while q.poll(100):
                    si.readinto(fm[:1])
            except Exception:
                pass
        micropython.kbd_intr(3)
