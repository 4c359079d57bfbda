// One direction of the serial line: limits throughput to baud/10 bytes/s and adds a fixed
// latency. With neither set it forwards synchronously.
//
// The line keeps an ideal timeline, as a wire has: a byte written at t onto an idle line arrives
// at t + latency + 1 byte time, and each following byte one byte time after the one before it.
// Node's timers only fire on whole milliseconds, so bytes are handed over at the timer closest
// to their ideal arrival (rounded to the nearest half tick, not always up): a 14-byte reply
// does not arrive a whole millisecond late, and a request/response exchange costs what the wire
// costs. A release that comes late (a busy event loop) hands over at most two ticks' worth at
// once and restarts the timeline from there, so the line never delivers faster than its rate.
const TICK_MS = 4;
const EARLY_MS = 0.5; // a byte due within this is handed over now (nearest, not next, timer)

export class Throttle {
  constructor(bytesPerSec, latencyMs, sink) {
    this.rate = bytesPerSec;
    this.latency = latencyMs;
    this.sink = sink;
    this.queue = []; // [{ start, data }]: data's first byte leaves the sender at start (ms)
    this.queued = 0;
    this.lineFree = 0; // when the sender has put the last queued byte on the wire
    this.timer = null;
  }

  get passthrough() { return !this.rate && !this.latency; }

  #byteMs() { return this.rate ? 1000 / this.rate : 0; }

  write(data) {
    if (this.passthrough) { this.sink(data); return; }
    const now = performance.now();
    const start = Math.max(now, this.lineFree);
    this.lineFree = start + data.length * this.#byteMs();
    this.queue.push({ start, data });
    this.queued += data.length;
    this.#schedule();
  }

  clear() {
    this.queue = [];
    this.queued = 0;
    this.lineFree = Math.min(this.lineFree, performance.now());
  }

  /** When byte \p i of the head chunk arrives at the other end. */
  #arrival(head, i) { return head.start + this.latency + (i + 1) * this.#byteMs(); }

  #schedule() {
    if (this.timer || !this.queue.length) return;
    const wait = this.#arrival(this.queue[0], 0) - EARLY_MS - performance.now();
    if (wait <= 0) this.timer = setImmediate(() => { this.timer = null; this.#release(); });
    else this.timer = setTimeout(() => { this.timer = null; this.#release(); }, wait);
  }

  #release() {
    const now = performance.now();
    const per = this.#byteMs();
    let room = this.rate ? Math.max(1, Math.floor((this.rate * TICK_MS * 2) / 1000)) : Infinity;
    while (this.queue.length && room > 0) {
      const head = this.queue[0];
      // Bytes of the head chunk that have arrived (to the nearest timer).
      const due = per ? Math.floor((now + EARLY_MS - head.start - this.latency) / per)
                      : (now + EARLY_MS >= head.start + this.latency ? head.data.length : 0);
      const n = Math.min(head.data.length, due, room);
      if (n <= 0) break;
      const part = head.data.subarray(0, n);
      if (n === head.data.length) this.queue.shift();
      else { head.data = head.data.subarray(n); head.start += n * per; }
      room -= n;
      this.queued -= n;
      this.sink(part);
    }
    if (room <= 0 && this.queue.length) {
      // Late: the rest leaves from now on at the line's rate, never in a catch-up burst.
      let t = now - this.latency;
      for (const c of this.queue) {
        c.start = Math.max(c.start, t);
        t = c.start + c.data.length * per;
      }
      this.lineFree = Math.max(this.lineFree, t);
    }
    this.#schedule();
  }
}
