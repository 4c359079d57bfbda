#!/usr/bin/env node
// esptool-js flash benchmark: how long esptool-js (Espressif's JavaScript flasher, no stub, the
// ROM loader's compressed write) takes to put a merged MicroPython-like image on a fresh
// virtual ESP32 over RFC 2217, against the time the compressed bytes need on the wire.
//
// usage: node bench/esptool_js_flash.mjs [--image FILE] [--baud 115200,460800] [--address 0x1000]
//                                        [--adapter-max-baud N] [--vboard PATH] [--verbose]
//
// Per baud rate, a fresh `vboard --chip esp32 --flash-file TMP --rfc2217-port 0 --no-pty`;
// esptool-js resets it into the ROM loader, syncs at 115200, detects the chip, switches to the
// baud rate (CHANGE_BAUDRATE, then SET-BAUDRATE on the RFC 2217 link, as its baudrate option
// does), writes the image compressed (zlib -9, 1 KiB blocks, one round trip each) and checks
// SPI_FLASH_MD5. One line per baud rate:
//   bytes, compressed bytes, write seconds (FLASH_DEFL_BEGIN with its erase to the last block's
//   reply; esptool-js's pako deflate before it is shown apart),
//   wire seconds = compressed * 10 * (1050 / 1024) / baud (8N1, a 1 KiB block is about 1050 B
//   on the wire with its SLIP framing and the command header), ratio = write / wire;
//   then the host's deflate, the connect (reset, sync, detection, baud change) and MD5 times.
// The image: FILE, or without --image one made by `python3 tests/tools/esp_image.py merged
// --chip esp32 --version v1.28.0 --size 1600000` (zlib -9 ratio about 0.62, like MicroPython).
// It prints figures, it is not a test (exit status 1 when the setup is broken or the MD5 of
// the flash differs).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBoard, romLoader, romConnect, romWrite, romMd5, pad4 } from '../vboard/test/esptool-js-rom.mjs';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const FLASH_SIZE = 4 * 1024 * 1024;

function parseArgs(argv) {
  const o = { image: null, bauds: [115200, 460800], address: 0x1000, adapterMaxBaud: null, vboard: path.join(ROOT, 'vboard', 'vboard.mjs'), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--image') o.image = next();
    else if (a === '--baud') o.bauds = next().split(',').map(Number);
    else if (a === '--address') o.address = Number(next());
    else if (a === '--adapter-max-baud') o.adapterMaxBaud = Number(next());
    else if (a === '--vboard') o.vboard = next();
    else if (a === '--verbose') o.verbose = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.bauds.some((b) => !(b > 0))) throw new Error('--baud takes positive numbers');
  return o;
}

const fmt = (n) => n.toLocaleString('en-US');

async function runOne(opts, image, baud) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esptool-js-bench-'));
  const flashFile = path.join(tmp, 'flash.bin');
  fs.writeFileSync(flashFile, Buffer.alloc(FLASH_SIZE, 0xff));
  const args = ['--chip', 'esp32', '--flash-file', flashFile, '--rfc2217-port', '0', '--no-pty'];
  if (opts.adapterMaxBaud) args.push('--adapter-max-baud', String(opts.adapterMaxBaud));
  const board = await startBoard(opts.vboard, args);
  const s = romLoader(board.rfc2217, { baud, log: opts.verbose ? (l) => console.log(`  | ${l}`) : null });
  try {
    const t0 = process.hrtime.bigint();
    const chip = await romConnect(s.loader);
    const connectS = Number(process.hrtime.bigint() - t0) / 1e9;
    const used = s.transport.baudrate; // lower than baud when the adapter refused the rate
    const { seconds, hostSeconds, compressed } = await romWrite(s.loader, s.lines, image, opts.address);
    const padded = pad4(image);
    const t1 = process.hrtime.bigint();
    const md5 = await romMd5(s.loader, opts.address, padded.length);
    const md5S = Number(process.hrtime.bigint() - t1) / 1e9;
    const want = crypto.createHash('md5').update(padded).digest('hex');
    const wire = (compressed * 10 * (1050 / 1024)) / used;
    console.log(`${chip} baud ${used}${used !== baud ? ` (${baud} refused)` : ''}: ${fmt(image.length)} B, ${fmt(compressed)} compressed (${(compressed / image.length).toFixed(3)}), `
      + `write ${seconds.toFixed(2)} s, wire ${wire.toFixed(2)} s, ratio ${(seconds / wire).toFixed(2)}; `
      + `deflate ${hostSeconds.toFixed(2)} s, connect ${connectS.toFixed(2)} s, md5 ${md5S.toFixed(2)} s ${md5 === want ? 'ok' : 'MISMATCH'}`);
    await s.transport.disconnect();
    if (md5 !== want) throw new Error(`flash MD5 ${md5}, image MD5 ${want}`);
  } catch (e) {
    console.log(`esptool-js said:\n  ${s.lines.slice(-30).join('\n  ')}`);
    if (board.stderr()) console.log(`board stderr:\n${board.stderr().slice(-2000)}`);
    throw e;
  } finally {
    await board.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let gen = null;
  let label = opts.image;
  if (!opts.image) {
    label = 'a generated 1,600,000 B merged image (esp_image.py merged --chip esp32)';
    gen = fs.mkdtempSync(path.join(os.tmpdir(), 'esptool-js-image-'));
    opts.image = path.join(gen, 'firmware.bin');
    execFileSync('python3', [path.join(ROOT, 'tests', 'tools', 'esp_image.py'), 'merged', '--chip', 'esp32',
      '--version', 'v1.28.0', '--size', '1600000', '-o', opts.image], { stdio: 'ignore' });
  }
  const image = new Uint8Array(fs.readFileSync(opts.image));
  if (gen) fs.rmSync(gen, { recursive: true, force: true });
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'vboard', 'node_modules', 'esptool-js', 'package.json'))).version;
  console.log(`esptool-js ${version} without stub, compressed write of ${label} at 0x${opts.address.toString(16)}, `
    + 'fresh vboard --chip esp32 over RFC 2217 per baud rate');
  for (const baud of opts.bauds) await runOne(opts, image, baud);
}

main().then(() => process.exit(0), (e) => {
  console.error(`bench: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
