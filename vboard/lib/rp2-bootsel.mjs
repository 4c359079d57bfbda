// An RP2040 / RP2350 in BOOTSEL (--drive-dir): the bootrom's USB mass-storage drive, shown as a
// directory the host copies into, the bootrom's UF2 download (block checks, family, completion),
// the QSPI flash image it writes, and the udev-style by-id link naming the drive by the board's
// serial number. Runs in the main thread; MicroPython (the worker) only runs outside BOOTSEL.
// See README.md, "RP2 BOOTSEL".
import fs from 'node:fs';
import path from 'node:path';

export const FAMILY = {
  RP2040: 0xe48bff56, ABSOLUTE: 0xe48bff57, DATA: 0xe48bff58,
  RP2350_ARM_S: 0xe48bff59, RP2350_RISCV: 0xe48bff5a, RP2350_ARM_NS: 0xe48bff5b,
};
export const FLASH_BASE = 0x10000000;
export const UF2_BLOCK = 512;
const MAGIC0 = 0x0a324655, MAGIC1 = 0x9e5d5157, MAGIC_END = 0x0ab16f30;
const F_NOT_MAIN_FLASH = 0x1, F_FAMILY = 0x2000, F_EXTENSIONS = 0x8000;
// picotool's UF2_EXTENSION_RP2_IGNORE_BLOCK (0x9957e304: size byte 4, type 0x9957e3), carried by
// the absolute-family block it puts first in RP2350 images (erratum E10 workaround).
const TAG_IGNORE = 0x9957e3;
const SECTOR = 4096;
const QUIET_MS = 400; // a file that has not grown for this long is summarised (bootsel-log)

const indexHtm = (url) => `<html><head><meta http-equiv="refresh" content="0;URL='${url}'"/></head>` +
  `<body>Redirecting to <a href='${url}'>raspberrypi.com</a></body></html>\n`;

/** What each bootrom shows and accepts. */
export const RP2_BOOT = {
  rp2040: {
    name: 'RP2040',
    families: [FAMILY.RP2040],
    info: 'UF2 Bootloader v3.0\r\nModel: Raspberry Pi RP2\r\nBoard-ID: RPI-RP2\r\n',
    index: indexHtm('https://raspberrypi.com/device/RP2?version=E0C9125B0D9B'),
    idPrefix: 'usb-RPI_RP2_',
    honoursIgnoreTag: false,
  },
  rp2350: {
    name: 'RP2350',
    families: [FAMILY.RP2350_ARM_S, FAMILY.RP2350_RISCV, FAMILY.RP2350_ARM_NS, FAMILY.ABSOLUTE],
    info: 'UF2 Bootloader v1.0\r\nModel: Raspberry Pi RP2350\r\nBoard-ID: RP2350\r\n',
    index: indexHtm('https://raspberrypi.com/device/RP2?version=5A09D5312E22'),
    idPrefix: 'usb-RPI_RP2350_',
    honoursIgnoreTag: true,
  },
};
const BOOT_FILES = new Set(['INFO_UF2.TXT', 'INDEX.HTM']);

const hex = (n) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** One 512-byte UF2 block, or null when a magic number is wrong. */
export function parseBlock(b) {
  if (b.length < UF2_BLOCK || b.readUInt32LE(0) !== MAGIC0 || b.readUInt32LE(4) !== MAGIC1 ||
      b.readUInt32LE(508) !== MAGIC_END) return null;
  const flags = b.readUInt32LE(8);
  const size = b.readUInt32LE(16);
  let ignoreTag = false;
  if ((flags & F_EXTENSIONS) && size <= 476) {
    // Extension tags follow the payload (4-aligned): u32 (size byte | type << 8), data; 0 ends.
    for (let p = 32 + ((size + 3) & ~3); p + 4 <= 508;) {
      const w = b.readUInt32LE(p);
      const len = w & 0xff;
      if (len < 4) break;
      if ((w >>> 8) === TAG_IGNORE) ignoreTag = true;
      p += (len + 3) & ~3;
    }
  }
  return {
    flags, addr: b.readUInt32LE(12), size, blockNo: b.readUInt32LE(20), numBlocks: b.readUInt32LE(24),
    family: (flags & F_FAMILY) ? b.readUInt32LE(28) : null, data: b.subarray(32, 32 + Math.min(size, 476)),
    ignoreTag,
  };
}

/**
 * The MicroPython version in a firmware image: what follows "MicroPython " up to ";" or " on "
 * ("MicroPython v1.28.0 on 2026-10-01; Raspberry Pi Pico with RP2040" -> "v1.28.0"); '' if none.
 */
