# Acme's board self-test, run on the board by `mpytool acme selftest`: memory, a file written,
# read back and removed, and the clock. Prints one line per check: "name ok|FAIL detail".
def _acme_selftest():
    import gc
    import os
    import time
    gc.collect()
    free = gc.mem_free()
    print('memory', 'ok' if free > 16384 else 'FAIL', free)
    name = '/.acme_selftest'
    data = bytes(range(256)) * 4
    try:
        with open(name, 'wb') as f:
            f.write(data)
        with open(name, 'rb') as f:
            back = f.read()
        os.remove(name)
        print('flash', 'ok' if back == data else 'FAIL', len(back))
    except OSError as e:
        print('flash', 'FAIL', e)
    t = time.ticks_ms()
    time.sleep_ms(20)
    d = time.ticks_diff(time.ticks_ms(), t)
    print('clock', 'ok' if 15 <= d < 500 else 'FAIL', d)
