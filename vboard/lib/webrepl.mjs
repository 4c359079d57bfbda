// The board's WebREPL endpoint (--webrepl PORT), modelled on MicroPython 1.27's own code:
// micropython-lib's webrepl.py (accept, handshake, the HTML stub, one client), extmod/
// modwebsocket.c (frame reader and writer), extmod/modwebrepl.c (password, WA/WB file
// protocol) and extmod/os_dupterm.c / modos.c dupterm_notify (input into the stdin ring,
// deactivation). The state machines below follow that code step by step, including its odd
// corners (see README.md "WebREPL"); the file operations themselves run in the board worker
// (its filesystem), reached through a small shared mailbox (webrepl-files.mjs).
import net from 'node:net';
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const DEFAULT_BASE = 'https://micropython.org/webrepl/';

// Results of a stream read, as MicroPython's stream protocol has them: bytes (a Buffer with at
// least one byte), EOF (0), AGAIN (MP_STREAM_ERROR with EAGAIN), or an error {errno, name}.
export const EOF = 0;
export const AGAIN = Symbol('EAGAIN');
const RETRY = Symbol('again'); // _webrepl_read's -2: go round once more
const isData = (r) => Buffer.isBuffer(r);

const FRAME_CONT = 0, FRAME_TXT = 1, FRAME_BIN = 2, FRAME_CLOSE = 8;
const HDR_SIZE = 82; // struct webrepl_file
const PUT_FILE = 1, GET_FILE = 2, GET_VER = 3;

// errno names MicroPython prints with an OSError (py/mperrno.h, mp_errorcode_table); others
// print as a bare number.
const ERRNO_NAMES = {
  1: 'EPERM', 2: 'ENOENT', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES',
  17: 'EEXIST', 19: 'ENODEV', 21: 'EISDIR', 22: 'EINVAL', 95: 'EOPNOTSUPP', 98: 'EADDRINUSE',
  103: 'ECONNABORTED', 104: 'ECONNRESET', 105: 'ENOBUFS', 107: 'ENOTCONN', 110: 'ETIMEDOUT',
  111: 'ECONNREFUSED', 113: 'EHOSTUNREACH', 114: 'EALREADY', 115: 'EINPROGRESS',
};
export const osErrorText = (errno) =>
  (ERRNO_NAMES[errno] ? `OSError: [Errno ${errno}] ${ERRNO_NAMES[errno]}` : `OSError: ${errno}`);

/** An exception raised inside the dupterm read (mp_builtin_open failing): its printed form. */
class PyException extends Error {}

/** "\n" -> "\r\n" as print() output is cooked on the board (mp_hal_stdout_tx_strn_cooked). */
const cooked = (s) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const MSS = 1460;

/**
 * The client socket as the board's lwip socket looks to MicroPython: non-blocking reads of what
 * has arrived (AGAIN when nothing has), EOF after the peer's FIN, ECONNRESET after a reset.
 * What "has arrived" follows TCP segments, not Node's read chunks: a client that writes each
 * frame at once sends it in segments of at most MSS bytes (the first one carrying the frame
 * header), so the board sees a frame's payload arrive in such pieces, never a piece cut at an
 * arbitrary byte. (Node hands over up to 64 KiB per read, cut anywhere; the firmware's PUT path
 * loses a byte when a 512-byte pass starts at the last byte the socket holds, see README.md, so
 * where the data ends matters.)
 */
class SockBuf {
  constructor() {
    this.chunks = [];
    this.avail = 0;
    this.eof = false;
    this.err = null;
    this.pending = Buffer.alloc(0); // received, its segment not complete yet
    this.payloadLeft = 0;           // of the current frame, not yet exposed
    this.segLeft = 0;               // room left in the current segment
    this.raw = false;               // after a 64-bit length: everything as it comes
  }

  get unread() { return this.avail + this.pending.length; }

