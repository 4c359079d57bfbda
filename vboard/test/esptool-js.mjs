#!/usr/bin/env node
// The virtual board's ESP32 chip model against an official client: esptool-js (Espressif,
// Apache-2.0) without its flasher stub, through the board's RFC 2217 server.
//
// Starts `node vboard.mjs --chip esp32 --flash-file TMP --rfc2217-port 0 --no-pty`, then with
// esptool-js: reset into the ROM loader and sync (DTR/RTS over RFC 2217), chip detection (must
// say ESP32), baud change to 460800, SPI attach, a compressed write (FLASH_DEFL_*, 1 KiB blocks)
// of a small image at 0x1000, SPI_FLASH_MD5 of the written region (must match), and after the
// board stopped, the flash file itself. Exits non-zero with the reason and esptool-js's output
// on the first failure.
// Usage: node test/esptool-js.mjs [--verbose] [--baud N] [--trace] [--vboard PATH]
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBoard, romLoader, romConnect, romWrite, romMd5, pad4 } from './esptool-js-rom.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
// --vboard PATH: another board implementation with the same command line (e.g. a mock).
const VBOARD = opt('--vboard', path.join(HERE, '..', 'vboard.mjs'));
const FLASH_SIZE = 4 * 1024 * 1024;
const ADDRESS = 0x1000;

const verbose = argv.includes('--verbose');
const tracing = argv.includes('--trace');
const baud = Number(opt('--baud', 460800));

/** 20,001 bytes shaped like a bootloader image (E9 header) that deflate to about 60 %. */
function testImage() {
  let x = 0x12345678;
  const rnd = () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
  const out = new Uint8Array(20001);
  let i = 0;
  while (i < out.length) {
    const n = 16 + (rnd() % 100);
    if (i < 1024 || rnd() % 10 < 6) {
      for (let k = 0; k < n && i < out.length; k++) out[i++] = rnd() & 0xff;
    } else {
      const from = rnd() % (i - n);
      for (let k = 0; k < n && i < out.length; k++) out[i++] = out[from + k];
    }
  }
  out.set([0xe9, 0x02, 0x02, 0x20], 0);
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esptool-js-'));
const flashFile = path.join(tmp, 'flash.bin');
fs.writeFileSync(flashFile, Buffer.alloc(FLASH_SIZE, 0xff));
let board = null;
let lines = [];
let step = 'starting the board';

function fail(msg) {
  console.log(`FAIL ${step}: ${msg}`);
  if (!verbose && lines.length) console.log(`esptool-js said:\n  ${lines.join('\n  ')}`);
  if (board && board.stderr()) console.log(`board stderr (last 3000 chars):\n${board.stderr().slice(-3000)}`);
}

async function main() {
  const guard = setTimeout(() => { fail('no result within 240 s'); process.exit(1); }, 240000);
  board = await startBoard(VBOARD, ['--chip', 'esp32', '--flash-file', flashFile, '--rfc2217-port', '0', '--no-pty']);
  console.log(`ok   board up, RFC 2217 on port ${board.rfc2217}`);
  const log = verbose ? (l) => console.log(`     | ${l}`) : null;
  const s = romLoader(board.rfc2217, { baud, log, tracing });
  lines = s.lines;

  step = 'reset, sync and chip detection';
  const chip = await romConnect(s.loader);
  if (chip !== 'ESP32') throw new Error(`esptool-js detected ${chip}, not ESP32`);
  console.log(`ok   sync, chip detected: ${chip}; baud ${s.loader.transport.baudrate}; SPI attached`);
  if (s.loader.transport.baudrate !== baud) throw new Error(`the link runs at ${s.loader.transport.baudrate} baud, not ${baud}`);

  step = 'compressed write at 0x1000';
  const image = testImage();
  const { seconds, compressed } = await romWrite(s.loader, lines, image, ADDRESS);
  console.log(`ok   wrote ${image.length} bytes (${compressed} compressed) at 0x${ADDRESS.toString(16)} in ${seconds.toFixed(2)} s`);

  step = 'MD5 check';
  const padded = pad4(image);
  const want = crypto.createHash('md5').update(padded).digest('hex');
  const got = await romMd5(s.loader, ADDRESS, padded.length);
  if (got !== want) throw new Error(`flash MD5 ${got}, image MD5 ${want}`);
  console.log(`ok   SPI_FLASH_MD5 matches (${got})`);
  const ff = Buffer.alloc(4096, 0xff);
  const after = await romMd5(s.loader, ADDRESS + padded.length, ff.length);
  const wantFf = crypto.createHash('md5').update(ff).digest('hex');
  if (after !== wantFf) throw new Error(`the 4 KiB after the image changed (MD5 ${after}, erased is ${wantFf})`);
  console.log('ok   the flash after the image is still erased');

  step = 'closing';
  await s.transport.disconnect();
  const code = await board.stop();
  step = 'the flash file';
  const flash = fs.readFileSync(flashFile);
  if (flash.length !== FLASH_SIZE) throw new Error(`flash file is ${flash.length} bytes, not ${FLASH_SIZE}`);
  if (!flash.subarray(ADDRESS, ADDRESS + padded.length).equals(Buffer.from(padded))) {
    throw new Error('the flash file does not hold the image at 0x1000');
  }
  if (!flash.subarray(0, ADDRESS).equals(Buffer.alloc(ADDRESS, 0xff))) throw new Error('the flash before 0x1000 changed');
  console.log(`ok   the flash file holds the image (board exit ${code})`);
  clearTimeout(guard);
}

main().then(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('PASS esptool-js (no stub) against vboard --chip esp32');
  process.exit(0);
}, async (e) => {
  fail(e && e.stack ? e.stack : String(e));
  if (board) await board.stop();
  console.log(`(flash file kept in ${tmp})`);
  process.exit(1);
});
