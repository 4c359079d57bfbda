// Host -> board delivery into the board's bounded receive buffer (IN ring).
//
// Like a UART/USB ISR it first looks for the interrupt char (Ctrl-C) while
// code runs and turns it into a KeyboardInterrupt request instead of data.
// When the buffer is full:
//   usb  (USB-CDC): the host is held back (bytes wait here, sources paused);
//   uart (USB-UART bridge, no flow control): bytes are lost while code runs
//        (counted in C.RX_LOST: `_vboard.rx_overruns()`, logged at exit).
// The REPL's own input (idle board) always drains at full speed, so it is
// never subject to loss.
import { C } from './shared.mjs';

export class BoardInput {
  constructor(ctl, inBuf, link, onPressure) {
    this.ctl = ctl;
    this.buf = inBuf;
    this.link = link;
    this.onPressure = onPressure; // (bytesWaiting) => void
    this.pending = [];
    this.pendingBytes = 0;
    this.timer = null;
  }

  push(data) {
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.pump();
  }

  clear() { this.pending = []; this.pendingBytes = 0; }

  /** Bytes lost to rx overruns so far. */
  get lost() { return Atomics.load(this.ctl, C.RX_LOST); }

  pump() {
    const { ctl, buf } = this;
    const cap = buf.length;
    while (this.pending.length) {
      const head = this.pending[0];
      let i = 0;
      let count = Atomics.load(ctl, C.IN_COUNT);
      let wi = ctl[C.IN_WI];
      let added = 0;
      let lost = 0;
      for (; i < head.length; i++) {
        const b = head[i];
        const running = Atomics.load(ctl, C.RUNNING) === 1;
        if (running && b === Atomics.load(ctl, C.KBD_CHAR)) {
          Atomics.store(ctl, C.INTR, 1);
          Atomics.notify(ctl, C.INTR);
          Atomics.notify(ctl, C.IN_COUNT);
          continue;
        }
        if (count + added >= cap) {
          if (this.link === 'uart' && running) { lost++; continue; }
          break; // hold back until the board reads
        }
        buf[wi] = b;
        wi = wi + 1 === cap ? 0 : wi + 1;
        added++;
      }
      if (added) {
        ctl[C.IN_WI] = wi;
        Atomics.add(ctl, C.IN_COUNT, added);
        Atomics.notify(ctl, C.IN_COUNT);
      }
      if (lost) Atomics.add(ctl, C.RX_LOST, lost);
      this.pendingBytes -= i;
      if (i === head.length) this.pending.shift();
      else { this.pending[0] = head.subarray(i); break; }
    }
    this.onPressure(this.pendingBytes);
    if (this.pending.length && !this.timer) {
      // Wait for the board to consume (it notifies IN_COUNT on every read).
      const seen = Atomics.load(ctl, C.IN_COUNT);
      const r = Atomics.waitAsync(ctl, C.IN_COUNT, seen, 20);
      this.timer = true;
      const again = () => { this.timer = null; this.pump(); };
      if (r.async) r.value.then(again); else setImmediate(again);
    }
  }
}
