// The board's USB-UART adapter as an RFC 2217 (telnet COM-PORT-OPTION) server on 127.0.0.1, like
// ser2net in front of a dev board: one client at a time, DTR/RTS drive the board's auto-reset
// circuit, SET-BAUDRATE sets the adapter's rate (data flows at it, 10 bits per byte), and when
// the adapter's and the chip's rates differ, bytes are garbled as a real UART receiver would see
// them (resampled bit by bit).
import net from 'node:net';
import { Throttle } from './throttle.mjs';

const IAC = 255, SB = 250, SE = 240, WILL = 251, WONT = 252, DO = 253, DONT = 254;
const COM_PORT = 44, ECHO = 1, SGA = 3, BINARY = 0;

/**
 * Bytes sent back to back by a UART at `txBaud` as a UART at `rxBaud` receives them (8N1, idle
 * line between calls). Within 3 % the bytes pass unchanged. `framingAs` is what a byte with a
 * framing error (stop bit low) becomes: null = its sampled bits (the chip), 0 = NUL (a Linux tty
 * without IGNPAR/PARMRK, as pyserial sets it).
 */
export function resampleUart(data, txBaud, rxBaud, framingAs = null) {
  if (!data.length || Math.abs(txBaud / rxBaud - 1) < 0.03) return data;
  const nbits = data.length * 10;
  const level = (t) => { // t in tx bit times
    if (t < 0 || t >= nbits) return 1;
    const i = Math.floor(t / 10);
    const k = Math.floor(t) % 10;
    if (k === 0) return 0;
    if (k === 9) return 1;
    return (data[i] >> (k - 1)) & 1;
  };
  const r = txBaud / rxBaud; // one rx bit time in tx bit times
  const out = [];
  let t = 0;
  while (t < nbits) {
    if (level(t) === 1) { t += r / 16; continue; } // hunt for a start edge (16x oversampling)
    if (level(t + r / 2) !== 0) { t += r / 16; continue; } // glitch, not a start bit
    let b = 0;
    for (let k = 0; k < 8; k++) b |= level(t + r * (1.5 + k)) << k;
    const stop = level(t + r * 9.5);
    out.push(stop ? b : framingAs === null ? b : framingAs);
    t += r * (stop ? 9.5 : 10);
    // after a framing error the receiver waits for the line to go idle again
    if (!stop) while (t < nbits && level(t) === 0) t += r / 16;
  }
  return Uint8Array.from(out);
}

export class Rfc2217Link {
  /**
   * @param opts   parsed options (adapterMaxBaud, latency)
   * @param hooks  { toBoard(Uint8Array), lines(dtr, rts), chipBaud(): number, onConnect(),
   *                 onDisconnect(), purgeTx() }
   */
  constructor(opts, hooks, log) {
    this.o = opts;
    this.h = hooks;
    this.log = log;
    this.client = null;
    this.baud = 115200; // the adapter's rate
    this.dtr = false;
    this.rts = false;
    this.paused = false;
    this.opts = new Map(); // telnet option state: `${side}:${opt}` -> bool
    this.#makeThrottles();
    this.server = net.createServer((s) => this.#accept(s));
  }

  #makeThrottles() {
    const bps = this.baud / 10;
    this.inT = new Throttle(bps, this.o.latency, (d) => {
      const cb = this.h.chipBaud('in');
      this.h.toBoard(resampleUart(d, this.baud, cb, null));
    });
    this.outT = new Throttle(bps, this.o.latency, (d) => this.#sendRaw(d));
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  get connected() { return !!this.client; }

  /** Board/chip UART output (at the chip's rate) to the client, at the adapter's rate. */
  write(d) {
    if (!this.client) return;
    this.outT.write(resampleUart(d, this.h.chipBaud('out'), this.baud, 0));
  }

  get outQueued() { return this.outT.queued; }

  dropClient() { this.client?.destroy(); }

  pause(on) {
    this.paused = on;
    if (this.client) (on ? this.client.pause() : this.client.resume());
  }

  close() { this.client?.destroy(); this.server.close(); }

  /** The pending data of both directions is lost (a cut, a reset of the adapter). */
  clear() { this.inT.clear(); this.outT.clear(); }

  #accept(sock) {
    if (this.client) { this.log('rfc2217: new client replaces the previous one'); this.client.destroy(); }
    this.client = sock;
    this.state = 'data';
    this.sb = [];
    this.opts.clear();
    sock.setNoDelay(true);
    if (this.paused) sock.pause();
    sock.on('data', (d) => this.#parse(d));
    sock.on('error', () => {});
    sock.on('close', () => {
      if (this.client !== sock) return;
      this.client = null;
      this.clear();
      // Closing the tty drops DTR and RTS together (HUPCL).
      this.#setLines(false, false);
      this.h.onDisconnect();
    });
    this.h.onConnect();
  }

  #sendRaw(d) {
    if (!this.client) return;
    let n = 0;
    for (const b of d) if (b === IAC) n++;
    if (!n) { this.client.write(d); return; }
    const out = Buffer.alloc(d.length + n);
    let j = 0;
    for (const b of d) { out[j++] = b; if (b === IAC) out[j++] = IAC; }
    this.client.write(out);
  }

  #cmd(...bytes) { this.client?.write(Buffer.from([IAC, ...bytes])); }

  #sub(code, value) {
    const v = [];
    for (const b of value) { v.push(b); if (b === IAC) v.push(IAC); }
    this.client?.write(Buffer.from([IAC, SB, COM_PORT, code, ...v, IAC, SE]));
  }

