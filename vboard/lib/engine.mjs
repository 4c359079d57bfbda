// One MicroPython interpreter instance = one "power cycle" of the board.
//
// A reboot (soft or machine reset) throws the whole wasm instance away and
// creates a fresh one: that is the only way to really clear RAM. The board's
// files survive because they are snapshotted out of the old instance's
// Emscripten FS and copied into the new one (see fsutil.mjs).
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';
import { wrapImportsErrno } from './errno.mjs';
import { BOARD_ROOT, STATE_ROOT, copyIn, copyOut, usedBlocks } from './fsutil.mjs';

const BOARD_PY_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'board');
const SYS_DIR = '/vbsys'; // where board-support .py files are placed for import at boot
const BS = 4096;

/** Thrown from JS callbacks to unwind out of running Python (machine.reset etc.). */
export class BoardEvent extends Error {
  constructor(kind) { super(kind); this.kind = kind; }
}

// --- wasm instantiation hook -------------------------------------------------
// loadMicroPython() gives no way to reach the wasm imports, so the global
// WebAssembly.instantiate is wrapped: it lets us (1) compile the module once
// and reuse it for every reboot and (2) wrap imports: errno translation and
// the time functions that running code calls, where a pending Ctrl-C from
// the host is turned into KeyboardInterrupt.
let compiled = null;
let tickHook = () => {};
let lastMemory = null; // linear memory of the most recently created instance
const origInstantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate = async (src, imports) => {
  if (imports?.env?.mp_js_ticks_ms) {
    wrapImportsErrno(imports);
    for (const name of ['mp_js_ticks_ms', 'mp_js_time_ms']) {
      const f = imports.env[name];
      imports.env[name] = () => { tickHook(); return f(); };
    }
    if (!compiled) compiled = src instanceof WebAssembly.Module ? src : await WebAssembly.compile(src);
    const instance = await origInstantiate(compiled, imports);
    lastMemory = instance.exports.memory;
    return { module: compiled, instance };
  }
  return origInstantiate(src, imports);
};

export class Engine {
  /**
   * @param opts  parsed CLI options (platform info, heap, fsSize, ...)
   * @param io    { stdin(): number|null, stdout(byte), stdoutRaw(Uint8Array), tick(), sleepMs(ms),
   *                rxOverruns(): number, machineReset(), bootloader() }
   */
  constructor(opts, io) {
    this.opts = opts;
    this.io = io;
    this.mp = null;
    this.snapshot = null;          // files carried across reboots
    this.bootLabel = 'ota_0';      // esp32 OTA boot selection (otadata)
    this.runningLabel = 'ota_0';
    this.resetCause = 1;           // PWRON_RESET
    tickHook = () => io.tick();
  }

  get module() { return this.mp._module; }

  /** Create a fresh interpreter with the board's files; `cause` per machine.reset_cause(). */
  async boot(cause) {
    if (this.mp) {
      const snap = { dirs: [BOARD_ROOT, STATE_ROOT], files: {} };
      copyOut(this.mp.FS, BOARD_ROOT, snap);
      copyOut(this.mp.FS, STATE_ROOT, snap);
      this.snapshot = snap;
    }
    this.resetCause = cause;
    if (cause !== 5) this.runningLabel = this.bootLabel; // a hard reset boots the selected OTA slot
    const io = this.io;
    this.mp = await loadMicroPython({
      heapsize: Math.max(this.opts.heap * 2, 256 * 1024),
      pystack: 4096,
      linebuffer: false,
      stdin: () => io.stdin(),
      stdout: (b) => io.stdout(b[0]),
      stderr: (b) => io.stdout(b[0]),
    });
    this.memory = lastMemory;
    const FS = this.mp.FS;
    this.#setupFs(FS);
    this.#patchFs(FS);
    this.#patchStdinPoll(FS);
    this.#registerConfig();
    this.mp.runPython(`import sys\nsys.path.insert(0, '${SYS_DIR}')\nimport _vb_boot\nsys.path.pop(0)\ndel sys, _vb_boot`);
    this.kbdIntr = this.mp.pyimport('micropython').kbd_intr;
  }

