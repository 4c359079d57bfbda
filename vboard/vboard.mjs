#!/usr/bin/env node
// Virtual MicroPython board: see README.md. Prints exactly one line on stdout:
//   READY pty=<path> tcp=127.0.0.1:<port>
// and logs everything else to stderr. (An rp2 board with --drive-dir prints a READY line again
// each time it comes back from BOOTSEL.)
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import net from 'node:net';
import { parseOptions, USAGE } from './lib/options.mjs';
import { C, createShared, views, ringTake, ringPut } from './lib/shared.mjs';
import { Throttle } from './lib/throttle.mjs';
import { BoardInput } from './lib/board-input.mjs';
import { TcpLink, PtyLink } from './lib/links.mjs';
import { Faults } from './lib/faults.mjs';
import { Rfc2217Link } from './lib/rfc2217.mjs';
import { EspChip, MACHINES } from './lib/esp-chip.mjs';
import { Rp2Bootsel } from './lib/rp2-bootsel.mjs';
import { WebReplServer } from './lib/webrepl.mjs';
import { FileMailbox, createWebreplShared, ack } from './lib/webrepl-files.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HIGH_WATER = 64 * 1024;
const log = (...a) => console.error('vboard:', ...a);

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  console.error(`vboard: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (opts.help) { process.stderr.write(USAGE); process.exit(0); }

// The MicroPython VM comes from npm. Without it (no `npm ci` yet) the board worker would die with
// a module-not-found stack trace: say so in one line on stdout instead of READY.
try {
  import.meta.resolve('@micropython/micropython-webassembly-pyscript');
} catch (e) {
  process.stdout.write(`ERROR\tthe virtual board's npm packages are missing (${HERE}/node_modules)` +
                       `\trun npm ci in ${HERE}\n`);
  process.exit(1);
}

if (opts.chip) opts.plat = { ...opts.plat, machine: MACHINES[opts.chip] };
// A host that stopped reading our stdout (it only wanted the first READY line) must not kill us.
process.stdout.on('error', () => {});
const shared = createShared(opts.rxBuffer);
// --chip: the board's MicroPython only runs while the chip has booted a valid app from flash.
// chipCtl[0] RUN (0 held, 1 run), [1] boot generation, [2] reset cause, [3] version length,
// bytes 16.. the version from the app's esp_app_desc_t.
const chipSab = new SharedArrayBuffer(64);
const chipCtl = new Int32Array(chipSab, 0, 4);
const chipVer = new Uint8Array(chipSab, 16, 48);

/** The version MicroPython reports at its next boot (the worker reads it in its gate). */
function publishVersion(version) {
  const v = Buffer.from(version || '', 'latin1').subarray(0, chipVer.length);
  chipVer.fill(0);
  chipVer.set(v);
  Atomics.store(chipCtl, 3, v.length);
}

const { ctl, outBuf, inBuf } = views(shared);
const bytesPerSec = opts.baud ? opts.baud / 10 : 0;

// --- links ---------------------------------------------------------------
let active = null; // link that receives board output
let silent = false; // board in bootloader: link dropped, input ignored
const sources = [];

const boardInput = new BoardInput(ctl, views(shared).inBuf, opts.link, () => checkPressure());
const faults = new Faults(opts, {
  cut() {
    inThrottle.clear();
    outThrottle.clear();
    if (active === tcp && tcp.connected) { tcp.dropClient(); return true; }
    if (rfc && active === rfc && rfc.connected) { rfc.clear(); rfc.dropClient(); return true; }
    return false;
  },
  reset() {
    if (chip) { inThrottle.clear(); chip.softwareReset(false); return; }
    // The receive FIFO goes with the chip; the worker drops what its ring holds.
    inThrottle.clear();
    boardInput.clear();
    Atomics.store(ctl, C.CHIP_RESET, 1);
    Atomics.notify(ctl, C.IN_COUNT);
  },
}, log);
const inThrottle = new Throttle(bytesPerSec, opts.latency, (d) => deliver(d));

/** Host bytes as they reach the chip (after the link's throttle): faults, then board or ROM. */
function deliver(d) {
  if (silent) return;
  if (!faults.active) { toChip(d); return; }
  const r = faults.inbound(d);
  if (r.data.length) toChip(r.data);
  if (r.fire) r.fire();
}

function toChip(d) {
  if (chip && !chip.running) chip.rx(d);
  else boardInput.push(d);
}

function fromHost(data, link) {
  active = link;
  inThrottle.write(new Uint8Array(data));
  checkPressure();
}

