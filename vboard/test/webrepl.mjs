#!/usr/bin/env node
// Test of the WebREPL endpoint (--webrepl) with a client written here on raw sockets (no
// WebSocket library): the handshake as webrepl.py does it (path ignored, header names exact,
// the HTML page, a header without a colon), login, frames both ways, one client, the stdin
// ring dropping overflow, the WA/WB file protocol, soft/hard resets, webrepl_cfg.py.
// Usage: node test/webrepl.mjs  (prints `N passed, N failed`, exit 1 on failure)
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VBOARD = path.join(HERE, '..', 'vboard.mjs');
let passed = 0;
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(name, cond, detail = '') {
  if (cond) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

const show = (b) => JSON.stringify(Buffer.from(b).toString('latin1'));

/** A board process: its READY fields and its stderr. */
class Board {
  constructor(args) {
    this.proc = spawn(process.execPath, [VBOARD, '--no-pty', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (process.env.VB_VERBOSE) this.proc.stderr.on('data', (d) => process.stderr.write(d));
    this.out = '';
    this.err = '';
    this.proc.stdout.on('data', (d) => { this.out += d; });
    this.proc.stderr.on('data', (d) => { this.err += d; });
    this.proc.on('exit', () => { this.exited = true; });
  }

  async ready(ms = 30000) {
    const end = Date.now() + ms;
    while (!this.out.includes('\n') && !this.exited && Date.now() < end) await sleep(20);
    const line = this.out.split('\n')[0];
    if (!line.startsWith('READY ')) return null;
    const f = Object.fromEntries(line.split(' ').slice(1).map((x) => x.split(/=(.*)/s).slice(0, 2)));
    this.tcp = Number(f.tcp.split(':')[1]);
    this.ws = f.webrepl ? Number(f.webrepl.split(':')[1]) : 0;
    return { line, ...f };
  }

  stop() {
    return new Promise((r) => { if (this.exited) r(); else { this.proc.on('exit', r); this.proc.kill('SIGTERM'); } });
  }
}

/** A plain socket that collects what arrives and how it ended. */
class Sock {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.ended = false;   // FIN from the board
    this.reset = false;   // ECONNRESET
    this.closed = false;
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    sock.on('end', () => { this.ended = true; this.wake(); });
    sock.on('error', (e) => { if (e.code === 'ECONNRESET') this.reset = true; this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
  }

  static connect(port) {
    return new Promise((res, rej) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => res(new Sock(s)));
      s.on('error', rej);
    });
  }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  async wait(cond, ms = 5000) {
    const end = Date.now() + ms;
    for (;;) {
      const v = cond();
      if (v) return v;
      const left = end - Date.now();
      if (left <= 0) return v;
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, Math.min(left, 100)); });
    }
  }

  write(b) { this.sock.write(typeof b === 'string' ? Buffer.from(b, 'latin1') : b); }

  async until(marker, ms = 8000) {
    const m = Buffer.from(marker, 'latin1');
    const ok = await this.wait(() => this.buf.indexOf(m) >= 0 || this.closed, ms);
    const i = this.buf.indexOf(m);
    if (!ok || i < 0) throw new Error(`no ${show(m)}; got ${show(this.buf)}`);
    const out = this.buf.subarray(0, i);
    this.buf = this.buf.subarray(i + m.length);
    return out;
  }

  destroy() { this.sock.destroy(); }
}

/** The board's serial console over its TCP link. */
async function serial(board) {
  const s = await Sock.connect(board.tcp);
  s.write('\r\x03');
  await s.until('>>> ');
  await sleep(300);
  s.buf = Buffer.alloc(0);
  return s;
}

// --- WebSocket frames, by hand ----------------------------------------------------------------
function frame(op, payload, { mask = true, fin = true, len64 = false } = {}) {
  const data = Buffer.from(payload);
  const parts = [Buffer.from([(fin ? 0x80 : 0) | op])];
  const mb = mask ? 0x80 : 0;
  if (len64) {
    const l = Buffer.alloc(9);
    l[0] = mb | 127;
    l.writeBigUInt64BE(BigInt(data.length), 1);
    parts.push(l);
  } else if (data.length < 126) parts.push(Buffer.from([mb | data.length]));
  else parts.push(Buffer.from([mb | 126, data.length >> 8, data.length & 0xff]));
  if (mask) {
    const m = randomBytes(4);
    parts.push(m);
    parts.push(Buffer.from(data.map((b, i) => b ^ m[i & 3])));
  } else parts.push(data);
  return Buffer.concat(parts);
}

