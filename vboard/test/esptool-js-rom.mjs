// esptool-js against the ESP ROM serial bootloader WITHOUT the flasher stub, over RFC 2217:
// the shared steps of test/esptool-js.mjs and bench/esptool_js_flash.mjs.
//
// esptool-js 0.7.0 has no no-stub option: ESPLoader.main() always calls runStub(). So these
// helpers call detectChip(), changeBaud() and writeFlash() directly, and replace runStub() by a
// no-op that keeps the ROM loader (changeBaud() calls it when it falls back to 115200 after a
// refused rate). What esptool-js leaves to its stub is done as esptool --no-stub does it:
// - FLASH_WRITE_SIZE: 0x400 (the chip class's ROM value); the loader's default 0x4000 is the
//   stub's block size.
// - SPI_ATTACH: esptool-js never sends it (the stub attaches itself) and its flashSpiAttach()
//   sends one word; the ROM takes two (pins, then 0), and needs it before flash commands.
// - SPI_FLASH_MD5: the ROM answers 32 ASCII hex digits, the stub 16 raw bytes; flashMd5sum()
//   hex-encodes the ROM's digits a second time, so romMd5() decodes them back.
import { spawn } from 'node:child_process';
import { ESPLoader, Rfc2217Transport } from './esptool-js-transport.mjs';

const READY_RE = /^READY pty=(\S*) tcp=127\.0\.0\.1:(\d+) rfc2217=127\.0\.0\.1:(\d+)\r?$/m;

/**
 * Starts `node VBOARD ARGS...` and resolves when it prints its READY line.
 * @returns {Promise<{proc, tcp: number, rfc2217: number, stderr: () => string, stop: () => Promise<number|null>}>}
 */
export function startBoard(vboard, args, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [vboard, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const stderr = () => err;
    const stop = () => new Promise((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) { res(proc.exitCode); return; }
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', (code) => { clearTimeout(t); res(code); });
      proc.kill('SIGTERM');
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`no READY line from the board within ${timeoutMs} ms; stdout ${JSON.stringify(out)}; stderr ${err}`));
    }, timeoutMs);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = READY_RE.exec(out);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ proc, tcp: Number(m[2]), rfc2217: Number(m[3]), stderr, stop });
      }
    });
    proc.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`board exited (${code ?? sig}) before READY; stderr: ${err}`));
    });
  });
}

/**
 * An ESPLoader on an RFC 2217 transport to 127.0.0.1:port, stub disabled.
 * baud: the rate to switch to after the sync at 115200 (as esptool-js's baudrate option).
 * log(line): every terminal line of esptool-js.
 */
export function romLoader(port, { baud = 115200, log = null, tracing = false } = {}) {
  const lines = [];
  let partial = '';
  const emit = (l) => { if (l.length) { lines.push(l); if (log) log(l); } };
  const terminal = {
    clean() {},
    writeLine(d) { terminal.write(`${d}\n`); },
    write(d) {
      const parts = (partial + d).replace(/\r/g, '').split('\n');
      partial = parts.pop();
      parts.forEach(emit);
    },
  };
  const transport = new Rfc2217Transport('127.0.0.1', port, { tracing });
  const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal, enableTracing: tracing });
  loader.runStub = async () => {
    loader.info('(no stub: staying with the ROM loader)');
    return loader.chip;
  };
  return { loader, transport, lines };
}

/**
 * Reset into the ROM loader and sync, detect the chip, change the baud rate if one was asked
 * for, then attach the SPI flash (esptool's order: a refused rate makes esptool-js reset the
 * chip and continue at 115200, and the attach must follow that reset). Returns the chip name
 * esptool-js detected; loader.transport.baudrate is the rate in use.
 */
export async function romConnect(loader) {
  await loader.detectChip('default_reset');
  if (!loader.chip) throw new Error('esptool-js detected no chip');
  loader.FLASH_WRITE_SIZE = loader.chip.FLASH_WRITE_SIZE ?? 0x400;
  if (loader.baudrate !== loader.romBaudrate) await loader.changeBaud();
  await loader.checkCommand('configure SPI flash pins', loader.ESP_SPI_ATTACH, new Uint8Array(8));
  return loader.chip.CHIP_NAME;
}

/** data padded with 0xFF to a multiple of 4, as writeFlash() sends it. */
export function pad4(data) {
  const n = (4 - (data.length % 4)) % 4;
  if (n === 0) return data;
  const out = new Uint8Array(data.length + n).fill(0xff);
  out.set(data);
  return out;
}

/**
 * Compressed write of data at address through writeFlash() (no FLASH_DEFL_END: the ROM would
 * leave the loader). Returns {seconds, hostSeconds, compressed}: the time from FLASH_DEFL_BEGIN
 * (with the ROM's erase) to the last block's reply, the host's time before it (pako deflate
 * -9), and the compressed size esptool-js reported.
 */
export async function romWrite(loader, lines, data, address) {
  const first = lines.length;
  const t0 = process.hrtime.bigint();
  let tBegin = null;
  const begin = loader.flashDeflBegin;
  loader.flashDeflBegin = function (...args) {
    tBegin = process.hrtime.bigint();
    return begin.apply(this, args);
  };
  try {
    await writeFlash(loader, data, address);
  } finally {
    loader.flashDeflBegin = begin;
  }
  const t1 = process.hrtime.bigint();
  let compressed = null;
  for (const l of lines.slice(first)) {
    const m = /Compressed (\d+) bytes to (\d+)/.exec(l);
    if (m) compressed = Number(m[2]);
  }
  return { seconds: Number(t1 - (tBegin ?? t0)) / 1e9, hostSeconds: Number((tBegin ?? t0) - t0) / 1e9, compressed };
}

function writeFlash(loader, data, address) {
  return loader.writeFlash({
    fileArray: [{ data, address }],
    flashSize: 'keep',
    flashMode: 'keep',
    flashFreq: 'keep',
    eraseAll: false,
    compress: true,
  });
}

/** SPI_FLASH_MD5 of the flash region as 32 lower-case hex digits (see the header). */
export async function romMd5(loader, address, size) {
  const r = await loader.flashMd5sum(address, size);
  if (r.length === 64) return Buffer.from(r, 'hex').toString('latin1').toLowerCase();
  return r.toLowerCase();
}
