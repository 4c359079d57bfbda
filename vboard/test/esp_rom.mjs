#!/usr/bin/env node
// Test of the ESP dev board model (--chip): drives the RFC 2217 endpoint with a tiny client
// (telnet negotiation, DTR/RTS, baud) and speaks the ROM loader protocol to the chip.
// Usage: node test/esp_rom.mjs  (prints `N passed, N failed`, exit 1 on failure)
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VBOARD = path.join(HERE, '..', 'vboard.mjs');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-esp-'));
let passed = 0;
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(name, cond, detail = '') {
  if (cond) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

function startBoard(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [VBOARD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /^READY pty=(\S*) tcp=127\.0\.0\.1:(\d+) rfc2217=127\.0\.0\.1:(\d+)\n/.exec(buf);
      if (m) resolve({ proc: p, port: Number(m[2]), rfc: Number(m[3]) });
    });
    p.on('exit', (c) => reject(new Error(`board exited ${c}`)));
  });
}

const IAC = 255, SB = 250, SE = 240;

/** A minimal RFC 2217 client: separates telnet commands from data, undoes IAC doubling. */
class Rfc {
  constructor(sock) {
    this.sock = sock;
    this.data = Buffer.alloc(0);
    this.cmds = [];   // [verb, opt] and ['sb', code, ...value]
    this.state = 'd';
    this.sb = [];
    this.waiters = [];
    sock.on('data', (d) => { this.#parse(d); for (const w of this.waiters.splice(0)) w(); });
  }
  static connect(port) {
    return new Promise((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(new Rfc(s)));
      s.on('error', rej);
    });
  }
  #parse(d) {
    const out = [];
    for (const b of d) {
      if (this.state === 'd') { if (b === IAC) this.state = 'i'; else out.push(b); }
      else if (this.state === 'i') {
        if (b === IAC) { out.push(IAC); this.state = 'd'; }
        else if (b === SB) { this.state = 's'; this.sb = []; }
        else { this.verb = b; this.state = 'o'; }
      } else if (this.state === 'o') { this.cmds.push([this.verb, b]); this.state = 'd'; }
      else if (this.state === 's') { if (b === IAC) this.state = 'si'; else this.sb.push(b); }
      else if (this.state === 'si') {
        if (b === IAC) { this.sb.push(IAC); this.state = 's'; }
        else { this.cmds.push(['sb', ...this.sb.slice(1)]); this.state = 'd'; }
      }
    }
    this.data = Buffer.concat([this.data, Buffer.from(out)]);
  }
  async wait(pred, ms = 3000) {
    const end = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, Math.min(left, 50)); });
    }
  }
  async until(text, ms = 3000) {
    const got = await this.wait(() => {
      const i = this.data.indexOf(Buffer.from(text, 'latin1'));
      if (i < 0) return null;
      const before = this.data.subarray(0, i);
      this.data = this.data.subarray(i + text.length);
      return { before };
    }, ms);
    return got;
  }
  raw(bytes) { this.sock.write(Buffer.from(bytes)); }
  sub(code, value) {
    const v = [];
    for (const b of value) { v.push(b); if (b === IAC) v.push(IAC); }
    this.raw([IAC, SB, 44, code, ...v, IAC, SE]);
  }
  control(v) { this.sub(5, [v]); }
  baud(b) { this.sub(1, [b >>> 24, (b >> 16) & 255, (b >> 8) & 255, b & 255]); }
  send(bytes) {
    const v = [];
    for (const b of bytes) { v.push(b); if (b === IAC) v.push(IAC); }
    this.raw(v);
  }
  /** Next SLIP packet from the data stream (or null). */
  async packet(ms = 3000) {
    return this.wait(() => {
      const s = this.data.indexOf(0xc0);
      if (s < 0) return null;
      const e = this.data.indexOf(0xc0, s + 1);
      if (e < 0) return null;
      const body = this.data.subarray(s + 1, e);
      this.data = this.data.subarray(e + 1);
      if (!body.length) return null;
      const out = [];
      for (let i = 0; i < body.length; i++) {
        if (body[i] === 0xdb) { out.push(body[i + 1] === 0xdc ? 0xc0 : 0xdb); i++; } else out.push(body[i]);
      }
      return Buffer.from(out);
    }, ms);
  }
  async command(op, data, chk = 0, ms = 3000) {
    const hdr = Buffer.alloc(8);
    hdr[0] = 0; hdr[1] = op; hdr.writeUInt16LE(data.length, 2); hdr.writeUInt32LE(chk, 4);
    const p = Buffer.concat([hdr, data]);
    const out = [0xc0];
    for (const b of p) { if (b === 0xc0) out.push(0xdb, 0xdc); else if (b === 0xdb) out.push(0xdb, 0xdd); else out.push(b); }
    out.push(0xc0);
    this.send(out);
    for (;;) {
      const r = await this.packet(ms);
      if (!r) return null;
      if (r[0] === 1 && r[1] === op) {
        const d = r.subarray(8);
        return { value: r.readUInt32LE(4), data: d.subarray(0, d.length - 4), status: d[d.length - 4], err: d[d.length - 3] };
      }
    }
  }
}

