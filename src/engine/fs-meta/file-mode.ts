// Go's os.FileMode, which restic stores in `mode`: POSIX permission bits in the low 9 bits and
// the file type and setuid/setgid/sticky flags in the top bits (not at POSIX 0o4000 etc.).

import type { TreeNode } from '../../repo/types.ts';

export const GO_MODE_DIR = 2 ** 31;
export const GO_MODE_SYMLINK = 2 ** 27;
export const GO_MODE_DEVICE = 2 ** 26;
export const GO_MODE_NAMED_PIPE = 2 ** 25;
export const GO_MODE_SOCKET = 2 ** 24;
export const GO_MODE_SETUID = 2 ** 23;
export const GO_MODE_SETGID = 2 ** 22;
export const GO_MODE_CHAR_DEVICE = 2 ** 21;
export const GO_MODE_STICKY = 2 ** 20;

const S_IFMT = 0o170000;
const S_IFSOCK = 0o140000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFBLK = 0o060000;
const S_IFDIR = 0o040000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;

export type NodeType = TreeNode['type'];

/** POSIX st_mode → [restic node type, Go FileMode]. */
export function goModeFromPosix(stMode: number): { type: NodeType; mode: number } {
  let mode = stMode & 0o777;
  let type: NodeType;
  switch (stMode & S_IFMT) {
    case S_IFREG: type = 'file'; break;
    case S_IFDIR: type = 'dir'; mode += GO_MODE_DIR; break;
    case S_IFLNK: type = 'symlink'; mode += GO_MODE_SYMLINK; break;
    case S_IFBLK: type = 'dev'; mode += GO_MODE_DEVICE; break;
    case S_IFCHR: type = 'chardev'; mode += GO_MODE_DEVICE + GO_MODE_CHAR_DEVICE; break;
    case S_IFIFO: type = 'fifo'; mode += GO_MODE_NAMED_PIPE; break;
    case S_IFSOCK: type = 'socket'; mode += GO_MODE_SOCKET; break;
    default: type = 'irregular'; break;
  }
  if (stMode & 0o4000) mode += GO_MODE_SETUID;
  if (stMode & 0o2000) mode += GO_MODE_SETGID;
  if (stMode & 0o1000) mode += GO_MODE_STICKY;
  return { type, mode };
}

/** Go FileMode → the POSIX permission and flag bits chmod takes (0o7777). */
export function posixPermFromGo(goMode: number): number {
  // The flag bits sit above 2^31 for dirs, so avoid 32-bit bitwise operators on the whole value.
  let perm = goMode % 512;
  const high = Math.floor(goMode / 2 ** 20);
  if (high & (GO_MODE_SETUID / 2 ** 20)) perm |= 0o4000;
  if (high & (GO_MODE_SETGID / 2 ** 20)) perm |= 0o2000;
  if (high & (GO_MODE_STICKY / 2 ** 20)) perm |= 0o1000;
  return perm;
}
