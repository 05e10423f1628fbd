// `diff SNAP1 SNAP2`: restic 0.14's comparer, so the lines and figures equal `restic diff`'s:
// `+` added, `-` removed, `M` content modified, `T` type changed, `U` metadata changed (only
// when asked). Directories end in `/`. Blob counts and bytes are those only one side refers to.

import { isDeepStrictEqual } from 'node:util';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobType, TreeNode } from '../../repo/types.ts';
import { throwIfAborted } from '../../errors.ts';
import { displayName } from '../fs-meta/node-name.ts';
import { parseTimestamp } from '../fs-meta/timestamp.ts';
import { toBig } from '../fs-meta/node-from-stat.ts';
import { plaintextSize } from '../stats/stats.ts';

export interface DiffChange {
  path: string;
  /** `+`, `-`, `M`, `T`, `U`, or a combination such as `TM`. */
  modifier: string;
}

export interface DiffSide {
  files: number;
  dirs: number;
  others: number;
  dataBlobs: number;
  treeBlobs: number;
  bytes: number;
}

export interface DiffStats {
  changedFiles: number;
  added: DiffSide;
  removed: DiffSide;
}

export interface DiffOptions {
  /** Report metadata-only changes (`U`), as restic's --metadata. */
  metadata?: boolean;
  signal?: AbortSignal;
  onChange(change: DiffChange): void;
  /** A subtree that could not be read: restic warns and goes on. */
  onWarning?(message: string): void;
}

type BlobSet = Set<string>;
const key = (type: BlobType, id: string) => `${type}:${id}`;

function emptySide(): DiffSide {
  return { files: 0, dirs: 0, others: 0, dataBlobs: 0, treeBlobs: 0, bytes: 0 };
}

function addNode(side: DiffSide, node: TreeNode): void {
  if (node.type === 'file') side.files++;
  else if (node.type === 'dir') side.dirs++;
  else side.others++;
}

function addBlobs(set: BlobSet, node: TreeNode | undefined): void {
  if (!node) return;
  if (node.type === 'file') for (const id of node.content ?? []) set.add(key('data', id));
  else if (node.type === 'dir' && typeof node.subtree === 'string') set.add(key('tree', node.subtree));
}

export async function diffSnapshots(repo: Repository, tree1: BlobId, tree2: BlobId, opts: DiffOptions): Promise<DiffStats> {
  const stats: DiffStats = { changedFiles: 0, added: emptySide(), removed: emptySide() };
  const before: BlobSet = new Set([key('tree', tree1)]);
  const after: BlobSet = new Set([key('tree', tree2)]);
  const common: BlobSet = new Set();
  const c = { repo, opts, stats, before, after, common };
  await diffTree(c, '/', tree1, tree2);
  const removed = [...before].filter((k) => !after.has(k) && !common.has(k));
  const added = [...after].filter((k) => !before.has(k) && !common.has(k));
  countBlobs(repo, removed, stats.removed, opts);
  countBlobs(repo, added, stats.added, opts);
  return stats;
}

interface Ctx {
  repo: Repository;
  opts: DiffOptions;
  stats: DiffStats;
  before: BlobSet;
  after: BlobSet;
  common: BlobSet;
}

function join(prefix: string, name: string): string {
  return prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
}

