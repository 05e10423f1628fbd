// Test helpers for the engine (imported only by *.test.ts files): a fixture tree with the cases
// restic's format has traps for, and a comparison of two trees by content and metadata.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoRandom } from './random-data.ts';

export { pseudoRandom };


/** Sets atime/mtime with full nanoseconds (fs.utimes cannot) through touch(1). */
export function touchNs(path: string, sec: number, nsec: number): void {
  const stamp = `@${sec}.${String(nsec).padStart(9, '0')}`;
  execFileSync('touch', ['-h', '-d', stamp, path]);
}

export const BAD_NAME = Buffer.from([0x62, 0x61, 0x64, 0xff, 0x6e, 0x61, 0x6d, 0x65]); // "bad\xffname"

/**
 * Builds the fixture under `root/fixture` and returns its path. Contains files of several
 * sizes (empty, 1 B, around the 512 KiB minimum chunk, > 8 MiB), nested dirs, symlinks, a hard
 * link pair, setuid/setgid/sticky modes, a non-UTF-8 name and nanosecond mtimes.
 */
export function buildFixture(root: string): string {
  const dir = join(root, 'fixture');
  mkdirSync(join(dir, 'nested/deeper/deepest'), { recursive: true });
  mkdirSync(join(dir, 'sticky'));
  const sizes: Record<string, number> = {
    'empty': 0, 'one': 1, 'below-min': 512 * 1024 - 1, 'at-min': 512 * 1024, 'above-min': 512 * 1024 + 1,
    'big': 9 * 1024 * 1024 + 12345, 'nested/mid': 2 * 1024 * 1024 + 7, 'nested/deeper/deepest/small': 100,
  };
  let seed = 1;
  for (const [name, size] of Object.entries(sizes)) writeFileSync(join(dir, name), pseudoRandom(size, seed++));
  writeFileSync(join(dir, 'text.txt'), 'hello lifeboat\n'.repeat(1000));
  symlinkSync('text.txt', join(dir, 'link-rel'));
  symlinkSync('/nonexistent/target', join(dir, 'link-dangling'));
  symlinkSync('../one', join(dir, 'nested/link-up'));
  execFileSync('ln', [join(dir, 'one'), join(dir, 'nested/hardlink-to-one')]);
  chmodSync(join(dir, 'text.txt'), 0o4755);
  chmodSync(join(dir, 'nested/mid'), 0o2640);
  chmodSync(join(dir, 'sticky'), 0o1777);
  chmodSync(join(dir, 'at-min'), 0o400);
  const bad = Buffer.concat([Buffer.from(dir + '/'), BAD_NAME]);
  writeFileSync(bad, 'not utf-8 name\n');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  let ns = 123456789;
  for (const p of ['one', 'big', 'text.txt', 'nested/mid', 'link-rel', 'nested/deeper/deepest/small', 'fifo']) {
    touchNs(join(dir, p), 1_600_000_000 + (ns % 1000), ns++);
  }
  utimesSync(bad, 1_500_000_000, 1_500_000_000); // argv cannot carry non-UTF-8 bytes: whole seconds are exact
  for (const d of ['nested/deeper/deepest', 'nested/deeper', 'nested', 'sticky', '.']) touchNs(join(dir, d), 1_650_000_000, 987654321);
  return dir;
}

export interface Described {
  type: string;
  mode: number;
  mtimeNs: bigint;
  size?: number;
  sha256?: string;
  target?: string;
  uid: number;
  gid: number;
  /** For files with links > 1: the relative paths sharing its inode in this tree. */
  ino: bigint;
  nlink: number;
}

/** Relative path (latin1, so raw bytes survive) → description, for every item under dir. */
export function describeTree(dir: string): Map<string, Described> {
  const out = new Map<string, Described>();
  const walk = (abs: Buffer, rel: string) => {
    for (const name of readdirSync(abs, { encoding: 'buffer' })) {
      const p = Buffer.concat([abs, Buffer.from('/'), name]);
      const r = rel ? `${rel}/${name.toString('latin1')}` : name.toString('latin1');
      const st = lstatSync(p, { bigint: true });
      const d: Described = {
        type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo' : 'other',
        mode: Number(st.mode), mtimeNs: st.mtimeNs, uid: Number(st.uid), gid: Number(st.gid), ino: st.ino, nlink: Number(st.nlink),
      };
      if (d.type === 'file') {
        d.size = Number(st.size);
        d.sha256 = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
      if (d.type === 'symlink') d.target = readlinkSync(p, { encoding: 'buffer' }).toString('latin1');
      out.set(r, d);
      if (d.type === 'dir') walk(p, r);
    }
  };
  walk(Buffer.from(dir), '');
  return out;
}

/**
 * Asserts two trees are the same: content, type, mode, owner, symlink targets, hard link
 * grouping, and mtimes within `mtimeSlackNs` (0 = exact; utimes from Node is ~µs exact).
 * Directory mtimes are compared too. Returns the list of differences (empty when equal).
 */
export function diffTrees(a: string, b: string, mtimeSlackNs = 0n): string[] {
  const da = describeTree(a);
  const db = describeTree(b);
  const diffs: string[] = [];
  for (const [p, x] of da) {
    const y = db.get(p);
    if (!y) { diffs.push(`${p}: missing`); continue; }
    for (const k of ['type', 'mode', 'size', 'sha256', 'target', 'uid', 'gid'] as const) {
      if (x[k] !== y[k]) diffs.push(`${p}: ${k} ${String(x[k])} != ${String(y[k])}`);
    }
    if (x.type !== 'symlink') {
      const dt = x.mtimeNs > y.mtimeNs ? x.mtimeNs - y.mtimeNs : y.mtimeNs - x.mtimeNs;
      if (dt > mtimeSlackNs) diffs.push(`${p}: mtime ${x.mtimeNs} != ${y.mtimeNs}`);
    }
    if (x.type === 'file' && x.nlink > 1) {
      const peersA = [...da].filter(([, v]) => v.ino === x.ino).map(([k]) => k).sort().join(',');
      const peersB = [...db].filter(([, v]) => v.ino === y.ino).map(([k]) => k).sort().join(',');
      if (peersA !== peersB) diffs.push(`${p}: hard links ${peersA} != ${peersB}`);
    }
  }
  for (const p of db.keys()) if (!da.has(p)) diffs.push(`${p}: unexpected`);
  return diffs;
}