let pausedIn = false;
function checkPressure() {
  const waiting = inThrottle.queued + boardInput.pendingBytes;
  const want = waiting > HIGH_WATER;
  if (want !== pausedIn) {
    pausedIn = want;
    for (const s of sources) s.pause(want);
  }
}

const tcp = new TcpLink(fromHost, log);
let pty = opts.noPty ? null : new PtyLink(fromHost, log);
sources.push(tcp);
if (pty) sources.push(pty);
tcp.onConnect = () => { active = tcp; };
tcp.onDisconnect = () => { if (active === tcp) active = pty; };

// --- WebREPL (--webrepl) ------------------------------------------------------
// The board's network REPL: a dupterm beside the serial console (output mirrored to it, its
// input merged into the same stdin ring, where what does not fit is dropped).
const wsSab = createWebreplShared();
let webreplPort = 0;
let webrepl = null;
if (opts.webrepl >= 0) {
  const one = new Uint8Array(1);
  webrepl = new WebReplServer({
    log,
    console: (b) => { if (!silent) outThrottle.write(new Uint8Array(b)); },
    // dupterm_notify: ringbuf_put drops a byte that does not fit.
    stdinPut: (b) => { one[0] = b; return ringPut(ctl, inBuf, C.IN_COUNT, C.IN_WI, one) === 1; },
    isInterrupt: (b) => {
      if (Atomics.load(ctl, C.RUNNING) !== 1 || b !== Atomics.load(ctl, C.KBD_CHAR)) return false;
      Atomics.store(ctl, C.INTR, 1);
      Atomics.notify(ctl, C.INTR);
      Atomics.notify(ctl, C.IN_COUNT);
      return true;
    },
    files: new FileMailbox(wsSab, () => { Atomics.notify(ctl, C.IN_COUNT); Atomics.notify(ctl, C.INTR); }),
  });
}

/** The worker's requests about the endpoint, carried out in order. */
let wsQueue = Promise.resolve();
function webreplMessage(m) {
  wsQueue = wsQueue.then(async () => {
    let res = 0;
    if (m.type === 'webrepl-up') {
      try {
        webreplPort = await webrepl.listen(webreplPort, m);
        log(`webrepl: listening on 127.0.0.1:${webreplPort}`);
      } catch (e) {
        log(`webrepl: cannot listen on 127.0.0.1:${webreplPort}: ${e.message}`);
      }
    } else if (m.type === 'webrepl-down') {
      if (webrepl.listening) log(`webrepl: endpoint closed (${m.soft ? 'soft' : 'hard'} reset)`);
      webrepl.down(m.soft);
    } else if (m.type === 'webrepl-write-fail') {
      res = webrepl.writeFailed() ? 1 : 0;
    }
    ack(wsSab, m.seq, webrepl.listening ? webreplPort : 0, res);
  }).catch((e) => log('webrepl:', e.message));
}

let chip = null;
let rfc = null;
if (opts.chip) {
  chip = new EspChip(opts, {
    toHost: (d) => outThrottle.write(d),
    hold() {
      webrepl?.down(false);
      Atomics.store(chipCtl, 0, 0);
      inThrottle.clear();
      outThrottle.clear();
      boardInput.clear();
      Atomics.store(ctl, C.CHIP_RESET, 1);
      Atomics.notify(ctl, C.IN_COUNT);
    },
    run(version, cause) {
      publishVersion(version);
      Atomics.store(chipCtl, 2, cause);
      Atomics.add(chipCtl, 1, 1);
      Atomics.store(chipCtl, 0, 1);
      Atomics.notify(chipCtl, 0);
    },
    log,
  });
  rfc = new Rfc2217Link(opts, {
    toBoard: (d) => { active = rfc; deliver(d); },
    lines: (dtr, rts) => chip.setLines(dtr, rts),
    chipBaud: (dir) => {
      // The ROM auto-bauds on what it receives until CHANGE_BAUDRATE fixes its rate.
      if (dir === 'in' && chip.state === 'rom' && !chip.rom.baudFixed) chip.uartBaud = rfc.baud;
      return chip.uartBaud;
    },
    onConnect: () => { active = rfc; },
    onDisconnect: () => { if (active === rfc) active = pty; },
  }, log);
  sources.push(rfc);
}

