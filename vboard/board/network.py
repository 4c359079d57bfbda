# Minimal network module: interfaces exist and report stable MAC addresses.
import _vboard as _cfg

STA_IF = 0
AP_IF = 1


def _mac(kind):
    return bytes.fromhex(_cfg.mac(kind))


class _Nic:
    def __init__(self, kind):
        self._kind = kind
        self._active = False

    def active(self, v=None):
        if v is None:
            return self._active
        self._active = bool(v)

    def isconnected(self):
        return False

    def connect(self, *a, **k):
        pass

    def disconnect(self):
        pass

    def status(self, *a):
        return 0

    def ifconfig(self, *a):
        return ('0.0.0.0', '0.0.0.0', '0.0.0.0', '0.0.0.0')

    def config(self, *a, **k):
        if a and a[0] == 'mac':
            return _mac(self._kind)
        if a:
            raise ValueError('unknown config param')


def WLAN(interface=STA_IF):
    return _Nic('ap' if interface == AP_IF else 'sta')


if _cfg.platform == 'esp32':
    def LAN(*a, **k):
        return _Nic('lan')
