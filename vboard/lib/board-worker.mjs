// The board itself: runs in a worker thread so that running Python code can
// block on "UART" reads (Atomics.wait on the shared input ring) without
// freezing the links. Implements the REPL state machine of pyexec.c:
// friendly REPL (delegated to the port's own readline/REPL), raw REPL and
// raw-paste (implemented here, the port's event-driven REPL lacks raw-paste),
// soft/hard reboots.
import { parentPort, workerData } from 'node:worker_threads';
import { C, OUT_CAP, views } from './shared.mjs';
import { Engine, BoardEvent } from './engine.mjs';
import { VERSION_LINE } from './platforms.mjs';
import { BOARD_ROOT } from './fsutil.mjs';
import { FileService, awaitAck } from './webrepl-files.mjs';

const { ctl, inBuf, outBuf } = views(workerData.shared);
const opts = workerData.opts;
// --chip: the chip (main thread) decides when MicroPython runs: see vboard.mjs, chipCtl.
const chipCtl = new Int32Array(workerData.chipSab, 0, 4);
const chipVer = new Uint8Array(workerData.chipSab, 16, 48);
const IN_CAP = inBuf.length;
// --webrepl: the WA/WB file operations the endpoint (main thread) posts, and its start/stop.
const wsFiles = opts.webrepl >= 0 ? new FileService(workerData.wsSab, BOARD_ROOT) : null;
const serviceWebrepl = () => { if (wsFiles && wsFiles.pending) wsFiles.service(); };
const WS_SLICE = 10; // ms: longest wait before a posted file request is looked at

// ---------------------------------------------------------------- output ----
let muted = false;
let prevOut = 0;
// On a throttled link the output waits in a small buffer, like a UART's: a board that stops
// sending stops soon for the host too (without --baud the ring is large, for speed).
const outLimit = opts.baud ? Math.max(64, Math.min(OUT_CAP, opts.txBuffer)) : OUT_CAP;

function putByte(b) {
  for (let n; (n = Atomics.load(ctl, C.OUT_COUNT)) >= outLimit;) Atomics.wait(ctl, C.OUT_COUNT, n, 50);
  const wi = ctl[C.OUT_WI];
  outBuf[wi] = b;
  ctl[C.OUT_WI] = wi + 1 === OUT_CAP ? 0 : wi + 1;
  Atomics.add(ctl, C.OUT_COUNT, 1);
  Atomics.notify(ctl, C.OUT_COUNT);
}

/** Board stdout: like mp_hal_stdout_tx_strn_cooked, a lone \n goes out as \r\n. */
function cooked(b) {
  if (muted) return;
  if (b === 10 && prevOut !== 13) putByte(13);
  putByte(b);
  prevOut = b;
}

/** Protocol text written by the REPL itself (already has \r\n; latin1 so \x01.. pass through). */
function emit(s) {
  if (muted) return;
  for (let i = 0; i < s.length; i++) putByte(s.charCodeAt(i) & 0xff);
  prevOut = s.charCodeAt(s.length - 1) & 0xff;
}

function emitCookedText(s) {
  for (const b of Buffer.from(s, 'utf8')) cooked(b);
}

// ----------------------------------------------------------------- input ----
function takeByte() {
  if (dataIntr.length) return dataIntr.shift();
  if (Atomics.load(ctl, C.IN_COUNT) === 0) return -1;
  const ri = ctl[C.IN_RI];
  const b = inBuf[ri];
  ctl[C.IN_RI] = ri + 1 === IN_CAP ? 0 : ri + 1;
  Atomics.sub(ctl, C.IN_COUNT, 1);
  Atomics.notify(ctl, C.IN_COUNT); // lets the main thread refill a full ring
  return b;
}

function waitByte(ms) {
  const b = takeByte();
  if (b >= 0) return b;
  if (wsFiles?.pending) return -1;
  // The WebREPL's file requests wake this wait; one posted just before it began is seen
  // within the shorter slice.
  Atomics.wait(ctl, C.IN_COUNT, 0, wsFiles ? Math.min(ms, WS_SLICE) : ms);
  return takeByte();
}

