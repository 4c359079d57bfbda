// One direction of the serial line: limits throughput to baud/10 bytes/s and
// adds a fixed latency (each chunk leaves when it is due, not at the next
// pacing tick). With neither set it forwards synchronously.
const TICK_MS = 4;

export class Throttle {
  constructor(bytesPerSec, latencyMs, sink) {
    this.rate = bytesPerSec;
    this.latency = latencyMs;
    this.sink = sink;
    this.queue = [];        // [{ due, data }]
    this.queued = 0;
    this.budget = 0;
    this.last = 0;
    this.timer = null;
  }

  get passthrough() { return !this.rate && !this.latency; }

  write(data) {
    if (this.passthrough) { this.sink(data); return; }
    const now = performance.now();
    if (!this.queue.length) {  // an idle line earns no credit
      this.last = now;
      this.budget = Math.min(this.budget, 1);
    }
    this.queue.push({ due: now + this.latency, data });
    this.queued += data.length;
    this.#schedule();
  }

  clear() { this.queue = []; this.queued = 0; }

  #schedule() {
    if (this.timer || !this.queue.length) return;
    // Wake when the head is due (latency is exact, not rounded up to ticks); while the rate
    // budget is spent, wake when the next byte has been earned (timers fire after >= 1 ms), so
    // a short burst after an idle line (a 14-byte reply) is not held back a whole tick.
    let wait = Math.max(0, this.queue[0].due - performance.now());
    if (this.rate && this.budget < 1) {
      wait = Math.max(wait, Math.min(TICK_MS, Math.max(1, ((1 - this.budget) * 1000) / this.rate)));
    }
    this.timer = setTimeout(() => { this.timer = null; this.#release(); }, wait);
  }

  #release() {
    const now = performance.now();
    if (this.rate) {
      // Token bucket; at most one tick's worth of burst so pacing stays smooth.
      this.budget = Math.min(this.budget + ((now - (this.last || now)) / 1000) * this.rate,
        Math.max(1, (this.rate * TICK_MS * 2) / 1000));
      this.last = now;
    } else {
      this.budget = Infinity;
    }
    while (this.queue.length && this.queue[0].due <= now && this.budget >= 1) {
      const head = this.queue[0];
      const n = Math.min(head.data.length, Math.floor(this.budget));
      const part = head.data.subarray(0, n);
      if (n === head.data.length) this.queue.shift();
      else head.data = head.data.subarray(n);
      this.budget -= n;
      this.queued -= n;
      this.sink(part);
    }
    this.#schedule();
  }
}
