// Filesystem metadata → tree node, with the fields, order and omissions restic 0.14 writes
// (Go struct order; `omitempty` fields left out when zero), so that the same file gives the
// same node bytes in both tools.

import type { BigIntStats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import type { BlobId, TreeNode } from '../../repo/types.ts';
import { goModeFromPosix } from './file-mode.ts';
import { encodeNodeName } from './node-name.ts';
import type { OwnerNames } from './owner-names.ts';
import { formatTimestamp } from './timestamp.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** uint64 as restic's JSON carries it: number when exact, bigint beyond 2^53. */
export function u64(v: bigint): number | bigint {
  return v > MAX_SAFE ? v : Number(v);
}

/** Normalises a number | bigint uint64 field to bigint for comparisons. */
export function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  return undefined;
}

export function isValidUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a node from lstat results (bigint: true). `fsPath` is used only to read a symlink's
 * target. Files get `content: []` and `size` from stat; the archiver replaces both in place (keeping
 * the key order) with the blobs and byte count it actually read; directories get `subtree` later.
 */
export async function nodeFromStat(
  rawName: Uint8Array,
  st: BigIntStats,
  fsPath: string | Buffer,
  owners: OwnerNames,
): Promise<TreeNode> {
  const { type, mode } = goModeFromPosix(Number(st.mode));
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const node: TreeNode = { name: encodeNodeName(rawName), type };
  if (mode !== 0) node.mode = mode;
  node.mtime = formatTimestamp(st.mtimeNs);
  node.atime = formatTimestamp(st.atimeNs);
  node.ctime = formatTimestamp(st.ctimeNs);
  node.uid = uid;
  node.gid = gid;
  const user = owners.user(uid);
  if (user) node.user = user;
  const group = owners.group(gid);
  if (group) node.group = group;
  if (st.ino !== 0n) node.inode = u64(st.ino);
  if (st.dev !== 0n) node.device_id = u64(st.dev);
  if (type === 'file' && st.size !== 0n) node.size = Number(st.size);
  if ((type === 'file' || type === 'symlink' || type === 'dev' || type === 'chardev') && st.nlink !== 0n) {
    node.links = Number(st.nlink);
  }
  if (type === 'symlink') {
    const target = await readlink(fsPath, { encoding: 'buffer' });
    // restic 0.14 writes the target as a Go string, which JSON turns into U+FFFD for invalid
    // bytes; newer restic adds linktarget_raw (base64) so the exact bytes survive. We write both.
    if (target.length > 0) node.linktarget = target.toString('utf8');
    if (!isValidUtf8(target)) node.linktarget_raw = target.toString('base64');
  }
  if ((type === 'dev' || type === 'chardev') && st.rdev !== 0n) node.device = u64(st.rdev);
  node.content = type === 'file' ? ([] as BlobId[]) : null;
  return node;
}

/** Raw bytes of a symlink node's target: linktarget_raw when present (exact), else linktarget. */
export function linkTargetBytes(node: TreeNode): Buffer {
  if (typeof node.linktarget_raw === 'string' && node.linktarget_raw !== '') {
    return Buffer.from(node.linktarget_raw, 'base64');
  }
  return Buffer.from(node.linktarget ?? '', 'utf8');
}
