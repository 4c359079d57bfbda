// What an ESP chip does with its SPI flash at a normal (SPI) boot: the ROM loads the 2nd-stage
// bootloader image from the chip's bootloader offset, the bootloader reads the partition table at
// 0x8000, picks the app (otadata, else factory, else ota_0) and verifies it the way ESP-IDF's
// esp_image_verify() does. bootFromFlash() returns the console text of that boot and either the
// version from the app's esp_app_desc_t (boot succeeds) or the failure (the chip resets again).
import { createHash } from 'node:crypto';

export const CHIP_INFO = {
  esp32: { name: 'ESP32', imageId: 0, bootOffset: 0x1000, secId: 0 },
  esp32s2: { name: 'ESP32-S2', imageId: 2, bootOffset: 0x1000, secId: 2 },
  esp32s3: { name: 'ESP32-S3', imageId: 9, bootOffset: 0x0, secId: 9 },
  esp32c3: { name: 'ESP32-C3', imageId: 5, bootOffset: 0x0, secId: 5 },
  esp32c6: { name: 'ESP32-C6', imageId: 13, bootOffset: 0x0, secId: 13 },
};

const u32 = (b, o) => b.readUInt32LE(o);
const hex8 = (v) => '0x' + (v >>> 0).toString(16).padStart(8, '0');

/**
 * Checks an image (esp_image_format.h) at `off`, inside `limit` bytes. Returns
 * { ok, segs:[{addr,len,data}], entry, mode, end } or { ok:false, err } with ESP-IDF's message.
 */
export function checkImage(flash, off, limit, chipId) {
  if (off + 24 > flash.length) return { ok: false, err: `image at ${hex(off)} has invalid magic byte (nothing flashed here?)`, magic: 0xffffffff };
  const h = flash.subarray(off, off + 24);
  if (h[0] !== 0xe9) {
    return { ok: false, err: `image at ${hex(off)} has invalid magic byte (nothing flashed here?)`, magic: u32(h, 0) };
  }
  const nseg = h[1];
  const entry = u32(h, 4);
  const id = h.readUInt16LE(12);
  if (id !== chipId) return { ok: false, err: `mismatch chip ID, expected ${chipId}, found ${id}`, tag: 'boot_comm' };
  if (nseg === 0 || nseg > 16) return { ok: false, err: `image at ${hex(off)} segment count ${nseg} exceeds max 16` };
  let p = off + 24;
  let csum = 0xef;
  const segs = [];
  for (let i = 0; i < nseg; i++) {
    if (p + 8 > off + limit || p + 8 > flash.length) return { ok: false, err: `Segment ${i} header at ${hex(p)} is past the end of the image` };
    const addr = u32(flash, p);
    const len = u32(flash, p + 4);
    if (len > limit || p + 8 + len > off + limit || p + 8 + len > flash.length) {
      return { ok: false, err: `Segment ${i} ${hex(addr)}-${hex(addr + len)} invalid: length ${len} past the image` };
    }
    const data = flash.subarray(p + 8, p + 8 + len);
    for (let k = 0; k < data.length; k++) csum ^= data[k];
    segs.push({ addr, len, data, foff: p + 8 });
    p += 8 + len;
  }
  // The checksum byte ends the image on a 16-byte boundary.
  const padEnd = off + ((p - off + 1 + 15) & ~15);
  if (padEnd > off + limit || padEnd > flash.length) return { ok: false, err: `Image length ${padEnd - off} doesn't fit in partition length ${limit}` };
  const stored = flash[padEnd - 1];
  if (stored !== csum) return { ok: false, err: `Checksum failed. Calculated 0x${csum.toString(16)} read 0x${stored.toString(16)}`, csum: [csum, stored] };
  let end = padEnd;
  if (h[23] === 1) {
    if (end + 32 > off + limit || end + 32 > flash.length) return { ok: false, err: 'Image hash failed - image is corrupt' };
    const want = createHash('sha256').update(flash.subarray(off, end)).digest();
    if (!want.equals(flash.subarray(end, end + 32))) return { ok: false, err: 'Image hash failed - image is corrupt' };
    end += 32;
  }
  return { ok: true, segs, entry, mode: h[2], end };
}

const hex = (v) => '0x' + (v >>> 0).toString(16);