  #setupFs(FS) {
    const snap = this.snapshot;
    if (snap) {
      copyIn(FS, snap);
    } else {
      FS.mkdir(BOARD_ROOT);
      FS.mkdir(BOARD_ROOT + '/lib');
      FS.mkdir(STATE_ROOT);
      this.#createFlashImages(FS);
    }
    FS.mkdir(SYS_DIR);
    for (const f of readdirSync(BOARD_PY_DIR)) {
      if (f.endsWith('.py')) FS.writeFile(`${SYS_DIR}/${f}`, readFileSync(path.join(BOARD_PY_DIR, f)));
    }
    FS.chdir(BOARD_ROOT);
  }

  /** Raw flash images for esp32.Partition / rp2.Flash, erased (0xFF) with a littlefs superblock where a FS lives. */
  #createFlashImages(FS) {
    const img = (p, size, fs) => {
      const a = new Uint8Array(size).fill(0xff);
      if (fs) { a.set([0, 0, 0, 0, 0xf0, 0x0f, 0xff, 0xf7]); a.set(Buffer.from('littlefs'), 8); }
      FS.writeFile(p, a);
    };
    if (this.opts.platform === 'esp32') {
      FS.mkdir(STATE_ROOT + '/esp32');
      const parts = { nvs: 0x4000, otadata: 0x2000, phy_init: 0x1000, ota_0: 0x180000, ota_1: 0x180000, vfs: 0xf0000 };
      for (const [label, size] of Object.entries(parts)) {
        const a = `${STATE_ROOT}/esp32/${label}.bin`;
        img(a, size, label === 'vfs');
      }
      // The running slot's app image (MicroPython itself) is written by board/esp32.py.
    } else if (this.opts.platform === 'rp2') {
      FS.mkdir(STATE_ROOT + '/rp2');
      img(`${STATE_ROOT}/rp2/flash.bin`, this.opts.plat.fsBlocks * BS, true);
    }
  }

  /** Filesystem capacity (ENOSPC), statvfs figures and slow-flash emulation. */
  #patchFs(FS) {
    const opts = this.opts;
    const totalBlocks = Math.floor(opts.fsSize / BS);
    // Writes run out this many blocks before statvfs says so (--fs-hidden-blocks).
    const usableBlocks = Math.max(0, totalBlocks - opts.fsHiddenBlocks);
    const onBoard = (stream) => (stream.path || '').startsWith(BOARD_ROOT + '/');
    const origWrite = FS.write.bind(FS);
    const delayCell = new Int32Array(new SharedArrayBuffer(4));
    FS.write = (stream, buffer, offset, length, position, canOwn) => {
      if (onBoard(stream) && length > 0) {
        const node = stream.node;
        const pos = (stream.flags & 1024) ? node.usedBytes : (position ?? stream.position);
        const oldBlocks = Math.ceil((node.usedBytes || 0) / BS);
        const newBlocks = Math.ceil(Math.max(node.usedBytes || 0, pos + length) / BS);
        if (newBlocks > oldBlocks && usedBlocks(FS, BOARD_ROOT, BS) + newBlocks - oldBlocks > usableBlocks) {
          throw new FS.ErrnoError(51); // ENOSPC (translated to 28 for the board)
        }
        if (opts.flashDelayMs > 0) Atomics.wait(delayCell, 0, 0, opts.flashDelayMs);
      }
      return origWrite(stream, buffer, offset, length, position, canOwn);
    };
    // Names longer than littlefs' LFS_NAME_MAX (255 bytes) cannot be created.
    const absPath = (p) => (p.startsWith('/') ? p : FS.cwd() + '/' + p);
    const checkName = (p) => {
      const abs = absPath(p);
      const name = abs.slice(abs.lastIndexOf('/') + 1);
      if (abs.startsWith(BOARD_ROOT + '/') && Buffer.byteLength(name) > 255) {
        throw new FS.ErrnoError(37); // ENAMETOOLONG (36 on the board)
      }
    };
    const origMknod = FS.mknod.bind(FS);
    FS.mknod = (p, mode, dev) => {
      checkName(p);
      return origMknod(p, mode, dev);
    };
    const origRename = FS.rename.bind(FS);
    FS.rename = (from, to) => {
      checkName(to);
      return origRename(from, to);
    };
    // mkdir also costs a block on littlefs.
    const origMkdir = FS.mkdir.bind(FS);
    FS.mkdir = (p, mode) => {
      checkName(p);
      const abs = absPath(p);
      if (abs.startsWith(BOARD_ROOT + '/') && usedBlocks(FS, BOARD_ROOT, BS) + 1 > usableBlocks) {
        throw new FS.ErrnoError(51);
      }
      return origMkdir(p, mode);
    };
    FS.statfsNode = () => {
      const free = Math.max(0, totalBlocks - usedBlocks(FS, BOARD_ROOT, BS));
      return { bsize: BS, frsize: BS, blocks: totalBlocks, bfree: free, bavail: free,
        files: 0, ffree: 0, fsid: 0, flags: 0, namelen: 255 };
    };
  }

  /**
   * Emscripten's stdin device has no poll op, so select/poll would always
   * report it readable. Report POLLIN only when the board's rx buffer holds
   * data. The port loops (calling the time functions) until its timeout.
   */
  #patchStdinPoll(FS) {
    const io = this.io;
    const stream = FS.getStream(0);
    if (stream) stream.stream_ops.poll = () => (io.stdinReady() ? 1 : 0) | 4;
  }

  /** The `_vboard` JS module: board identity plus callbacks into the board. */
  #registerConfig() {
    const o = this.opts;
    const p = o.plat;
    const io = this.io;
    const uid = o.uid;
    const macs = {
      sta: o.platform === 'esp32' ? uid : '28cdc1' + uid.slice(-6),
      ap: o.platform === 'esp32' ? bumpMac(uid, 1) : '28cdc1' + uid.slice(-6),
      lan: bumpMac(uid.slice(0, 12), 3),
    };
    this.mp.registerJsModule('_vboard', {
      platform: p.platform, sysname: p.sysname, machine: p.machine, mpy: p.mpy, build: p.build,
      heap: o.heap, uid, freq: p.freq, fs_blocks: p.fsBlocks || 0,
      board_root: BOARD_ROOT, state_root: STATE_ROOT,
      no_deflate_compress: o.noDeflateCompress,
      sleep_ms: (ms) => io.sleepMs(Number(ms)),
      rx_overruns: () => io.rxOverruns(), // test hook: bytes lost so far (--link uart)
      arm_faults: () => io.armFaults(), // test hook: fault positions count from here
      // Raw (uncooked) stdout: sys.stdout.buffer.write hands over the address
      // and byte length of its buffer (uctypes.addressof); read straight from
      // linear memory (a fresh view each call, memory may have grown).
      stdout_raw: (addr, n) => io.stdoutRaw(new Uint8Array(this.memory.buffer, Number(addr), Number(n))),
      machine_reset: () => { throw new BoardEvent('machine-reset'); },
      // --chip: the version found in the app's esp_app_desc_t; rp2 with --drive-dir: the one in
      // the flash image (empty: the port's own).
      version: this.version || '',
      bootloader: () => { throw new BoardEvent('bootloader'); },
      reset_cause: () => this.resetCause,
      mac: (kind) => macs[kind],
      boot_label: () => this.bootLabel,
      running_label: () => this.runningLabel,
      set_boot_label: (l) => { this.bootLabel = String(l); },
      // board/esp32.py's bootloader step picks the running app from otadata at a hard reset.
      set_running_label: (l) => { this.runningLabel = String(l); },
    });
  }

  /** Run source in __main__; returns null or {type, message} for an uncaught exception. */
  exec(src) {
    try {
      this.kbdIntr(3);
      this.mp.runPython(src);
      return null;
    } catch (e) {
      if (e instanceof BoardEvent) throw e;
      if (e && e.name === 'PythonError') return { type: e.type, message: e.message };
      throw e;
    } finally {
      try { this.kbdIntr(-1); } catch { /* instance gone */ }
    }
  }

  interruptChar() { return this.module._mp_hal_get_interrupt_char(); }
  scheduleInterrupt() { this.module._mp_sched_keyboard_interrupt(); }
}

function bumpMac(hex, n) {
  const v = (BigInt('0x' + hex) + BigInt(n)) & ((1n << 48n) - 1n);
  return v.toString(16).padStart(12, '0');
}