const TEXT = 1, BIN = 2, CLOSE = 8, PING = 9;

/** A WebREPL client on a raw socket: handshake, frames in and out. */
class Ws extends Sock {
  static async open(port, headers = null, path = '/') {
    const s = await new Promise((res, rej) => {
      const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => res(new Ws(c)));
      c.on('error', rej);
    });
    s.key = randomBytes(16).toString('base64');
    const h = headers ?? ['Host: board', 'Connection: Upgrade', 'Upgrade: websocket', `Sec-WebSocket-Key: ${s.key}`,
      'Sec-WebSocket-Version: 13'];
    s.write(`GET ${path} HTTP/1.1\r\n${h.join('\r\n')}\r\n\r\n`);
    return s;
  }

  async response() {
    const head = await this.until('\r\n\r\n');
    return head.toString('latin1');
  }

  /** The next frame: {fin, op, masked, len, ext, data} or null when the socket ended first. */
  async frame(ms = 8000) {
    const have = () => {
      const b = this.buf;
      if (b.length < 2) return null;
      let n = b[1] & 0x7f;
      let o = 2;
      if (n === 126) { if (b.length < 4) return null; n = b.readUInt16BE(2); o = 4; } else if (n === 127) return { bad: true };
      if (b[1] & 0x80) o += 4;
      if (b.length < o + n) return null;
      return { fin: !!(b[0] & 0x80), op: b[0] & 0x0f, masked: !!(b[1] & 0x80), len: n, ext: o, data: b.subarray(o, o + n) };
    };
    await this.wait(() => have() || this.closed || this.ended, ms);
    const f = have();
    if (!f) return null;
    this.buf = this.buf.subarray(f.ext + f.len);
    return f;
  }

  /** Text frames up to \p marker; returns their payload (and all the frames in .frames). */
  async text(marker, ms = 8000) {
    let acc = Buffer.alloc(0);
    const frames = [];
    const m = Buffer.from(marker, 'latin1');
    const end = Date.now() + ms;
    while (acc.indexOf(m) < 0) {
      const f = await this.frame(Math.max(1, end - Date.now()));
      if (!f) throw new Error(`no ${show(m)} in the text; got ${show(acc)}`);
      frames.push(f);
      if (f.op === TEXT) acc = Buffer.concat([acc, f.data]);
    }
    acc.frames = frames;
    return acc;
  }

  send(op, data, o) { this.write(frame(op, data, o)); }
  sendText(s, o) { this.send(TEXT, Buffer.from(s, 'latin1'), o); }

  async login(pw) {
    const f = await this.frame();
    if (!f || f.data.toString() !== 'Password: ') throw new Error(`no password prompt: ${show(f?.data ?? '')}`);
    this.sendText(pw + '\r');
    return (await this.frame()).data.toString('latin1');
  }

  /** A binary frame (skipping text). */
  async bin(ms = 8000) {
    for (;;) {
      const f = await this.frame(ms);
      if (!f || f.op !== TEXT) return f;
    }
  }

  /** Friendly REPL: a line, its output up to the next prompt. */
  async exec(line) {
    this.sendText(line + '\r');
    const t = await this.text('>>> ');
    return t.toString('latin1');
  }
}

async function connectLoggedIn(port, pw) {
  const w = await Ws.open(port);
  await w.response();
  const r = await w.login(pw);
  if (r !== '\r\nWebREPL connected\r\n>>> ') throw new Error(`login: ${show(r)}`);
  return w;
}

function waHeader(type, name, size = 0) {
  const h = Buffer.alloc(82);
  h.write('WA', 0, 'latin1');
  h[2] = type;
  h.writeUInt32LE(size, 12);
  const n = Buffer.from(name, 'utf8');
  h.writeUInt16LE(n.length, 16);
  n.copy(h, 18);
  return h;
}