/** Partition table at 0x8000: [{type, subtype, offset, size, label}] or { err }. */
export function readPartitions(flash) {
  const base = 0x8000;
  const parts = [];
  for (let i = 0; i < 95; i++) {
    const o = base + i * 32;
    if (o + 32 > flash.length) break;
    const m = flash.readUInt16LE(o);
    if (m === 0x50aa) {
      const label = flash.subarray(o + 12, o + 28);
      const z = label.indexOf(0);
      parts.push({ type: flash[o + 2], subtype: flash[o + 3], offset: u32(flash, o + 4), size: u32(flash, o + 8),
        label: label.subarray(0, z < 0 ? 16 : z).toString('latin1') });
    } else if (m === 0xebeb) {
      const md5 = createHash('md5').update(flash.subarray(base, o)).digest();
      if (!md5.equals(flash.subarray(o + 16, o + 32))) return { err: ['flash_parts: Incorrect MD5 checksum'] };
    } else if (m === 0xffff) {
      break;
    } else {
      return { err: [`flash_parts: partition ${i} invalid magic number 0x${m.toString(16)}`] };
    }
  }
  if (!parts.length) return { err: ['flash_parts: partition 0 invalid magic number 0xffff'] };
  return { parts };
}

/** esp_app_desc_t of an app image at `off`: version (or null when the magic is not there). */
export function appVersion(flash, off) {
  if (off + 0x50 > flash.length || u32(flash, off + 0x20) !== 0xabcd5432) return null;
  const v = flash.subarray(off + 0x30, off + 0x50);
  const z = v.indexOf(0);
  return v.subarray(0, z < 0 ? 32 : z).toString('latin1');
}

function otaSelect(flash, parts) {
  const otadata = parts.find((p) => p.type === 1 && p.subtype === 0);
  const otas = parts.filter((p) => p.type === 0 && p.subtype >= 0x10 && p.subtype < 0x20);
  if (!otadata || !otas.length) return null;
  let best = null;
  for (const s of [0, 1]) {
    const o = otadata.offset + s * 0x1000;
    if (o + 32 > flash.length) continue;
    const seq = u32(flash, o);
    if (seq === 0xffffffff || seq === 0) continue;
    const state = u32(flash, o + 24);
    if (state === 3 || state === 4) continue; // INVALID / ABORTED
    const crc = crc32le(flash.subarray(o, o + 4));
    if (crc !== u32(flash, o + 28)) continue;
    if (!best || seq > best) best = seq;
  }
  if (!best) return null;
  return otas.find((p) => p.subtype === 0x10 + ((best - 1) % otas.length)) || null;
}

function crc32le(buf) {
  // esp_rom_crc32_le(UINT32_MAX, ...) as ESP-IDF's otadata uses it (zlib crc32 seeded 0xFFFFFFFF).
  let r = ~0xffffffff >>> 0;
  for (const b of buf) {
    r ^= b;
    for (let k = 0; k < 8; k++) r = r & 1 ? (r >>> 1) ^ 0xedb88320 : r >>> 1;
  }
  return (~r) >>> 0;
}

const MODES = ['QIO', 'QOUT', 'DIO', 'DOUT'];

/**
 * A normal boot from `flash` on `chip`. `rst` is the ROM's reset-reason text (e.g.
 * 'rst:0x1 (POWERON_RESET)'). Returns { text, ok, version, stage } where stage is 'rom' (the ROM
 * could not load the bootloader) or 'bootloader' (the 2nd stage found no bootable app).
 */
