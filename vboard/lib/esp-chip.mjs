// An ESP32-family chip on a dev board (--chip): its SPI flash (a file), the auto-reset circuit
// between the USB-UART adapter's DTR/RTS and the chip's EN/IO0, the ROM's serial download mode
// and the normal boot from flash (see README.md, "ESP dev board"). Runs in the main thread; the
// MicroPython worker only runs while the chip has booted a valid app from flash.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { CHIP_INFO, ROM, bootFromFlash, romBootBanner } from './esp-image.mjs';

// Modelled timings (ms).
export const T = {
  bannerMs: 5,          // EN released (after the RC delay) -> ROM banner
  erase64kMs: 120,      // one 64 KiB block erase
  erase4kMs: 30,        // one 4 KiB sector erase
  programPerKiBMs: 1.5, // page programming, per KiB written
  md5Per64kMs: 8,       // SPI_FLASH_MD5, per 64 KiB read
  invalidHeaderMs: 200, // blank flash: the ROM repeats "invalid header" this often...
  invalidHeaderWdt: 10, // ...and the RTC watchdog resets the chip after this many lines
  bootRetryMs: 1000,    // bootloader error -> bootloader_reset() -> next attempt
};

const CHIP_REGS = {
  esp32: { magic: 0x00f01d83, clkdiv: 0x3ff40014, spi: 0x3ff42000, usr2: 0x24, w0: 0x80, efuse: 0x3ff5a000 },
  esp32s2: { magic: 0x000007c6, clkdiv: 0x3f400014, spi: 0x3f402000, usr2: 0x20, w0: 0x58, efuse: 0x3f41a000 },
  esp32s3: { magic: 0x00000009, clkdiv: 0x60000014, spi: 0x60002000, usr2: 0x20, w0: 0x58, efuse: 0x60007000 },
  esp32c3: { magic: 0x1b31506f, clkdiv: 0x60000014, spi: 0x60002000, usr2: 0x20, w0: 0x58, efuse: 0x60008800 },
  esp32c6: { magic: 0x2ce0806f, clkdiv: 0x60000014, spi: 0x60003000, usr2: 0x20, w0: 0x58, efuse: 0x600b0800 },
};

export const MACHINES = {
  esp32: 'Generic ESP32 module with ESP32',
  esp32s2: 'ESP32S2 module with ESP32S2',
  esp32s3: 'Generic ESP32S3 module with ESP32S3',
  esp32c3: 'ESP32C3 module with ESP32C3',
  esp32c6: 'ESP32C6 module with ESP32C6',
};

const OP = {
  FLASH_BEGIN: 0x02, FLASH_DATA: 0x03, FLASH_END: 0x04, MEM_BEGIN: 0x05, MEM_END: 0x06, MEM_DATA: 0x07,
  SYNC: 0x08, WRITE_REG: 0x09, READ_REG: 0x0a, SPI_SET_PARAMS: 0x0b, SPI_ATTACH: 0x0d, READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f, FLASH_DEFL_BEGIN: 0x10, FLASH_DEFL_DATA: 0x11, FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13, GET_SECURITY_INFO: 0x14,
};
const SECURE_ALLOWED = new Set([OP.SYNC, OP.SPI_ATTACH, OP.SPI_SET_PARAMS, OP.CHANGE_BAUDRATE, OP.FLASH_BEGIN,
  OP.FLASH_DATA, OP.FLASH_END, OP.GET_SECURITY_INFO]);
// ROM error codes (esptool's serial-protocol doc).
const E_INVALID = 0x05, E_FAILED = 0x06, E_CHECKSUM = 0x07, E_WRITE = 0x08, E_READ = 0x09, E_DEFLATE = 0x0b;

export class EspChip {
  /**
   * @param opts  parsed options (chip, flashFile, flashSize, uid, enDelayMs, linesLog, ...)
   * @param io    { toHost(Uint8Array), hold(), run(version, cause), download(), log(...) }
   */
  constructor(opts, io) {
    this.o = opts;
    this.io = io;
    this.info = CHIP_INFO[opts.chip];
    this.regs = CHIP_REGS[opts.chip];
    this.t0 = performance.now();
    this.#openFlash();
    this.dtr = false;
    this.rts = false;
    this.en = true;
    this.io0 = true;
    this.state = 'reset';   // reset | rom | run | error | hung
    this.uartBaud = 115200; // the chip's UART rate (the ROM banner and the app run at 115200)
    this.timers = new Set();
    this.enTimer = null;
    this.gen = 0;           // bumps at every reset: pending ROM work of an older life is dropped
    this.linesFd = opts.linesLog ? fs.openSync(opts.linesLog, 'a') : null;
  }