async function diffTree(c: Ctx, prefix: string, id1: BlobId, id2: BlobId): Promise<void> {
  throwIfAborted(c.opts.signal);
  const [t1, t2] = await Promise.all([c.repo.loadTree(id1, c.opts.signal), c.repo.loadTree(id2, c.opts.signal)]);
  const nodes1 = new Map(t1.nodes.map((n) => [n.name, n]));
  const nodes2 = new Map(t2.nodes.map((n) => [n.name, n]));
  // Go's sort.Strings orders by bytes: compare UTF-8, not UTF-16 code units.
  const names = [...new Set([...nodes1.keys(), ...nodes2.keys()])].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    const n1 = nodes1.get(name);
    const n2 = nodes2.get(name);
    addBlobs(c.before, n1);
    addBlobs(c.after, n2);
    const path = join(prefix, displayName(name));
    if (n1 && n2) {
      let mod = n1.type !== n2.type ? 'T' : '';
      if (n1.type === 'file' && n2.type === 'file' && !isDeepStrictEqual(n1.content ?? null, n2.content ?? null)) {
        mod += 'M';
        c.stats.changedFiles++;
      } else if (c.opts.metadata && !sameNode(n1, n2)) {
        mod += 'U';
      }
      const shown = n2.type === 'dir' ? `${path}/` : path;
      if (mod) c.opts.onChange({ path: shown, modifier: mod });
      if (n1.type === 'dir' && n2.type === 'dir') {
        await guarded(c, async () => {
          if (n1.subtree === n2.subtree) await collectDir(c, c.common, n1.subtree as BlobId);
          else await diffTree(c, shown, n1.subtree as BlobId, n2.subtree as BlobId);
        });
      }
    } else {
      const node = (n1 ?? n2)!;
      const modifier = n1 ? '-' : '+';
      const side = n1 ? c.stats.removed : c.stats.added;
      const shown = node.type === 'dir' ? `${path}/` : path;
      c.opts.onChange({ path: shown, modifier });
      addNode(side, node);
      if (node.type === 'dir') await guarded(c, () => printDir(c, modifier, side, n1 ? c.before : c.after, shown, node.subtree as BlobId));
    }
  }
}

async function printDir(c: Ctx, modifier: string, side: DiffSide, blobs: BlobSet, prefix: string, id: BlobId): Promise<void> {
  const tree = await c.repo.loadTree(id, c.opts.signal);
  for (const node of tree.nodes) {
    let path = join(prefix, displayName(node.name));
    if (node.type === 'dir') path += '/';
    c.opts.onChange({ path, modifier });
    addNode(side, node);
    addBlobs(blobs, node);
    if (node.type === 'dir') await guarded(c, () => printDir(c, modifier, side, blobs, path, node.subtree as BlobId));
  }
}

async function collectDir(c: Ctx, blobs: BlobSet, id: BlobId): Promise<void> {
  const tree = await c.repo.loadTree(id, c.opts.signal);
  for (const node of tree.nodes) {
    addBlobs(blobs, node);
    if (node.type === 'dir') await guarded(c, () => collectDir(c, blobs, node.subtree as BlobId));
  }
}

/** restic prints an unreadable subtree as a warning and compares the rest. */
async function guarded(c: Ctx, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (c.opts.signal?.aborted) throw err;
    c.opts.onWarning?.(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function countBlobs(repo: Repository, keys: string[], side: DiffSide, opts: DiffOptions): void {
  for (const k of keys) {
    const [type, id] = k.split(':') as [BlobType, BlobId];
    if (type === 'data') side.dataBlobs++;
    else side.treeBlobs++;
    const loc = repo.lookupBlob(type, id);
    if (!loc) {
      opts.onWarning?.(`unable to find blob size for ${type} blob ${id.slice(0, 8)}`);
      continue;
    }
    side.bytes += plaintextSize(loc);
  }
}

/** restic's Node.Equals: every field, times compared as instants. */
function sameNode(a: TreeNode, b: TreeNode): boolean {
  const time = (x: unknown, y: unknown) => (typeof x === 'string' ? parseTimestamp(x) : undefined) === (typeof y === 'string' ? parseTimestamp(y) : undefined);
  const num = (x: unknown, y: unknown) => (toBig(x) ?? 0n) === (toBig(y) ?? 0n);
  return a.name === b.name && a.type === b.type && num(a.mode, b.mode) &&
    time(a.mtime, b.mtime) && time(a.atime, b.atime) && time(a.ctime, b.ctime) &&
    num(a.uid, b.uid) && num(a.gid, b.gid) && (a.user ?? '') === (b.user ?? '') && (a.group ?? '') === (b.group ?? '') &&
    num(a.inode, b.inode) && num(a.device_id, b.device_id) && num(a.size, b.size) && num(a.links, b.links) &&
    (a.linktarget ?? '') === (b.linktarget ?? '') && num(a.device, b.device) &&
    isDeepStrictEqual(a.content ?? [], b.content ?? []) &&
    isDeepStrictEqual(a.extended_attributes ?? [], b.extended_attributes ?? []) &&
    (a.subtree ?? null) === (b.subtree ?? null);
}
