# speedtest through the streaming transfer agent (core/helpers/stream.py):
# _mt_su (U: takes a D stream up to E, answers K "bytes ok" where ok is 1 when the SHA-256 of
# what came equals E's, or when it cannot be checked) and _mt_sd (V "size": sends size bytes of
# the pattern 0, 1, ..., 255, 0, ... as D frames, then E with their SHA-256).
def _mt_su(x, p):
    n = [0]
    h = __import__('hashlib').sha256() if x[7] & 1 else None

    def put(m):
        n[0] += len(m)
        if h:
            h.update(m)

    e = x[2](False, put)
    x[0](75, ('%d %d' % (n[0], not h or not e or h.digest() == e)).encode())


def _mt_sd(x, p):
    n = [int(bytes(p))]
    m = memoryview(bytes(range(256)) * 16)

    def get():
        k = min(n[0], len(m))
        n[0] -= k
        return m[:k]

    x[0](69, x[3](get, False))
