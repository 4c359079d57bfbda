# Block-device operations for the streaming transfer agent (core/helpers/stream.py), on the
# device bound to _mt_fd (core/include/mpytool/flash_transfer.hpp).
# _mt_fw (W: "mode\0first\0bs"): the data that follows (D frames up to E, mode 'z' deflated)
# is written block by block from block first; answers K "next block".
# _mt_fr (R: "mode\0first\0count\0bs"): streams count blocks, then E with their SHA-256.
def _mt_fw(x, p):
    a = bytes(p).decode().split('\0')
    d = _mt_fd
    bs = int(a[2])
    b = bytearray(bs)
    m = memoryview(b)
    s = [int(a[1]), 0]

    def put(v):
        while len(v):
            j = s[1]
            k = min(len(v), bs - j)
            if k == bs:
                d.writeblocks(s[0], v[:bs])
            else:
                m[j:j + k] = v[:k]
            v = v[k:]
            s[1] = (j + k) % bs
            if k == bs or not s[1]:
                if k != bs:
                    d.writeblocks(s[0], b)
                s[0] += 1
    x[2](a[0] == 'z', put)
    if s[1]:
        raise OSError(22, 'partial block')
    x[0](75, str(s[0]).encode())


def _mt_fr(x, p):
    a = bytes(p).decode().split('\0')
    d = _mt_fd
    i = [int(a[1])]
    e = i[0] + int(a[2])
    b = bytearray(int(a[3]))

    def get():
        if i[0] >= e:
            return b''
        d.readblocks(i[0], b)
        i[0] += 1
        return b
    x[0](69, x[3](get, a[0] == 'z'))