export function bootFromFlash(flash, chip, rst) {
  const ci = CHIP_INFO[chip];
  const esp32 = chip === 'esp32';
  let text = romBootBanner(chip, rst);
  const bl = checkImage(flash, ci.bootOffset, 0x8000 - ci.bootOffset, ci.imageId);
  if (!bl.ok) {
    if (bl.magic !== undefined) return { ok: false, stage: 'rom', text: text + `invalid header: ${hex8(bl.magic)}\r\n`, magic: bl.magic };
    if (bl.csum) return { ok: false, stage: 'rom', text: text + `csum err:0x${bl.csum[1].toString(16)}!=0x${bl.csum[0].toString(16)}\r\nets_main.c 371 \r\n` };
    return { ok: false, stage: 'rom', text: text + (esp32 ? 'ets_main.c 371 \r\n' : 'ets_loader.c 78 \r\n') };
  }
  const mode = MODES[bl.mode] || 'DIO';
  if (esp32) {
    text += 'configsip: 0, SPIWP:0xee\r\nclk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n' +
      `mode:${mode}, clock div:2\r\n`;
    for (const s of bl.segs) text += `load:${hex8(s.addr)},len:${s.len}\r\n`;
  } else {
    text += `SPIWP:0xee\r\nmode:${mode}, clock div:1\r\n`;
    for (const s of bl.segs) text += `load:${hex8(s.addr)},len:0x${s.len.toString(16)}\r\n`;
  }
  text += `entry ${hex8(bl.entry)}\r\n`;
  let t = esp32 ? 27 : 24;
  const I = (tag, m) => { text += `I (${t}) ${tag}: ${m}\r\n`; t += 3; };
  const E = (tag, m) => { text += `E (${t}) ${tag}: ${m}\r\n`; t += 2; };
  I('boot', 'ESP-IDF 2nd stage bootloader');
  I('boot', `chip: ${ci.name}`);
  const pt = readPartitions(flash);
  if (pt.err) {
    for (const m of pt.err) { const [tag, ...rest] = m.split(': '); E(tag, rest.join(': ')); }
    E('boot', 'Failed to verify partition table');
    E('boot', 'load partition table error!');
    return { ok: false, stage: 'bootloader', text };
  }
  I('boot', 'Partition Table:');
  I('boot', '## Label            Usage          Type ST Offset   Length');
  pt.parts.forEach((p, i) => I('boot', ` ${i} ${p.label.padEnd(16)} ${(p.type === 0 ? (p.subtype === 0 ? 'factory app' : 'OTA app') : 'data').padEnd(14)} ` +
    `${p.type.toString(16).padStart(2, '0')} ${p.subtype.toString(16).padStart(2, '0')} ${p.offset.toString(16).padStart(8, '0')} ${p.size.toString(16).padStart(8, '0')}`));
  I('boot', 'End of partition table');
  const apps = pt.parts.filter((p) => p.type === 0);
  if (!apps.length) { E('boot', 'No bootable app partitions in the partition table'); return { ok: false, stage: 'bootloader', text }; }
  const chosen = otaSelect(flash, pt.parts) || apps.find((p) => p.subtype === 0) || apps.find((p) => p.subtype === 0x10) || apps[0];
  // Like bootloader_utility_load_boot_image(): the chosen app, then the others in order.
  const order = [chosen, ...apps.filter((p) => p !== chosen)];
  for (const p of order) {
    const img = checkImage(flash, p.offset, p.size, ci.imageId);
    if (!img.ok) {
      E(img.tag || 'esp_image', img.err);
      E('boot', `${p.subtype === 0 ? 'Factory app' : 'OTA app'} partition is not bootable`);
      continue;
    }
    for (let i = 0; i < img.segs.length; i++) {
      const s = img.segs[i];
      I('esp_image', `segment ${i}: paddr=${(s.foff).toString(16).padStart(8, '0')} vaddr=${s.addr.toString(16).padStart(8, '0')} size=0x${s.len.toString(16).padStart(5, '0')} (${String(s.len).padStart(6)}) load`);
    }
    I('boot', `Loaded app from partition at offset 0x${p.offset.toString(16)}`);
    I('boot', 'Disabling RNG early entropy source...');
    return { ok: true, text, version: appVersion(flash, p.offset), partition: p.label };
  }
  E('boot', 'No bootable app partitions in the partition table');
  return { ok: false, stage: 'bootloader', text };
}

/** The ROM's first lines at a reset with the strapping pins selecting `boot`. */
export function romBootBanner(chip, rst, download = false) {
  const b = ROM[chip];
  const mode = download ? b.dl : b.spi;
  return `${b.head}${rst},boot:${mode}\r\n`;
}

/** ROM texts per chip (first lines and strap-mode names as the chips print them). */
export const ROM = {
  esp32: { head: 'ets Jun  8 2016 00:22:57\r\n\r\n', power: 'rst:0x1 (POWERON_RESET)', sw: 'rst:0xc (SW_CPU_RESET)',
    wdt: 'rst:0x10 (RTCWDT_RTC_RESET)', spi: '0x13 (SPI_FAST_FLASH_BOOT)', dl: '0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))' },
  esp32s2: { head: 'ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\n', power: 'rst:0x1 (POWERON)', sw: 'rst:0x3 (RTC_SW_SYS_RST)',
    wdt: 'rst:0x10 (RTCWDT_RTC_RST)', spi: '0x8 (SPI_FAST_FLASH_BOOT)', dl: '0x0 (DOWNLOAD(USB/UART0/1))' },
  esp32s3: { head: 'ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n', power: 'rst:0x1 (POWERON)', sw: 'rst:0x3 (RTC_SW_SYS_RST)',
    wdt: 'rst:0x10 (RTCWDT_RTC_RST)', spi: '0x8 (SPI_FAST_FLASH_BOOT)', dl: '0x3 (DOWNLOAD(USB/UART0))' },
  esp32c3: { head: 'ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n', power: 'rst:0x1 (POWERON)', sw: 'rst:0x3 (RTC_SW_SYS_RST)',
    wdt: 'rst:0x10 (RTCWDT_RTC_RST)', spi: '0xc (SPI_FAST_FLASH_BOOT)', dl: '0x7 (DOWNLOAD(USB/UART0/1))' },
  esp32c6: { head: 'ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\n', power: 'rst:0x1 (POWERON)', sw: 'rst:0x3 (LP_SW_HPSYS)',
    wdt: 'rst:0x10 (LP_WDT_SYS)', spi: '0xc (SPI_FAST_FLASH_BOOT)', dl: '0x4 (DOWNLOAD(USB/UART0/SDIO_FEI_FEO))' },
};
