# speedtest's echo server: a 2-byte little-endian n, then n bytes to keep (answers '.'), or 0 to
# get them back (answers them and '\n'), or 0xFFFF to end.
import sys
r = sys.stdin.buffer.read
w = sys.stdout.buffer.write
b = b''
while 1:
    h = r(2)
    n = h[0] | h[1] << 8
    if n == 0xFFFF:
        break
    if n:
        b = r(n)
        w(b'.\n')
    else:
        w(b + b'\n')