const WB0 = Buffer.from('WB\0\0', 'latin1');

/**
 * True once the endpoint serves: a request without upgrade headers gets the HTML page. (A bare
 * connect is not enough: right after a reset it may land in the backlog of the listener that is
 * about to close.)
 */
async function waitListening(port, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const page = await new Promise((r) => {
      let got = '';
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.0\r\n\r\n'));
      s.on('data', (d) => { got += d; });
      s.on('close', () => r(got));
      s.on('error', () => {});
      setTimeout(() => s.destroy(), 1000);
    });
    if (page.startsWith('HTTP/1.0 200 OK')) return true;
    await sleep(50);
  }
  return false;
}

// ----------------------------------------------------------------------------------------------
async function handshakeAndLogin(b, con) {
  // The path is ignored; the accept key is SHA-1 of the key and the GUID.
  let w = await Ws.open(b.ws, ['Connection: keep-alive, Upgrade', 'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='], '/some/path?x=1');
  let head = await w.response();
  check('handshake: 101 with any path', head.startsWith('HTTP/1.1 101 Switching Protocols\r\n'), show(head));
  check('handshake: Sec-WebSocket-Accept of the RFC 6455 example key',
    head.includes('\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo='), show(head));
  check('handshake: Upgrade and Connection headers', head.includes('\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'));
  let f = await w.frame();
  check('login: "Password: " as an unmasked FIN text frame',
    f && f.op === TEXT && f.fin && !f.masked && f.data.toString() === 'Password: ', show(f?.data ?? ''));
  const conn = await con.until(')\r\n');
  check('console: "WebREPL connection from: (ip, port)"',
    /\r\nWebREPL connection from: \('127\.0\.0\.1', \d+$/.test(conn.toString('latin1')), show(conn));
  // Output before the login is not sent to the client.
  con.write("print('not for the webrepl')\r");
  await con.until('>>> ');
  w.sendText('letmein\r');
  f = await w.frame();
  check('login: "\\r\\nWebREPL connected\\r\\n>>> "', f && f.data.toString() === '\r\nWebREPL connected\r\n>>> ', show(f?.data ?? ''));
  await sleep(100);
  check('login: console output before it was suppressed', w.buf.indexOf('not for the webrepl') < 0);
  let out = await w.exec('print(6*7)');
  check('REPL over WebREPL: echo and output', out === 'print(6*7)\r\n42\r\n>>> ', show(out));
  const mirrored = await con.until('>>> ');
  check('console: WebREPL session mirrored on the serial link', mirrored.toString().includes('42'), show(mirrored));
  // Unmasked client frames are accepted too; non-UTF-8 bytes go out raw in text frames.
  w.sendText('import sys; sys.stdout.buffer.write(bytes([255, 254, 128, 10]))\r', { mask: false });
  out = await w.text('>>> ');
  check('frames: unmasked input accepted, raw non-UTF-8 bytes in text frames',
    out.includes(Buffer.from([255, 254, 128, 10])), show(out));
  await con.until('>>> ');
  // Large output: several text frames, 7- and 16-bit lengths, never masked, always FIN.
  w.sendText("sys.stdout.buffer.write(b'y' * 5000)\r");
  out = await w.text('>>> ');
  const ys = /y+(?=5000\r\n>>> $)/.exec(out.toString('latin1'))?.[0].length;
  check('frames: 5000 bytes of output arrive', ys === 5000, String(ys));
  check('frames: board frames are FIN, unmasked, text',
    out.frames.every((x) => x.fin && !x.masked && x.op === TEXT));
  check('frames: a 16-bit length is used beyond 125 bytes', out.frames.some((x) => x.len > 125 && x.ext === 4));
  check('frames: minimal length encoding', out.frames.every((x) => (x.len < 126) === (x.ext === 2)));
  await con.until('>>> ');
  // Fragmented text: FIN=0 text + continuation.
  w.sendText('print(', { fin: false });
  w.send(0, Buffer.from('11*11)\r'));
  out = await w.text('>>> ');
  check('frames: a continuation frame continues the text', out.includes('121'), show(out));
  await con.until('>>> ');
  // A ping is not answered.
  w.send(PING, Buffer.alloc(0));
  await sleep(300);
  check('frames: ping gets no pong', w.buf.length === 0, show(w.buf));
  out = await w.exec('print(1)');
  check('frames: session fine after a ping', out.includes('\r\n1\r\n'), show(out));
  await con.until('>>> ');

  // One client: a second one gets the 101, then EOF; the console (and the first client) say so.
  const w2 = await Ws.open(b.ws);
  head = await w2.response();
  check('second client: 101 first', head.startsWith('HTTP/1.1 101 '), show(head));
  check('second client: then EOF', await w2.wait(() => w2.ended || w2.closed) && w2.buf.length === 0, show(w2.buf));
  const rej = await con.until(' rejected\r\n');
  check('console: "Concurrent WebREPL connection from ... rejected"',
    /\r\nConcurrent WebREPL connection from \('127\.0\.0\.1', \d+\)$/.test(rej.toString()), show(rej));
  out = await w.text(' rejected\r\n');
  check('first client: sees the rejection line (print goes to every dupterm)', out.includes('Concurrent WebREPL'));
  w2.destroy();
  return w;
}

async function inputAndInterrupt(b, w, con, ring) {
  // Input beyond the stdin ring is dropped while the board is busy (dupterm_notify).
  w.sendText('import time; time.sleep(1.2)\r');
  await sleep(300);
  w.sendText('a'.repeat(2000));
  let out = await w.text('a'.repeat(ring), 8000);
  await sleep(300);
  const extra = (w.buf.toString('latin1').match(/a/g) || []).length;
  check(`stdin ring: ${ring} of 2000 bytes typed while busy arrive, the rest is dropped`, extra === 0, String(extra));
  w.sendText('\x03');
  out = await w.text('>>> ');
  await con.until('>>> ');
  // Ctrl-C over WebREPL interrupts running code.
  w.sendText('while True: time.sleep(0.01)\r\r');
  await w.text('\r\n');
  await sleep(300);
  w.sendText('\x03');
  out = await w.text('>>> ');
  check('Ctrl-C over WebREPL: KeyboardInterrupt', out.includes('KeyboardInterrupt'), show(out));
  await con.until('>>> ');
}

async function fileProtocol(b, w, con) {
  // GET_VER: 3 raw bytes, no WB.
  w.send(BIN, waHeader(3, ''));
  let f = await w.bin();
  check('GET_VER: 3 bytes (1, 27, 0) in one binary frame', f && f.op === BIN && f.data.equals(Buffer.from([1, 27, 0])), show(f?.data ?? ''));
  // PUT: the header split across frames (10 + 72 as webrepl_cli sends it), data in odd frames.
  const data = randomBytes(3000);
  const hdr = waHeader(1, 'put.bin', data.length);
  w.send(BIN, hdr.subarray(0, 10));
  w.send(BIN, hdr.subarray(10));
  f = await w.bin();
  check('PUT: WB 0 after the header (sent in two frames)', f && f.data.equals(WB0), show(f?.data ?? ''));
  w.send(BIN, data.subarray(0, 1000));
  w.send(BIN, data.subarray(1000, 1700), { mask: false });
  w.send(BIN, data.subarray(1700));
  f = await w.bin();
  check('PUT: WB 0 after exactly size bytes', f && f.data.equals(WB0), show(f?.data ?? ''));
  // Header and data in one frame; a zero-size PUT answers WB 0 twice.
  const small = Buffer.from('print("hi")\n');
  w.send(BIN, Buffer.concat([waHeader(1, '/lib/small.py', small.length), small]));
  f = await w.bin();
  const f2 = await w.bin();
  check('PUT: header and data in one frame', f?.data.equals(WB0) && f2?.data.equals(WB0));
  w.send(BIN, waHeader(1, 'empty.bin', 0));
  f = await w.bin();
  const g = await w.bin();
  check('PUT: size 0 gives two WB 0 back to back', f?.data.equals(WB0) && g?.data.equals(WB0));
  // A text frame in the middle is REPL input, the file protocol carries on.
  let out = await w.exec("import os; print(os.stat('put.bin')[6], os.stat('lib/small.py')[6], os.stat('empty.bin')[6])");
  check('PUT: the files have their sizes', out.includes('3000 12 0'), show(out));
  await con.until('>>> ');
  // GET: WB 0, then u16 n + n bytes per request byte, n = 0 ends, WB 0.
  w.send(BIN, waHeader(2, 'put.bin'));
  f = await w.bin();
  check('GET: WB 0 after the header', f?.data.equals(WB0));
  let got = Buffer.alloc(0);
  const sizes = [];
  for (;;) {
    w.send(BIN, Buffer.from([0]));
    f = await w.bin();
    const n = f.data.readUInt16LE(0);
    sizes.push(f.data.length === 2 + n ? n : -1);
    if (n === 0) break;
    got = Buffer.concat([got, f.data.subarray(2)]);
  }
  f = await w.bin();
  check('GET: 256-byte chunks, n = 0 ends, then WB 0', sizes.slice(0, -1).every((n, i, a) => n === 256 || i === a.length - 1) &&
    sizes.at(-1) === 0 && f?.data.equals(WB0), sizes.join(','));
  check('GET: the content uploaded', got.equals(data));
  // modwebrepl.c takes the first byte of a 512-byte pass, then reads the rest: when the socket
  // holds nothing more yet, it returns and that byte is gone (counted, never written). A
  // 513-byte frame followed by a pause makes the pass at byte 512 start on the last byte held.
  const odd = randomBytes(1000);
  w.send(BIN, waHeader(1, 'odd.bin', odd.length));
  f = await w.bin();
  w.send(BIN, odd.subarray(0, 513));
  await sleep(300);
  w.send(BIN, odd.subarray(513));
  f = await w.bin();
  out = await w.exec("import binascii; d = open('odd.bin', 'rb').read(); print(len(d), binascii.hexlify(d[510:514]))");
  const want = `999 b'${odd.subarray(510, 512).toString('hex')}${odd.subarray(513, 515).toString('hex')}'`;
  check('PUT: a pass that starts on the last byte held loses it; WB 0 all the same (firmware)',
    f?.data.equals(WB0) && out.includes(want), `${show(out)} want ${want}`);
  await con.until('>>> ');
  // The file's name is a C string of at most 63 bytes + NUL.
  const long = 'n'.repeat(63);
  w.send(BIN, Buffer.concat([waHeader(1, long, 1), Buffer.from('z')]));
  f = await w.bin();
  const f3 = await w.bin();
  out = await w.exec(`print(open('${long}').read())`);
  check('PUT: a 63-byte name', f?.data.equals(WB0) && f3?.data.equals(WB0) && out.includes('\r\nz\r\n'), show(out));
  await con.until('>>> ');
}

async function fileErrors(b, con) {
  // A write error (ENOSPC) is silent: truncated file, WB 0 all the same.
  let w = await connectLoggedIn(b.ws, 'letmein');
  const big = randomBytes(120000);
  w.send(BIN, waHeader(1, 'huge.bin', big.length));
  let f = await w.bin();
  for (let o = 0; o < big.length; o += 1024) w.send(BIN, big.subarray(o, o + 1024));
  const f2 = await w.bin(20000);
  check('ENOSPC: PUT still answers WB 0 twice', f?.data.equals(WB0) && f2?.data.equals(WB0), `${show(f?.data ?? 'none')} ${show(f2?.data ?? 'none')}`);
  let out = await w.exec("import os; print('size', os.stat('huge.bin')[6])");
  const m = /size (\d+)/.exec(out);
  check('ENOSPC: the file is truncated', m && Number(m[1]) < big.length, show(out));
  w.sendText("os.remove('huge.bin')\r");
  await w.text('>>> ');
  await con.until('>>> ');
  await con.until('>>> ');

  // A failed open kills the session: the socket closes, no WB; the console says why.
  w.send(BIN, waHeader(2, 'no/such/file.bin'));
  check('GET of a missing file: the connection closes', await w.wait(() => w.ended || w.closed, 5000));
  check('GET of a missing file: no WB', w.buf.length === 0, show(w.buf));
  let line = await con.until('ENOENT\r\n');
  check('console: "dupterm: Exception in read() method, deactivating: OSError: [Errno 2] ENOENT"',
    line.toString().endsWith('dupterm: Exception in read() method, deactivating: OSError: [Errno 2] '), show(line));
  w.destroy();
  // PUT into a missing directory: the same.
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.send(BIN, waHeader(1, '/nodir/x.bin', 10));
  check('PUT into a missing directory: the connection closes', await w.wait(() => w.ended || w.closed, 5000));
  line = await con.until('ENOENT\r\n');
  check('console: ENOENT for the PUT', line.includes('dupterm: Exception in read() method'), show(line));
  w.destroy();
  // GET of a directory: EISDIR.
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.send(BIN, waHeader(2, 'lib'));
  check('GET of a directory: the connection closes', await w.wait(() => w.ended || w.closed, 5000));
  line = await con.until('EISDIR\r\n');
  check('console: EISDIR', line.toString().endsWith('deactivating: OSError: [Errno 21] '), show(line));
  w.destroy();
}

async function badFrames(b, con) {
  // A 64-bit length: EIO, the connection closes.
  let w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.send(TEXT, Buffer.from('x'), { len64: true });
  check('64-bit length: the connection closes', await w.wait(() => w.ended || w.closed || w.reset, 5000));
  const line = await con.until('EIO\r\n');
  check('console: "dupterm: Exception in read() method, deactivating: OSError: [Errno 5] EIO"',
    line.toString().endsWith('deactivating: OSError: [Errno 5] '), show(line));
  w.destroy();
  // A close frame with a status code: answered 88 00, the session stays until TCP closes.
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.send(CLOSE, Buffer.from([0x03, 0xe8]));
  const f = await w.frame();
  check('close with a status: answered with a bare close frame 88 00',
    f && f.op === CLOSE && f.fin && f.len === 0 && f.ext === 2, show(f ? w.buf : ''));
  let out = await w.exec('print(3*3)');
  check('close with a status: the session is kept', out.includes('\r\n9\r\n'), show(out));
  await con.until('>>> ');
  w.sock.end(); // TCP FIN: now the board lets go
  check('client FIN: the board closes too', await w.wait(() => w.ended || w.closed, 5000));
  const eof = await con.until('deactivating\r\n');
  check('console: "dupterm: EOF received, deactivating"', eof.toString().endsWith('dupterm: EOF received, '), show(eof));
  w.destroy();
  // An empty close frame: 88 00 and the board closes.
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.send(CLOSE, Buffer.alloc(0));
  const g = await w.frame();
  check('empty close: 88 00', g && g.op === CLOSE && g.len === 0);
  check('empty close: then EOF', await w.wait(() => w.ended || w.closed, 5000));
  await con.until('dupterm: EOF received, deactivating\r\n');
  w.destroy();
  // A ping in a fragmented text message: the continuation counts as binary (file protocol).
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.sendText('print(', { fin: false });
  w.send(PING, Buffer.alloc(0));
  w.send(0, Buffer.from('"frag")\r'));
  await sleep(400);
  check('ping inside a fragmented text: the continuation does not reach the REPL', !w.buf.includes('frag'), show(w.buf));
  w.sendText('\x03');
  await w.text('>>> ');
  w.destroy();
  await con.until('dupterm: EOF received, deactivating\r\n');
}

async function passwords(b, con) {
  let w = await Ws.open(b.ws);
  await w.response();
  let r = await w.login('wrong');
  check('wrong password: "\\r\\nAccess denied\\r\\n"', r === '\r\nAccess denied\r\n', show(r));
  check('wrong password: then the board closes', await w.wait(() => w.ended || w.closed || w.reset, 5000));
  await con.until('dupterm: EOF received, deactivating\r\n');
  w.destroy();
  // Only the first 10 characters are kept: extra characters make it wrong.
  w = await Ws.open(b.ws);
  await w.response();
  r = await w.login('letmeinXXXXXXXX');
  check('password: characters beyond the 10th are dropped, the rest compared', r.includes('Access denied'), show(r));
  w.destroy();
  await con.until('dupterm: EOF received, deactivating\r\n');
  // \n ends the password as well.
  w = await Ws.open(b.ws);
  await w.response();
  await w.frame();
  w.sendText('letmein\n');
  r = (await w.frame()).data.toString();
  check('password ended by \\n', r === '\r\nWebREPL connected\r\n>>> ', show(r));
  w.destroy();
  await con.until('dupterm: EOF received, deactivating\r\n');
}

async function handshakes(b, con) {
  const page = 'HTTP/1.0 200 OK\r\n\r\n<base href="https://micropython.org/webrepl/"></base>\r\n<script src="webrepl_content.js"></script>\r\n';
  // A browser's GET: no upgrade headers -> the HTML page, then close.
  let w = await Ws.open(b.ws, ['Host: board', 'Accept: text/html']);
  await w.wait(() => w.ended || w.closed);
  check('no upgrade headers: the HTML page, then close', w.buf.toString() === page, show(w.buf));
  w.destroy();
  // Header names are matched case-sensitively.
  w = await Ws.open(b.ws, ['connection: Upgrade', 'upgrade: websocket', 'sec-websocket-key: abc']);
  await w.wait(() => w.ended || w.closed);
  check('lower-case header names: the HTML page', w.buf.toString() === page, show(w.buf));
  w.destroy();
  w = await Ws.open(b.ws, ['Connection: upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: abc']);
  await w.wait(() => w.ended || w.closed);
  check('"Connection: upgrade" (lower-case value): the HTML page', w.buf.toString() === page, show(w.buf));
  w.destroy();
  w = await Ws.open(b.ws, ['Connection: Upgrade', 'Upgrade: WebSocket', 'Sec-WebSocket-Key: abc']);
  await w.wait(() => w.ended || w.closed);
  check('"Upgrade: WebSocket": the HTML page', w.buf.toString() === page, show(w.buf));
  w.destroy();
  // A header line without a colon: an exception in the accept handler, no answer.
  w = await Ws.open(b.ws, ['Connection: Upgrade', 'Nonsense', 'Upgrade: websocket']);
  await w.wait(() => w.ended || w.closed || w.reset);
  check('header line without a colon: closed without an answer', w.buf.length === 0 && (w.ended || w.closed || w.reset), show(w.buf));
  const tb = await con.until('unpack\r\n');
  check('console: the accept handler\'s ValueError', tb.toString().includes('ValueError: need more than 1 values to'), show(tb));
  w.destroy();
}

async function resets(b, con) {
  // Soft reset (Ctrl-D) over WebREPL: "MPY: soft reboot", then the socket closes (FIN).
  let w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.sendText('\x04');
  let out = await w.text('MPY: soft reboot\r\n');
  check('soft reset: the client sees "MPY: soft reboot"', true, show(out));
  check('soft reset: then FIN (not a reset)', await w.wait(() => w.ended, 5000) && !w.reset);
  w.destroy();
  let banner = await con.until('>>> ');
  check('console: webrepl.start() lines at boot',
    banner.includes(`WebREPL server started on http://127.0.0.1:${b.ws}/\r\nStarted webrepl in manual override mode\r\n`), show(banner));
  check('soft reset: the endpoint listens again', await waitListening(b.ws));
  // A new login is needed; the board is in the raw REPL now and stays there across a soft reset.
  w = await connectLoggedIn(b.ws, 'letmein');
  await con.until(')\r\n');
  w.sendText('\x01');
  await w.text('raw REPL; CTRL-B to exit\r\n>');
  w.sendText('\x04'); // soft reset in the raw REPL
  out = await w.text('MPY: soft reboot\r\n');
  check('raw soft reset: "OK\\r\\nMPY: soft reboot"', out.toString().endsWith('OK\r\nMPY: soft reboot\r\n'), show(out));
  check('raw soft reset: FIN', await w.wait(() => w.ended, 5000));
  w.destroy();
  check('raw soft reset: listening again', await waitListening(b.ws));
  w = await connectLoggedIn(b.ws, 'letmein');
  w.sendText('print(5*5)\x04');
  out = await w.text('\x04>');
  check('after the new login the REPL is still raw', out.toString() === 'OK25\r\n\x04\x04>', show(out));
  w.sendText('\x02');
  await w.text('>>> ');
  await con.until('>>> ');
  // machine.soft_reset() from the friendly REPL.
  w.sendText('import machine; machine.soft_reset()\r');
  await w.text('MPY: soft reboot\r\n');
  check('machine.soft_reset(): FIN', await w.wait(() => w.ended, 5000));
  w.destroy();
  check('machine.soft_reset(): listening again', await waitListening(b.ws));
  // machine.reset(): the connection is reset, no FIN. (The reset comes after the client has
  // read the echo: a reset arriving behind unread data can look like EOF to the client.)
  w = await connectLoggedIn(b.ws, 'letmein');
  w.sendText('import machine, time; time.sleep(0.5); machine.reset()\r');
  check('machine.reset(): connection reset without FIN', await w.wait(() => w.reset || w.closed, 5000) && w.reset && !w.ended,
    `reset=${w.reset} ended=${w.ended}`);
  w.destroy();
  check('machine.reset(): listening again', await waitListening(b.ws));
}

async function bigWrite(b, con) {
  // One write of 64 KiB or more fails in websocket_write: the WebREPL is deactivated.
  const w = await connectLoggedIn(b.ws, 'letmein');
  w.sendText("import sys; sys.stdout.buffer.write(b'q' * 65536)\r");
  check('64 KiB write: the session closes', await w.wait(() => w.ended || w.closed || w.reset, 8000));
  const line = await con.until('ENOBUFS\r\n', 15000);
  check('64 KiB write: the console gets the data, then the dupterm message',
    line.includes(Buffer.from('q'.repeat(1000))) &&
    line.toString().endsWith('dupterm: Exception in write() method, deactivating: OSError: [Errno 105] '), show(line.subarray(-90)));
  w.destroy();
}

async function configFile() {
  // No --webrepl-password: PASS from /webrepl_cfg.py, read at every boot.
  const b = new Board(['--webrepl', '0', '--platform', 'esp32']);
  try {
    const r = await b.ready();
    check('cfg: READY names the port even while nothing listens', r && b.ws > 0, r?.line);
    const con = await serial(b);
    check('cfg: no webrepl_cfg.py -> not listening', !(await waitListening(b.ws, 300)));
    con.write("f = open('webrepl_cfg.py', 'w'); f.write(\"PASS = 'cfgpass'\\n\"); f.close()\r");
    await con.until('>>> ');
    con.write('\x04');
    const banner = await con.until('>>> ');
    check('cfg: "Started webrepl in normal mode" after the soft reset', banner.includes('Started webrepl in normal mode'), show(banner));
    check('cfg: listening', await waitListening(b.ws));
    const w = await connectLoggedIn(b.ws, 'cfgpass');
    check('cfg: login with PASS', true);
    await inputAndInterrupt(b, w, con, 260);
    w.destroy();
    con.destroy();
  } catch (e) {
    check('cfg board', false, e.stack);
  } finally {
    await b.stop();
  }
}

async function main() {
  const b = new Board(['--webrepl', '0', '--webrepl-password', 'letmein', '--fs-size', '65536']);
  try {
    const r = await b.ready();
    check('READY: webrepl=127.0.0.1:<port>', r && /^127\.0\.0\.1:\d+$/.test(r.webrepl ?? ''), r?.line);
    const con = await serial(b);
    const w = await handshakeAndLogin(b, con);
    await inputAndInterrupt(b, w, con, 512);
    await fileProtocol(b, w, con);
    w.destroy();
    await con.until('dupterm: EOF received, deactivating\r\n');
    await fileErrors(b, con);
    await badFrames(b, con);
    await passwords(b, con);
    await handshakes(b, con);
    await resets(b, con);
    await bigWrite(b, con);
    con.destroy();
  } catch (e) {
    check('main board', false, e.stack);
  } finally {
    await b.stop();
  }
  await configFile();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