// --- board -> host ---------------------------------------------------------
// Throttled, the line holds what it sends in the next 20 ms (the board's --tx-buffer holds the
// rest): the host sees the board stop soon after it stops.
const outHighWater = bytesPerSec ? Math.max(256, Math.ceil(bytesPerSec / 50)) : HIGH_WATER;
const outThrottle = new Throttle(bytesPerSec, opts.latency, (d) => {
  const link = active && (active !== tcp || tcp.connected) && (active !== rfc || rfc.connected) ? active : pty;
  if (!link || silent) return;
  const out = faults.active ? faults.outbound(d) : d;
  if (out.length) link.write(out);
});

const rfcHighWater = () => Math.max(256, Math.ceil(rfc.baud / 10 / 50));

async function drainOutput() {
  for (;;) {
    // A WebREPL client that does not read holds the board back (its writes block).
    if (outThrottle.queued > outHighWater || (rfc && rfc.outQueued > rfcHighWater()) ||
        (webrepl && webrepl.backlog > HIGH_WATER)) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const chunk = ringTake(ctl, outBuf, C.OUT_COUNT, C.OUT_RI, 16384);
    // Output of a board whose chip has been reset meanwhile is gone with the chip.
    if (chunk) {
      if (!chip || chip.running) {
        outThrottle.write(chunk);
        if (webrepl && !silent) webrepl.output(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      }
      continue;
    }
    const w = Atomics.waitAsync(ctl, C.OUT_COUNT, 0, 1000);
    if (w.async) await w.value;
  }
}

// --- RP2 BOOTSEL (--drive-dir) -----------------------------------------------
// In BOOTSEL the board's serial endpoints are gone (pty closed and its link removed, TCP listener
// closed) and the bootrom's drive is there; after a complete UF2 they come back on the same link
// path and TCP port, and a READY line says so again.
let bootsel = null;
let tcpPort = opts.tcpPort;
let endpoints = Promise.resolve(); // endpoint changes, one at a time
if (opts.rp2Drive) {
  try {
    bootsel = new Rp2Bootsel(opts, {
      log,
      run(version, cause) {
        publishVersion(version);
        Atomics.store(chipCtl, 2, cause);
        Atomics.store(chipCtl, 0, 1);
        Atomics.notify(chipCtl, 0);
      },
      unplugged() { log('board unplugged (--drive-vanish-after): it stays absent'); },
    });
  } catch (e) {
    console.error(`vboard: ${e.message}`);
    process.exit(2);
  }
  publishVersion(bootsel.flashVersion());
}

async function endpointsDown() {
  silent = true;
  inThrottle.clear();
  outThrottle.clear();
  boardInput.clear();
  await tcp.stop();
  if (pty) {
    pty.close();
    sources.splice(sources.indexOf(pty), 1);
    pty = null;
  }
  if (opts.ptyLink) { try { fs.unlinkSync(opts.ptyLink); } catch { /* none */ } }
  active = null;
}

/** Opens the pty (its link) and the TCP listener on the board's port; returns the pty path. */
async function endpointsUp() {
  tcpPort = await tcp.listen(tcpPort);
  let ptyPath = '';
  if (!opts.noPty) {
    pty = new PtyLink(fromHost, log);
    sources.push(pty);
    ptyPath = await pty.start();
    if (pausedIn) pty.pause(true);
    if (opts.ptyLink) {
      try { fs.unlinkSync(opts.ptyLink); } catch { /* none */ }
      fs.symlinkSync(ptyPath, opts.ptyLink);
    }
  }
  active = pty;
  silent = false;
  return ptyPath;
}

function enterBootsel() {
  endpoints = endpoints.then(async () => {
    if (!silent) await endpointsDown();
    bootsel.enter();
  }).catch((e) => { log('entering BOOTSEL failed:', e.message); shutdown(1); });
}

function leaveBootsel() {
  endpoints = endpoints.then(async () => {
    const ptyPath = await endpointsUp();
    bootsel.event('rebooted', { version: bootsel.bootedVersion || null, pty: ptyPath || null, tcp: tcpPort });
    process.stdout.write(`READY pty=${ptyPath} tcp=127.0.0.1:${tcpPort}${webreplPart()}\n`);
  }).catch((e) => { log('serial endpoints did not come back:', e.message); shutdown(1); });
}

/** --bootsel: a TCP port for the board, free now and used once it has been flashed. */
function reservePort(port) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
  });
}