  get running() { return this.state === 'run'; }

  // ------------------------------------------------------------ flash file ----
  #openFlash() {
    const f = this.o.flashFile;
    if (!f) { // no file: the flash lives in memory for the life of the process
      this.flash = Buffer.alloc(this.o.flashSize, 0xff);
      this.fd = null;
      return;
    }
    if (!fs.existsSync(f)) {
      fs.writeFileSync(f, Buffer.alloc(this.o.flashSize, 0xff));
    }
    this.flash = fs.readFileSync(f);
    if (this.flash.length < 0x10000) throw new Error(`--flash-file ${f}: at least 64 KiB`);
    this.fd = fs.openSync(f, 'r+');
  }

  /** Writes [off, off+len) of the flash model through to the file. */
  #persist(off, len) {
    if (this.fd !== null) fs.writeSync(this.fd, this.flash, off, len, off);
  }

  eraseRange(off, len) {
    const end = Math.min(this.flash.length, off + len);
    if (end > off) { this.flash.fill(0xff, off, end); this.#persist(off, end - off); }
  }

  /** NOR programming: bits can only be cleared. */
  program(off, data) {
    const n = Math.min(data.length, this.flash.length - off);
    for (let i = 0; i < n; i++) this.flash[off + i] &= data[i];
    if (n > 0) this.#persist(off, n);
    return n === data.length;
  }

  // ---------------------------------------------------------------- events ----
  ms() { return performance.now() - this.t0; }

  #logLine(obj) {
    if (this.linesFd === null) return;
    fs.writeSync(this.linesFd, JSON.stringify({ t_ms: Number(this.ms().toFixed(3)), ...obj }) + '\n');
  }

  /** A chip event: into --lines-log always, to stderr unless it repeats in a boot loop. */
  event(name, quiet = false) {
    this.#logLine({ event: name });
    if (!quiet) this.io.log(`chip: ${name}`);
  }

  #after(ms, fn) {
    const gen = this.gen;
    const t = setTimeout(() => { this.timers.delete(t); if (gen === this.gen) fn(); }, ms);
    this.timers.add(t);
  }

  #cancelAll() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.gen++;
  }

  // --------------------------------------------------- auto-reset circuit ----
  /** The adapter's modem lines (asserted = true). RTS -> EN, DTR -> IO0, via two transistors. */
  setLines(dtr, rts) {
    if (dtr === this.dtr && rts === this.rts) return;
    this.dtr = dtr;
    this.rts = rts;
    this.#logLine({ dtr, rts });
    const en = !(rts && !dtr);
    this.io0 = !(dtr && !rts);
    if (en !== this.en) {
      this.en = en;
      if (!en) this.#enterReset();
      else this.#enReleased();
    }
  }

  /** Power-up: EN rises through the RC with the lines released. */
  powerOn() { this.#enReleased(); }

  #enterReset() {
    if (this.enTimer) { clearTimeout(this.enTimer); this.enTimer = null; }
    this.#cancelAll();
    this.state = 'reset';
    this.io.hold();
    this.event('reset');
  }

  #enReleased() {
    if (this.enTimer) clearTimeout(this.enTimer);
    // The EN capacitor: the chip leaves reset once EN has been high for --en-delay-ms; it samples
    // IO0 (its strapping pin) at that moment.
    this.enTimer = setTimeout(() => {
      this.enTimer = null;
      if (!this.en) return;
      this.#start(this.io0 ? 'boot' : 'download', ROM[this.o.chip].power);
    }, this.o.enDelayMs);
  }

  /** A reset without the EN pin (software, watchdog, --reset-after): `download` keeps the ROM. */
  softwareReset(download, rst = ROM[this.o.chip].sw) {
    if (this.enTimer) { clearTimeout(this.enTimer); this.enTimer = null; }
    this.#cancelAll();
    this.state = 'reset';
    this.io.hold();
    this.event('reset');
    if (!this.en) return; // still held by the EN pin
    this.#start(download ? 'download' : 'boot', rst);
  }

  #start(mode, rst) {
    this.#cancelAll();
    this.uartBaud = 115200;
    if (mode === 'download') {
      this.state = 'rom';
      this.rom = new RomLoader(this);
      this.event('download');
      this.#after(T.bannerMs, () => {
        // In Secure Download Mode the S2+ ROMs say so instead (esptool-js#145 log of an S3).
        const wait = this.o.secureDownload ? 'wait uart download(secure mode)' : 'waiting for download';
        this.tx(romBootBanner(this.o.chip, rst, true) + wait + '\r\n');
      });
    } else {
      this.#boot(rst);
    }
  }

  #boot(rst, retry = false) {
    this.state = 'booting';
    this.event('boot', retry);
    const r = bootFromFlash(this.flash, this.o.chip, rst);
    this.tx(r.text);
    if (r.ok) {
      this.state = 'run';
      this.io.run(r.version, rst === ROM[this.o.chip].power ? 1 : 2);
      return;
    }
    this.state = 'error';
    this.event('bootloader-error', retry);
    if (r.stage === 'rom' && r.magic !== undefined) {
      // The ROM retries the SPI boot, then the RTC watchdog resets the chip.
      let n = 1;
      const again = () => {
        if (n++ >= T.invalidHeaderWdt) { this.#boot(ROM[this.o.chip].wdt, true); return; }
        this.tx(`invalid header: 0x${(r.magic >>> 0).toString(16).padStart(8, '0')}\r\n`);
        this.#after(T.invalidHeaderMs, again);
      };
      this.#after(T.invalidHeaderMs, again);
    } else {
      this.#after(T.bootRetryMs, () => this.#boot(ROM[this.o.chip].sw, true));
    }
  }

  /** Chip UART output (ROM, bootloader) to the host. */
  tx(s) {
    this.io.toHost(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }

  /** Bytes the chip's UART received while the ROM or bootloader owns it. */
  rx(data) {
    if (this.state === 'rom') this.rom.rx(data);
  }

  close() {
    this.#cancelAll();
    if (this.enTimer) clearTimeout(this.enTimer);
    if (this.fd !== null) { try { fs.closeSync(this.fd); } catch { /* ignore */ } }
    if (this.linesFd !== null) { try { fs.closeSync(this.linesFd); } catch { /* ignore */ } }
  }

  // ----------------------------------------------------- registers, eFuse ----
  macBytes() {
    return Buffer.from(this.o.uid.slice(0, 12).padEnd(12, '0'), 'hex');
  }

  readReg(addr) {
    const r = this.regs;
    addr >>>= 0;
    if (addr === 0x40001000) return r.magic;
    if (addr === r.clkdiv) return Math.round(40e6 / this.uartBaud) & 0xfffff;
    if (addr === r.spi) return 0; // SPI_CMD_REG: the user command (bit 18) has completed
    if (addr === r.spi + r.w0) return this.spiW0 ?? 0;
    const mac = this.macBytes();
    const mac0 = mac.readUInt32BE(2);
    const mac1 = mac.readUInt16BE(0);
    const crypt = this.o.flashEncryption;
    if (this.o.chip === 'esp32') {
      const w = (addr - r.efuse) / 4;
      if (addr === 0x3ff6607c) return 0x80000000 | 0x16042000; // APB_CTL_DATE: rev bit 2 (ECO3)
      if (w === 0) return crypt ? 1 << 20 : 0; // FLASH_CRYPT_CNT
      if (w === 1) return mac0;
      if (w === 2) return mac1 | (crc8(mac) << 16);
      if (w === 3) return (1 << 15) | (1 << 9); // rev bit 0; package 1 (D0WD) -> ESP32-D0WD-V3
      if (w === 5) return (1 << 20) | (1 << 24); // rev bit 1; minor 1 -> v3.1
      return 0;
    }
    const b = r.efuse;
    if (addr === b + 0x34) return crypt ? 1 << 18 : 0; // SPI_BOOT_CRYPT_CNT = 1
    if (addr === b + 0x44) return mac0;
    if (addr === b + 0x48) return mac1 | (this.o.chip === 'esp32c6' ? 0xfffe0000 : 0);
    if (addr === b + 0x50) { // BLOCK1 word 3: chip revision fields
      if (this.o.chip === 'esp32s3') return (2 << 18) | (1 << 24); // v0.2
      if (this.o.chip === 'esp32c3') return 4 << 18; // v0.4
      if (this.o.chip === 'esp32c6') return 1 << 18; // v0.1
      return 0; // S2 v0.0
    }
    return 0;
  }

  writeReg(addr, value) {
    const r = this.regs;
    addr >>>= 0;
    if (addr === r.spi + r.usr2) this.spiCmd = value & 0xff;
    else if (addr === r.spi + r.w0) this.spiW0 = value >>> 0;
    else if (addr === r.spi && (value & (1 << 18))) {
      // SPI_CMD_USR: run the user command set in USR2. 0x9F = RDID (JEDEC id), 0x05 = RDSR.
      if (!this.rom?.attached) {
        this.spiW0 = 0xffffffff; // flash not attached: MISO reads high
      } else if (this.spiCmd === 0x9f) {
        const cap = Math.log2(this.flash.length);
        this.spiW0 = 0xef | (0x40 << 8) | (cap << 16); // Winbond W25Q, e.g. 0x1640EF for 4 MiB
      } else if (this.spiCmd === 0x05 || this.spiCmd === 0x35) {
        this.spiW0 = 0;
      }
    }
  }

  securityInfo() {
    const s2 = this.o.chip === 'esp32s2';
    const b = Buffer.alloc(s2 ? 12 : 20);
    let flags = 0;
    if (this.o.secureDownload) flags |= 1 << 2; // SECURE_DOWNLOAD_ENABLE
    b.writeUInt32LE(flags, 0);
    b[4] = this.o.flashEncryption ? 1 : 0; // SPI_BOOT_CRYPT_CNT
    if (this.o.flashEncryption) b[5] = 4;  // KEY_PURPOSE_0 = XTS_AES_128_KEY
    if (!s2) {
      b.writeUInt32LE(this.info.secId, 12);
      b.writeUInt32LE(0, 16); // eco version
    }
    return b;
  }
}