const words = (...w) => { const b = Buffer.alloc(w.length * 4); w.forEach((x, i) => b.writeUInt32LE(x >>> 0, i * 4)); return b; };
const SYNC = Buffer.concat([Buffer.from([7, 7, 0x12, 0x20]), Buffer.alloc(32, 0x55)]);
const xor = (d) => { let c = 0xef; for (const x of d) c ^= x; return c; };

/** An ESP image (esp_image_format.h): header, extended header, segments, checksum, SHA-256. */
function espImage(chipId, segs) {
  const h = Buffer.alloc(24);
  h[0] = 0xe9; h[1] = segs.length; h[2] = 2; h[3] = 0x20;
  h.writeUInt32LE(0x40080400, 4);
  h[8] = 0xee; h.writeUInt16LE(chipId, 12); h.writeUInt16LE(0xffff, 17); h[23] = 1;
  const parts = [h];
  let c = 0xef;
  for (const [addr, data] of segs) { parts.push(words(addr, data.length), data); for (const x of data) c ^= x; }
  let img = Buffer.concat(parts);
  const pad = 15 - (img.length % 16);
  img = Buffer.concat([img, Buffer.alloc(pad), Buffer.from([c])]);
  return Buffer.concat([img, createHash('sha256').update(img).digest()]);
}

function appImage(version, chipId = 0) {
  const desc = Buffer.alloc(256);
  desc.writeUInt32LE(0xabcd5432, 0);
  desc.write(version, 16, 'latin1');
  desc.write('micropython', 48, 'latin1');
  return espImage(chipId, [[0x3f400020, desc], [0x40080000, Buffer.alloc(1024, 0x11)]]);
}

function partitionTable() {
  const e = (type, sub, off, size, label) => {
    const b = Buffer.alloc(32);
    b[0] = 0xaa; b[1] = 0x50; b[2] = type; b[3] = sub; b.writeUInt32LE(off, 4); b.writeUInt32LE(size, 8);
    b.write(label, 12, 'latin1');
    return b;
  };
  const rows = Buffer.concat([e(1, 2, 0x9000, 0x6000, 'nvs'), e(1, 1, 0xf000, 0x1000, 'phy_init'), e(0, 0, 0x10000, 0x1f0000, 'factory')]);
  const md5 = Buffer.concat([Buffer.from([0xeb, 0xeb]), Buffer.alloc(14, 0xff), createHash('md5').update(rows).digest()]);
  return Buffer.concat([rows, md5, Buffer.alloc(0xc00 - rows.length - 32, 0xff)]);
}

/** A merged image as published (firmware.bin): starts at the bootloader offset 0x1000. */
function mergedImage(version) {
  const out = Buffer.alloc(0x10000 - 0x1000 + 0x2000, 0xff);
  espImage(0, [[0x3fff0030, Buffer.alloc(64, 0x22)], [0x40078000, Buffer.alloc(128, 0x33)]]).copy(out, 0);
  partitionTable().copy(out, 0x8000 - 0x1000);
  const app = appImage(version);
  app.copy(out, 0x10000 - 0x1000);
  return out.subarray(0, 0x10000 - 0x1000 + app.length);
}

