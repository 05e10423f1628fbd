// Text as restic 0.14 prints it, for the commands whose output users compare with restic's
// (stats, diff, ls -l, find): byte sizes with three decimals, Go's FileMode string, local times.

import type { TreeNode } from '../repo/types.ts';

/** restic's formatBytes: `1.709 KiB`, `512 B`. */
export function resticBytes(n: number): string {
  const units: Array<[number, string]> = [[2 ** 40, 'TiB'], [2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [size, unit] of units) if (n > size) return `${(n / size).toFixed(3)} ${unit}`;
  return `${n} B`;
}

const MODE_LETTERS = 'dalTLDpSugct?';
const TYPE_BITS: Record<string, number> = {
  dir: 2 ** 31, symlink: 2 ** 27, dev: 2 ** 26, chardev: 2 ** 26 + 2 ** 21, fifo: 2 ** 25, socket: 2 ** 24,
};

/** Go's os.FileMode.String() of the node's mode with its type bits: `drwxr-xr-x`, `Lrwxrwxrwx`. */
export function goModeString(node: Pick<TreeNode, 'mode' | 'type'>): string {
  const mode = Number(node.mode ?? 0);
  const high = Math.floor(mode / 2 ** 19) | Math.floor((TYPE_BITS[node.type] ?? 0) / 2 ** 19);
  let out = '';
  for (let i = 0; i < MODE_LETTERS.length; i++) if (high & (1 << (12 - i))) out += MODE_LETTERS[i];
  if (out === '') out = '-';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? rwx[i] : '-';
  return out;
}

/** `2006-01-02 15:04:05` in the local time zone, as restic prints times. */
export function localTime(rfc3339: string | undefined): string {
  const ms = rfc3339 ? Date.parse(rfc3339) : NaN;
  if (Number.isNaN(ms)) return '0001-01-01 00:00:00';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** restic's `ls -l` / `find -l` line: mode, uid, gid, size, mtime, path (and a link's target). */
export function longNodeLine(path: string, node: TreeNode): string {
  const target = node.type === 'symlink' ? ` -> ${node.linktarget ?? ''}` : '';
  const pad = (v: unknown, w: number) => String(v ?? 0).padStart(w);
  return `${goModeString(node)} ${pad(node.uid, 5)} ${pad(node.gid, 5)} ${pad(node.size, 6)} ${localTime(node.mtime)} ${path}${target}`;
}
