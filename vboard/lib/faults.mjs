// Faults of a bad link, injected between the host and the board (see README.md, Faults):
//   noise  random bit flips at a rate (ppm of bytes), both directions, seeded, after N bytes;
//   cut    after N host bytes the link breaks: a TCP client is dropped, the pty falls silent
//          (both directions) for a while, as an unplugged USB-UART cable would;
//   reset  after N host bytes the chip resets (brown-out, watchdog, EN pressed): the running
//          program and the receive FIFO are gone, the board boots as after machine.reset().
// Counts start when the board starts, or with --faults-armed-by-hook when the board's code
// calls `_vboard.arm_faults()` and the link has then been idle for ARM_IDLE_MS.
const ARM_IDLE_MS = 300;

/** mulberry32: a small seeded PRNG, so that a failing seed can be run again. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  /**
   * @param opts   parsed options (noisePpm, noiseSeed, noiseAfter, cutAfter, cutMs, resetAfter,
   *               faultsArmedByHook)
   * @param hooks  { cut(): bool (true: a TCP client was dropped), reset(): void }: what a cut
   *               or a reset does to the links and the board
   * @param log    logger
   */
  constructor(opts, hooks, log) {
    this.o = opts;
    this.hooks = hooks;
    this.log = log;
    this.rand = prng(opts.noiseSeed);
    this.armed = !opts.faultsArmedByHook;
    this.armPending = false;
    this.lastTraffic = 0;
    this.inCount = 0;
    this.outCount = 0;
    this.cutDone = false;
    this.resetDone = false;
    this.silentUntil = 0;
    this.flips = [0, 0];
  }

  get active() {
    const o = this.o;
    return o.noisePpm > 0 || o.cutAfter > 0 || o.resetAfter > 0;
  }

  /** `_vboard.arm_faults()`: start counting once the link has been idle a moment. */
  requestArm() {
    if (!this.active) return;
    this.armPending = true;
    const tick = () => {
      if (!this.armPending) return;
      if (performance.now() - this.lastTraffic >= ARM_IDLE_MS) {
        this.armPending = false;
        this.armed = true;
        this.inCount = this.outCount = 0;
        this.cutDone = this.resetDone = false;
        this.log('faults armed');
        return;
      }
      setTimeout(tick, 50).unref();
    };
    setTimeout(tick, ARM_IDLE_MS).unref();
  }

  /** SIGUSR2: no more faults (a test checks the board's files over a clean link). */
  disarm() {
    this.armPending = false;
    this.armed = false;
    this.silentUntil = 0;
    this.log('faults disarmed');
  }

  /** The link is cut (pty): nothing passes either way. */
  get silent() { return performance.now() < this.silentUntil; }

  /**
   * Host -> board bytes as they reach the board: returns { data, fire } where data is what
   * arrives (maybe with flipped bits, maybe cut short) and fire, if set, is the cut or reset
   * to trigger once data is delivered.
   */
  inbound(data) {
    this.lastTraffic = performance.now();
    if (this.silent) return { data: data.subarray(0, 0) };
    if (!this.armed) return { data };
    const start = this.inCount;
    this.inCount += data.length;
    const o = this.o;
    for (const [at, done, fire] of [
      [o.cutAfter, this.cutDone, () => this.#cut()],
      [o.resetAfter, this.resetDone, () => this.#reset()],
    ]) {
      if (at > 0 && !done && this.inCount >= at) {
        const keep = Math.max(0, at - start);
        return { data: this.#noise(data.subarray(0, keep), start, 0), fire };
      }
    }
    return { data: this.#noise(data, start, 0) };
  }

  /** Board -> host bytes as they leave for the host (an empty array: nothing). */
  outbound(data) {
    this.lastTraffic = performance.now();
    if (this.silent) return data.subarray(0, 0);
    if (!this.armed) return data;
    const start = this.outCount;
    this.outCount += data.length;
    return this.#noise(data, start, 1);
  }

  #noise(data, start, dir) {
    const o = this.o;
    if (!(o.noisePpm > 0)) return data;
    const p = o.noisePpm / 1e6;
    let out = data;
    for (let i = 0; i < data.length; i++) {
      if (start + i < o.noiseAfter) continue;
      if (this.rand() < p) {
        if (out === data) out = Uint8Array.from(data);
        out[i] ^= 1 << Math.floor(this.rand() * 8);
        this.flips[dir]++;
      }
    }
    return out;
  }

  #cut() {
    this.cutDone = true;
    this.log(`link cut after ${this.o.cutAfter} host bytes`);
    // A TCP client is dropped (the host reconnects); the pty has no connection to drop.
    if (!this.hooks.cut()) this.silentUntil = performance.now() + this.o.cutMs;
  }

  #reset() {
    this.resetDone = true;
    this.log(`chip reset after ${this.o.resetAfter} host bytes`);
    this.hooks.reset();
  }
}