// ------------------------------------------------------ Ctrl-C plumbing ----
// The main thread never puts the interrupt char into the ring while code
// runs; it raises C.INTR instead (like a UART ISR calling
// mp_sched_keyboard_interrupt). Every place where the port lets JS in while
// Python runs (time functions, stdout, stdin, sleep) polls that flag.
let intrScheduled = false;
let tickCount = 0;

// Interrupt chars the main thread took for an interrupt although the program had disabled it
// (micropython.kbd_intr(-1)) before this thread published that: on firmware the UART ISR sees
// the new setting at once, so these bytes are data, read before the ring's.
const dataIntr = [];

function checkIntr() {
  if (Atomics.load(ctl, C.INTR) === 0) return false;
  Atomics.store(ctl, C.INTR, 0);
  if (Atomics.load(ctl, C.RUNNING) === 0) return false;
  const seen = Atomics.load(ctl, C.KBD_CHAR);
  if (seen !== engine.interruptChar()) {
    dataIntr.push(seen);
    refreshKbdChar();
    return false;
  }
  engine.scheduleInterrupt();
  intrScheduled = true;
  return true;
}

function refreshKbdChar() {
  Atomics.store(ctl, C.KBD_CHAR, engine.interruptChar());
}

function setRunning(on) {
  if (on) {
    Atomics.store(ctl, C.INTR, 0);
    Atomics.store(ctl, C.KBD_CHAR, 3);
    Atomics.store(ctl, C.RUNNING, 1);
  } else {
    Atomics.store(ctl, C.RUNNING, 0);
    Atomics.store(ctl, C.INTR, 0); // a Ctrl-C that arrived too late is discarded, as pyexec does
  }
}

// ------------------------------------------------------------ chip reset ----
// --reset-after: the main thread raises C.CHIP_RESET. Running code is unwound at its next
// time call (the port calls one while it waits for stdin, which returns nothing meanwhile)
// by a BoardEvent, as machine.reset() does; an idle board reboots at once. The receive FIFO
// goes with the chip. Code that never reads stdin nor calls a time function is reset when it
// ends (the emulator cannot stop it earlier).
const chipResetRaised = () => Atomics.load(ctl, C.CHIP_RESET) !== 0;

function takeChipReset() {
  if (!chipResetRaised()) return false;
  Atomics.store(ctl, C.CHIP_RESET, 0);
  dataIntr.length = 0;
  while (takeByte() >= 0) { /* the FIFO is gone */ }
  return true;
}