export function findVersion(buf, start = 0, end = buf.length) {
  const key = Buffer.from('MicroPython v', 'latin1');
  for (let i = buf.indexOf(key, start); i >= 0 && i < end; i = buf.indexOf(key, i + 1)) {
    const s = i + 12;
    let j = s;
    while (j < buf.length && j - s < 96 && buf[j] >= 0x20 && buf[j] < 0x7f) j++;
    const text = buf.toString('latin1', s, j);
    const cut = text.search(/;| on /);
    if (cut < 2) continue;
    const v = text.slice(0, cut);
    if (/^v\d[\x21-\x7e]*$/.test(v)) return v;
  }
  return '';
}

/** The QSPI flash: a file written through (--flash-file) or a buffer in memory; erased = 0xFF. */
class Flash {
  constructor(file, size) {
    if (!file) { this.buf = Buffer.alloc(size, 0xff); this.fd = null; return; }
    if (!fs.existsSync(file)) fs.writeFileSync(file, Buffer.alloc(size, 0xff));
    this.buf = fs.readFileSync(file);
    if (this.buf.length < 0x40000) throw new Error(`--flash-file ${file}: at least 256 KiB`);
    this.fd = fs.openSync(file, 'r+');
  }

  get size() { return this.buf.length; }

  #persist(off, len) { if (this.fd !== null) fs.writeSync(this.fd, this.buf, off, len, off); }

  erase(off, len) { this.buf.fill(0xff, off, off + len); this.#persist(off, len); }

  /** NOR programming: bits can only be cleared. */
  program(off, data) {
    for (let i = 0; i < data.length; i++) this.buf[off + i] &= data[i];
    this.#persist(off, data.length);
  }

  close() { if (this.fd !== null) { fs.closeSync(this.fd); this.fd = null; } }
}

export class Rp2Bootsel {
  /**
   * @param opts  parsed options (rp2Chip, driveDir, diskById, uid, flashFile, flashSize,
   *              driveVanishAfter, bootselLog)
   * @param io    { log(...), run(version, cause): the board boots the flash image,
   *                unplugged(): the cable was pulled (--drive-vanish-after) }
   */
  constructor(opts, io) {
    this.o = opts;
    this.io = io;
    this.boot = RP2_BOOT[opts.rp2Chip];
    this.flash = new Flash(opts.flashFile, opts.flashSize);
    this.serial = opts.uid.toUpperCase();
    this.drive = path.resolve(opts.driveDir);
    this.link = opts.diskById ? path.join(path.resolve(opts.diskById), `${this.boot.idPrefix}${this.serial}-0:0-part1`) : '';
    this.state = 'off';      // off (MicroPython runs) | bootsel | rebooting | gone (unplugged)
    this.files = new Map();  // name -> what has been read of it
    this.session = null;     // the download in progress (the bootrom's write state)
    this.copied = 0;         // bytes of blocks read from the drive so far (--drive-vanish-after)
    this.watcher = null;
    this.poll = null;
    this.bootedVersion = ''; // the version of the image the last complete download booted
    this.t0 = performance.now();
    this.logFd = opts.bootselLog ? fs.openSync(opts.bootselLog, 'a') : null;
    this.#checkDrive();
  }

  /** The version of the image in the flash ('' when there is none). */
  flashVersion() { return findVersion(this.flash.buf); }

