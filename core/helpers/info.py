# Device identity and storage for Mpy::unique_id(), mac_addresses() and filesystems().
# Kept small: it stays in the board's RAM for the whole session.
import os


def _mt_hx(b, s=''):
    return s.join('%02x' % x for x in b)


def _mt_uid():
    try:
        import machine
        return _mt_hx(machine.unique_id())
    except Exception:
        return None


def _mt_macs():
    r = []
    try:
        import network
    except ImportError:
        return r
    for n, k in (('WiFi', 'STA_IF'), ('WiFi AP', 'AP_IF')):
        try:
            m = _mt_hx(network.WLAN(getattr(network, k)).config('mac'), ':')
            # The AP interface is listed only when its MAC differs from the station's.
            if all(v != m for _, v in r):
                r.append((n, m))
        except Exception:
            pass
    try:
        r.append(('LAN', _mt_hx(network.LAN().config('mac'), ':')))
    except Exception:
        pass
    return r


def _mt_fs():
    # (mount, total, free) for '/' and each root directory on a distinct filesystem; a
    # directory whose size equals one already listed is the same filesystem.
    r = []
    try:
        d = ['/' + e[0] for e in os.ilistdir('/') if e[1] & 0xF000 == 0x4000]
    except OSError:
        d = []
    for p in ['/'] + d:
        try:
            s = os.statvfs(p)
        except OSError:
            continue
        t = s[0] * s[2]
        if p == '/' or (t and all(x[1] != t for x in r)):
            r.append((p, t, s[0] * s[3]))
    return r
