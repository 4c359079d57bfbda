// Command-line options of the virtual board.
import { randomBytes, createHash } from 'node:crypto';
import { PLATFORMS } from './platforms.mjs';

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
  --flash-delay-ms N             delay per file write() (default 0)
  --no-deflate-compress          deflate.DeflateIO cannot compress (like esp32/rp2 firmware)
  --uid HEX                      machine.unique_id() (default: random per board process)
  --bootloader-ms N              after machine.bootloader(), reboot after N ms (default 0 = stay silent)
  --tcp-port N                   TCP port on 127.0.0.1 (default 0 = ephemeral)
  --pty-link PATH                create a symlink to the pty
  --no-pty                       do not create a pty (TCP only)
  --state-dir DIR                accepted for compatibility; state is kept in memory
  --noise-ppm R                  flip a random bit in R of every million bytes, both directions
  --noise-seed S                 seed of the noise (default 1)
  --noise-after N                no noise in the first N bytes of each direction (default 0)
  --cut-after N                  after N host bytes the link is cut once: TCP client dropped,
                                 pty silent both ways for --cut-ms (default 3000)
  --reset-after N                after N host bytes the chip resets once (program and rx FIFO lost)
  --faults-armed-by-hook         count fault positions from _vboard.arm_faults(), not from start
`;

export function parseOptions(argv) {
  const o = {
    platform: 'generic', link: 'usb', rxBuffer: 0, rawPaste: 'yes', rawPasteWindow: 128,
    baud: 0, latency: 0, txBuffer: 1024, heap: 0, fsSize: 0, flashDelayMs: 0, noDeflateCompress: false,
    uid: '', bootloaderMs: 0, tcpPort: 0, ptyLink: '', noPty: false, stateDir: '',
    noisePpm: 0, noiseSeed: 1, noiseAfter: 0, cutAfter: 0, cutMs: 3000, resetAfter: 0,
    faultsArmedByHook: false,
  };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number, got ${v}`);
    return n;
  };
  const flags = {
    '--no-deflate-compress': 'noDeflateCompress', '--no-pty': 'noPty',
    '--faults-armed-by-hook': 'faultsArmedByHook',
  };
  const valued = {
    '--platform': ['platform', String], '--link': ['link', String], '--rx-buffer': ['rxBuffer', num],
    '--raw-paste': ['rawPaste', String], '--raw-paste-window': ['rawPasteWindow', num],
    '--baud': ['baud', num], '--latency': ['latency', num], '--tx-buffer': ['txBuffer', num], '--heap': ['heap', num],
    '--fs-size': ['fsSize', num], '--flash-delay-ms': ['flashDelayMs', num], '--uid': ['uid', String],
    '--bootloader-ms': ['bootloaderMs', num], '--tcp-port': ['tcpPort', num],
    '--pty-link': ['ptyLink', String], '--state-dir': ['stateDir', String],
    '--noise-ppm': ['noisePpm', num], '--noise-seed': ['noiseSeed', num],
    '--noise-after': ['noiseAfter', num], '--cut-after': ['cutAfter', num],
    '--cut-ms': ['cutMs', num], '--reset-after': ['resetAfter', num],
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let v;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); }
    if (a === '-h' || a === '--help') { o.help = true; continue; }
    if (flags[a]) { o[flags[a]] = true; continue; }
    const spec = valued[a];
    if (!spec) throw new Error(`unknown option ${a}`);
    if (v === undefined) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      v = argv[++i];
    }
    o[spec[0]] = spec[1](v, a);
  }
  if (o.noisePpm > 1e6) throw new Error('--noise-ppm: 0..1000000');
  if (!PLATFORMS[o.platform]) throw new Error(`--platform: unknown ${o.platform}`);
  if (!['usb', 'uart'].includes(o.link)) throw new Error(`--link: usb or uart`);
  if (!['yes', 'no', 'silent'].includes(o.rawPaste)) throw new Error(`--raw-paste: yes, no or silent`);
  if (o.rawPasteWindow < 1 || o.rawPasteWindow > 65535) throw new Error('--raw-paste-window: 1..65535');
  o.plat = PLATFORMS[o.platform];
  o.rxBuffer ||= o.plat.rx;
  o.heap ||= o.plat.heap;
  o.fsSize ||= { generic: 2 * 1024 * 1024, esp32: 0xf0000, rp2: 352 * 4096 }[o.platform];
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