  /** A BOOTSEL event: into --bootsel-log (JSON lines) and, unless quiet, to stderr. */
  event(name, fields = {}, quiet = false) {
    if (this.logFd !== null) {
      const t = Number((performance.now() - this.t0).toFixed(3));
      fs.writeSync(this.logFd, JSON.stringify({ t_ms: t, event: name, ...fields }) + '\n');
    }
    if (!quiet) {
      const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`);
      this.io.log(`bootsel: ${name}${extra.length ? ' ' + extra.join(' ') : ''}`);
    }
  }

  /** A drive dir left over from an earlier run is ours only if it holds INFO_UF2.TXT. */
  #checkDrive() {
    let names;
    try { names = fs.readdirSync(this.drive); } catch (e) {
      if (e.code === 'ENOENT') return;
      throw new Error(`--drive-dir ${this.drive}: ${e.code === 'ENOTDIR' ? 'not a directory' : e.message}`);
    }
    if (names.length && !names.includes('INFO_UF2.TXT')) {
      throw new Error(`--drive-dir ${this.drive}: exists and is not a BOOTSEL drive (no INFO_UF2.TXT); ` +
                      'it would be removed when the board leaves BOOTSEL');
    }
    this.#removeDrive();
  }

  #removeDrive() {
    if (this.link) { try { fs.unlinkSync(this.link); } catch { /* none */ } }
    fs.rmSync(this.drive, { recursive: true, force: true });
  }

  /** The board enters BOOTSEL: the drive and its link appear. */
  enter() {
    if (this.state === 'bootsel' || this.state === 'gone') return;
    this.state = 'bootsel';
    this.session = null;
    this.files.clear();
    fs.rmSync(this.drive, { recursive: true, force: true });
    fs.mkdirSync(this.drive, { recursive: true });
    fs.writeFileSync(path.join(this.drive, 'INFO_UF2.TXT'), this.boot.info);
    fs.writeFileSync(path.join(this.drive, 'INDEX.HTM'), this.boot.index);
    if (this.link) {
      fs.mkdirSync(path.dirname(this.link), { recursive: true });
      try { fs.unlinkSync(this.link); } catch { /* none */ }
      fs.symlinkSync(this.drive, this.link);
    }
    try {
      this.watcher = fs.watch(this.drive, () => this.#scan());
      this.watcher.on('error', () => {});
    } catch { /* the poll below is enough */ }
    this.poll = setInterval(() => this.#scan(), 50);
    this.event('entered', { chip: this.boot.name, drive: this.drive, link: this.link || null, serial: this.serial });
  }

  /** The drive goes away (the bootrom reboots, the board is unplugged, the process ends). */
  #leave() {
    this.watcher?.close();
    this.watcher = null;
    clearInterval(this.poll);
    this.poll = null;
    this.#removeDrive();
  }

  close() {
    if (this.state === 'bootsel' || this.state === 'rebooting') this.#leave();
    this.flash.close();
    if (this.logFd !== null) { fs.closeSync(this.logFd); this.logFd = null; }
  }

  // -------------------------------------------------------------- the drive ----
  #scan() {
    if (this.state !== 'bootsel') return;
    let names;
    try { names = fs.readdirSync(this.drive); } catch { return; }
    const now = performance.now();
    for (const name of names) {
      if (BOOT_FILES.has(name)) continue;
      const p = path.join(this.drive, name);
      let st;
      try { st = fs.statSync(p); } catch { continue; }
      if (!st.isFile()) continue;
      let rec = this.files.get(name);
      if (!rec || st.ino !== rec.ino || st.size < rec.offset) {
        // A new file, or one replaced / rewritten from the start: its blocks are written again.
        rec = { ino: st.ino, size: 0, mtime: 0, offset: 0, changed: now, reported: false, blocks: 0,
          accepted: 0, duplicate: 0, bad: 0, ignoredTag: 0, ignoredFamily: {} };
        this.files.set(name, rec);
      }
      if (st.size !== rec.size || st.mtimeMs !== rec.mtime) {
        rec.size = st.size;
        rec.mtime = st.mtimeMs;
        rec.changed = now;
        rec.reported = false;
        this.#read(p, name, rec, false);
        if (this.state !== 'bootsel') return;
      }
      if (!rec.reported && now - rec.changed >= QUIET_MS) {
        this.#read(p, name, rec, true); // the file is written: zero blocks are data now
        if (this.state !== 'bootsel') return;
        rec.reported = true;
        this.#report(name, rec);
      }
    }
    for (const name of [...this.files.keys()]) if (!names.includes(name)) this.files.delete(name);
  }

  /**
   * Feeds the file's new whole blocks to the bootrom, in order. Until the file is `final`
   * (quiet), an all-zero block is taken for a hole not written yet (a host that sizes the file
   * first): reading stops there and resumes when the file changes. --drive-vanish-after: the
   * block that would take the bytes copied past N pulls the cable instead.
   */
  #read(p, name, rec, final) {
    const end = Math.floor(rec.size / UF2_BLOCK) * UF2_BLOCK;
    if (end <= rec.offset) return;
    let fd;
    try { fd = fs.openSync(p, 'r'); } catch { return; }
    try {
      const buf = Buffer.alloc(end - rec.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, rec.offset);
      for (let o = 0; o + UF2_BLOCK <= n && this.state === 'bootsel'; o += UF2_BLOCK) {
        const b = buf.subarray(o, o + UF2_BLOCK);
        if (!final && b.readUInt32LE(0) === 0 && b.every((v) => v === 0)) break;
        if (this.o.driveVanishAfter > 0 && this.copied + UF2_BLOCK > this.o.driveVanishAfter) {
          this.#unplug();
          return;
        }
        this.copied += UF2_BLOCK;
        rec.offset += UF2_BLOCK;
        this.#block(name, rec, b);
      }
    } finally { fs.closeSync(fd); }
  }

  /** One 512-byte sector written to the drive, handled as the bootrom does. */
  #block(name, rec, b) {
    const blk = parseBlock(b);
    if (!blk) return; // not a UF2 block: file data the bootrom does not look at
    rec.blocks++;
    if (blk.ignoreTag && this.boot.honoursIgnoreTag) { rec.ignoredTag++; return; }
    if (blk.family === null || !this.boot.families.includes(blk.family)) {
      const f = blk.family === null ? 'none' : hex(blk.family);
      if (!rec.ignoredFamily[f]) this.event('ignored-family', { file: name, family: f }, true);
      rec.ignoredFamily[f] = (rec.ignoredFamily[f] || 0) + 1;
      return;
    }
    const off = blk.addr - FLASH_BASE;
    if ((blk.flags & F_NOT_MAIN_FLASH) || blk.size !== 256 || blk.addr % 256 !== 0 || off < 0 ||
        off + 256 > this.flash.size || blk.numBlocks === 0 || blk.blockNo >= blk.numBlocks) {
      rec.bad++;
      return;
    }
    let s = this.session;
    if (!s || s.numBlocks !== blk.numBlocks) {
      // A block of another download (another block count): the bootrom starts over.
      s = this.session = { numBlocks: blk.numBlocks, seen: new Uint8Array(blk.numBlocks), count: 0,
        erased: new Set(), lo: off, hi: off + 256, family: blk.family };
    }
    if (s.seen[blk.blockNo]) { rec.duplicate++; return; }
    s.seen[blk.blockNo] = 1;
    s.count++;
    rec.accepted++;
    // Flash is programmed as blocks arrive; each 4 KiB sector is erased when first touched.
    const sector = Math.floor(off / SECTOR) * SECTOR;
    if (!s.erased.has(sector)) { s.erased.add(sector); this.flash.erase(sector, SECTOR); }
    this.flash.program(off, blk.data.subarray(0, 256));
    s.lo = Math.min(s.lo, off);
    s.hi = Math.max(s.hi, off + 256);
    if (s.count === s.numBlocks) this.#complete(name, rec);
  }

  #report(name, rec) {
    if (rec.size === 0) return;
    this.event('file', { name, bytes: rec.size, uf2_blocks: rec.blocks, accepted: rec.accepted,
      ignored_family: rec.ignoredFamily, ignored_tag: rec.ignoredTag, bad: rec.bad, duplicate: rec.duplicate }, true);
    if (rec.blocks === 0 || this.state !== 'bootsel') return; // not a UF2: just a file on the drive
    const s = this.session;
    let reason;
    if (rec.accepted === 0 && rec.duplicate === 0) {
      const fams = Object.keys(rec.ignoredFamily);
      reason = fams.length ? `no block for ${this.boot.name} (family ${fams.join(', ')})` : `no valid block (${rec.bad} bad)`;
    } else {
      reason = `incomplete: ${s ? s.count : 0} of ${s ? s.numBlocks : '?'} blocks`;
    }
    this.event('bad-file', { name, reason });
  }

  #complete(name, rec) {
    const s = this.session;
    const version = findVersion(this.flash.buf, s.lo, s.hi) || this.flashVersion();
    this.state = 'rebooting';
    rec.reported = true;
    this.event('file', { name, bytes: rec.size, uf2_blocks: rec.blocks, accepted: rec.accepted,
      ignored_family: rec.ignoredFamily, ignored_tag: rec.ignoredTag, bad: rec.bad, duplicate: rec.duplicate }, true);
    this.event('complete', { blocks: s.numBlocks, family: hex(s.family),
      range: `${hex(FLASH_BASE + s.lo)}-${hex(FLASH_BASE + s.hi)}`, version: version || null });
    this.session = null;
    this.bootedVersion = version;
    // The bootrom reboots through the watchdog: the drive goes, the image boots.
    setTimeout(() => {
      this.#leave();
      this.state = 'off';
      this.io.run(version, 3); // the bootrom reboots through the watchdog: WDT_RESET
    }, 10);
  }

  /**
   * The RESET button (RUN pin) pressed in BOOTSEL (SIGHUP): the boot path runs again. A flash
   * whose first sector is erased holds no image: the bootrom comes back to BOOTSEL. Otherwise the
   * image boots (power-on reset cause). Returns false when not in BOOTSEL.
   */
  reset() {
    if (this.state !== 'bootsel') return false;
    if (this.flash.buf.subarray(0, SECTOR).every((v) => v === 0xff)) {
      this.event('reset', { boot: 'bootsel (blank flash)' });
      this.session = null;
      return true;
    }
    this.#leave();
    this.state = 'off';
    this.bootedVersion = this.flashVersion();
    this.event('reset', { boot: 'flash', version: this.bootedVersion || null });
    this.io.run(this.bootedVersion, 1);
    return true;
  }

  /** --drive-vanish-after: the cable is pulled. The board has no power: nothing comes back. */
  #unplug() {
    this.state = 'gone';
    this.#leave();
    this.event('vanished', { after_bytes: this.o.driveVanishAfter });
    this.io.unplugged();
  }
}