async function classicReset(c, gapMs = 0) {
  // esptool's ClassicReset: D0|R1|W0.1|D1|R0|W0.05|D0 (gapMs: time DTR=RTS=on lasts)
  c.control(9); c.control(11);
  await sleep(100);
  c.control(8);
  if (gapMs) await sleep(gapMs);
  c.control(12);
  await sleep(50);
  c.control(9);
}

async function main() {
  const flashFile = path.join(TMP, 'flash.bin');
  const linesLog = path.join(TMP, 'lines.jsonl');
  const b = await startBoard(['--chip', 'esp32', '--flash-file', flashFile, '--lines-log', linesLog, '--no-pty',
    '--uid', '24dcc3a1b2c3', '--adapter-max-baud', '921600']);
  try {
    check('flash file created erased', fs.statSync(flashFile).size === 4 * 1024 * 1024 && fs.readFileSync(flashFile)[0x1000] === 0xff);
    const c = await Rfc.connect(b.rfc);
    // pyserial's open: DO ECHO, WILL SGA, DO SGA, DO 44, WILL 44
    c.raw([IAC, 253, 1, IAC, 251, 3, IAC, 253, 3, IAC, 253, 44, IAC, 251, 44]);
    const neg = await c.wait(() => c.cmds.some((x) => x[0] === 251 && x[1] === 44) && c.cmds.some((x) => x[0] === 253 && x[1] === 44));
    check('negotiation: WILL 44 and DO 44', !!neg, JSON.stringify(c.cmds));
    c.baud(115200);
    const ack = await c.wait(() => c.cmds.find((x) => x[0] === 'sb' && x[1] === 101));
    check('SET-BAUDRATE acked 101 with the value', ack && Buffer.from(ack.slice(2)).readUInt32BE(0) === 115200, JSON.stringify(ack));
    c.baud(2000000);
    const ack2 = await c.wait(() => c.cmds.filter((x) => x[0] === 'sb' && x[1] === 101)[1]);
    check('adapter refuses a rate above --adapter-max-baud (acks the old)', ack2 && Buffer.from(ack2.slice(2)).readUInt32BE(0) === 115200, JSON.stringify(ack2));
    c.sub(12, [1]);
    check('PURGE acked 112', !!(await c.wait(() => c.cmds.find((x) => x[0] === 'sb' && x[1] === 112))));

    // Blank flash: the ROM complains and keeps retrying.
    c.control(8); c.control(11); // terminal-style open: both asserted, no effect
    await sleep(30);
    c.control(9); c.control(12);
    const blank = await c.until('invalid header: 0xffffffff', 3000);
    check('blank flash: invalid header', !!blank, c.data.toString('latin1').slice(0, 200));

    // The 50 ms DTR=RTS=on moment of esptool over RFC 2217 (esptool#383): a normal boot.
    c.data = Buffer.alloc(0);
    await classicReset(c, 50);
    const slow = await c.until('boot:0x13 (SPI_FAST_FLASH_BOOT)', 1500);
    check('classic reset with 50 ms DTR=RTS=on boots normally', !!slow, c.data.toString('latin1').slice(0, 200));

    // Back to back: download mode.
    await sleep(50);
    c.data = Buffer.alloc(0);
    await classicReset(c);
    const dl = await c.until('waiting for download\r\n', 1500);
    check('classic reset -> ROM banner', dl && dl.before.toString('latin1').includes('rst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))'),
      dl ? JSON.stringify(dl.before.toString('latin1')) : c.data.toString('latin1'));

    const s1 = await c.command(0x08, SYNC);
    check('SYNC answered', s1 && s1.status === 0 && s1.value !== 0);
    let extra = 0;
    while (await c.packet(300)) extra++;
    check('SYNC answered 8 times', extra === 7, `extra ${extra}`);
    const magic = await c.command(0x0a, words(0x40001000));
    check('READ_REG magic 0x00F01D83', magic && magic.value === 0x00f01d83, magic && magic.value.toString(16));
    const clk = await c.command(0x0a, words(0x3ff40014));
    check('UART_CLKDIV ~347', clk && Math.abs(clk.value - 347) <= 1, clk && clk.value);
    const m0 = await c.command(0x0a, words(0x3ff5a004));
    const m1 = await c.command(0x0a, words(0x3ff5a008));
    const mac = Buffer.alloc(8); mac.writeUInt32BE(m1.value, 0); mac.writeUInt32BE(m0.value, 4);
    check('MAC from eFuse = --uid', mac.subarray(2).toString('hex') === '24dcc3a1b2c3', mac.toString('hex'));
    const sec = await c.command(0x14, Buffer.alloc(0));
    check('ESP32 ROM: GET_SECURITY_INFO unsupported (fail, 0x05)', sec && sec.status === 1 && sec.err === 5);
    const bad = await c.command(0xd0, Buffer.alloc(0));
    check('unsupported 0xD0 -> fail, 0x05', bad && bad.status === 1 && bad.err === 5);
    // Before SPI_ATTACH the ROM has not enabled the flash: it reads as all 0xFF.
    const det = await c.command(0x0e, words(0x1000, 16));
    check('READ_FLASH_SLOW before SPI_ATTACH reads 0xFF', det && det.status === 0 && det.data.equals(Buffer.alloc(16, 0xff)));
    const att = await c.command(0x0d, Buffer.alloc(8));
    check('SPI_ATTACH', att && att.status === 0);
    // Flash id through the SPI registers.
    await c.command(0x09, words(0x3ff42000 + 0x24, (7 << 28) | 0x9f, 0xffffffff, 0));
    await c.command(0x09, words(0x3ff42000, 1 << 18, 0xffffffff, 0));
    const cmd = await c.command(0x0a, words(0x3ff42000));
    const id = await c.command(0x0a, words(0x3ff42000 + 0x80));
    check('flash id 0x1640EF (4 MiB)', (cmd.value & (1 << 18)) === 0 && (id.value & 0xffffff) === 0x1640ef, id.value.toString(16));

    // CHANGE_BAUDRATE: reply at the old rate; then the chip runs at the new one.
    const cb = await c.command(0x0f, words(460800, 0));
    check('CHANGE_BAUDRATE acked', cb && cb.status === 0);
    const garbled = await c.command(0x08, SYNC, 0, 400);
    check('rates differ: no sensible reply', !garbled);
    c.baud(460800);
    await c.wait(() => c.cmds.filter((x) => x[0] === 'sb' && x[1] === 101).length >= 4);
    await sleep(50);
    c.data = Buffer.alloc(0);
    const s2 = await c.command(0x08, SYNC);
    check('SYNC at 460800 after both changed', s2 && s2.status === 0);
    while (await c.packet(200)) { /* drain */ }

    // Compressed write of a merged image, MD5, then FLASH_DEFL_END -> boots it.
    const img = mergedImage('v1.28.0');
    const comp = zlib.deflateSync(img, { level: 9 });
    const blk = 0x400;
    const nblk = Math.ceil(comp.length / blk);
    const t0 = Date.now();
    const begin = await c.command(0x10, words((img.length + 0x3ff) & ~0x3ff, nblk, blk, 0x1000), 0, 5000);
    const beginMs = Date.now() - t0;
    check('FLASH_DEFL_BEGIN', begin && begin.status === 0);
    check('erase takes the modelled time', beginMs >= 100, `${beginMs} ms`);
    let ok = true;
    for (let i = 0; i < nblk; i++) {
      const d = comp.subarray(i * blk, (i + 1) * blk);
      const r = await c.command(0x11, Buffer.concat([words(d.length, i, 0, 0), d]), xor(d));
      if (!r || r.status !== 0) { ok = false; break; }
    }
    check('FLASH_DEFL_DATA blocks', ok);
    const wrongSum = await c.command(0x11, Buffer.concat([words(4, nblk, 0, 0), Buffer.from([1, 2, 3, 4])]), 0);
    check('FLASH_DEFL_DATA bad checksum -> 0x07', wrongSum && wrongSum.status === 1 && wrongSum.err === 7);
    const md5 = await c.command(0x13, words(0x1000, img.length, 0, 0), 0, 5000);
    const want = createHash('md5').update(img).digest('hex');
    check('SPI_FLASH_MD5 (32 hex chars)', md5 && md5.data.toString('latin1') === want, md5 && md5.data.toString('latin1'));
    check('flash file written through', fs.readFileSync(flashFile).subarray(0x1000, 0x1000 + img.length).equals(img));
    c.data = Buffer.alloc(0);
    const end = await c.command(0x12, words(0));
    check('FLASH_DEFL_END acked', end && end.status === 0);
    // The chip reboots at 115200: back to it, as esptool does not but a terminal would.
    c.baud(115200);
    const banner = await c.until('>>> ', 8000);
    const text = banner ? banner.before.toString('latin1') : c.data.toString('latin1');
    check('boots the written app, version from esp_app_desc_t', !!banner && text.includes('MicroPython v1.28.0 on'), JSON.stringify(text.slice(-300)));
    c.send(Buffer.from('import os; print(os.uname().release)\r'));
    const rel = await c.until('>>> ', 3000);
    check('os.uname().release 1.28.0', rel && rel.before.toString('latin1').includes('1.28.0'), rel && JSON.stringify(rel.before.toString('latin1')));

    // machine.reset(): a software reset and a normal boot from flash.
    c.data = Buffer.alloc(0);
    c.send(Buffer.from('import machine; machine.reset()\r'));
    const mr = await c.until('>>> ', 8000);
    const mrt = mr ? mr.before.toString('latin1') : c.data.toString('latin1');
    check('machine.reset() boots from flash again', !!mr && mrt.includes('rst:0xc (SW_CPU_RESET),boot:0x13') && mrt.includes('MicroPython v1.28.0'),
      JSON.stringify(mrt.slice(-200)));
    // (after FLASH_DEFL_END the bootloader's log went out at 115200 while the adapter was still at
    // 460800: garbled, as on a real board; this one is clean)
    check('bootloader log shows the app load', mrt.includes('boot: Loaded app from partition at offset 0x10000'));

    // machine.bootloader() enters the ROM loader.
    c.data = Buffer.alloc(0);
    c.send(Buffer.from('import machine; machine.bootloader()\r'));
    const ml = await c.until('waiting for download\r\n', 3000);
    check('machine.bootloader() -> ROM download mode', !!ml, c.data.toString('latin1').slice(-200));

    // A broken app: the bootloader complains and no REPL comes.
    const broken = fs.readFileSync(flashFile);
    void broken;
    check('SPI_ATTACH (again, a new ROM session)', (await c.command(0x0d, Buffer.alloc(8))).status === 0);
    const br = await c.command(0x02, words(0x1000, 1, 0x400, 0x10000), 0, 3000);
    const blkd = Buffer.alloc(0x400, 0x00);
    const wr = await c.command(0x03, Buffer.concat([words(0x400, 0, 0, 0), blkd]), xor(blkd));
    check('FLASH_BEGIN/FLASH_DATA (uncompressed)', br && br.status === 0 && wr && wr.status === 0);
    c.data = Buffer.alloc(0);
    await c.command(0x04, words(0));
    const err = await c.until('No bootable app partitions', 3000);
    check('bad app: E (..) boot: No bootable app partitions', !!err && err.before.toString('latin1').includes('esp_image: image at 0x10000 has invalid magic byte'),
      err ? '' : c.data.toString('latin1').slice(-300));
    await sleep(300);
    c.send(Buffer.from('\r\n'));
    await sleep(300);
    check('no REPL while unbootable', !c.data.toString('latin1').includes('>>>'));
    c.sock.destroy();
    await sleep(100);
    const lines = fs.readFileSync(linesLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    check('lines log: modem lines', lines.some((l) => l.dtr === true && l.rts === false) && lines.every((l) => typeof l.t_ms === 'number'));
    const evs = lines.filter((l) => l.event).map((l) => l.event);
    check('lines log: events', ['reset', 'download', 'boot', 'bootloader-error'].every((e) => evs.includes(e)), evs.join(','));
  } finally {
    b.proc.kill('SIGTERM');
  }

  // An S3 flash file prepared by the test (bootloader at 0x0), booted at start; seen over TCP.
  const s3 = Buffer.alloc(4 * 1024 * 1024, 0xff);
  espImage(9, [[0x3fce3808, Buffer.alloc(64, 0x22)]]).copy(s3, 0);
  partitionTable().copy(s3, 0x8000);
  appImage('v1.29.0', 9).copy(s3, 0x10000);
  fs.writeFileSync(path.join(TMP, 's3.bin'), s3);
  const b3 = await startBoard(['--chip', 'esp32s3', '--flash-file', path.join(TMP, 's3.bin'), '--no-pty']);
  try {
    const sock = net.connect(b3.port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    await sleep(1500);
    sock.write('\x02'); // Ctrl-B: the banner again, now that this link is the active one
    for (let i = 0; i < 40 && !got.includes('>>> '); i++) await sleep(50);
    check('S3 boots its app from 0x0 layout, version v1.29.0', got.includes('MicroPython v1.29.0 on 2025-12-10; Generic ESP32S3 module with ESP32S3'), JSON.stringify(got.slice(-200)));
    sock.destroy();
  } finally {
    b3.proc.kill('SIGTERM');
  }
  // The same layout with an ESP32 app: the bootloader refuses it.
  appImage('v1.29.0', 0).copy(s3, 0x10000);
  fs.writeFileSync(path.join(TMP, 's3.bin'), s3);
  const b4 = await startBoard(['--chip', 'esp32s3', '--flash-file', path.join(TMP, 's3.bin'), '--no-pty']);
  try {
    const c = await Rfc.connect(b4.rfc);
    c.control(11); await sleep(20); c.control(12); // EN pulse: a reset, normal boot
    const e = await c.until('No bootable app partitions', 3000);
    check('S3 with an ESP32 app: mismatch chip ID', e && e.before.toString('latin1').includes('boot_comm: mismatch chip ID, expected 9, found 0'),
      e ? e.before.toString('latin1').slice(-300) : c.data.toString('latin1').slice(-300));
    c.sock.destroy();
  } finally {
    b4.proc.kill('SIGTERM');
  }

  // --cut-after on the RFC 2217 link: the port vanishes mid-write.
  const b2 = await startBoard(['--chip', 'esp32c3', '--no-pty', '--cut-after', '120', '--secure-download', '--flash-encryption']);
  try {
    const c = await Rfc.connect(b2.rfc);
    await classicReset(c);
    const dl = await c.until('wait uart download(secure mode)\r\n', 1500);
    check('C3: ROM banner (Secure Download Mode)', dl && dl.before.toString('latin1').includes('ESP-ROM:esp32c3'), dl ? dl.before.toString('latin1') : c.data.toString('latin1'));
    const si = await c.command(0x14, Buffer.alloc(0));
    check('C3: GET_SECURITY_INFO 20 B, chip_id 5', si && si.data.length === 20 && si.data.readUInt32LE(12) === 5);
    check('C3: Secure Download Mode and flash encryption in security info', si && (si.data.readUInt32LE(0) & 4) && si.data[4] === 1);
    const rr = await c.command(0x0a, words(0x40001000));
    check('C3 secure download: READ_REG refused (0x05)', rr && rr.status === 1 && rr.err === 5);
    const closed = new Promise((r) => c.sock.on('close', () => r(true)));
    c.send(Buffer.alloc(200, 0x41));
    check('--cut-after drops the RFC 2217 client', await Promise.race([closed, sleep(2000).then(() => false)]));
  } finally {
    b2.proc.kill('SIGTERM');
  }
}

main()
  .catch((e) => { failed++; console.log(`FAIL exception ${e.stack}`); })
  .finally(() => {
    fs.rmSync(TMP, { recursive: true, force: true });
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
