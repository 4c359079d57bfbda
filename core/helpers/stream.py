# _mt_ag(w, n, c, zb, o): the streaming transfer agent (core/include/mpytool/stream/session.hpp).
# Frames both ways: 0xA5, type, payload length (u16 LE), CRC-32 of type+length+payload (u32 LE),
# payload of at most n bytes. Host -> board: P probe (echoed), Q quit, A abort, and the
# operations of o (frame type -> handler(x, payload), registered by a plugin). Board -> host:
# H hello ("flags mem_free"), C credit, P, D data, E end of data, X error ("errno message"),
# and what the handlers send.
# Flow control: the board reads in pieces of at most w/2 bytes and, before a piece, grants the
# host (type C) a limit of stream bytes it may have sent: what it has read plus w, the stdin
# buffer that holds bytes while the board is busy (writing flash, or slow). Nothing is ever sent
# that the board cannot hold.
# c: chunk buffer size; zb: deflate window bits for sx(get, True).
def _mt_ag(w, n, c, zb, o):
    import sys
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
        # Read in pieces of at most w/2, granting before each one: the host never has more
        # than w bytes in this board's stdin buffer, however slowly the board reads, and still
        # has half a window to send while the grant travels.
        k = len(v)
        j = 0
        while j < k:
            if st[1] < st[0] + w:
                st[1] = st[0] + w
                tx(67, st[1].to_bytes(4, 'little'))
            r = si.readinto(v[j:min(k, j + w // 2)])
            if not r:
                raise ValueError('eof')
            j += r
            st[0] += r

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
                __import__('os').remove(q)
        except Exception:
            pass

    def fail(e):
        # Report, clean up and ignore the rest of the batch until the host aborts.
        drop()
        tx(88, ('%d %s' % (e.errno if isinstance(e, OSError) else 0, repr(e))).encode())
        while rf()[0] not in (65, 81):
            pass

    def rx(z, put):
        d = None
        if z:
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
                    put(om[:x])
                    u -= x
            else:
                # Small frames are gathered into chunk-sized writes.
                x = len(p)
                if k + x > c:
                    put(om[:k])
                    k = 0
                if x > c:
                    put(p)
                else:
                    om[k:k + x] = p
                    k += x
        if d:
            if d.readinto(om[:1]):
                raise OSError(0, 'inflate')
        elif k:
            put(om[:k])
        return bytes(p)

    def sx(get, z):
        h = sha256() if sha256 else None
        d = None
        if z:
            s = io.BytesIO()
            d = deflate.DeflateIO(s, deflate.ZLIB, zb)
        while True:
            b = get()
            k = len(b)
            if h and k:
                h.update(b)
            if d:
                if k:
                    d.write(b)
                else:
                    d.close()
                v = s.getvalue()
                m = memoryview(v)
                e = s.tell()
                s.seek(0)
            else:
                m = b
                e = k
            for j in range(0, e, n):
                tx(68, m[j:min(e, j + n)])
            if not k:
                return h.digest() if h else b''

    x = (tx, rf, rx, sx, cur, ob, om, fl)
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
            if t not in o:
                break
            try:
                o[t](x, p)
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