  #expose(n) {
    const d = Buffer.from(this.pending.subarray(0, n));
    this.pending = this.pending.subarray(n);
    if (d.length) { this.chunks.push(d); this.avail += d.length; }
  }

  push(d) {
    if (!d.length) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, d]) : Buffer.from(d);
    for (;;) {
      const p = this.pending;
      if (this.raw) { this.#expose(p.length); return; }
      if (this.payloadLeft === 0) {
        if (p.length < 2) return;
        const n = p[1] & 0x7f;
        if (n === 127) { this.raw = true; continue; }
        const hlen = 2 + (n === 126 ? 2 : 0) + (p[1] & 0x80 ? 4 : 0);
        if (p.length < hlen) return;
        this.payloadLeft = n === 126 ? p.readUInt16BE(2) : n;
        this.segLeft = MSS - hlen;
        this.#expose(hlen);
        continue;
      }
      const take = Math.min(this.payloadLeft, this.segLeft);
      if (p.length < take) return;
      this.#expose(take);
      this.payloadLeft -= take;
      this.segLeft -= take;
      if (this.segLeft === 0) this.segLeft = MSS;
    }
  }

  read(n) {
    if (this.avail === 0) {
      if (this.err) return this.err;
      return this.eof && this.pending.length === 0 ? EOF : AGAIN;
    }
    const parts = [];
    let need = Math.min(n, this.avail);
    while (need > 0) {
      const head = this.chunks[0];
      if (head.length <= need) { parts.push(head); this.chunks.shift(); need -= head.length; this.avail -= head.length; } else {
        parts.push(head.subarray(0, need));
        this.chunks[0] = head.subarray(need);
        this.avail -= need;
        need = 0;
      }
    }
    return parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts);
  }
}

/** modwebsocket.c: the server side of a WebSocket (reader state machine, unmasked writes). */
class WebSocket {
  constructor(sockbuf, writeRaw, closeSock) {
    this.sock = sockbuf;
    this.writeRaw = writeRaw;
    this.closeSock = closeSock;
    this.state = 'header';
    this.toRecv = 2;
    this.bufPos = 0;
    this.buf = Buffer.alloc(6);
    this.msgSz = 0;
    this.mask = Buffer.alloc(4);
    this.maskPos = 0;
    this.wsFlags = 0;   // last data frame's flags (a control frame sets them too, as the C code does)
    this.lastFlags = 0; // current frame's flags
    this.opts = FRAME_TXT; // opcode of what write() sends
  }

  /** websocket_read(size). */
  read(size) {
    for (;;) {
      if (this.toRecv !== 0) {
        const r = this.sock.read(this.toRecv);
        if (!isData(r)) return r;
        r.copy(this.buf, this.bufPos);
        this.bufPos += r.length;
        this.toRecv -= r.length;
        if (this.toRecv !== 0) return AGAIN;
      }
      switch (this.state) {
        case 'header': {
          const b0 = this.buf[0];
          this.lastFlags = b0;
          const frameType = b0 & 0x0f;
          if (frameType === FRAME_CONT) this.wsFlags = (this.wsFlags & 0x0f) | (b0 & 0xf0);
          else this.wsFlags = b0;
          this.mask.fill(0);
          let toRecv = 0;
          const sz = this.buf[1] & 0x7f;
          if (sz === 126) toRecv += 2;
          else if (sz === 127) {
            // 64-bit length: unsupported, no way to recover (1.27 closes the socket, EIO).
            this.closeSock();
            return { errno: 5 };
          }
          if (this.buf[1] & 0x80) toRecv += 4;
          this.bufPos = 0;
          this.toRecv = toRecv;
          this.msgSz = sz;
          if (toRecv !== 0) this.state = 'opt';
          else this.state = frameType >= FRAME_CLOSE ? 'control' : 'payload';
          continue;
        }
        case 'opt': {
          if (this.bufPos & 2) this.msgSz = (this.buf[0] << 8) | this.buf[1];
          if (this.bufPos & 4) this.buf.copy(this.mask, 0, this.bufPos - 4, this.bufPos);
          this.bufPos = 0;
          this.state = (this.lastFlags & 0x0f) >= FRAME_CLOSE ? 'control' : 'payload';
          continue;
        }
        default: { // payload, control
          let out = null;
          if (this.msgSz !== 0) {
            const r = this.sock.read(Math.min(size, this.msgSz));
            if (!isData(r)) return r;
            for (let i = 0; i < r.length; i++) r[i] ^= this.mask[this.maskPos++ & 3];
            this.msgSz -= r.length;
            out = r;
            // Bytes of a control frame's payload other than its last ones are handed out as
            // data, as in the C code.
            if (this.msgSz !== 0) return out;
          }
          const lastState = this.state;
          this.state = 'header';
          this.toRecv = 2;
          this.maskPos = 0;
          this.bufPos = 0;
          if (lastState === 'control') {
            if ((this.lastFlags & 0x0f) === FRAME_CLOSE) {
              this.writeRaw(Buffer.from([0x88, 0x00])); // a bare close frame, then EOF
              return EOF;
            }
            continue; // ping, pong: ignored, no answer
          }
          if (out) return out;
          continue; // an empty data frame is not EOF
        }
      }
    }
  }

