// Command-line options of the virtual board.
import { randomBytes, createHash } from 'node:crypto';
import { PLATFORMS, RP2350 } from './platforms.mjs';

export const CHIPS = ['esp32', 'esp32s2', 'esp32s3', 'esp32c3', 'esp32c6'];
export const RP2_CHIPS = ['rp2040', 'rp2350'];
const MiB = 1024 * 1024;

export const USAGE = `usage: vboard.mjs [options]
  --platform generic|esp32|rp2   board to emulate (default generic)
  --link usb|uart                usb: host is held back when the board's rx buffer is full (default);
                                 uart: bytes arriving while it is full are lost (while code runs)
  --rx-buffer N                  board stdin buffer bytes (default esp32 260, rp2/generic 512)
  --raw-paste yes|no|silent      raw-paste support (default yes)
  --raw-paste-window N           raw-paste window size (default 128)
  --baud N                       throttle each direction to N/10 bytes/s (default 0 = unlimited)
  --latency MS                   extra latency each way (default 0)
  --tx-buffer N                  with --baud: board output bytes on the way to the host before
                                 the board blocks, like a UART's (default 1024)
  --heap BYTES                   heap size reported by gc (default per platform)
  --fs-size BYTES                filesystem capacity (default 2 MiB; rp2 1.4 MiB; esp32 960 KiB)
  --fs-hidden-blocks N           writes fail with ENOSPC while statvfs still reports N blocks
                                 free (littlefs' own blocks: copy-on-write, metadata) (default 0)
  --flash-delay-ms N             delay per file write() (default 0)
  --no-deflate-compress          deflate.DeflateIO cannot compress (like esp32/rp2 firmware)
  --uid HEX                      machine.unique_id() (default: random per board process)
  --bootloader-ms N              after machine.bootloader(), reboot after N ms (default 0 = stay silent)
  --tcp-port N                   TCP port on 127.0.0.1 (default 0 = ephemeral)
  --pty-link PATH                create a symlink to the pty
  --webrepl PORT                 WebREPL endpoint on 127.0.0.1:PORT (0 = a free port), as a board
                                 whose boot.py runs webrepl.start(); READY gains webrepl=HOST:PORT
  --webrepl-password PW          its password, 4-9 characters (default: PASS in the board's
                                 /webrepl_cfg.py, read at every boot as webrepl.start() does)
  --no-pty                       do not create a pty (TCP only)
  --state-dir DIR                accepted for compatibility; state is kept in memory
  --noise-ppm R                  flip a random bit in R of every million bytes, both directions
  --noise-seed S                 seed of the noise (default 1)
  --noise-after N                no noise in the first N bytes of each direction (default 0)
  --cut-after N                  after N host bytes the link is cut once: TCP client dropped,
                                 pty silent both ways for --cut-ms (default 3000)
  --reset-after N                after N host bytes the chip resets once (program and rx FIFO lost)
  --faults-armed-by-hook         count fault positions from _vboard.arm_faults(), not from start
ESP dev board (a chip with its ROM loader, SPI flash, USB-UART adapter and auto-reset circuit):
  --chip esp32|esp32s2|esp32s3|esp32c3|esp32c6   model this chip (implies --platform esp32)
  --flash-file PATH              the chip's SPI flash (created erased when missing; written through;
                                 default: an erased flash in memory)
  --flash-size N                 flash size in bytes when the file is created (default 4 MiB)
  --rfc2217-port N               RFC 2217 (telnet COM-PORT) port on 127.0.0.1 (default 0 = ephemeral)
  --adapter-max-baud N           the USB-UART adapter refuses rates above N (default 0 = none)
  --lines-log FILE               append DTR/RTS changes and chip events as JSON lines
  --secure-download              ROM in Secure Download Mode (not esp32)
  --flash-encryption             flash encryption enabled in eFuse (FLASH_CRYPT_CNT odd)
  --en-delay-ms N                EN RC delay: EN must stay high this long to leave reset (default 10)
RP2 board with its BOOTSEL drive (machine.bootloader() presents a UF2 drive directory):
  --rp2-chip rp2040|rp2350       the chip (implies --platform rp2; default rp2040)
  --drive-dir DIR                where the BOOTSEL drive's files appear while the board is in
                                 BOOTSEL (created on entry, removed on leaving); turns the model on
  --disk-by-id DIR               while the drive exists: DIR/usb-RPI_RP2_<SERIAL>-0:0-part1
                                 (rp2350: usb-RPI_RP2350_...) -> the drive dir; SERIAL = --uid
  --bootsel                      start in BOOTSEL (BOOTSEL held at power-on): no pty/TCP until
                                 a valid UF2 is flashed
  --flash-file PATH              the RP2's QSPI flash image (as for --chip; default in memory)
  --flash-size N                 its size when created (default rp2040 2 MiB, rp2350 4 MiB)
  --drive-vanish-after N         once, after N bytes were copied to the drive, the board is
                                 unplugged: drive and link vanish, the board never comes back
  --bootsel-log FILE             append BOOTSEL events as JSON lines
  (SIGHUP presses the RESET button: in BOOTSEL a flashed image boots, a blank board stays)
`;

