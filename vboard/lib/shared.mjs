// Shared-memory layout between the main thread (links) and the board worker.
//
// Two byte rings live in one SharedArrayBuffer:
//   IN  : host -> board. Its capacity IS the board's UART/USB receive buffer
//         (esp32 260, rp2/generic 512 bytes), so running code sees the same
//         bounded buffer a real board has.
//   OUT : board -> host. Large; when full the board blocks, like a UART TX
//         FIFO would.
// Each ring has one producer and one consumer. The producer owns the write
// index, the consumer owns the read index, and COUNT (updated atomically) is
// the only field both touch, so no locks are needed.

export const C = {
  IN_COUNT: 0, IN_WI: 1, IN_RI: 2,
  OUT_COUNT: 3, OUT_WI: 4, OUT_RI: 5,
  RUNNING: 6,   // 1 while user code executes (Ctrl-C is then an interrupt)
  INTR: 7,      // main thread sets 1 when the interrupt char arrived while RUNNING
  KBD_CHAR: 8,  // current micropython.kbd_intr() char, -1 = disabled
  RESET: 9,     // worker asks main to drop the link (machine.bootloader)
  RX_LOST: 10,  // bytes lost to rx overruns (--link uart), added by BoardInput
  CHIP_RESET: 11, // main thread sets 1: a chip reset (--reset-after), handled by the worker
  SIZE: 16,
};

export const OUT_CAP = 64 * 1024;

export function createShared(inCap) {
  const sab = new SharedArrayBuffer(C.SIZE * 4 + inCap + OUT_CAP);
  return { sab, inCap };
}

export function views({ sab, inCap }) {
  const ctl = new Int32Array(sab, 0, C.SIZE);
  const inBuf = new Uint8Array(sab, C.SIZE * 4, inCap);
  const outBuf = new Uint8Array(sab, C.SIZE * 4 + inCap, OUT_CAP);
  return { ctl, inBuf, outBuf, inCap };
}

/** Producer side: copy as many bytes as fit, return how many were taken. */
export function ringPut(ctl, buf, countIdx, wiIdx, data, start = 0) {
  const cap = buf.length;
  const free = cap - Atomics.load(ctl, countIdx);
  const n = Math.min(free, data.length - start);
  let wi = ctl[wiIdx];
  for (let i = 0; i < n; i++) {
    buf[wi] = data[start + i];
    wi = wi + 1 === cap ? 0 : wi + 1;
  }
  ctl[wiIdx] = wi;
  if (n > 0) {
    Atomics.add(ctl, countIdx, n);
    Atomics.notify(ctl, countIdx);
  }
  return n;
}

/** Consumer side: take up to max bytes (a Uint8Array), or null when empty. */
export function ringTake(ctl, buf, countIdx, riIdx, max = Infinity) {
  const avail = Atomics.load(ctl, countIdx);
  if (avail === 0) return null;
  const n = Math.min(avail, max);
  const cap = buf.length;
  const out = new Uint8Array(n);
  let ri = ctl[riIdx];
  for (let i = 0; i < n; i++) {
    out[i] = buf[ri];
    ri = ri + 1 === cap ? 0 : ri + 1;
  }
  ctl[riIdx] = ri;
  Atomics.sub(ctl, countIdx, n);
  Atomics.notify(ctl, countIdx);
  return out;
}
