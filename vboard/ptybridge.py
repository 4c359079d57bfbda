#!/usr/bin/env python3
"""Pseudo-terminal front end of the virtual board.

Node cannot create a pty without native modules, so this helper does it:
it opens a pty pair, prints "PTY <slave path>" on stdout, and then shuttles
raw bytes: pty master -> stdout, stdin -> pty master.

It keeps its own slave fd open so that a host closing the port (every CLI
invocation does) never produces EOF/EIO on the master: the board survives any
number of open/close cycles. Output the board produces while nobody reads the
port is dropped after a grace period instead of blocking the board forever
(what USB-CDC firmware does when no host is attached).
"""
import os
import select
import sys
import threading
import time
import tty

STALL_DROP_S = 2.0


def main():
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    path = os.ttyname(slave)
    os.write(1, ("PTY %s\n" % path).encode())

    def pty_to_stdout():
        while True:
            r, _, _ = select.select([master], [], [], 1.0)
            if not r:
                continue
            try:
                data = os.read(master, 65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                time.sleep(0.01)  # EIO while no slave is open: wait for one
                continue
            while data:
                n = os.write(1, data)
                data = data[n:]

    threading.Thread(target=pty_to_stdout, daemon=True).start()

    while True:
        data = os.read(0, 65536)
        if not data:
            os._exit(0)  # node went away
        stalled_since = None
        while data:
            try:
                n = os.write(master, data)
                data = data[n:]
                stalled_since = None
            except BlockingIOError:
                now = time.monotonic()
                stalled_since = stalled_since or now
                if now - stalled_since > STALL_DROP_S:
                    break  # nobody is reading the port: drop
                select.select([], [master], [], 0.05)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
