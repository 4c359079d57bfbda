// The two host-facing ends of the board: a pty (via ptybridge.py) and a TCP
// listener on 127.0.0.1. Both feed the same board; output goes to whichever
// link the host used last (a new TCP client takes over; when it leaves, the
// pty is the default again).
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const BRIDGE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ptybridge.py');

export class TcpLink {
  constructor(onData, log) {
    this.onData = onData;
    this.log = log;
    this.client = null;
    this.paused = false;
    this.onConnect = () => {};
    this.onDisconnect = () => {};
    this.server = net.createServer((sock) => this.#accept(sock));
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject); // listen() again after stop() adds its own
        resolve(this.server.address().port);
      });
    });
  }

  #accept(sock) {
    if (this.client) {
      this.log('tcp: new client replaces the previous one');
      this.client.destroy();
    }
    this.client = sock;
    sock.setNoDelay(true);
    if (this.paused) sock.pause();
    sock.on('data', (d) => this.onData(d, this));
    sock.on('error', () => {});
    sock.on('close', () => {
      if (this.client === sock) { this.client = null; this.onDisconnect(); }
    });
    this.onConnect();
  }

  get connected() { return !!this.client; }

  write(buf) { return this.client ? this.client.write(buf) : true; }

  dropClient() { this.client?.destroy(); }

  pause(on) {
    this.paused = on;
    if (this.client) (on ? this.client.pause() : this.client.resume());
  }

  close() { this.client?.destroy(); this.server.close(); }

  /** The endpoint goes away (an RP2 entering BOOTSEL): client dropped, listener closed; listen() again later. */
  stop() {
    return new Promise((resolve) => {
      this.client?.destroy();
      if (!this.server.listening) { resolve(); return; }
      this.server.close(() => resolve());
    });
  }
}

export class PtyLink {
  constructor(onData, log) {
    this.onData = onData;
    this.log = log;
    this.path = null;
  }

  start() {
    return new Promise((resolve, reject) => {
      this.child = spawn('python3', [BRIDGE], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.child.on('error', reject);
      this.child.on('exit', (code) => { if (!this.closing) this.log(`pty bridge exited (${code})`); });
      let head = Buffer.alloc(0);
      const onHead = (d) => {
        head = Buffer.concat([head, d]);
        const nl = head.indexOf(10);
        if (nl < 0) return;
        this.child.stdout.off('data', onHead);
        const m = /^PTY (.+)$/.exec(head.subarray(0, nl).toString());
        if (!m) { reject(new Error('pty bridge: bad header')); return; }
        this.path = m[1];
        this.child.stdout.on('data', (x) => this.onData(x, this));
        const rest = head.subarray(nl + 1);
        if (rest.length) this.onData(rest, this);
        resolve(this.path);
      };
      this.child.stdout.on('data', onHead);
    });
  }

  write(buf) { return this.child.stdin.write(buf); }

  pause(on) { on ? this.child.stdout.pause() : this.child.stdout.resume(); }

  close() { this.closing = true; this.child?.kill('SIGTERM'); }
}