  #parse(d) {
    const data = [];
    for (const b of d) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac'; else data.push(b);
          break;
        case 'iac':
          if (b === IAC) { data.push(IAC); this.state = 'data'; }
          else if (b === SB) { this.state = 'sb'; this.sb = []; }
          else if (b >= WILL && b <= DONT) { this.verb = b; this.state = 'opt'; }
          else this.state = 'data'; // NOP, GA, ...
          break;
        case 'opt':
          this.#negotiate(this.verb, b);
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sbiac'; else this.sb.push(b);
          break;
        case 'sbiac':
          if (b === IAC) { this.sb.push(IAC); this.state = 'sb'; }
          else if (b === SE) {
            // Data before the subnegotiation goes out first, in order with the line changes.
            if (data.length) { this.inT.write(Uint8Array.from(data.splice(0))); }
            this.#subneg(this.sb);
            this.state = 'data';
          } else this.state = 'data';
          break;
        default: this.state = 'data';
      }
    }
    if (data.length) this.inT.write(Uint8Array.from(data));
  }

  #negotiate(verb, opt) {
    const ours = [COM_PORT, SGA, ECHO, BINARY];
    if (verb === DO || verb === DONT) {
      const want = verb === DO && ours.includes(opt);
      const key = `we:${opt}`;
      if (this.opts.get(key) === want && this.opts.has(key)) return;
      this.opts.set(key, want);
      this.#cmd(want ? WILL : WONT, opt);
    } else {
      const want = verb === WILL && [COM_PORT, SGA, BINARY].includes(opt);
      const key = `they:${opt}`;
      if (this.opts.get(key) === want && this.opts.has(key)) return;
      this.opts.set(key, want);
      this.#cmd(want ? DO : DONT, opt);
    }
  }

  #subneg(sb) {
    if (sb[0] !== COM_PORT || sb.length < 2) return;
    const code = sb[1];
    const v = sb.slice(2);
    switch (code) {
      case 1: { // SET-BAUDRATE
        const want = v.length >= 4 ? ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0 : 0;
        if (want && !(this.o.adapterMaxBaud > 0 && want > this.o.adapterMaxBaud)) this.#setBaud(want);
        else if (want) this.log(`rfc2217: adapter refuses ${want} baud, stays at ${this.baud}`);
        const b = this.baud;
        this.#sub(101, [b >>> 24, (b >> 16) & 255, (b >> 8) & 255, b & 255]);
        break;
      }
      case 2: this.#sub(102, [v[0] || 8]); break;
      case 3: this.#sub(103, [v[0] || 1]); break;
      case 4: this.#sub(104, [v[0] || 1]); break;
      case 5: { // SET-CONTROL
        const c = v[0] ?? 0;
        let ack = c;
        if (c === 0) ack = 1;
        else if (c === 7) ack = this.dtr ? 8 : 9;
        else if (c === 8 || c === 9) this.#setLines(c === 8, this.rts);
        else if (c === 10) ack = this.rts ? 11 : 12;
        else if (c === 11 || c === 12) this.#setLines(this.dtr, c === 11);
        else if (c === 4) ack = 6; // BREAK state: off
        this.#sub(105, [ack]);
        break;
      }
      case 6: this.#sub(106, [v[0] ?? 0]); break;
      case 7: this.#sub(107, [v[0] ?? 0]); break;
      case 10: this.#sub(110, [v[0] ?? 0]); break;
      case 11: this.#sub(111, [v[0] ?? 0]); break;
      case 12: { // PURGE-DATA: 1 the adapter's receive side (to the client), 2 transmit, 3 both
        const c = v[0] ?? 0;
        if (c === 1 || c === 3) this.outT.clear();
        if (c === 2 || c === 3) this.inT.clear();
        this.#sub(112, [c]);
        break;
      }
      default: break; // 8/9 FLOWCONTROL-SUSPEND/RESUME: no reply
    }
  }

  #setLines(dtr, rts) {
    this.dtr = dtr;
    this.rts = rts;
    this.h.lines(dtr, rts);
  }

  #setBaud(b) {
    if (b === this.baud) return;
    this.baud = b;
    // Bytes already on their way keep flowing; the rate changes from now on.
    this.inT.rate = b / 10;
    this.outT.rate = b / 10;
  }
}
