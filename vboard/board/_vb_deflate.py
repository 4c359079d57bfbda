# Emulates firmware built without MICROPY_PY_DEFLATE_COMPRESS (esp32, rp2):
# DeflateIO can decompress but writing to it fails.
import sys
import deflate as _real



class DeflateIO(_real.DeflateIO):
    def write(self, *a):
        raise OSError('stream operation not supported')


class _DeflateModule:
    AUTO = _real.AUTO
    RAW = _real.RAW
    ZLIB = _real.ZLIB
    GZIP = _real.GZIP
    DeflateIO = DeflateIO


sys.modules['deflate'] = _DeflateModule()
