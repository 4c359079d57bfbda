// An esptool-js Transport for Node that talks RFC 2217 (telnet COM-PORT-OPTION 44) over a TCP
// socket, so esptool-js's ESPLoader can drive a serial port served over the network (the
// virtual board's --rfc2217-port, ser2net, esp_rfc2217_server). esptool-js itself only ships a
// Web Serial transport (esptool-js#117 asks for Node).
//
// It extends esptool-js's Transport and keeps its SLIP framing and receive buffer (write()'s
// slipWriter, read(), flushInput(), drainInput(), peek(), inWaiting()); it replaces everything
// that touched the Web Serial device:
//   connect(baud)            TCP connect, telnet negotiation, SET-BAUDRATE (acknowledged)
//   disconnect()             closes the socket (a port close: the lines go to their idle state)
//   write(data)              SLIP-frames data, doubles 0xFF (IAC) and sends it
//   readLoop()               resolves when the socket closes; received data fills the buffer
//   rawRead(onData, closed)  hands raw chunks to onData until closed() or the socket ends
//   setDTR/setRTS/setSignals SET-CONTROL 8/9 (DTR) and 11/12 (RTS), waiting for the 105 acks;
//                            setSignals sends both changes in one TCP write
//   changeBaudrate(baud)     SET-BAUDRATE in place (returns false: the port was not reopened)
//   getInfo/getVid/getPid    "RFC2217 host:port", no USB ids
// Codes: RFC 2217; /work/shared/reference/firmware-flashing.md section 5.
import net from 'node:net';
import { Transport } from 'esptool-js';

export { ESPLoader, Transport } from 'esptool-js';

const IAC = 255;
const SB = 250;
const SE = 240;
const WILL = 251;
const WONT = 252;
const DO = 253;
const DONT = 254;
const COM_PORT = 44;
const SET_BAUDRATE = 1;
const SET_DATASIZE = 2;
const SET_PARITY = 3;
const SET_STOPSIZE = 4;
const SET_CONTROL = 5;
const CONTROL_DTR_ON = 8;
const CONTROL_DTR_OFF = 9;
const CONTROL_RTS_ON = 11;
const CONTROL_RTS_OFF = 12;
const CONTROL_BREAK_ON = 5;
const CONTROL_BREAK_OFF = 6;
const SERVER_OFFSET = 100;