const io = {
  stdin() {
    for (;;) {
      if (chipResetRaised()) return null; // tick() unwinds the program
      if (checkIntr()) return null; // end the read; KeyboardInterrupt follows at the next bytecode check
      refreshKbdChar();
      serviceWebrepl();
      const b = takeByte();
      if (b >= 0) return b;
      Atomics.wait(ctl, C.IN_COUNT, 0, wsFiles ? WS_SLICE : 50);
    }
  },
  stdinReady() {
    serviceWebrepl();
    if (dataIntr.length || Atomics.load(ctl, C.IN_COUNT) > 0) return true;
    Atomics.wait(ctl, C.IN_COUNT, 0, 1); // poll loops spin in wasm: yield a little
    return Atomics.load(ctl, C.IN_COUNT) > 0;
  },
  // Output refreshes the interrupt char first: a host reacts to output, so once it sees what
  // a program printed after micropython.kbd_intr(-1), a 0x03 it sends must be plain data.
  stdout(b) {
    checkIntr();
    refreshKbdChar();
    cooked(b);
  },
  /** sys.stdout.buffer.write: bytes go out unchanged (no \n -> \r\n), like real firmware. */
  stdoutRaw(bytes) {
    checkIntr();
    refreshKbdChar();
    if (muted) return;
    // One write of 64 KiB or more fails in the WebREPL's websocket_write (ENOBUFS): dupterm
    // deactivates it; the serial console gets the data, then the message.
    const wsFailed = wsFiles && bytes.length >= 0x10000 && webreplRequest({ type: 'webrepl-write-fail' }, true)?.res === 1;
    for (let i = 0; i < bytes.length; i++) putByte(bytes[i]);
    prevOut = 0; // text written next is cooked on its own, not against the binary data
    if (wsFailed) emit('dupterm: Exception in write() method, deactivating: OSError: [Errno 105] ENOBUFS\r\n');
  },
  tick() {
    if (takeChipReset()) throw new BoardEvent('reset');
    checkIntr();
    serviceWebrepl();
    if ((++tickCount & 1023) === 0) refreshKbdChar();
  },
  /** Bytes lost to rx overruns so far (`_vboard.rx_overruns()`). */
  rxOverruns() { return Atomics.load(ctl, C.RX_LOST); },
  /** `_vboard.arm_faults()`: the main thread counts fault positions from the next idle moment. */
  armFaults() { parentPort.postMessage({ type: 'arm-faults' }); },
  sleepMs(ms) {
    const end = performance.now() + (Number.isFinite(ms) ? ms : 0);
    for (;;) {
      if (checkIntr()) return;
      serviceWebrepl();
      const rem = end - performance.now();
      if (rem <= 0) return;
      refreshKbdChar();
      Atomics.wait(ctl, C.INTR, 0, Math.min(rem, wsFiles ? WS_SLICE : 50));
    }
  },
};

const engine = new Engine(opts, io);

/** After an execution: drop a KeyboardInterrupt scheduled too late to be raised. */
function afterRun(err) {
  if (intrScheduled && !(err && err.type === 'KeyboardInterrupt')) {
    try { engine.mp.runPython('for _vb in (0,):\n pass\ndel _vb'); } catch { /* discarded */ }
  }
  intrScheduled = false;
}

// --------------------------------------------------------------- WebREPL ----
// The endpoint lives in the main thread; it listens while the board runs, as boot.py's
// webrepl.start() makes a real board do at every boot.
let wsSeq = 0;

/** Waits until the output ring is empty: main has handed everything to the links. */
function drainOut(ms = 5000) {
  const end = performance.now() + ms;
  for (let n; (n = Atomics.load(ctl, C.OUT_COUNT)) > 0 && performance.now() < end;) {
    Atomics.wait(ctl, C.OUT_COUNT, n, 50);
  }
}

/** Posts an endpoint request to main and waits until it is carried out. */
function webreplRequest(msg, drain = false) {
  if (drain) drainOut();
  const seq = ++wsSeq;
  parentPort.postMessage({ ...msg, seq });
  return awaitAck(workerData.wsSab, seq);
}

/**
 * The board resets. Soft: its sockets are closed once what it printed (up to "MPY: soft
 * reboot") has gone out. Hard: the connection is cut.
 */
function webreplDown(soft) {
  if (!wsFiles) return;
  webreplRequest({ type: 'webrepl-down', soft }, soft);
}

/** webrepl_cfg.py's PASS (and BASE), found as `import webrepl_cfg` finds it at boot. */
function webreplConfig() {
  for (const dir of ['', '/lib']) {
    let text;
    try { text = Buffer.from(engine.mp.FS.readFile(`${BOARD_ROOT}${dir}/webrepl_cfg.py`)).toString('utf8'); } catch { continue; }
    const get = (k) => new RegExp(`^\\s*${k}\\s*=\\s*(['"])(.*?)\\1`, 'm').exec(text)?.[2];
    return { pass: get('PASS'), base: get('BASE') };
  }
  return null;
}