  /** websocket_write: one unmasked FIN frame of the current opcode; 64 KiB or more: ENOBUFS. */
  write(data) {
    if (data.length >= 0x10000) return { errno: 105 };
    let hdr;
    if (data.length < 126) hdr = Buffer.from([0x80 | this.opts, data.length]);
    else hdr = Buffer.from([0x80 | this.opts, 126, data.length >> 8, data.length & 0xff]);
    this.writeRaw(Buffer.concat([hdr, data]));
    return data.length;
  }

  /** write_webrepl: a binary frame (opcode switched for this one write). */
  writeBinary(data) {
    const old = this.opts;
    this.opts = FRAME_BIN;
    this.write(data);
    this.opts = old;
  }
}

/**
 * One client connection: handshake (webrepl.py), then the `_webrepl` stream (modwebrepl.c)
 * attached as the dupterm.
 */
class Client {
  constructor(server, sock) {
    this.server = server;
    this.sock = sock;
    this.sockbuf = new SockBuf();
    this.addr = `('${sock.remoteAddress.replace(/^::ffff:/, '')}', ${sock.remotePort})`;
    this.phase = 'handshake';
    this.hs = { lines: 0, partial: Buffer.alloc(0), key: null, upgrade: false, websocket: false };
    this.closed = false;
    this.notifying = false;
    this.pollAgain = false;
    sock.setNoDelay(true);
    sock.on('data', (d) => this.#onData(d));
    sock.on('end', () => {
      if (this.phase === 'handshake') { this.#sendHtml(); return; } // EOF in the headers
      this.sockbuf.eof = true;
      this.#poll();
    });
    sock.on('error', (e) => {
      if (e.code === 'ECONNRESET') this.sockbuf.err = { errno: 104 };
      else this.sockbuf.err = { errno: 5 };
      this.#poll();
    });
    sock.on('close', () => {
      if (!this.sockbuf.eof && !this.sockbuf.err) this.sockbuf.eof = true;
      this.#poll();
    });
  }

  #onData(d) {
    if (this.closed) return;
    if (this.phase === 'handshake') { this.#handshake(d); return; }
    this.sockbuf.push(d);
    // The board reads as fast as it can; a sender far ahead is held back by TCP.
    if (this.sockbuf.unread > 256 * 1024) this.sock.pause();
    this.#poll();
  }

  // --- webrepl.py server_handshake: readline() per header, names matched exactly -----------
  #handshake(d) {
    let data = Buffer.concat([this.hs.partial, d]);
    for (let nl; (nl = data.indexOf(10)) >= 0;) {
      const line = data.subarray(0, nl + 1);
      data = data.subarray(nl + 1);
      const r = this.#headerLine(line);
      if (r === 'more') continue;
      this.sockbuf.push(Buffer.from(data)); // what follows stays in the socket, unread
      this.hs.partial = Buffer.alloc(0);
      if (r === 'done') this.#handshakeDone();
      else this.#handshakeError();
      return;
    }
    this.hs.partial = Buffer.from(data);
  }

  /** One line of the request: 'more', 'done' (the blank line) or 'error' (no colon). */
  #headerLine(l) {
    if (this.hs.lines++ === 0) return 'more'; // the request line (method, path) is skipped
    if (l.length === 2 && l[0] === 13) return 'done';
    const colon = l.indexOf(58);
    if (colon < 0) return 'error';
    const strip = (b) => b.toString('latin1').replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');
    const h = strip(l.subarray(0, colon));
    const v = strip(l.subarray(colon + 1));
    if (h === 'Sec-WebSocket-Key') this.hs.key = v;
    else if (h === 'Connection' && v.includes('Upgrade')) this.hs.upgrade = true;
    else if (h === 'Upgrade' && v === 'websocket') this.hs.websocket = true;
    return 'more';
  }

