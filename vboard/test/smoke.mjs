#!/usr/bin/env node
// Smoke test of the virtual board: starts it, talks raw REPL over TCP and the
// friendly REPL over the pty (through python3, like a serial port), and exits
// non-zero on the first failure. Usage: node test/smoke.mjs
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VBOARD = path.join(HERE, '..', 'vboard.mjs');
let passed = 0;
let failed = 0;

function check(name, cond, detail = '') {
  if (cond) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name} ${detail}`); }
}

function startBoard(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [VBOARD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /^READY pty=(\S*) tcp=127\.0\.0\.1:(\d+)\n/.exec(buf);
      if (m) resolve({ proc: p, pty: m[1], port: Number(m[2]) });
    });
    p.on('exit', (c) => reject(new Error(`board exited ${c}`)));
  });
}

class Client {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.#wake(); });
  }
  static connect(port) {
    return new Promise((res, rej) => {
      const s = net.connect(port, '127.0.0.1', () => res(new Client(s)));
      s.on('error', rej);
    });
  }
  #wake() { for (const w of this.waiters.splice(0)) w(); }
  write(b) { this.sock.write(typeof b === 'string' ? Buffer.from(b, 'utf8') : b); }
  /** Read until marker (consumed); returns the bytes before it. */
  async until(marker, ms = 3000) {
    const m = Buffer.from(marker, 'latin1');
    const end = Date.now() + ms;
    for (;;) {
      const i = this.buf.indexOf(m);
      if (i >= 0) {
        const out = this.buf.subarray(0, i);
        this.buf = this.buf.subarray(i + m.length);
        return out;
      }
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${JSON.stringify(marker)}; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
  }
  async bytes(n, ms = 3000) {
    const end = Date.now() + ms;
    while (this.buf.length < n) {
      if (Date.now() > end) throw new Error('timeout reading bytes');
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  async exec(code) {
    this.write(code);
    this.write('\x04');
    await this.until('OK');
    const out = (await this.until('\x04')).toString('utf8');
    const err = (await this.until('\x04>')).toString('utf8');
    return { out, err };
  }
  async pasteExec(code) {
    this.write('\x05A\x01');
    // R\x01, the window (u16 LE) and, like firmware, one \x01 at once: two windows to start.
    const hdr = await this.bytes(5);
    if (hdr[0] !== 0x52 || hdr[1] !== 1) throw new Error(`raw-paste refused: ${hdr.toString('hex')}`);
    if (hdr[4] !== 1) throw new Error(`no initial window grant: ${hdr.toString('hex')}`);
    const win = hdr.readUInt16LE(2);
    const data = Buffer.from(code, 'utf8');
    let budget = 2 * win;
    let off = 0;
    while (off < data.length) {
      while (budget === 0) {
        const b = await this.bytes(1);
        if (b[0] === 1) budget += win; else throw new Error(`unexpected flow byte ${b[0]}`);
      }
      const n = Math.min(budget, data.length - off);
      this.write(data.subarray(off, off + n));
      off += n;
      budget -= n;
    }
    this.write('\x04');
    await this.until('\x04'); // end-of-data ack (skips remaining \x01s)
    const out = (await this.until('\x04')).toString('utf8');
    const err = (await this.until('\x04>')).toString('utf8');
    return { out, err };
  }
  close() { this.sock.destroy(); }
}

async function main() {
  const board = await startBoard(['--platform', 'esp32', '--no-deflate-compress']);
  try {
    const c = await Client.connect(board.port);
    c.write('\x03\x03');
    await c.until('\r\n>>> ');
    check('friendly prompt on Ctrl-C', true);
    c.write('\x01');
    await c.until('raw REPL; CTRL-B to exit\r\n>');
    check('raw REPL banner', true);

    let r = await c.exec('print(6*7)');
    check('exec stdout', r.out === '42\r\n' && r.err === '', JSON.stringify(r));
    r = await c.exec('x');
    check('exec traceback', r.err === 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nNameError: name \'x\' isn\'t defined\r\n', JSON.stringify(r));
    r = await c.exec('print("žluťoučký kůň €")');
    check('unicode output', r.out === 'žluťoučký kůň €\r\n', JSON.stringify(r));

    const big = Array.from({ length: 200 }, (_, i) => `v${i} = ${i}  # padding padding padding`).join('\n') + '\nprint(v199 + v1)';
    r = await c.pasteExec(big);
    check('raw-paste multi-window', r.out === '200\r\n' && r.err === '', JSON.stringify(r));
    r = await c.pasteExec('def f(:\n  pass');
    check('raw-paste syntax error', r.err.includes('SyntaxError'), JSON.stringify(r));

    r = await c.exec('import sys, os\nprint(sys.platform, os.uname().machine, sys.path, os.listdir("/"))');
    check('platform identity', r.out === "esp32 Generic ESP32 module with ESP32 ['', '.frozen', '/lib'] ['lib']\r\n", JSON.stringify(r));

    r = await c.exec('f = open("keep.txt", "w")\nf.write("kept")\nf.close()\nsecret = 1');
    c.write('\x04');
    await c.until('soft reboot');
    await c.until('raw REPL; CTRL-B to exit\r\n>');
    r = await c.exec('print(open("keep.txt").read(), "secret" in globals())');
    check('soft reset keeps files, clears RAM', r.out === 'kept False\r\n', JSON.stringify(r));

    r = await c.exec('import os\ntry:\n  os.remove("nope")\nexcept OSError as e:\n  print(e.errno)');
    check('board errno numbers', r.out === '2\r\n', JSON.stringify(r));

    c.write('import time\nwhile True:\n  time.sleep(0.05)\x04');
    await c.until('OK');
    await new Promise((res) => setTimeout(res, 200));
    c.write('\x03');
    await c.until('\x04');
    const err = (await c.until('\x04>')).toString();
    check('Ctrl-C interrupts sleep', err.includes('KeyboardInterrupt'), JSON.stringify(err));

    r = await c.exec('import machine\nprint(len(machine.unique_id()))');
    check('machine.unique_id', r.out === '6\r\n', JSON.stringify(r));

    // sys.stdout.buffer is raw (binary frames), text output stays cooked.
    const bin = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    c.write('import sys\nprint("before")\nn = sys.stdout.buffer.write(bytes(range(256)) * 2)\nprint("after", n)\x04');
    await c.until('OK');
    const expect = Buffer.concat([Buffer.from('before\r\n'), bin, Buffer.from('after 512\r\n\x04\x04>')]);
    const got = await c.bytes(expect.length);
    check('stdout.buffer.write is raw (512 bytes between cooked lines)', got.equals(expect),
      JSON.stringify(got.toString('latin1')));
    r = await c.pasteExec('import sys\nsys.stdout.write("t\\n")\nsys.stdout.buffer.write(memoryview(bytearray(b"-\\n\\r\\n\\x00\\xff-"))[1:6])\nprint(sys.stdout.buffer.write(b"\\n"))');
    check('raw-paste: stdout.buffer raw, text cooked', r.out === 't\r\n\n\r\n\x00\ufffd\n1\r\n' && r.err === '', JSON.stringify(r));

    r = await c.exec('import _vboard\nprint(_vboard.rx_overruns())');
    check('rx_overruns is 0 on a usb link', r.out === '0\r\n' && r.err === '', JSON.stringify(r));

    c.write('\x02');
    await c.until('\r\n>>> ');
    c.close();

    // pty: python3 opens it like a serial port, sends Ctrl-C, expects the prompt.
    const py = `
import os, sys, time, termios, tty
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
os.write(fd, b'\\x03')
buf = b''
end = time.time() + 3
while time.time() < end and not buf.endswith(b'>>> '):
    import select
    if select.select([fd], [], [], 0.1)[0]:
        buf += os.read(fd, 1024)
os.close(fd)
print('PROMPT' if buf.endswith(b'>>> ') else repr(buf))
`;
    for (let i = 0; i < 2; i++) {
      const out = execFileSync('python3', ['-c', py, board.pty]).toString().trim();
      check(`pty open #${i + 1}: Ctrl-C gives prompt`, out === 'PROMPT', out);
    }

    const c2 = await Client.connect(board.port);
    c2.write('\x03');
    await c2.until('>>> ');
    check('tcp reconnect', true);
    c2.close();
  } catch (e) {
    check('no exception', false, e.stack);
  } finally {
    board.proc.kill('SIGTERM');
  }

  // --link uart: bytes sent while running code has the rx buffer full are lost and counted.
  const uart = await startBoard(['--link', 'uart', '--rx-buffer', '64', '--no-pty']);
  try {
    const c = await Client.connect(uart.port);
    c.write('\x03\x03');
    await c.until('\r\n>>> ');
    c.write('\x01');
    await c.until('raw REPL; CTRL-B to exit\r\n>');
    c.write('import time, sys\ntime.sleep(1.5)\nprint(len(sys.stdin.buffer.read(64)))\x04');
    await c.until('OK');
    await new Promise((res) => setTimeout(res, 200));
    c.write(Buffer.alloc(200, 0x61)); // 64 fit, 136 are lost
    const out = (await c.until('\x04')).toString();
    await c.until('\x04>');
    check('uart: running code reads what fitted', out === '64\r\n', JSON.stringify(out));
    const r = await c.exec('import _vboard\nprint(_vboard.rx_overruns())');
    check('uart: rx_overruns counts the lost bytes', r.out === '136\r\n', JSON.stringify(r));
    c.close();
  } catch (e) {
    check('no exception (uart board)', false, e.stack);
  } finally {
    uart.proc.kill('SIGTERM');
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