// --- start -----------------------------------------------------------------
if (webrepl) {
  try {
    webreplPort = await reservePort(opts.webrepl);
  } catch (e) {
    console.error(`vboard: --webrepl ${opts.webrepl}: ${e.message}`);
    process.exit(2);
  }
}
const webreplPart = () => (webrepl ? ` webrepl=127.0.0.1:${webreplPort}` : '');
const worker = new Worker(path.join(HERE, 'lib', 'board-worker.mjs'), {
  workerData: { shared, opts, chipSab, wsSab },
});
worker.on('error', (e) => { log('board worker error:', e); shutdown(1); });
worker.on('exit', (code) => { if (!shuttingDown) { log(`board worker exited (${code})`); shutdown(1); } });

let shuttingDown = false;
function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  if (webrepl?.dropped) log(`webrepl: ${webrepl.dropped} input bytes dropped (stdin ring full)`);
  try { webrepl?.close(); } catch { /* ignore */ }
  const lost = Atomics.load(ctl, C.RX_LOST);
  if (lost > 0) log(`${lost} bytes lost to rx overruns`);
  if (faults.flips[0] + faults.flips[1] > 0) {
    log(`noise flipped ${faults.flips[0]} host->board and ${faults.flips[1]} board->host bytes`);
  }
  try { tcp.close(); } catch { /* ignore */ }
  try { rfc?.close(); } catch { /* ignore */ }
  try { chip?.close(); } catch { /* ignore */ }
  try { bootsel?.close(); } catch { /* ignore */ }
  try { pty?.close(); } catch { /* ignore */ }
  if (opts.ptyLink) { try { fs.unlinkSync(opts.ptyLink); } catch { /* ignore */ } }
  worker.terminate().finally(() => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}
process.on('SIGTERM', () => shutdown(0));
// Test hooks: SIGUSR1 arms the faults (as _vboard.arm_faults()), SIGUSR2 disarms them.
process.on('SIGUSR1', () => faults.requestArm());
process.on('SIGUSR2', () => faults.disarm());
process.on('SIGINT', () => shutdown(0));
// rp2 with --drive-dir: SIGHUP presses the board's RESET button (RUN pin). In BOOTSEL the flash
// image boots (a blank flash stays in BOOTSEL); running MicroPython resets as after a chip reset.
if (bootsel) {
  process.on('SIGHUP', () => {
    if (bootsel.reset() || bootsel.state !== 'off') return;
    inThrottle.clear();
    boardInput.clear();
    Atomics.store(ctl, C.CHIP_RESET, 1);
    Atomics.notify(ctl, C.IN_COUNT);
  });
}

const ready = new Promise((resolve) => {
  worker.on('message', (m) => {
    if (m.type === 'ready') resolve();
    else if (m.type.startsWith('webrepl-')) webreplMessage(m);
    else if (m.type === 'bootloader' && bootsel) {
      log('board entered BOOTSEL');
      enterBootsel();
    } else if (m.type === 'booted' && bootsel) {
      leaveBootsel();
    } else if (m.type === 'bootloader') {
      silent = true;
      inThrottle.clear();
      outThrottle.clear();
      boardInput.clear();
      tcp.dropClient();
      log('board entered bootloader');
    } else if (m.type === 'booted') {
      silent = false;
    } else if (m.type === 'chip-reset') {
      chip?.softwareReset(m.download);
    } else if (m.type === 'arm-faults') {
      faults.requestArm();
    }
  });
});

try {
  if (bootsel && opts.bootsel) {
    // BOOTSEL held at power-on: only the drive. READY names the TCP port the board will use
    // (nothing listens on it until a UF2 has been flashed).
    silent = true;
    pty = null;
    sources.splice(0, sources.length, tcp);
    tcpPort = await reservePort(opts.tcpPort);
    drainOutput();
    await ready;
    bootsel.enter();
    process.stdout.write(`READY pty= tcp=127.0.0.1:${tcpPort}${webreplPart()} drive=${bootsel.drive}\n`);
  } else {
    tcpPort = await tcp.listen(opts.tcpPort);
    let ptyPath = '';
    if (pty) {
      ptyPath = await pty.start();
      active = pty;
      if (opts.ptyLink) {
        try { fs.unlinkSync(opts.ptyLink); } catch { /* none */ }
        fs.symlinkSync(ptyPath, opts.ptyLink);
      }
    }
    let rfcPart = '';
    if (rfc) rfcPart = ` rfc2217=127.0.0.1:${await rfc.listen(opts.rfc2217Port)}`;
    drainOutput();
    await ready;
    chip?.powerOn();
    process.stdout.write(`READY pty=${ptyPath} tcp=127.0.0.1:${tcpPort}${rfcPart}${webreplPart()}\n`);
  }
} catch (e) {
  log('startup failed:', e.message);
  shutdown(1);
}
