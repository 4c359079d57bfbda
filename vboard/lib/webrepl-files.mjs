// The WebREPL's link to the board worker: the WA/WB file operations (open, write, read, close)
// run where the board's filesystem lives, and the endpoint's start/stop follows the board's
// boots. One SharedArrayBuffer:
//   Int32 [BOX] 0 idle, 1 request posted (main), 2 answered (worker)
//         [OP] the operation, [LEN] bytes in DATA, [ERR] board errno of the answer (0 = ok)
//         [ACK] sequence number of the last endpoint request main has carried out (the worker
//         waits for it), [PORT] the endpoint's port, [RES] that request's result
//   DATA  a path, the bytes to write, or the bytes read
// The main thread never blocks: it waits with Atomics.waitAsync. The worker answers at the
// points where it lets the host in (idle REPL, stdin reads, sleeps, time calls).
import path from 'node:path';
import { mapErrno } from './errno.mjs';

export const W = { BOX: 0, OP: 1, LEN: 2, ERR: 3, ACK: 4, PORT: 5, RES: 6, SIZE: 8 };
const OP = { OPEN_R: 1, OPEN_W: 2, WRITE: 3, READ: 4, CLOSE: 5 };
const DATA_CAP = 1024;

export function createWebreplShared() {
  return new SharedArrayBuffer(W.SIZE * 4 + DATA_CAP);
}

function viewsOf(sab) {
  return { box: new Int32Array(sab, 0, W.SIZE), data: new Uint8Array(sab, W.SIZE * 4, DATA_CAP) };
}

/** Main thread: the file operations of the WebREPL session, answered by the worker. */
export class FileMailbox {
  /** @param wake () => void: wakes the worker wherever it waits (idle, stdin, sleep). */
  constructor(sab, wake) {
    Object.assign(this, viewsOf(sab));
    this.wake = wake;
    this.gen = 0;
    this.queue = Promise.resolve();
  }

  /** The board reset: operations under way are dropped (their answers never come). */
  cancel() { this.gen++; }

  #call(op, payload = null, len = 0) {
    const run = async () => {
      const gen = this.gen;
      const { box, data } = this;
      if (payload) data.set(payload.subarray(0, DATA_CAP));
      Atomics.store(box, W.OP, op);
      Atomics.store(box, W.LEN, payload ? Math.min(payload.length, DATA_CAP) : len);
      Atomics.store(box, W.ERR, 0);
      Atomics.store(box, W.BOX, 1);
      Atomics.notify(box, W.BOX);
      this.wake();
      while (Atomics.load(box, W.BOX) !== 2) {
        if (gen !== this.gen) return { errno: 9, data: Buffer.alloc(0) };
        const w = Atomics.waitAsync(box, W.BOX, 1, 200);
        if (w.async) await w.value;
      }
      const res = { errno: Atomics.load(box, W.ERR), data: Buffer.from(data.subarray(0, Atomics.load(box, W.LEN))) };
      Atomics.store(box, W.BOX, 0);
      return res;
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => {});
    return p;
  }

  open(name, mode) { return this.#call(mode === 'wb' ? OP.OPEN_W : OP.OPEN_R, Buffer.from(name, 'utf8')); }
  write(chunk) { return this.#call(OP.WRITE, chunk); }
  async read(max) { return (await this.#call(OP.READ, null, max)).data; }
  close() { return this.#call(OP.CLOSE); }
}

/** Worker: carries out the posted file operation on the board's filesystem. */
export class FileService {
  constructor(sab, boardRoot) {
    Object.assign(this, viewsOf(sab));
    this.root = boardRoot;
    this.stream = null;
    this.FS = null;
  }

  /** A new interpreter (its own FS instance): a file left open by a session is gone with it. */
  reset(FS) {
    this.FS = FS;
    this.stream = null;
    if (Atomics.load(this.box, W.BOX) === 1) Atomics.store(this.box, W.BOX, 0);
  }

  get pending() { return Atomics.load(this.box, W.BOX) === 1; }

  service() {
    const { box, data, FS } = this;
    if (Atomics.load(box, W.BOX) !== 1 || !FS) return;
    const op = Atomics.load(box, W.OP);
    const len = Atomics.load(box, W.LEN);
    let err = 0;
    let outLen = 0;
    try {
      if (op === OP.OPEN_R || op === OP.OPEN_W) {
        if (this.stream) { try { FS.close(this.stream); } catch { /* gone */ } this.stream = null; }
        const name = Buffer.from(data.subarray(0, len)).toString('utf8');
        const abs = this.#resolve(name);
        let st = null;
        try { st = FS.stat(abs); } catch { /* new file, or ENOENT below */ }
        if (st && FS.isDir(st.mode)) throw Object.assign(new Error('dir'), { boardErrno: 21 });
        this.stream = FS.open(abs, op === OP.OPEN_W ? 'w' : 'r');
      } else if (op === OP.WRITE) {
        if (!this.stream) throw Object.assign(new Error('closed'), { boardErrno: 9 });
        FS.write(this.stream, data, 0, len);
      } else if (op === OP.READ) {
        if (!this.stream) throw Object.assign(new Error('closed'), { boardErrno: 9 });
        outLen = FS.read(this.stream, data, 0, Math.min(len, data.length));
      } else if (op === OP.CLOSE) {
        if (this.stream) FS.close(this.stream);
        this.stream = null;
      }
    } catch (e) {
      err = e.boardErrno ?? (e instanceof FS.ErrnoError ? mapErrno(e.errno) : 5);
      outLen = 0;
    }
    Atomics.store(box, W.ERR, err);
    Atomics.store(box, W.LEN, outLen);
    Atomics.store(box, W.BOX, 2);
    Atomics.notify(box, W.BOX);
  }

  /** A name as open() on the board sees it: absolute from the board root, else from the cwd. */
  #resolve(name) {
    const FS = this.FS;
    const abs = path.posix.normalize(name.startsWith('/') ? this.root + name : FS.cwd() + '/' + name);
    if (abs !== this.root && !abs.startsWith(this.root + '/')) {
      throw Object.assign(new Error('outside'), { boardErrno: 2 });
    }
    return abs;
  }
}

/** Worker: waits until main has carried out endpoint request \p seq; returns its result. */
export function awaitAck(sab, seq, ms = 10000) {
  const { box } = viewsOf(sab);
  const end = performance.now() + ms;
  for (;;) {
    const v = Atomics.load(box, W.ACK);
    if (v >= seq) return { port: Atomics.load(box, W.PORT), res: Atomics.load(box, W.RES) };
    const left = end - performance.now();
    if (left <= 0) return null;
    Atomics.wait(box, W.ACK, v, Math.min(left, 200));
  }
}

/** Main: request \p seq is done. */
export function ack(sab, seq, port, res = 0) {
  const { box } = viewsOf(sab);
  Atomics.store(box, W.PORT, port);
  Atomics.store(box, W.RES, res);
  Atomics.store(box, W.ACK, seq);
  Atomics.notify(box, W.ACK);
}