function crc8(bytes) {
  let c = 0;
  for (const x of bytes) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

// ---------------------------------------------------------------------- ROM ----
class RomLoader {
  constructor(chip) {
    this.chip = chip;
    this.gen = chip.gen;
    this.inPkt = false;
    this.esc = false;
    this.pkt = [];
    this.queue = [];
    this.busy = false;
    this.flashOp = null; // { kind: 'raw'|'defl', off, size, blocks, blk, seq, pos, inflater }
    this.mem = null;
    this.baudFixed = false;
  }

  get alive() { return this.chip.rom === this && this.chip.state === 'rom' && this.chip.gen === this.gen; }

  rx(data) {
    for (const b of data) {
      if (!this.inPkt) { if (b === 0xc0) { this.inPkt = true; this.pkt = []; } continue; }
      if (b === 0xc0) {
        if (this.pkt.length === 0) continue; // back-to-back delimiters
        this.inPkt = false;
        this.queue.push(Buffer.from(this.pkt));
        this.pkt = [];
        continue;
      }
      if (this.esc) { this.pkt.push(b === 0xdc ? 0xc0 : b === 0xdd ? 0xdb : b); this.esc = false; }
      else if (b === 0xdb) this.esc = true;
      else this.pkt.push(b);
    }
    this.#pump();
  }

  async #pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && this.alive) await this.#handle(this.queue.shift());
    } finally { this.busy = false; }
  }

  #send(op, value, data = Buffer.alloc(0), status = 0, err = 0) {
    if (!this.alive) return;
    const body = Buffer.alloc(8 + data.length + 4);
    body[0] = 0x01;
    body[1] = op;
    body.writeUInt16LE(data.length + 4, 2);
    body.writeUInt32LE(value >>> 0, 4);
    data.copy(body, 8);
    body[8 + data.length] = status;
    body[9 + data.length] = err;
    const out = [0xc0];
    for (const b of body) {
      if (b === 0xc0) out.push(0xdb, 0xdc);
      else if (b === 0xdb) out.push(0xdb, 0xdd);
      else out.push(b);
    }
    out.push(0xc0);
    this.chip.tx(Buffer.from(out));
  }

  #fail(op, err) { this.#send(op, 0, Buffer.alloc(0), 1, err); }

  #sleep(ms) { return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve(); }

  /**
   * Until \p deadline (performance.now() ms), to the nearest timer: Node's timers fire on whole
   * milliseconds, and always rounding up would add up to a millisecond to every block.
   */
  #sleepUntil(deadline) { return this.#sleep(deadline - performance.now() - 0.5); }

  async #handle(p) {
    const received = performance.now();
    if (p.length < 8 || p[0] !== 0x00) return; // not a request: the ROM ignores it
    const op = p[1];
    const size = p.readUInt16LE(2);
    const chk = p.readUInt32LE(4);
    const d = p.subarray(8);
    const chip = this.chip;
    if (d.length !== size) { this.#fail(op, E_INVALID); return; }
    const sec = chip.o.secureDownload;
    if (sec && !SECURE_ALLOWED.has(op)) { this.#fail(op, E_INVALID); return; }
    const w = (i) => d.readUInt32LE(i * 4);
    switch (op) {
      case OP.SYNC: {
        if (size !== 36 || w(0) !== 0x20120707 || d.subarray(4).some((x) => x !== 0x55)) { this.#fail(op, E_INVALID); return; }
        this.synced = true;
        for (let i = 0; i < 8; i++) this.#send(op, 0x20120707);
        return;
      }
      case OP.READ_REG:
        if (size < 4) { this.#fail(op, E_INVALID); return; }
        this.#send(op, chip.readReg(w(0)));
        return;
      case OP.WRITE_REG:
        if (size < 16) { this.#fail(op, E_INVALID); return; }
        chip.writeReg(w(0), w(1));
        if (w(3)) await this.#sleep(w(3) / 1000);
        this.#send(op, 0);
        return;
      case OP.SPI_ATTACH:
        if (size !== 8) { this.#fail(op, E_INVALID); return; }
        this.attached = true;
        this.#send(op, 0);
        return;
      case OP.SPI_SET_PARAMS:
        if (size !== 24) { this.#fail(op, E_INVALID); return; }
        this.#send(op, 0);
        return;
      case OP.GET_SECURITY_INFO:
        if (chip.o.chip === 'esp32') { this.#fail(op, E_INVALID); return; }
        this.#send(op, 0, chip.securityInfo());
        return;
      case OP.CHANGE_BAUDRATE: {
        if (size !== 8 || w(0) === 0) { this.#fail(op, E_INVALID); return; }
        this.#send(op, 0); // at the old rate
        chip.uartBaud = w(0);
        this.baudFixed = true;
        return;
      }
      case OP.FLASH_BEGIN:
      case OP.FLASH_DEFL_BEGIN: {
        const enc = chip.o.chip !== 'esp32';
        if (size !== (enc ? 20 : 16)) { this.#fail(op, E_INVALID); return; }
        const [eraseSize, blocks, blk, off] = [w(0), w(1), w(2), w(3)];
        if (off + (op === OP.FLASH_BEGIN ? eraseSize : 0) > chip.flash.length || off >= chip.flash.length && eraseSize) {
          this.#fail(op, E_INVALID); return;
        }
        // The ROM erases the whole region now (sector granularity; 64 KiB blocks where aligned).
        const start = off & ~0xfff;
        const end = Math.min(chip.flash.length, (off + eraseSize + 0xfff) & ~0xfff);
        const ms = eraseTime(start, end);
        await this.#sleep(ms);
        if (!this.alive) return;
        if (this.attached) chip.eraseRange(start, end - start);
        this.flashOp = { defl: op === OP.FLASH_DEFL_BEGIN, off, size: eraseSize, blocks, blk, seq: 0, pos: off, end,
          inflater: null, failed: false };
        if (this.flashOp.defl) this.#newInflater();
        this.#send(op, 0);
        return;
      }
      case OP.FLASH_DATA:
      case OP.FLASH_DEFL_DATA:
      case OP.MEM_DATA: {
        if (size < 16) { this.#fail(op, E_INVALID); return; }
        const [len, seq] = [w(0), w(1)];
        const data = d.subarray(16);
        if (data.length !== len) { this.#fail(op, E_INVALID); return; }
        let c = 0xef;
        for (const x of data) c ^= x;
        if ((chk & 0xff) !== c) { this.#fail(op, E_CHECKSUM); return; }
        if (op === OP.MEM_DATA) {
          if (!this.mem || seq !== this.mem.seq) { this.#fail(op, E_INVALID); return; }
          this.mem.seq++;
          this.#send(op, 0);
          return;
        }
        const f = this.flashOp;
        if (!f || f.defl !== (op === OP.FLASH_DEFL_DATA) || seq !== f.seq) { this.#fail(op, E_INVALID); return; }
        f.seq++;
        let plain = data;
        if (f.defl) {
          try { plain = await this.#inflate(data); } catch { f.failed = true; this.#fail(op, E_DEFLATE); return; }
          if (!this.alive) return;
        }
        if (f.pos + plain.length > f.end) { this.#fail(op, E_WRITE); return; }
        // Programming starts when the block has arrived (the host's inflate time is not the chip's).
        await this.#sleepUntil(received + (plain.length / 1024) * T.programPerKiBMs);
        if (!this.alive) return;
        if (this.attached && !chip.program(f.pos, plain)) { this.#fail(op, E_WRITE); return; }
        f.pos += plain.length;
        this.#send(op, 0);
        return;
      }
      case OP.FLASH_END:
      case OP.FLASH_DEFL_END: {
        if (size !== 4) { this.#fail(op, E_INVALID); return; }
        this.#send(op, 0);
        this.flashOp = null;
        // 0: reboot; 1: run user code. Either way the loader exits and the chip boots from flash.
        setTimeout(() => { if (this.alive) chip.softwareReset(false); }, 2);
        return;
      }
      case OP.MEM_BEGIN:
        if (size !== 16) { this.#fail(op, E_INVALID); return; }
        this.mem = { size: w(0), blocks: w(1), blk: w(2), addr: w(3), seq: 0 };
        this.#send(op, 0);
        return;
      case OP.MEM_END: {
        if (size !== 8) { this.#fail(op, E_INVALID); return; }
        this.#send(op, 0);
        if (w(0) === 0) {
          // The ROM jumps to the uploaded code (a flasher stub); the model cannot run it, so the
          // chip stays silent until the next reset, as a hung program would.
          chip.state = 'hung';
          chip.event('hung');
        }
        return;
      }
      case OP.SPI_FLASH_MD5: {
        if (size !== 16) { this.#fail(op, E_INVALID); return; }
        const [addr, len] = [w(0), w(1)];
        if (addr + len > chip.flash.length) { this.#fail(op, E_READ); return; }
        await this.#sleep(Math.ceil(len / 65536) * T.md5Per64kMs);
        if (!this.alive) return;
        const md5 = createHash('md5').update(this.#read(addr, len)).digest('hex');
        this.#send(op, 0, Buffer.from(md5, 'latin1'));
        return;
      }
      case OP.READ_FLASH_SLOW: {
        if (size !== 8) { this.#fail(op, E_INVALID); return; }
        const [addr, len] = [w(0), w(1)];
        if (len > 64 || addr + len > chip.flash.length) { this.#fail(op, E_READ); return; }
        this.#send(op, 0, Buffer.from(this.#read(addr, len)));
        return;
      }
      default:
        this.#fail(op, E_INVALID);
    }
  }

  /** Flash contents as the ROM reads them: all 0xFF until SPI_ATTACH enabled the flash pins. */
  #read(addr, len) {
    return this.attached ? this.chip.flash.subarray(addr, addr + len) : Buffer.alloc(len, 0xff);
  }

  #newInflater() {
    const f = this.flashOp;
    f.inflater = zlib.createInflate();
    f.out = [];
    f.inflater.on('data', (x) => f.out.push(x));
    f.inflater.on('error', () => { f.failed = true; });
  }

  #inflate(data) {
    const f = this.flashOp;
    return new Promise((resolve, reject) => {
      if (f.failed) { reject(new Error('inflate')); return; }
      f.inflater.write(data);
      f.inflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (f.failed) { reject(new Error('inflate')); return; }
        const out = Buffer.concat(f.out);
        f.out = [];
        resolve(out);
      });
    });
  }
}

/** Erase time of [start, end): 64 KiB blocks where aligned, 4 KiB sectors elsewhere. */
export function eraseTime(start, end) {
  let ms = 0;
  for (let a = start; a < end;) {
    if ((a & 0xffff) === 0 && a + 0x10000 <= end) { ms += T.erase64kMs; a += 0x10000; } else { ms += T.erase4kMs; a += 0x1000; }
  }
  return ms;
}
