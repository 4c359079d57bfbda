// The WebAssembly port is built against WASI's libc, whose errno numbers
// differ from the ones real MicroPython boards report (e.g. ENOENT is 44 in
// WASI but 2 on every board). Host tools match on "[Errno 2] ENOENT", so every
// errno that crosses from the JS filesystem layer into the wasm is translated
// to the newlib/Linux numbering boards use.
const WASI_TO_BOARD = {
  63: 1,   // EPERM
  44: 2,   // ENOENT
  29: 5,   // EIO
  8: 9,    // EBADF
  6: 11,   // EAGAIN
  48: 12,  // ENOMEM
  2: 13,   // EACCES
  10: 16,  // EBUSY
  20: 17,  // EEXIST
  75: 18,  // EXDEV
  43: 19,  // ENODEV
  54: 20,  // ENOTDIR
  31: 21,  // EISDIR
  28: 22,  // EINVAL
  41: 23,  // ENFILE
  33: 24,  // EMFILE
  22: 27,  // EFBIG
  51: 28,  // ENOSPC
  70: 29,  // ESPIPE
  69: 30,  // EROFS
  37: 36,  // ENAMETOOLONG
  52: 38,  // ENOSYS
  55: 39,  // ENOTEMPTY
};

export const mapErrno = (e) => WASI_TO_BOARD[e] ?? e;

/** Wrap the wasm import object so syscall failures carry board errno values. */
export function wrapImportsErrno(imports) {
  const env = imports.env;
  for (const name of Object.keys(env)) {
    if (!name.startsWith('__syscall_')) continue;
    const f = env[name];
    env[name] = (...a) => {
      const r = f(...a);
      return r < 0 ? -mapErrno(-r) : r;
    };
  }
  const wasi = imports.wasi_snapshot_preview1;
  for (const name of ['fd_close', 'fd_read', 'fd_seek', 'fd_sync', 'fd_write']) {
    const f = wasi[name];
    if (!f) continue;
    wasi[name] = (...a) => {
      const r = f(...a);
      return r ? mapErrno(r) : r;
    };
  }
}
