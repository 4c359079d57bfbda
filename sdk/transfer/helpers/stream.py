# _mt_ag(w, n, c, zb, o): the streaming transfer agent (core/include/mpytool/stream/session.hpp).
# Frames both ways: 0xA5, type, payload length (u16 LE), CRC-32 (u32 LE), payload of at most n
# bytes. Host -> board: P probe (echoed), Q quit, A abort, s sync, and the operations of o
# (frame type -> handler(x, payload), registered by a plugin). Board -> host: H hello
# ("flags mem_free"), C credit, n nak, r resynced, P, D data, E end of data, X error ("errno
# message"), and what the handlers send.
# CRC: of type+length+payload from the board and in s; of the host's other frames it starts
# with their sequence number (u8: frames taken so far), so that a repeated or skipped frame
# fails the check like a damaged one.
# Flow control: the board reads in pieces of at most w/2 bytes and, before a piece, grants the
# host (C: limit u32, frames taken u32) a limit of stream bytes it may have sent: what it has
# read plus w, the stdin buffer that holds bytes while the board is busy (writing flash, or
# slow). Nothing is ever sent that the board cannot hold.
# Errors on the link: a damaged frame is answered by n (frames taken); the board then drops
# what comes up to the host's s (answers the host has u32, its stream offset u32), answers
# r (frames taken, answers sent, the host's count) and, if the host lacks it, its last answer
# again, and the credit; the host sends again from the frame n named. 64 Ctrl-C bytes in a row while skipping
# (the host's REPL recovery) end the agent; so do they while it streams (sx, which looks at its
# input every 50 ms: the host's Ctrl-C stops a download at the next frame).
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
    # bytes read, limit granted, frames taken, answers sent, last answer, credits sent
    st = [0, 0, 0, 0, (0, b''), 1]
    sb = bytearray(1)
    cur = [None, []]
    # Host bytes read ahead while the board streams (sx), which rd() takes first; the poll of
    # stdin; when it was last looked at (ticks_ms); Ctrl-C bytes in a row at the end of them.
    pk = [b'', None, 0, 0]
    try:
        import select
        from time import ticks_ms, ticks_diff
        pk[1] = select.poll()
        pk[1].register(sys.stdin, select.POLLIN)
    except Exception:
        pk[1] = None

    def wr(t, p=b''):
        h = bytearray(8)
        h[0] = 0xA5
        h[1] = t
        h[2] = len(p) & 255
        h[3] = len(p) >> 8
        h[4:8] = crc32(p, crc32(h[1:4])).to_bytes(4, 'little')
        so.write(h)
        so.write(p)

    def tx(t, p=b''):
        wr(t, p)
        if t != 68:
            st[3] += 1
            st[4] = (t, bytes(p))

    def u4(*v):
        return b''.join(i.to_bytes(4, 'little') for i in v)

    def rd(v):
        # Read in pieces of at most w/2, granting when half the window is used: the host
        # never has more than w bytes in this board's stdin buffer, however slowly the board
        # reads, and still has half a window to send while the grant travels.
        k = len(v)
        j = 0
        while j < k:
            if st[1] <= st[0] + w // 2:
                st[1] = st[0] + w
                # On a link that damaged a frame, twice: a lost credit stalls the host.
                for i in range(st[5]):
                    wr(67, u4(st[1], st[2]))
            if pk[0]:
                r = min(len(pk[0]), k - j)
                v[j:j + r] = pk[0][:r]
                pk[0] = pk[0][r:]
            else:
                r = si.readinto(v[j:min(k, j + w // 2)])
                if not r:
                    raise ValueError('eof')
            j += r
            st[0] += r

    def rf():
        while True:
            rd(fm[:8])
            l = fb[2] | fb[3] << 8
            if fb[0] == 0xA5 and l <= n:
                p = fm[8:8 + l]
                rd(p)
                sb[0] = st[2] & 255
                if crc32(p, crc32(fm[1:4], crc32(sb))) == int.from_bytes(fb[4:8], 'little'):
                    st[2] += 1
                    return fb[1], p
            sy()

    def sy():
        # A damaged frame: n, then skip to the host's s (found by its CRC, not its first byte).
        # 64 Ctrl-C bytes in a row: the host gave up on the agent (its recovery): leave.
        wr(110, u4(st[2]))
        st[5] = 2
        k = z = 0
        while True:
            if k == 16:
                fb[0:15] = fb[1:16]
                k = 15
            rd(fm[k:k + 1])
            z = z + 1 if fb[k] == 3 else 0
            if z > 63:
                raise ValueError('host')
            k += 1
            if (k == 16 and fb[0] == 0xA5 and fb[1] == 115 and fb[2] == 8 and not fb[3]
                    and crc32(fm[8:16], crc32(fm[1:4])) == int.from_bytes(fb[4:8], 'little')):
                break
        q = int.from_bytes(fb[8:12], 'little')
        st[0] = int.from_bytes(fb[12:16], 'little') + 16
        wr(114, u4(st[2], st[3], q))
        if st[3] > q:
            wr(*st[4])
        # The credit again: the host may have lost the last one and wait for it.
        for i in range(st[5]):
            wr(67, u4(st[1], st[2]))

    def drop():
        f, cur[0] = cur[0], None
        q, cur[1] = cur[1], []
        try:
            if f:
                f.close()
        except Exception:
            pass
        for p in q:
            try:
                __import__('os').remove(p)
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

    def ab():
        # While the board streams it reads no frame: every 50 ms it looks at what the host
        # sent meanwhile (a request, at most a window of it), keeping it for rd(). 64 Ctrl-C
        # bytes in a row: the host aborts (Ctrl-C there, or a new command's recovery); stop
        # now, not after the file.
        q = pk[1]
        if not q:
            return
        t = ticks_ms()
        if ticks_diff(t, pk[2]) < 50:
            return
        pk[2] = t
        while len(pk[0]) < w + 128 and q.poll(0):
            if not si.readinto(sb):
                break
            pk[0] += bytes(sb)
            pk[3] = pk[3] + 1 if sb[0] == 3 else 0
            if pk[3] > 63:
                raise ValueError('host')

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
                ab()
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