/** webrepl.start() as boot.py runs it: the password from the option or webrepl_cfg.PASS. */
function webreplStart() {
  if (!wsFiles) return;
  const override = opts.webreplPassword !== '';
  const cfg = override ? null : webreplConfig();
  const password = override ? opts.webreplPassword : cfg?.pass;
  if (password === undefined) {
    emitCookedText("WebREPL is not configured, run 'import webrepl_setup'\n");
    console.error('vboard: webrepl: no --webrepl-password and no PASS in webrepl_cfg.py: not listening');
    return;
  }
  if (Buffer.byteLength(password) > 9) {
    // _webrepl.password() raises ValueError: the endpoint does not start.
    console.error('vboard: webrepl: PASS in webrepl_cfg.py is longer than 9 bytes (ValueError on a board): not listening');
    return;
  }
  const v = /^v?(\d+)\.(\d+)\.(\d+)/.exec(engine.version || '') || [0, 1, 27, 0];
  const a = webreplRequest({ type: 'webrepl-up', password, base: cfg?.base || '', version: [+v[1], +v[2], +v[3]] });
  if (!a || !a.port) return;
  emitCookedText(`WebREPL server started on http://127.0.0.1:${a.port}/\n` +
    `Started webrepl in ${override ? 'manual override' : 'normal'} mode\n`);
}

// ------------------------------------------------------------ REPL state ----
const versionLine = () => (engine.version ? VERSION_LINE.replace(/v[0-9.]+ on/, `${engine.version} on`) : VERSION_LINE);
const banner = () => `${versionLine()}; ${opts.plat.machine}\r\nType "help()" for more information.\r\n`;
const RAW_BANNER = 'raw REPL; CTRL-B to exit\r\n';

let mode = 'friendly';       // friendly | raw | paste
let line = [];               // raw REPL / raw-paste buffer
let lineLen = 0;             // friendly: chars typed on the current line
let pasteMode = false;       // friendly paste mode (Ctrl-E)
let pasteCount = 0;

function silentReplInit() {
  muted = true;
  try { engine.mp.replInit(); } finally { muted = false; }
  lineLen = 0;
  pasteMode = false;
}

function friendlyPrompt() {
  silentReplInit();
  mode = 'friendly';
  emit(banner() + '>>> ');
}

function runFileIfExists(name) {
  try { engine.mp.FS.stat(`/flash/${name}`); } catch { return null; }
  setRunning(true);
  let err;
  try {
    err = engine.exec(`exec(compile((lambda f: (f.read(), f.close())[0])(open('${name}')), '${name}', 'exec'))`);
  } finally { setRunning(false); }
  afterRun(err);
  if (err && err.type !== 'SystemExit') emitCookedText(err.message);
  return err;
}

/**
 * Boot a fresh interpreter. friendly: run boot.py/main.py and show the banner. `booted` is called
 * once the interpreter exists, before boot.py (on an RP2 the USB serial port is up by then).
 */
async function reboot(cause, toMode, booted = null) {
  webreplDown(cause === 5);
  await engine.boot(cause);
  wsFiles?.reset(engine.mp.FS);
  booted?.();
  webreplStart();
  line = [];
  if (toMode === 'raw') {
    silentReplInit();
    mode = 'raw';
    emit(RAW_BANNER + '>');
    return;
  }
  runFileIfExists('boot.py');
  runFileIfExists('main.py');
  friendlyPrompt();
}

/** The version the main thread published in chipSab (--chip: the app's; rp2: the flash image's). */
function publishedVersion() {
  const n = Atomics.load(chipCtl, 3);
  return n ? Buffer.from(chipVer.subarray(0, n)).toString('latin1') : '';
}

/**
 * rp2 with --drive-dir: the board is in BOOTSEL (the main thread shows the drive). MicroPython
 * runs again once the bootrom has taken a complete UF2 and rebooted into the flash image.
 */
async function bootselGate() {
  setRunning(false);
  dataIntr.length = 0;
  for (;;) {
    Atomics.store(ctl, C.CHIP_RESET, 0);
    while (takeByte() >= 0) { /* no serial port in BOOTSEL */ }
    if (Atomics.load(chipCtl, 0) === 1) break;
    Atomics.wait(chipCtl, 0, 0, 200);
  }
  engine.version = publishedVersion();
  await reboot(Atomics.load(chipCtl, 2) || 3, 'friendly', () => parentPort.postMessage({ type: 'booted' }));
}

