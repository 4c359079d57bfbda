#!/usr/bin/env node
// Test of the RP2 BOOTSEL model (--drive-dir): machine.bootloader() over TCP removes the serial
// endpoints and shows the drive; UF2 files copied into it are taken or ignored as the bootrom
// does; a complete one brings the board back on the same TCP port and pty link with the image's
// version. UF2 files come from tests/tools/uf2_image.py.
// Usage: node test/bootsel.mjs  (prints `N passed, N failed`, exit 1 on failure)
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VBOARD = path.join(HERE, '..', 'vboard.mjs');
const UF2_TOOL = path.join(HERE, '..', '..', 'tests', 'tools', 'uf2_image.py');
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'vb-bootsel-'));
const RP2040_INFO = 'UF2 Bootloader v3.0\r\nModel: Raspberry Pi RP2\r\nBoard-ID: RPI-RP2\r\n';
const RP2350_INFO = 'UF2 Bootloader v1.0\r\nModel: Raspberry Pi RP2350\r\nBoard-ID: RP2350\r\n';
let passed = 0;
let failed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exists = (p) => { try { fs.lstatSync(p); return true; } catch { return false; } };

function check(name, cond, detail = '') {
  if (cond) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

function uf2(name, ...args) {
  const out = path.join(TMP, name);
  execFileSync('python3', [UF2_TOOL, ...args, '-o', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/** A board process and its stdout lines (READY lines). */
class Board {
  constructor(args) {
    this.proc = spawn(process.execPath, [VBOARD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.lines = [];
    this.waiters = [];
    let buf = '';
    this.proc.stdout.on('data', (d) => {
      buf += d;
      for (let nl; (nl = buf.indexOf('\n')) >= 0; buf = buf.slice(nl + 1)) this.lines.push(buf.slice(0, nl));
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.on('exit', () => { this.exited = true; for (const w of this.waiters.splice(0)) w(); });
  }

  /** The next stdout line, parsed as READY fields; null after ms. */
  async ready(ms = 20000) {
    const end = Date.now() + ms;
    while (!this.lines.length) {
      const left = end - Date.now();
      if (left <= 0 || this.exited) return null;
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
    const line = this.lines.shift();
    if (!line.startsWith('READY ')) return { line };
    return { line, ...Object.fromEntries(line.split(' ').slice(1).map((f) => f.split(/=(.*)/s).slice(0, 2))) };
  }

  stop() {
    return new Promise((r) => { if (this.exited) r(); else { this.proc.on('exit', r); this.proc.kill('SIGTERM'); } });
  }
}

class Client {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.#wake(); });
    sock.on('close', () => { this.closed = true; this.#wake(); });
    sock.on('error', () => {});
  }
  static connect(port) {
    return new Promise((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(new Client(s)));
      s.on('error', rej);
    });
  }
  #wake() { for (const w of this.waiters.splice(0)) w(); }
  write(b) { this.sock.write(typeof b === 'string' ? Buffer.from(b, 'utf8') : b); }
  async until(marker, ms = 5000) {
    const m = Buffer.from(marker, 'latin1');
    const end = Date.now() + ms;
    for (;;) {
      const i = this.buf.indexOf(m);
      if (i >= 0) {
        const out = this.buf.subarray(0, i);
        this.buf = this.buf.subarray(i + m.length);
        return out;
      }
      const left = end - Date.now();
      if (left <= 0 || this.closed) throw new Error(`no ${JSON.stringify(marker)}; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
  }
  async waitClosed(ms = 5000) {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await new Promise((r) => { this.waiters.push(r); setTimeout(r, 100); });
    return this.closed;
  }
  /** Into the raw REPL (Ctrl-C, Ctrl-A). */
  async raw() {
    this.write('\r\x03\x03\x01');
    await this.until('raw REPL; CTRL-B to exit\r\n>');
  }
  async exec(code) {
    this.write(code + '\x04');
    await this.until('OK');
    const out = (await this.until('\x04')).toString('utf8');
    const err = (await this.until('\x04>')).toString('utf8');
    return { out, err };
  }
  close() { this.sock.destroy(); }
}

/** True when nothing listens on the port. */
function refused(port) {
  return new Promise((r) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(false); });
    s.on('error', () => r(true));
  });
}

/**
 * Copies like a host (write in chunks, close); `pace` ms between 64 KiB chunks; `sized`: the file
 * is given its full size first (a host that allocates the file, then writes it).
 */
async function copy(src, dir, name = path.basename(src), pace = 0, sized = false) {
  const data = fs.readFileSync(src);
  const fd = fs.openSync(path.join(dir, name), 'w');
  try {
    if (sized) { fs.ftruncateSync(fd, data.length); await sleep(100); }
    for (let o = 0; o < data.length; o += 65536) {
      fs.writeSync(fd, data, o, Math.min(65536, data.length - o));
      if (pace) await sleep(pace);
    }
  } finally { fs.closeSync(fd); }
}

async function waitFor(cond, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (cond()) return true; await sleep(50); }
  return cond();
}

const logEvents = (f) => (exists(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

// ----------------------------------------------------------------------------------------------
async function rp2040FromMicroPython() {
  const d = path.join(TMP, 'a');
  const drive = path.join(d, 'drive');
  const byId = path.join(d, 'by-id');
  const ptyLink = path.join(d, 'ttyACM0');
  const log = path.join(d, 'bootsel.jsonl');
  const flashFile = path.join(d, 'flash.bin');
  fs.mkdirSync(d);
  const uid = 'e6614c311b4a5f2b';
  const link = path.join(byId, `usb-RPI_RP2_${uid.toUpperCase()}-0:0-part1`);
  const good = uf2('good2040.uf2', '--chip', 'rp2040', '--version', 'v1.28.0', '--size', '300000');
  const foreign = uf2('foreign2040.uf2', '--chip', 'rp2040', '--version', 'v1.28.0', '--size', '200000',
    '--family-override', 'e48bff59');
  const partial = uf2('partial2040.uf2', '--chip', 'rp2040', '--version', 'v1.29.0', '--size', '100000',
    '--truncate-blocks', '300');

  const b = new Board(['--platform', 'rp2', '--drive-dir', drive, '--disk-by-id', byId, '--pty-link', ptyLink,
    '--uid', uid, '--bootsel-log', log, '--flash-file', flashFile]);
  try {
    const r = await b.ready();
    check('rp2040: READY', r && r.tcp, r?.line);
    const port = Number(r.tcp.split(':')[1]);
    check('rp2040: flash file created, 2 MiB erased', fs.statSync(flashFile).size === 2 * 1024 * 1024);
    check('rp2040: no drive before BOOTSEL', !exists(drive) && !exists(link));
    let c = await Client.connect(port);
    await c.raw();
    let x = await c.exec("import sys, os\nprint(sys.platform, os.uname().machine, sys.version)");
    check('rp2040: runs the port version from a blank flash', x.out.includes('rp2 Raspberry Pi Pico with RP2040 3.4.0; MicroPython v1.27.0'), x.out);
    await c.exec("f = open('keep.txt', 'w'); f.write('files survive'); f.close()");

    // machine.bootloader(): the serial endpoints go, the drive comes.
    c.write('import machine; machine.bootloader()\x04');
    check('rp2040: TCP client dropped at machine.bootloader()', await c.waitClosed());
    check('rp2040: drive appears', await waitFor(() => exists(path.join(drive, 'INFO_UF2.TXT')), 3000));
    check('rp2040: pty link removed', !exists(ptyLink));
    check('rp2040: TCP listener closed', await refused(port));
    check('rp2040: INFO_UF2.TXT', fs.readFileSync(path.join(drive, 'INFO_UF2.TXT'), 'latin1') === RP2040_INFO);
    const idx = fs.readFileSync(path.join(drive, 'INDEX.HTM'), 'latin1');
    check('rp2040: INDEX.HTM redirects to raspberrypi.com',
      idx.includes(`content="0;URL='https://raspberrypi.com/device/RP2?version=E0C9125B0D9B'"`), idx);
    check('rp2040: by-id link -> drive dir', exists(link) && fs.readlinkSync(link) === drive,
      exists(byId) ? fs.readdirSync(byId).join(',') : 'no by-id dir');
    check('rp2040: drive holds only the bootrom files', fs.readdirSync(drive).sort().join(',') === 'INDEX.HTM,INFO_UF2.TXT');

    // A UF2 for another chip: ignored, the drive stays, no reboot.
    await copy(foreign, drive);
    fs.writeFileSync(path.join(drive, 'notes.txt'), 'not a uf2\n');
    await sleep(1200);
    check('rp2040: wrong family -> drive stays', exists(path.join(drive, 'INFO_UF2.TXT')) && exists(link));
    check('rp2040: wrong family -> no reboot', b.lines.length === 0 && await refused(port), b.lines.join('|'));
    check('rp2040: other files are stored', fs.readFileSync(path.join(drive, 'notes.txt'), 'utf8') === 'not a uf2\n');
    let ev = logEvents(log);
    check('rp2040: log: wrong family is a bad file', ev.some((e) => e.event === 'bad-file' && e.name === 'foreign2040.uf2' &&
      /family 0xe48bff59/.test(e.reason)), JSON.stringify(ev));
    check('rp2040: flash untouched by ignored blocks', fs.readFileSync(flashFile).subarray(0, 4096).every((v) => v === 0xff));

    // An incomplete UF2: its blocks are written, the download is not complete, no reboot.
    await copy(partial, drive);
    await sleep(1200);
    check('rp2040: incomplete file -> drive stays, no reboot',
      exists(path.join(drive, 'INFO_UF2.TXT')) && b.lines.length === 0 && await refused(port));
    ev = logEvents(log);
    check('rp2040: log: incomplete', ev.some((e) => e.event === 'bad-file' && e.name === 'partial2040.uf2' &&
      /incomplete: 300 of 391 blocks/.test(e.reason)), JSON.stringify(ev.slice(-3)));

    // A complete UF2 (sized first, then written): the drive goes, the board comes back on the
    // same port and pty link.
    const t0 = Date.now();
    await copy(good, drive, 'firmware.uf2', 5, true);
    const r2 = await b.ready(10000);
    check('rp2040: READY again after the flash', r2 && r2.tcp === `127.0.0.1:${port}`, r2?.line);
    console.log(`     (copy to READY: ${Date.now() - t0} ms)`);
    check('rp2040: drive and link gone', !exists(drive) && !exists(link));
    check('rp2040: pty link back', exists(ptyLink) && r2 && fs.readlinkSync(ptyLink) === r2.pty, r2?.pty);
    const img = fs.readFileSync(flashFile);
    const want = fs.readFileSync(good);
    let same = true;
    for (let i = 0; i < want.length; i += 512) {
      const addr = want.readUInt32LE(i + 12) - 0x10000000;
      if (!want.subarray(i + 32, i + 32 + 256).equals(img.subarray(addr, addr + 256))) { same = false; break; }
    }
    check('rp2040: the image is in the flash file', same);
    c = await Client.connect(port);
    await c.raw();
    x = await c.exec("import sys, os, machine\nprint(sys.version)\nprint(os.uname().version)\nprint(machine.reset_cause())\nprint(open('keep.txt').read())");
    const lines = x.out.split('\r\n');
    check('rp2040: sys.version has the new version', lines[0] === '3.4.0; MicroPython v1.28.0 on 2025-12-10', x.out);
    check('rp2040: os.uname().version', lines[1].startsWith('v1.28.0'), x.out);
    check('rp2040: reset cause WDT_RESET, files kept', lines[2] === '3' && lines[3] === 'files survive', x.out);
    // machine.reset() boots the same image again (same link).
    c.write('import machine; machine.reset()\x04');
    await c.waitClosed(1000);
    c.close();
    await sleep(500);
    c = await Client.connect(port);
    await c.raw();
    x = await c.exec('import os\nprint(os.uname().release)');
    check('rp2040: machine.reset() keeps the flashed version', x.out.trim() === '1.28.0', x.out);
    c.close();
    ev = logEvents(log).map((e) => e.event);
    check('rp2040: log events', ['entered', 'ignored-family', 'bad-file', 'file', 'complete', 'rebooted'].every((e) => ev.includes(e)), ev.join(','));
  } finally { await b.stop(); }
  check('rp2040: pty link removed at exit', !exists(ptyLink));

  // The same flash file on a new board process: it boots the image's version.
  const b2 = new Board(['--platform', 'rp2', '--drive-dir', drive, '--no-pty', '--flash-file', flashFile]);
  try {
    const r = await b2.ready();
    const c = await Client.connect(Number(r.tcp.split(':')[1]));
    await c.raw();
    const x = await c.exec('import sys\nprint(sys.implementation.version)');
    check('rp2040: restart on the flashed file boots v1.28.0', x.out.trim() === '(1, 28, 0, \'\')', x.out);
    c.close();
  } finally { await b2.stop(); }

  // --bootsel on a flashed board, then RESET (SIGHUP): the image boots without a copy.
  const b3 = new Board(['--platform', 'rp2', '--bootsel', '--drive-dir', drive, '--no-pty', '--flash-file', flashFile]);
  try {
    const r = await b3.ready();
    check('rp2040 --bootsel on a flashed image: drive first', r && r.drive === drive && exists(path.join(drive, 'INFO_UF2.TXT')), r?.line);
    b3.proc.kill('SIGHUP');
    const r2 = await b3.ready(10000);
    check('rp2040: RESET in BOOTSEL boots the image on the announced port', r2 && r2.tcp === r.tcp && !exists(drive), r2?.line);
    const c = await Client.connect(Number(r.tcp.split(':')[1]));
    await c.raw();
    const x = await c.exec('import os, machine\nprint(os.uname().release, machine.reset_cause())');
    check('rp2040: ... version v1.28.0, power-on reset', x.out.trim() === '1.28.0 1', x.out);
    c.close();
  } finally { await b3.stop(); }
  // A blank board stays in BOOTSEL after RESET.
  const blank = path.join(d, 'blank.bin');
  const b4 = new Board(['--platform', 'rp2', '--bootsel', '--drive-dir', drive, '--no-pty', '--flash-file', blank]);
  try {
    const r = await b4.ready();
    b4.proc.kill('SIGHUP');
    await sleep(800);
    check('rp2040: RESET of a blank board: BOOTSEL again', b4.lines.length === 0 && exists(path.join(drive, 'INFO_UF2.TXT')) &&
      await refused(Number(r.tcp.split(':')[1])), b4.lines.join('|'));
  } finally { await b4.stop(); }
}

async function rp2350Bootsel() {
  const d = path.join(TMP, 'b');
  const drive = path.join(d, 'RP2350');
  const byId = path.join(d, 'by-id');
  const ptyLink = path.join(d, 'ttyACM1');
  fs.mkdirSync(d);
  const uid = '1a2b3c4d5e6f7081';
  const link = path.join(byId, `usb-RPI_RP2350_${uid.toUpperCase()}-0:0-part1`);
  const for2040 = uf2('for2040.uf2', '--chip', 'rp2040', '--version', 'v1.28.0', '--size', '50000');
  const good = uf2('good2350.uf2', '--chip', 'rp2350', '--version', 'v1.29.0-preview.7.g0123abc', '--size', '400000');
  const head = fs.readFileSync(good).subarray(0, 512);
  check('rp2350: the file starts with the absolute-family ignore block',
    head.readUInt32LE(28) === 0xe48bff57 && head.readUInt32LE(12) === 0x10ffff00 && head.readUInt32LE(32 + 256) === 0x9957e304);

  const b = new Board(['--rp2-chip', 'rp2350', '--bootsel', '--drive-dir', drive, '--disk-by-id', byId,
    '--pty-link', ptyLink, '--uid', uid]);
  try {
    const r = await b.ready();
    check('rp2350 --bootsel: READY with the drive and no pty', r && r.pty === '' && r.drive === drive && r.tcp, r?.line);
    const port = Number(r.tcp.split(':')[1]);
    check('rp2350 --bootsel: nothing on TCP, no pty link', await refused(port) && !exists(ptyLink));
    check('rp2350: INFO_UF2.TXT', fs.readFileSync(path.join(drive, 'INFO_UF2.TXT'), 'latin1') === RP2350_INFO);
    check('rp2350: INDEX.HTM', fs.readFileSync(path.join(drive, 'INDEX.HTM'), 'latin1').includes('https://raspberrypi.com/device/RP2?version=5A09D5312E22'));
    check('rp2350: by-id link', exists(link) && fs.readlinkSync(link) === drive);

    await copy(for2040, drive);
    await sleep(1000);
    check('rp2350: an RP2040 UF2 is ignored', exists(path.join(drive, 'INFO_UF2.TXT')) && b.lines.length === 0 && await refused(port));

    await copy(good, drive);
    const r2 = await b.ready(10000);
    check('rp2350: READY after the flash, the announced port', r2 && r2.tcp === `127.0.0.1:${port}` && r2.pty, r2?.line);
    check('rp2350: drive, link gone; pty link there', !exists(drive) && !exists(link) && exists(ptyLink));
    const c = await Client.connect(port);
    await c.raw();
    const x = await c.exec('import sys, os\nprint(sys.version)\nprint(os.uname().machine)\nprint(sys.implementation.version)');
    const lines = x.out.split('\r\n');
    check('rp2350: the image version', lines[0] === '3.4.0; MicroPython v1.29.0-preview.7.g0123abc on 2025-12-10', x.out);
    check('rp2350: machine string', lines[1] === 'Raspberry Pi Pico2 with RP2350', x.out);
    check('rp2350: implementation.version', lines[2] === "(1, 29, 0, 'preview')", x.out);
    // machine.bootloader() again: the drive comes back.
    c.write('import machine; machine.bootloader()\x04');
    check('rp2350: bootloader again drops TCP', await c.waitClosed());
    check('rp2350: drive again', await waitFor(() => exists(path.join(drive, 'INFO_UF2.TXT')) && exists(link), 3000));
    check('rp2350: pty link gone again', !exists(ptyLink));
  } finally { await b.stop(); }
  check('rp2350: drive and link removed at exit', !exists(drive) && !exists(link));
}

async function vanishingDrive() {
  const d = path.join(TMP, 'c');
  const drive = path.join(d, 'drive');
  const byId = path.join(d, 'by-id');
  const log = path.join(d, 'log.jsonl');
  fs.mkdirSync(d);
  const good = uf2('vanish.uf2', '--chip', 'rp2040', '--version', 'v1.28.0', '--size', '400000');
  const b = new Board(['--platform', 'rp2', '--bootsel', '--drive-dir', drive, '--disk-by-id', byId, '--no-pty',
    '--drive-vanish-after', '200000', '--bootsel-log', log]);
  try {
    const r = await b.ready();
    const port = Number(r.tcp.split(':')[1]);
    let gone = false;
    const data = fs.readFileSync(good);
    const fd = fs.openSync(path.join(drive, 'fw.uf2'), 'w');
    let written = 0;
    for (let o = 0; o < data.length; o += 16384) {
      fs.writeSync(fd, data, o, Math.min(16384, data.length - o));
      written = o + 16384;
      await sleep(20);
      if (!exists(drive)) { gone = true; break; }
    }
    fs.closeSync(fd);
    check('vanish: the drive vanished mid-copy', gone && written < data.length, `after ${written} of ${data.length}`);
    check('vanish: the link went with it', fs.readdirSync(byId).length === 0);
    await sleep(1000);
    check('vanish: the board stays absent', b.lines.length === 0 && await refused(port) && !exists(drive));
    const ev = logEvents(log);
    check('vanish: logged', ev.some((e) => e.event === 'vanished' && e.after_bytes === 200000), JSON.stringify(ev));
  } finally { await b.stop(); }
}

async function badOptions() {
  const run = (args) => new Promise((r) => {
    const p = spawn(process.execPath, [VBOARD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (x) => { err += x; });
    p.on('exit', (code) => r({ code, err }));
  });
  let x = await run(['--bootsel']);
  check('options: --bootsel needs rp2', x.code === 2 && x.err.includes('--bootsel needs --platform rp2'), x.err.split('\n')[0]);
  x = await run(['--platform', 'rp2', '--bootsel']);
  check('options: --bootsel needs --drive-dir', x.code === 2 && x.err.includes('--bootsel needs --drive-dir'), x.err.split('\n')[0]);
  const notOurs = path.join(TMP, 'notours');
  fs.mkdirSync(notOurs);
  fs.writeFileSync(path.join(notOurs, 'precious.txt'), 'x');
  x = await run(['--platform', 'rp2', '--drive-dir', notOurs]);
  check('options: a foreign non-empty --drive-dir is refused', x.code === 2 && exists(path.join(notOurs, 'precious.txt')), x.err);
}

try {
  await badOptions();
  await rp2040FromMicroPython();
  await rp2350Bootsel();
  await vanishingDrive();
} catch (e) {
  failed++;
  console.log(`FAIL exception: ${e.stack}`);
} finally {
  fs.rmSync(TMP, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
