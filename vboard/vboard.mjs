#!/usr/bin/env node
// Virtual MicroPython board: see README.md. Prints exactly one line on stdout:
//   READY pty=<path> tcp=127.0.0.1:<port>
// and logs everything else to stderr.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import { parseOptions, USAGE } from './lib/options.mjs';
import { C, createShared, views, ringTake } from './lib/shared.mjs';
import { Throttle } from './lib/throttle.mjs';
import { BoardInput } from './lib/board-input.mjs';
import { TcpLink, PtyLink } from './lib/links.mjs';
import { Faults } from './lib/faults.mjs';

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

const shared = createShared(opts.rxBuffer);
const { ctl, outBuf } = views(shared);
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
    return false;
  },
  reset() {
    // The receive FIFO goes with the chip; the worker drops what its ring holds.
    inThrottle.clear();
    boardInput.clear();
    Atomics.store(ctl, C.CHIP_RESET, 1);
    Atomics.notify(ctl, C.IN_COUNT);
  },
}, log);
const inThrottle = new Throttle(bytesPerSec, opts.latency, (d) => {
  if (silent) return;
  if (!faults.active) { boardInput.push(d); return; }
  const r = faults.inbound(d);
  if (r.data.length) boardInput.push(r.data);
  if (r.fire) r.fire();
});

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
const pty = opts.noPty ? null : new PtyLink(fromHost, log);
sources.push(tcp);
if (pty) sources.push(pty);
tcp.onConnect = () => { active = tcp; };
tcp.onDisconnect = () => { if (active === tcp) active = pty; };

// --- board -> host ---------------------------------------------------------
// Throttled, the line holds what it sends in the next 20 ms (the board's --tx-buffer holds the
// rest): the host sees the board stop soon after it stops.
const outHighWater = bytesPerSec ? Math.max(256, Math.ceil(bytesPerSec / 50)) : HIGH_WATER;
const outThrottle = new Throttle(bytesPerSec, opts.latency, (d) => {
  const link = active && (active !== tcp || tcp.connected) ? active : pty;
  if (!link || silent) return;
  const out = faults.active ? faults.outbound(d) : d;
  if (out.length) link.write(out);
});

async function drainOutput() {
  for (;;) {
    if (outThrottle.queued > outHighWater) { await new Promise((r) => setTimeout(r, 5)); continue; }
    const chunk = ringTake(ctl, outBuf, C.OUT_COUNT, C.OUT_RI, 16384);
    if (chunk) { outThrottle.write(chunk); continue; }
    const w = Atomics.waitAsync(ctl, C.OUT_COUNT, 0, 1000);
    if (w.async) await w.value;
  }
}

// --- start -----------------------------------------------------------------
const worker = new Worker(path.join(HERE, 'lib', 'board-worker.mjs'), {
  workerData: { shared, opts },
});
worker.on('error', (e) => { log('board worker error:', e); shutdown(1); });
worker.on('exit', (code) => { if (!shuttingDown) { log(`board worker exited (${code})`); shutdown(1); } });

let shuttingDown = false;
function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  const lost = Atomics.load(ctl, C.RX_LOST);
  if (lost > 0) log(`${lost} bytes lost to rx overruns`);
  if (faults.flips[0] + faults.flips[1] > 0) {
    log(`noise flipped ${faults.flips[0]} host->board and ${faults.flips[1]} board->host bytes`);
  }
  try { tcp.close(); } catch { /* ignore */ }
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

const ready = new Promise((resolve) => {
  worker.on('message', (m) => {
    if (m.type === 'ready') resolve();
    else if (m.type === 'bootloader') {
      silent = true;
      inThrottle.clear();
      outThrottle.clear();
      boardInput.clear();
      tcp.dropClient();
      log('board entered bootloader');
    } else if (m.type === 'booted') {
      silent = false;
    } else if (m.type === 'arm-faults') {
      faults.requestArm();
    }
  });
});

try {
  const port = await tcp.listen(opts.tcpPort);
  let ptyPath = '';
  if (pty) {
    ptyPath = await pty.start();
    active = pty;
    if (opts.ptyLink) {
      try { fs.unlinkSync(opts.ptyLink); } catch { /* none */ }
      fs.symlinkSync(ptyPath, opts.ptyLink);
    }
  }
  drainOutput();
  await ready;
  process.stdout.write(`READY pty=${ptyPath} tcp=127.0.0.1:${port}\n`);
} catch (e) {
  log('startup failed:', e.message);
  shutdown(1);
}