  /**
   * `h, v = [x.strip() for x in l.split(b":", 1)]` raised: the accept handler dies with a
   * traceback on the board's console and the connection goes.
   */
  #handshakeError() {
    this.phase = 'error';
    this.server.consolePrint('Traceback (most recent call last):\n' +
      '  File "webrepl.py", line 131, in accept_conn\n' +
      '  File "webrepl.py", line 41, in server_handshake\n' +
      'ValueError: need more than 1 values to unpack\n');
    this.server.log(`webrepl: ${this.addr}: a header line without a colon`);
    this.#closeSocket();
  }

  #sendHtml() {
    this.server.log(`webrepl: ${this.addr}: not a WebSocket request, HTML page sent`);
    this.phase = 'html';
    if (!this.sock.destroyed) {
      this.sock.write(`HTTP/1.0 200 OK\r\n\r\n<base href="${this.server.base}"></base>\r\n` +
        '<script src="webrepl_content.js"></script>\r\n');
    }
    this.#closeSocket();
  }

  #handshakeDone() {
    const { key, upgrade, websocket } = this.hs;
    if (!(upgrade && websocket && key)) { this.#sendHtml(); return; }
    const accept = createHash('sha1').update(key, 'latin1').update(GUID).digest('base64');
    this.sock.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const srv = this.server;
    if (srv.attached) {
      // The dupterm slot is taken: the 101 has gone out already.
      srv.consolePrint(`\nConcurrent WebREPL connection from ${this.addr} rejected\n`);
      this.phase = 'rejected';
      this.#closeSocket();
      return;
    }
    srv.consolePrint(`\nWebREPL connection from: ${this.addr}\n`);
    this.phase = 'attached';
    this.ws = new WebSocket(this.sockbuf, (b) => this.#write(b), () => this.#closeSocket());
    // modwebrepl.c state
    this.passwd = true;
    this.entered = Buffer.alloc(10);
    this.dataToRecv = 0;
    this.hdrToRecv = HDR_SIZE;
    this.hdr = Buffer.alloc(HDR_SIZE);
    this.ws.write(Buffer.from('Password: '));
    srv.attach(this);
    // esp32 polls registered sockets for readability: bytes already here are seen at once.
    setImmediate(() => this.#poll());
  }

  #write(b) { if (!this.sock.destroyed && !this.closed) this.sock.write(b); }

  /** lwip close: FIN, or a reset when received data was never read. */
  #closeSocket() {
    if (this.closed) return;
    this.closed = true;
    if (this.sockbuf.unread > 0) this.sock.resetAndDestroy();
    else {
      this.sock.end();
      this.sock.once('finish', () => this.sock.destroy());
    }
  }

  /** The connection is cut at once (hard reset, board gone): a reset, no FIN. */
  reset() {
    if (this.closed) return;
    this.closed = true;
    this.sock.resetAndDestroy();
  }

  /** Soft reset: the socket is closed (FIN, or a reset with unread data). */
  close() { this.#closeSocket(); }

  /** Board output (dupterm write): dropped until the password was accepted. */
  output(buf) {
    if (this.closed || this.passwd) return { ok: true };
    for (let i = 0; i < buf.length; i += 0xffff) {
      const r = this.ws.write(buf.subarray(i, i + 0xffff));
      if (r.errno) return r;
    }
    return { ok: true };
  }

  get backlog() { return this.closed ? 0 : this.sock.writableLength; }

  // --- dupterm: the socket-event callback os.dupterm_notify --------------------------------
  #poll() {
    if (this.phase !== 'attached' || this.server.attached !== this) return;
    if (this.notifying) { this.pollAgain = true; return; }
    this.#notify().catch((e) => this.server.log('webrepl: internal error:', e));
  }

  async #notify() {
    this.notifying = true;
    try {
      do {
        this.pollAgain = false;
        for (;;) {
          if (this.server.attached !== this) return;
          const c = await this.#rxChr();
          if (c === -2) { if (this.sockbuf.avail) this.pollAgain = true; break; } // Ctrl-C stops this pass
          if (c < 0) break;
          this.server.stdinPut(c);
        }
        if (this.pollAgain) await new Promise((r) => setImmediate(r)); // the next poll of the socket
      } while (this.pollAgain && this.server.attached === this);
    } finally {
      this.notifying = false;
      if (this.sockbuf.unread < 64 * 1024 && !this.closed) this.sock.resume();
    }
  }

  /** mp_os_dupterm_rx_chr for this stream. */
  async #rxChr() {
    let r;
    try {
      r = await this.#webreplRead();
    } catch (e) {
      if (!(e instanceof PyException)) throw e;
      this.#deactivate('dupterm: Exception in read() method, deactivating: ', e.message);
      return -1;
    }
    if (r === EOF) { this.#deactivate('dupterm: EOF received, deactivating\n'); return -1; }
    if (r === AGAIN) return -1;
    if (!isData(r)) {
      this.#deactivate('dupterm: Exception in read() method, deactivating: ', osErrorText(r.errno) + '\n');
      return -1;
    }
    const c = r[0];
    if (this.server.isInterrupt(c)) return -2;
    return c;
  }

  /** mp_os_deactivate: the slot is freed, the message printed (not to this client), the stream closed. */
  #deactivate(msg, exc = '') {
    this.server.detach(this);
    this.server.consolePrint(msg + exc);
    this.#closeSocket();
  }

  // --- modwebrepl.c ----------------------------------------------------------------------------
  async #webreplRead() {
    for (;;) {
      const r = await this.#readOnce();
      if (r !== RETRY) return r;
      if (this.server.attached !== this) return AGAIN;
    }
  }

  async #readOnce() {
    const r = this.ws.read(1);
    if (!isData(r)) return r;
    const c = r[0];
    if (this.passwd) {
      if (c === 13 || c === 10) {
        const n = this.entered.subarray(0, this.dataToRecv).indexOf(0);
        const entered = this.entered.subarray(0, n >= 0 ? n : this.dataToRecv);
        if (!entered.equals(this.server.password)) {
          this.ws.write(Buffer.from('\r\nAccess denied\r\n'));
          return EOF;
        }
        this.passwd = false;
        this.dataToRecv = 0;
        this.ws.write(Buffer.from('\r\nWebREPL connected\r\n>>> '));
      } else if (this.dataToRecv < 10) {
        this.entered[this.dataToRecv++] = c;
      }
      return RETRY;
    }
    // The opcode of the last data frame (or control frame) decides: text is REPL input.
    if ((this.ws.wsFlags & 0x0f) === FRAME_TXT) return r;

    if (this.hdrToRecv !== 0) {
      let p = HDR_SIZE - this.hdrToRecv;
      this.hdr[p++] = c;
      if (--this.hdrToRecv !== 0) {
        const h = this.ws.read(this.hdrToRecv);
        if (h === AGAIN || (!isData(h) && h !== EOF)) return h;
        if (isData(h)) { h.copy(this.hdr, p); this.hdrToRecv -= h.length; }
        if (this.hdrToRecv !== 0) return RETRY;
      }
      await this.#handleOp();
      return RETRY;
    }

    if (this.dataToRecv !== 0) {
      let chunk = r;
      if (--this.dataToRecv !== 0) {
        const d = this.ws.read(Math.min(511, this.dataToRecv));
        // Nothing more in the socket yet: the firmware returns here and the byte already taken
        // is lost (it was counted off data_to_recv).
        if (d === AGAIN || (!isData(d) && d !== EOF)) {
          this.server.log(`webrepl: PUT: the first byte of a pass was the last one held: lost (as on a board), ${this.dataToRecv} still expected`);
          return d;
        }
        if (isData(d)) { this.dataToRecv -= d.length; chunk = Buffer.concat([r, d]); }
      }
      const type = this.hdr[2];
      if (type === PUT_FILE) {
        await this.server.files.write(chunk); // errors only assert()ed: ignored in release builds
      } else if (type === GET_FILE) {
        const data = await this.server.files.read(256);
        const frame = Buffer.alloc(2 + data.length);
        frame.writeUInt16LE(data.length, 0);
        data.copy(frame, 2);
        this.ws.writeBinary(frame);
        if (data.length !== 0) this.dataToRecv = 1;
      }
      await this.#checkFileOpFinished();
    }
    return RETRY;
  }

  async #checkFileOpFinished() {
    if (this.dataToRecv !== 0) return;
    await this.server.files.close();
    this.hdrToRecv = HDR_SIZE;
    this.ws.writeBinary(Buffer.from('WB\0\0', 'latin1'));
  }

  async #handleOp() {
    const type = this.hdr[2];
    if (type === GET_VER) {
      this.ws.writeBinary(Buffer.from(this.server.version));
      this.hdrToRecv = HDR_SIZE;
      return;
    }
    // fname is read as a C string; a name filling all 64 bytes runs on into the memory after
    // the header on a real board (here it stops at 64).
    const raw = this.hdr.subarray(18, 82);
    const nul = raw.indexOf(0);
    const name = raw.subarray(0, nul >= 0 ? nul : 64).toString('utf8');
    const r = await this.server.files.open(name, type === PUT_FILE ? 'wb' : 'rb');
    if (r.errno) throw new PyException(osErrorText(r.errno) + '\n');
    this.ws.writeBinary(Buffer.from('WB\0\0', 'latin1'));
    if (type === PUT_FILE) {
      this.dataToRecv = this.hdr.readUInt32LE(12);
      await this.#checkFileOpFinished();
    } else if (type === GET_FILE) {
      this.dataToRecv = 1;
    }
  }
}