/** Doubles every 0xFF (IAC) byte of data, as telnet requires for data and SB values. */
export function escapeIac(data) {
  let n = 0;
  for (const b of data) if (b === IAC) n++;
  if (n === 0) return Buffer.from(data);
  const out = Buffer.alloc(data.length + n);
  let j = 0;
  for (const b of data) {
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

/** One COM-PORT-OPTION subnegotiation: IAC SB 44 code value IAC SE (value IAC-escaped). */
export function comPortCommand(code, value) {
  return Buffer.concat([Buffer.from([IAC, SB, COM_PORT, code]), escapeIac(value), Buffer.from([IAC, SE])]);
}

function u32be(v) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

export class Rfc2217Transport extends Transport {
  /**
   * @param {string} host server address
   * @param {number} port server TCP port
   * @param {{tracing?: boolean, ackTimeoutMs?: number, log?: (line: string) => void}} opts
   *   ackTimeoutMs: how long to wait for a server acknowledgement (default 3000, like pyserial)
   */
  constructor(host, port, opts = {}) {
    super({ getInfo: () => ({}) }, opts.tracing ?? false, true);
    this.host = host;
    this.port = port;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.log = opts.log ?? null;
    this.sock = null;
    this.closed = null;
    this.rawListeners = new Set();
    this.pendingAcks = []; // {code, resolve, reject, timer}
    this.state = 'data'; // telnet receive parser state
    this.sbBuf = [];
    this.remoteAgreed = false;
    this.stats = { txBytes: 0, rxBytes: 0, acks: 0 };
    this.rtsState = false;
  }

  getInfo() {
    return `RFC2217 ${this.host}:${this.port}`;
  }

  getVid() {
    return undefined;
  }

  getPid() {
    return undefined;
  }

  #send(buf) {
    if (!this.sock || this.sock.destroyed) throw new Error('rfc2217: the port is not open');
    this.stats.txBytes += buf.length;
    return new Promise((resolve, reject) => {
      this.sock.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Sends COM-PORT-OPTION commands in one TCP write and waits for each acknowledgement (code +
   * 100), which must echo the value sent (pyserial: "remote rejected value" otherwise).
   */
  async #commands(list) {
    const acks = list.map(([code]) => this.#expectAck(code));
    // Without a handler a rejected ack would be reported before the write below finishes.
    for (const a of acks) a.catch(() => {});
    await this.#send(Buffer.concat(list.map(([code, value]) => comPortCommand(code, value))));
    const values = await Promise.all(acks);
    list.forEach(([code, value], i) => {
      if (!values[i].equals(value)) {
        throw new Error(`rfc2217: server answered ${values[i].toString('hex') || 'nothing'} to command ${code} ${value.toString('hex')}`);
      }
    });
    return values;
  }

  #expectAck(code) {
    return new Promise((resolve, reject) => {
      const entry = { code: code + SERVER_OFFSET, resolve, reject, timer: null };
      entry.timer = setTimeout(() => {
        const i = this.pendingAcks.indexOf(entry);
        if (i >= 0) this.pendingAcks.splice(i, 1);
        reject(new Error(`rfc2217: no acknowledgement of command ${code} within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.pendingAcks.push(entry);
    });
  }

  #onSubnegotiation(bytes) {
    if (bytes[0] !== COM_PORT || bytes.length < 2) return;
    const code = bytes[1];
    const value = Buffer.from(bytes.slice(2));
    const i = this.pendingAcks.findIndex((e) => e.code === code);
    if (i >= 0) {
      const [e] = this.pendingAcks.splice(i, 1);
      clearTimeout(e.timer);
      this.stats.acks++;
      e.resolve(value);
    } else if (this.tracing) {
      this.trace(`rfc2217: unsolicited ${code} ${value.toString('hex')}`);
    }
  }

  #onNegotiation(verb, opt) {
    // COM-PORT-OPTION is offered both ways at connect; anything else is refused.
    if (opt === COM_PORT) {
      this.remoteAgreed = this.remoteAgreed || verb === DO || verb === WILL;
      return;
    }
    if (verb === DO) this.sock.write(Buffer.from([IAC, WONT, opt]));
    else if (verb === WILL) this.sock.write(Buffer.from([IAC, DONT, opt]));
  }

  #onData(chunk) {
    this.stats.rxBytes += chunk.length;
    const data = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else data.push(b);
          break;
        case 'iac':
          if (b === IAC) { data.push(IAC); this.state = 'data'; } else if (b === SB) { this.sbBuf = []; this.state = 'sb'; } else if (b >= WILL && b <= DONT) { this.verb = b; this.state = 'opt'; } else this.state = 'data';
          break;
        case 'opt':
          this.#onNegotiation(this.verb, b);
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sb-iac';
          else this.sbBuf.push(b);
          break;
        case 'sb-iac':
          if (b === IAC) { this.sbBuf.push(IAC); this.state = 'sb'; } else { // SE (or a broken sequence: end it too)
            this.#onSubnegotiation(this.sbBuf);
            this.state = 'data';
          }
          break;
        default:
          this.state = 'data';
      }
    }
    if (data.length === 0) return;
    const bytes = Uint8Array.from(data);
    if (this.tracing) this.trace(`Read ${bytes.length} bytes: ${this.hexConvert(bytes)}`);
    if (this.rawListeners.size > 0) {
      for (const l of this.rawListeners) l(bytes);
    } else {
      this.buffer = this.appendArray(this.buffer, bytes);
    }
  }

  /** Opens the TCP connection, agrees on COM-PORT-OPTION and sets 8N1 at baud. */
  async connect(baud = 115200) {
    this.state = 'data';
    this.buffer = new Uint8Array(0);
    this.remoteAgreed = false;
    this.sock = await new Promise((resolve, reject) => {
      const s = net.connect(this.port, this.host, () => { s.off('error', reject); resolve(s); });
      s.once('error', reject);
    });
    this.sock.setNoDelay(true);
    this.sock.on('data', (d) => this.#onData(d));
    this.sock.on('error', (e) => { if (this.tracing) this.trace(`rfc2217: socket error ${e.message}`); });
    this.closed = new Promise((resolve) => this.sock.once('close', resolve));
    this.closed.then(() => {
      for (const e of this.pendingAcks.splice(0)) {
        clearTimeout(e.timer);
        e.reject(new Error('rfc2217: connection closed'));
      }
    });
    await this.#send(Buffer.from([IAC, WILL, COM_PORT, IAC, DO, COM_PORT]));
    await this.#commands([
      [SET_BAUDRATE, u32be(baud)],
      [SET_DATASIZE, Buffer.from([8])],
      [SET_PARITY, Buffer.from([1])],
      [SET_STOPSIZE, Buffer.from([1])],
    ]);
    this.baudrate = baud;
  }

  async disconnect() {
    if (!this.sock) return;
    const s = this.sock;
    s.end();
    const t = setTimeout(() => s.destroy(), 1000);
    await this.closed;
    clearTimeout(t);
    this.sock = null;
  }

  async write(data) {
    const out = this.slipWriter(data);
    if (this.tracing) this.trace(`Write ${out.length} bytes: ${this.hexConvert(out)}`);
    await this.#send(escapeIac(out));
  }

  /** Received data goes to the buffer as it arrives; this resolves when the port closes. */
  async readLoop() {
    if (this.closed) await this.closed;
  }

  async rawRead(onData, isClosed) {
    if (!this.sock) return;
    await new Promise((resolve) => {
      const l = (bytes) => {
        if (isClosed()) { this.rawListeners.delete(l); resolve(); return; }
        onData(bytes);
      };
      this.rawListeners.add(l);
      if (this.buffer.length > 0) {
        const b = this.buffer;
        this.buffer = new Uint8Array(0);
        l(b);
      }
      this.closed.then(() => { this.rawListeners.delete(l); resolve(); });
    });
  }

  async flushOutput() {}

  async waitForUnlock() {}

  async setDTR(state) {
    this._DTR_state = state;
    await this.#commands([[SET_CONTROL, Buffer.from([state ? CONTROL_DTR_ON : CONTROL_DTR_OFF])]]);
  }

  async setRTS(state) {
    this.rtsState = state;
    await this.#commands([[SET_CONTROL, Buffer.from([state ? CONTROL_RTS_ON : CONTROL_RTS_OFF])]]);
    // esptool-js (after esptool) repeats DTR after an RTS change: usbser.sys sends the line
    // state only on a DTR change. Kept so the server sees the same sequence as from Web Serial.
    await this.setDTR(this._DTR_state);
  }

  /** The changes of the given lines in one TCP write (DTR first, then RTS, then break). */
  async setSignals(dtr, rts, breakSignal) {
    const list = [];
    if (dtr !== undefined) {
      this._DTR_state = dtr;
      list.push([SET_CONTROL, Buffer.from([dtr ? CONTROL_DTR_ON : CONTROL_DTR_OFF])]);
    }
    if (rts !== undefined) {
      this.rtsState = rts;
      list.push([SET_CONTROL, Buffer.from([rts ? CONTROL_RTS_ON : CONTROL_RTS_OFF])]);
    }
    if (breakSignal !== undefined) {
      list.push([SET_CONTROL, Buffer.from([breakSignal ? CONTROL_BREAK_ON : CONTROL_BREAK_OFF])]);
    }
    if (list.length) await this.#commands(list);
  }

  async changeBaudrate(baud) {
    await this.#commands([[SET_BAUDRATE, u32be(baud)]]);
    this.baudrate = baud;
    return false;
  }
}
