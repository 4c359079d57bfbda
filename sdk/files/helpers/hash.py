# _mt_hash(p): base64 of the file's SHA-256, as bytes. Modules are imported on call so that a
# board without hashlib can still load the helper; the call then raises and the host hashes
# another way.
def _mt_hash(p):
    import hashlib
    import ubinascii as binascii
    h = hashlib.sha256()
    b = bytearray(512)
    v = memoryview(b)
    with open(p, 'rb') as f:
        while True:
            n = f.readinto(b)
            if not n:
                break
            h.update(v[:n])
    return binascii.b2a_base64(h.digest()).strip()