export function parseOptions(argv) {
  const o = {
    platform: 'generic', link: 'usb', rxBuffer: 0, rawPaste: 'yes', rawPasteWindow: 128,
    baud: 0, latency: 0, txBuffer: 1024, heap: 0, fsSize: 0, fsHiddenBlocks: 0, flashDelayMs: 0, noDeflateCompress: false,
    uid: '', bootloaderMs: 0, tcpPort: 0, ptyLink: '', noPty: false, stateDir: '',
    noisePpm: 0, noiseSeed: 1, noiseAfter: 0, cutAfter: 0, cutMs: 3000, resetAfter: 0,
    faultsArmedByHook: false, webrepl: -1, webreplPassword: '',
    chip: '', flashFile: '', flashSize: 4 * 1024 * 1024, rfc2217Port: 0, adapterMaxBaud: 0,
    linesLog: '', secureDownload: false, flashEncryption: false, enDelayMs: 10,
    rp2Chip: '', driveDir: '', diskById: '', bootsel: false, driveVanishAfter: 0, bootselLog: '',
  };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number, got ${v}`);
    return n;
  };
  const flags = {
    '--no-deflate-compress': 'noDeflateCompress', '--no-pty': 'noPty',
    '--faults-armed-by-hook': 'faultsArmedByHook',
    '--secure-download': 'secureDownload', '--flash-encryption': 'flashEncryption',
    '--bootsel': 'bootsel',
  };
  const valued = {
    '--platform': ['platform', String], '--link': ['link', String], '--rx-buffer': ['rxBuffer', num],
    '--raw-paste': ['rawPaste', String], '--raw-paste-window': ['rawPasteWindow', num],
    '--baud': ['baud', num], '--latency': ['latency', num], '--tx-buffer': ['txBuffer', num], '--heap': ['heap', num],
    '--fs-size': ['fsSize', num], '--fs-hidden-blocks': ['fsHiddenBlocks', num], '--flash-delay-ms': ['flashDelayMs', num], '--uid': ['uid', String],
    '--bootloader-ms': ['bootloaderMs', num], '--tcp-port': ['tcpPort', num],
    '--pty-link': ['ptyLink', String], '--state-dir': ['stateDir', String],
    '--webrepl': ['webrepl', num], '--webrepl-password': ['webreplPassword', String],
    '--noise-ppm': ['noisePpm', num], '--noise-seed': ['noiseSeed', num],
    '--noise-after': ['noiseAfter', num], '--cut-after': ['cutAfter', num],
    '--cut-ms': ['cutMs', num], '--reset-after': ['resetAfter', num],
    '--chip': ['chip', String], '--flash-file': ['flashFile', String], '--flash-size': ['flashSize', num],
    '--rfc2217-port': ['rfc2217Port', num], '--adapter-max-baud': ['adapterMaxBaud', num],
    '--lines-log': ['linesLog', String], '--en-delay-ms': ['enDelayMs', num],
    '--rp2-chip': ['rp2Chip', String], '--drive-dir': ['driveDir', String], '--disk-by-id': ['diskById', String],
    '--drive-vanish-after': ['driveVanishAfter', num], '--bootsel-log': ['bootselLog', String],
  };
  const seen = new Set();
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '-h' || a === '--help') { o.help = true; continue; }
    seen.add(a);
    if (flags[a]) { o[flags[a]] = true; continue; }
    const spec = valued[a];
    if (!spec) throw new Error(`unknown option ${a}`);
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      v = argv[++i];
    }
    o[spec[0]] = spec[1](v, a);
  }
  if (o.chip) {
    if (!CHIPS.includes(o.chip)) throw new Error(`--chip: one of ${CHIPS.join(', ')}`);
    if (seen.has('--platform') && o.platform !== 'esp32') throw new Error('--chip implies --platform esp32');
    o.platform = 'esp32';
    const sizes = [1, 2, 4, 8, 16].map((m) => m * 1024 * 1024);
    if (!sizes.includes(o.flashSize)) throw new Error('--flash-size: 1, 2, 4, 8 or 16 MiB in bytes');
    if (o.secureDownload && o.chip === 'esp32') throw new Error('--secure-download: the ESP32 ROM has no Secure Download Mode');
  } else {
    for (const k of ['--rfc2217-port', '--adapter-max-baud', '--lines-log',
      '--secure-download', '--flash-encryption', '--en-delay-ms']) {
      if (seen.has(k)) throw new Error(`${k} needs --chip`);
    }
  }
  // RP2 with its BOOTSEL drive (lib/rp2-bootsel.mjs).
  if (o.rp2Chip) {
    if (!RP2_CHIPS.includes(o.rp2Chip)) throw new Error(`--rp2-chip: one of ${RP2_CHIPS.join(', ')}`);
    if (o.chip) throw new Error('--rp2-chip and --chip exclude each other');
    if (seen.has('--platform') && o.platform !== 'rp2') throw new Error('--rp2-chip implies --platform rp2');
    o.platform = 'rp2';
  }
  const driveOpts = ['--drive-dir', '--disk-by-id', '--bootsel', '--drive-vanish-after', '--bootsel-log'];
  if (o.platform === 'rp2') o.rp2Chip ||= 'rp2040';
  for (const k of driveOpts) {
    if (!seen.has(k)) continue;
    if (o.platform !== 'rp2') throw new Error(`${k} needs --platform rp2 or --rp2-chip`);
    if (k !== '--drive-dir' && !o.driveDir) throw new Error(`${k} needs --drive-dir`);
  }
  // The BOOTSEL model is on when the drive has somewhere to appear.
  o.rp2Drive = o.platform === 'rp2' && !!o.driveDir;
  if (o.rp2Drive) {
    if (seen.has('--bootloader-ms')) throw new Error('--bootloader-ms: not with --drive-dir (the BOOTSEL drive decides when the board comes back)');
    if (!seen.has('--flash-size')) o.flashSize = o.rp2Chip === 'rp2350' ? 4 * MiB : 2 * MiB;
    if (![1, 2, 4, 8, 16].map((m) => m * MiB).includes(o.flashSize)) throw new Error('--flash-size: 1, 2, 4, 8 or 16 MiB in bytes');
  } else if (!o.chip) {
    for (const k of ['--flash-file', '--flash-size']) {
      if (seen.has(k)) throw new Error(`${k} needs --chip, or --drive-dir for an rp2 board`);
    }
  }
  if (seen.has('--webrepl') && (!Number.isInteger(o.webrepl) || o.webrepl > 65535)) throw new Error('--webrepl: a port, 0..65535');
  if (seen.has('--webrepl-password')) {
    if (!seen.has('--webrepl')) throw new Error('--webrepl-password needs --webrepl');
    const n = [...o.webreplPassword].length;
    if (n < 4 || n > 9 || Buffer.byteLength(o.webreplPassword) > 9) throw new Error('--webrepl-password: 4 to 9 characters (at most 9 bytes)');
  }
  if (o.noisePpm > 1e6) throw new Error('--noise-ppm: 0..1000000');
  if (!PLATFORMS[o.platform]) throw new Error(`--platform: unknown ${o.platform}`);
  if (!['usb', 'uart'].includes(o.link)) throw new Error(`--link: usb or uart`);
  if (!['yes', 'no', 'silent'].includes(o.rawPaste)) throw new Error(`--raw-paste: yes, no or silent`);
  if (o.rawPasteWindow < 1 || o.rawPasteWindow > 65535) throw new Error('--raw-paste-window: 1..65535');
  o.plat = PLATFORMS[o.platform];
  if (o.rp2Chip === 'rp2350') o.plat = { ...o.plat, ...RP2350 };
  o.rxBuffer ||= o.plat.rx;
  o.heap ||= o.plat.heap;
  o.fsSize ||= { generic: 2 * 1024 * 1024, esp32: 0xf0000, rp2: o.plat.fsBlocks * 4096 }[o.platform];
  if (o.fsSize < 3 * 4096) throw new Error('--fs-size: at least 12288');
  if (o.uid) {
    if (!/^([0-9a-fA-F]{2}){4,8}$/.test(o.uid)) throw new Error('--uid: 4..8 hex bytes');
    o.uid = o.uid.toLowerCase();
  } else if (o.stateDir) {
    // Stable across runs for the same state dir.
    o.uid = createHash('sha256').update(o.stateDir + o.platform).digest('hex').slice(0, o.plat.uidLen * 2);
  } else {
    o.uid = randomBytes(o.plat.uidLen).toString('hex');
  }
  if (o.platform === 'esp32') {
    // A base MAC: unicast, Espressif OUI-like prefix.
    o.uid = '24dcc3' + o.uid.slice(6, 12);
  }
  return o;
}