async function bootloader() {
  webreplDown(false);
  if (opts.rp2Drive) {
    Atomics.store(chipCtl, 0, 0);
    parentPort.postMessage({ type: 'bootloader' });
    await bootselGate();
    return;
  }
  parentPort.postMessage({ type: 'bootloader' });
  Atomics.store(ctl, C.RUNNING, 0);
  const until = opts.bootloaderMs > 0 ? performance.now() + opts.bootloaderMs : Infinity;
  // In the ROM loader the board ignores the REPL: swallow input silently.
  while (performance.now() < until) waitByte(Math.min(100, until - performance.now()));
  parentPort.postMessage({ type: 'booted' });
  await reboot(1, 'friendly');
}

/**
 * --chip: the chip is in reset, in its ROM or in a boot loop: MicroPython is not running. Wait
 * until the chip boots a valid app, then boot with that app's version.
 */
async function chipGate() {
  setRunning(false);
  dataIntr.length = 0;
  for (;;) {
    Atomics.store(ctl, C.CHIP_RESET, 0);
    while (takeByte() >= 0) { /* the UART FIFO belongs to the ROM now */ }
    if (Atomics.load(chipCtl, 0) === 1) break;
    Atomics.wait(chipCtl, 0, 0, 200);
  }
  engine.version = publishedVersion();
  await reboot(Atomics.load(chipCtl, 2) || 1, 'friendly');
}

async function handleEvent(e) {
  if (opts.chip) {
    // machine.reset() / machine.bootloader(): the chip resets (from flash / into its ROM).
    if (e.kind === 'machine-reset' || e.kind === 'bootloader') {
      Atomics.store(chipCtl, 0, 0);
      parentPort.postMessage({ type: 'chip-reset', download: e.kind === 'bootloader' });
    }
    await chipGate();
    return;
  }
  if (e.kind === 'reset' || e.kind === 'machine-reset') {
    setRunning(false);
    await reboot(2, 'friendly');
  } else if (e.kind === 'bootloader') {
    setRunning(false);
    await bootloader();
  }
}

/** A reboot can itself hit machine.reset() (e.g. in main.py): loop until settled. */
async function handleEvents(e) {
  for (let ev = e; ev;) {
    try { await handleEvent(ev); ev = null; } catch (e2) {
      if (!(e2 instanceof BoardEvent)) throw e2;
      ev = e2;
    }
  }
}

/** Raw REPL execution with EOF framing: stdout \x04 traceback \x04 (caller adds '>'). */
function rawExec(src) {
  setRunning(true);
  let err;
  try { err = engine.exec(src); } finally { setRunning(false); }
  if (takeChipReset()) throw new BoardEvent('reset');
  afterRun(err);
  emit('\x04');
  if (err && err.type === 'SystemExit') { emit('\x04'); return 'soft'; }
  if (err) emitCookedText(err.message);
  emit('\x04');
  return null;
}

const decoder = new TextDecoder();

async function rawByte(b) {
  if (b === 0x01) {
    if (line.length === 2 && line[0] === 0x05 && opts.rawPaste !== 'silent') {
      const cmd = line[1];
      line = [];
      if (cmd === 0x41 && opts.rawPaste === 'yes') {
        const w = opts.rawPasteWindow;
        // Like firmware (mp_reader_new_stdin): the window size, then one \x01 at once, so two
        // windows are free at the start. The REPL's own input is never lost (board-input.mjs).
        emit('R\x01' + String.fromCharCode(w & 0xff, w >> 8) + '\x01');
        mode = 'paste';
        pasteCount = 0;
      } else {
        emit('R\x00>');
      }
      return;
    }
    line = [];
    emit(RAW_BANNER + '>');
  } else if (b === 0x02) {
    line = [];
    emit('\r\n');
    friendlyPrompt();
  } else if (b === 0x03) {
    line = [];
  } else if (b === 0x04) {
    emit('OK');
    if (line.length === 0) {
      emit('\r\nMPY: soft reboot\r\n');
      await reboot(5, 'raw');
      return;
    }
    const src = decoder.decode(Uint8Array.from(line));
    line = [];
    if (rawExec(src) === 'soft') {
      emit('MPY: soft reboot\r\n');
      await reboot(5, 'raw');
      return;
    }
    emit('>');
  } else {
    line.push(b);
  }
}

