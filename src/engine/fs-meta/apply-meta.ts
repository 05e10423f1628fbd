// Tree node metadata → filesystem: owner (numeric uid/gid, as restic; only as root), mode, and
// atime/mtime. Order matters: chown clears setuid/setgid, so it goes before chmod; a directory's
// times are set after its children are written, or writing them would bump its mtime.
//
// Precision: fs.utimes takes float seconds, so restored times are exact to about a microsecond,
// not to the nanosecond stored in the snapshot (Node has no utimensat with timespecs).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chmod, lchown, lutimes, rename, utimes } from 'node:fs/promises';
import type { TreeNode } from '../../repo/types.ts';
import { posixPermFromGo } from './file-mode.ts';
import { toBig } from './node-from-stat.ts';
import { nsToSeconds, parseTimestamp } from './timestamp.ts';

export interface MetaOptions {
  /** Restore ownership (default: when running as root, as restic). */
  owner?: boolean;
}

/** Applies owner, mode and times. Throws the first failure (callers count it and go on). */
export async function applyNodeMetadata(path: string | Buffer, node: TreeNode, opts: MetaOptions = {}): Promise<void> {
  const isLink = node.type === 'symlink';
  const owner = opts.owner ?? process.getuid?.() === 0;
  if (owner && typeof node.uid === 'number' && typeof node.gid === 'number') await lchown(path, node.uid, node.gid);
  if (!isLink) await chmod(path, posixPermFromGo(node.mode ?? 0));
  const mtime = typeof node.mtime === 'string' ? parseTimestamp(node.mtime) : undefined;
  if (mtime === undefined) return;
  const atime = (typeof node.atime === 'string' ? parseTimestamp(node.atime) : undefined) ?? mtime;
  await (isLink ? lutimes : utimes)(path, nsToSeconds(atime), nsToSeconds(mtime));
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Node has no mkfifo/mknod; the coreutils programs do it without a shell.
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${err.trim()}`))));
  });
}

/**
 * Creates a fifo or a device node (devices need root) at `path`. Child process arguments must be
 * strings and names may not be UTF-8, so the node is made under a temporary ASCII name in
 * `scratchDir` (on the same filesystem, e.g. the restore target) and renamed into place.
 */
export async function createSpecial(path: Buffer, node: TreeNode, scratchDir: string): Promise<void> {
  const tmp = join(scratchDir, `.lifeboat-special-${randomBytes(6).toString('hex')}`);
  await makeSpecial(tmp, node);
  await rename(tmp, path);
}

async function makeSpecial(path: string, node: TreeNode): Promise<void> {
  if (node.type === 'fifo') return run('mkfifo', ['-m', '600', path]);
  const dev = toBig(node.device) ?? 0n;
  // Linux dev_t encoding (glibc gnu_dev_major/minor).
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return run('mknod', ['-m', '600', path, node.type === 'chardev' ? 'c' : 'b', String(major), String(minor)]);
}
