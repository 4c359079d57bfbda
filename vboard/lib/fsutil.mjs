// Helpers for the Emscripten filesystem that backs the board's flash.
//
// Each (re)boot creates a brand new MicroPython instance (that is what clears
// RAM), and every instance has its own in-memory Emscripten FS. The board's
// files therefore live in a plain JS snapshot between instances: copyOut()
// before the old instance is dropped, copyIn() into the new one.

export const BOARD_ROOT = '/flash';   // what the board shows as "/"
export const STATE_ROOT = '/vbstate'; // hidden: raw flash partition images

/** Recursively snapshot a directory into {dirs: [...], files: {path: {data, mtime}}}. */
export function copyOut(FS, root, snap = { dirs: [], files: {} }) {
  let names;
  try { names = FS.readdir(root); } catch { return snap; }
  for (const n of names) {
    if (n === '.' || n === '..') continue;
    const p = root + '/' + n;
    const st = FS.stat(p);
    if (FS.isDir(st.mode)) {
      snap.dirs.push(p);
      copyOut(FS, p, snap);
    } else {
      snap.files[p] = { data: FS.readFile(p), mtime: +st.mtime };
    }
  }
  return snap;
}

export function copyIn(FS, snap) {
  for (const d of snap.dirs) {
    try { FS.mkdir(d); } catch { /* exists */ }
  }
  for (const [p, f] of Object.entries(snap.files)) {
    FS.writeFile(p, f.data);
    try { FS.utime(p, f.mtime, f.mtime); } catch { /* cosmetic */ }
  }
}

/** Blocks used by the board filesystem, counted littlefs-style (4 KiB blocks). */
export function usedBlocks(FS, root, bs) {
  let blocks = 0;
  const walk = (dir) => {
    let names;
    try { names = FS.readdir(dir); } catch { return; }
    for (const n of names) {
      if (n === '.' || n === '..') continue;
      const p = dir + '/' + n;
      const node = FS.lookupPath(p).node;
      if (FS.isDir(node.mode)) { blocks += 1; walk(p); }
      else blocks += Math.ceil((node.usedBytes || 0) / bs);
    }
  };
  walk(root);
  return blocks + 2; // + superblock pair
}