/**
 * The listening endpoint and the dupterm slot. hooks: log(...), console(Buffer) (board console
 * output on the serial links), stdinPut(byte) -> bool (false: the ring was full),
 * isInterrupt(byte) -> bool (true: a KeyboardInterrupt was scheduled), files (FileMailbox).
 */
export class WebReplServer {
  constructor(hooks) {
    this.hooks = hooks;
    this.log = hooks.log;
    this.files = hooks.files;
    this.server = null;
    this.attached = null;  // the Client in the dupterm slot
    this.clients = new Set();
    this.password = Buffer.alloc(0);
    this.base = DEFAULT_BASE;
    this.version = [1, 27, 0];
    this.dropped = 0;      // input bytes dropped because the stdin ring was full
  }

  get listening() { return !!this.server; }

  /** webrepl.start(): listen (again) with this password. */
  listen(port, { password, base, version }) {
    this.password = Buffer.from(password, 'utf8');
    this.base = base || DEFAULT_BASE;
    if (version) this.version = version;
    if (this.server) return Promise.resolve(this.server.address().port);
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ allowHalfOpen: true }, (sock) => {
        const c = new Client(this, sock);
        this.clients.add(c);
        sock.on('close', () => this.clients.delete(c));
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', 1, () => {
        srv.off('error', reject);
        this.server = srv;
        resolve(srv.address().port);
      });
    });
  }

  /**
   * The board resets: soft (the VM's sockets are closed: FIN) or hard (the chip is gone: the
   * peer sees a reset). The listener goes too; the next boot listens again.
   */
  down(soft) {
    this.attached = null;
    for (const c of this.clients) (soft ? c.close() : c.reset());
    this.clients.clear();
    this.files.cancel();
    if (this.server) { this.server.close(); this.server = null; }
  }

  attach(c) { this.attached = c; }

  detach(c) { if (this.attached === c) this.attached = null; }

  /** print() on the board: the serial console and the attached WebREPL (after its login). */
  consolePrint(text) {
    const b = cooked(text);
    this.hooks.console(b);
    this.attached?.output(b);
  }

  /** Board output mirrored to the attached client (dupterm). Returns an {errno} on failure. */
  output(buf) { return this.attached ? this.attached.output(buf) : { ok: true }; }

  /** Bytes the client has not read yet (the board's blocking write waits for them). */
  get backlog() { return this.attached ? this.attached.backlog : 0; }

  /** The session as the firmware's websocket_write >= 64 KiB leaves it: deactivated. */
  writeFailed() {
    const c = this.attached;
    if (!c || c.passwd) return false;
    this.detach(c);
    c.close();
    return true;
  }

  stdinPut(b) {
    if (!this.hooks.stdinPut(b)) this.dropped++;
  }

  isInterrupt(b) { return this.hooks.isInterrupt(b); }

  close() {
    for (const c of this.clients) c.reset();
    this.server?.close();
  }
}
