# machine module for the virtual board (the WebAssembly port has none).
import _vboard as _cfg
import time as _time

_FREQ = [_cfg.freq]

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


def unique_id():
    return bytes.fromhex(_cfg.uid)


def reset():
    # Never returns: the board reboots (files kept, RAM lost) and the host
    # sees the power-on banner.
    _cfg.machine_reset()


def soft_reset():
    raise SystemExit


def bootloader(*a):
    # The board drops off the link, like a board entering its ROM loader.
    _cfg.bootloader()


def reset_cause():
    return _cfg.reset_cause()


def freq(hz=None):
    if hz is None:
        return _FREQ[0]
    _FREQ[0] = int(hz)


def idle():
    pass


def lightsleep(ms=None):
    _time.sleep_ms(ms or 0)


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


class RTC:
    # Keeps an offset from host time; shared by all RTC() instances.
    _offset = 0

    def __init__(self, *a):
        pass

    def datetime(self, dt=None):
        if dt is None:
            t = _time.localtime(int(_time.time() + RTC._offset))
            # (year, month, day, weekday, hours, minutes, seconds, subseconds)
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)
        y, mo, d, _wd, h, mi, s = dt[:7]
        target = _time.mktime((y, mo, d, h, mi, s, 0, 0))
        RTC._offset = target - _time.time()

    def init(self, dt):
        self.datetime(dt)