async function pasteByte(b) {
  if (b === 0x04 || b === 0x03) {
    emit('\x04'); // end of input acknowledged
    const src = decoder.decode(Uint8Array.from(line));
    line = [];
    mode = 'raw';
    if (b === 0x03) {
      emit('\x04KeyboardInterrupt: \r\n\x04>');
      return;
    }
    if (rawExec(src) === 'soft') {
      emit('MPY: soft reboot\r\n');
      await reboot(5, 'raw');
      return;
    }
    emit('>');
    return;
  }
  line.push(b);
  if (++pasteCount % opts.rawPasteWindow === 0) emit('\x01'); // window consumed: host may send more
}

async function friendlyByte(b) {
  if (!pasteMode && lineLen === 0 && b === 0x01) {
    emit('\r\n');
    mode = 'raw';
    line = [];
    emit(RAW_BANNER + '>');
    return;
  }
  if (!pasteMode && lineLen === 0 && b === 0x02) {
    emit('\r\n');
    friendlyPrompt();
    return;
  }
  const mayRun = b === 13 || b === 10 || (pasteMode && b === 4);
  if (mayRun) setRunning(true);
  let ret;
  try {
    ret = engine.mp.replProcessChar(b);
  } finally {
    if (mayRun) { setRunning(false); afterRun(null); }
  }
  if (b === 0x05 && lineLen === 0) pasteMode = true;
  else if (b === 13 || b === 10 || b === 3) { lineLen = 0; if (b === 3) pasteMode = false; }
  else if (b === 4 && pasteMode) pasteMode = false;
  else if (b === 8 || b === 0x7f) lineLen = Math.max(0, lineLen - 1);
  else if (b >= 0x20) lineLen++;
  if (ret) {
    // PYEXEC_FORCED_EXIT: Ctrl-D on an empty line, or SystemExit.
    emit('MPY: soft reboot\r\n');
    await reboot(5, 'friendly');
  }
}

async function main() {
  if (opts.chip) {
    parentPort.postMessage({ type: 'ready' });
    await handleEvents(new BoardEvent('reset'));
  } else if (opts.rp2Drive && opts.bootsel) {
    // --bootsel: BOOTSEL held at power-on, the bootrom's drive first.
    parentPort.postMessage({ type: 'ready' });
    try { await bootselGate(); } catch (e) {
      if (!(e instanceof BoardEvent)) throw e;
      await handleEvents(e);
    }
  } else if (opts.rp2Drive) {
    engine.version = publishedVersion(); // the image in the flash file (none: the port's own)
    await reboot(1, 'friendly');
    parentPort.postMessage({ type: 'ready' });
  } else {
    await reboot(1, 'friendly');
    parentPort.postMessage({ type: 'ready' });
  }
  for (;;) {
    const b = waitByte(1000);
    serviceWebrepl();
    try {
      if (takeChipReset()) throw new BoardEvent('reset');
      if (b < 0) continue;
      if (mode === 'friendly') await friendlyByte(b);
      else if (mode === 'raw') await rawByte(b);
      else await pasteByte(b);
    } catch (e) {
      if (e instanceof BoardEvent) await handleEvents(e);
      else {
        console.error('vboard: internal error:', e);
        await reboot(2, 'friendly');
      }
    }
  }
}

main().catch((e) => { console.error('vboard: worker died:', e); process.exit(1); });
