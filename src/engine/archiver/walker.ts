// Walks the filesystem and turns it into trees, bottom-up. Directories are walked one at a time
// in name order; files are read concurrently (a few at once) so small files do not serialise on
// blob saves. A directory's tree is saved once all its children are done.

import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { BlobId, Tree, TreeNode } from '../../repo/types.ts';
import { nodeFromStat, toBig } from '../fs-meta/node-from-stat.ts';
import { decodeNodeName, encodeNodeName } from '../fs-meta/node-name.ts';
import type { OwnerNames } from '../fs-meta/owner-names.ts';
import type { PathFilter } from '../fs-meta/path-filter.ts';
import type { Selection } from './selection.ts';
import { parseTimestamp } from '../fs-meta/timestamp.ts';
import { recordError, saveContent, type SaveContext, type SavedContent } from './content-saver.ts';
import type { Limiter } from './limiter.ts';
import type { PlannedDir, PlannedLeaf } from './target-plan.ts';

export interface WalkContext extends SaveContext {
  /** Read buffers (1 MiB + 1) for files being read, reused: a fresh one per file or read fed malloc's fragmentation. */
  readBuffers: Uint8Array[];
  owners: OwnerNames;
  excludes?: PathFilter;
  /** --iexclude, --exclude-if-present/-caches, --exclude-larger-than, --one-file-system. */
  selection?: Selection;
  fileSlots: Limiter;
  /** dev:ino → content of a hard-linked file already read in this run. */
  hardLinks: Map<string, Promise<SavedContent>>;
}

/** A read error of the file itself (not of the repository): the file is skipped, not the backup. */
class ReadFailure extends Error {}

interface Entry {
  raw: Buffer;
  node: Promise<TreeNode | null>;
}

function sameTime(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = parseTimestamp(a);
  return x !== undefined && x === parseTimestamp(b);
}

/** restic's change detection: same type, size, mtime, ctime and inode, and all blobs still present. */
function unchanged(ctx: WalkContext, node: TreeNode, prev: TreeNode | undefined): prev is TreeNode & { content: BlobId[] } {
  if (!prev || prev.type !== 'file' || !Array.isArray(prev.content)) return false;
  if ((prev.size ?? 0) !== (node.size ?? 0)) return false;
  if (!sameTime(prev.mtime, node.mtime) || !sameTime(prev.ctime, node.ctime)) return false;
  if (toBig(prev.inode) !== toBig(node.inode)) return false;
  return prev.content.every((id) => ctx.repo.lookupBlob('data', id) !== undefined);
}

/** A file's content, and why it may not match the file any more (it changed while being read). */
type ReadContent = SavedContent & { changed?: string };

/** Files up to this size are read with one synchronous read (see readSmallFile). */
const SMALL_FILE = 1 << 20;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  if (b.length > 0) yield b;
}

/**
 * A small file whole, with plain syscalls: open, fstat, one read, close take microseconds from
 * the page cache, where each async call (and a read stream) through libuv's pool cost tens of
 * µs and garbage. Most files of a tree are small.
 */
function readSmallFile(fsPath: string | Buffer, st: BigIntStats, spare: Uint8Array | undefined): { bytes: Uint8Array; changed?: string } {
  let fd: number;
  try {
    fd = openSync(fsPath, READ_FLAGS | (constants.O_NOATIME ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw new ReadFailure(`open: ${(err as Error).message}`, { cause: err });
    try {
      fd = openSync(fsPath, READ_FLAGS);
    } catch (e) {
      throw new ReadFailure(`open: ${(e as Error).message}`, { cause: e });
    }
  }
  try {
    const fst = fstatSync(fd, { bigint: true });
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw new ReadFailure('open: file was replaced during backup');
    // Only the size seen at lstat (as restic): a file that grows while it is read is stored as it
    // was then, consistent with the node's size and mtime, and the change is reported. One byte
    // more is read to see the growth.
    const size = Number(st.size);
    const buf = spare && spare.length >= size + 1 ? Buffer.from(spare.buffer, spare.byteOffset, spare.length) : Buffer.allocUnsafe(size + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, size + 1 - n, null);
      if (r === 0 || n + r > size) { n += r; break; }
      n += r;
    }
    const after = fstatSync(fd, { bigint: true });
    const grew = n > size;
    const stored = Math.min(n, size);
    const changed = grew || n < size || after.size !== st.size || after.mtimeNs !== st.mtimeNs
      ? `file changed while it was read (size ${st.size} at the start, ${after.size} at the end); stored ${stored} bytes` : undefined;
    return { bytes: buf.subarray(0, stored), ...(changed ? { changed } : {}) };
  } catch (err) {
    if (err instanceof ReadFailure) throw err;
    throw new ReadFailure((err as Error).message, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the first `size` bytes of `fh` into one reused buffer (chunkStream copies what it keeps
 * before asking for more): the size seen at lstat, as restic reads.
 */
async function* readInto(fh: Awaited<ReturnType<typeof open>>, buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  let left = size;
  while (left > 0) {
    let n: number;
    try {
      n = (await fh.read(buf, 0, Math.min(buf.length, left), null)).bytesRead;
    } catch (err) {
      throw new ReadFailure((err as Error).message, { cause: err });
    }
    if (n === 0) return;
    left -= n;
    yield buf.subarray(0, n);
  }
}

async function readFile(ctx: WalkContext, fsPath: string | Buffer, st: BigIntStats): Promise<ReadContent> {
  const buf = ctx.readBuffers.pop() ?? new Uint8Array(SMALL_FILE + 1);
  try {
    if (st.size <= BigInt(SMALL_FILE)) {
      const small = readSmallFile(fsPath, st, buf);
      const saved: ReadContent = await saveContent(ctx, once(small.bytes));
      if (small.changed) saved.changed = small.changed;
      return saved;
    }
    return await readLargeFile(ctx, fsPath, st, buf);
  } finally {
    // saveContent has released every chunk (saveBlob copied them): the buffer is free again.
    ctx.readBuffers.push(buf);
  }
}

async function readLargeFile(ctx: WalkContext, fsPath: string | Buffer, st: BigIntStats, buf: Uint8Array): Promise<ReadContent> {
  let fh;
  try {
    // O_NOFOLLOW|O_NONBLOCK: if the file was swapped for a symlink or a fifo since lstat, fail
    // instead of following it or blocking forever.
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    // O_NOATIME keeps the backup from changing atimes (as restic); it needs ownership or root.
    fh = await open(fsPath, flags | (constants.O_NOATIME ?? 0)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EPERM') return open(fsPath, flags);
      throw err;
    });
    const fst = await fh.stat({ bigint: true });
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw new Error('file was replaced during backup');
  } catch (err) {
    await fh?.close();
    throw new ReadFailure(`open: ${(err as Error).message}`, { cause: err });
  }
  try {
    const size = Number(st.size);
    const saved: ReadContent = await saveContent(ctx, readInto(fh, buf, size));
    const now = await fh.stat({ bigint: true });
    if (now.size !== st.size || now.mtimeNs !== st.mtimeNs || saved.size !== size) {
      saved.changed = `file changed while it was read (size ${st.size} at the start, ${now.size} at the end); stored ${saved.size} bytes`;
    }
    return saved;
  } finally {
    await fh.close();
  }
}

async function fileNode(ctx: WalkContext, node: TreeNode, fsPath: string | Buffer, st: BigIntStats, prev: TreeNode | undefined, display: string): Promise<TreeNode | null> {
  let saved: ReadContent;
  let reused = false;
  try {
    if (unchanged(ctx, node, prev)) {
      reused = true;
      saved = { content: [...prev.content], size: prev.size ?? 0 };
      ctx.stats.filesUnchanged++;
      ctx.stats.bytesProcessed += saved.size;
    } else if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      let p: Promise<ReadContent> | undefined = ctx.hardLinks.get(key);
      if (!p) {
        p = readFile(ctx, fsPath, st);
        p.catch(() => {});
        ctx.hardLinks.set(key, p);
      }
      saved = await p;
    } else {
      saved = await readFile(ctx, fsPath, st);
    }
  } catch (err) {
    if (err instanceof ReadFailure) {
      recordError(ctx, display, err);
      return null;
    }
    throw err;
  }
  // Kept, but reported (exit 3, as borg): its content may not be what the file holds now.
  if (saved.changed) recordError(ctx, display, new Error(saved.changed));
  node.content = saved.content;
  if (saved.size > 0) node.size = saved.size;
  else delete node.size;
  const status = reused ? 'unchanged' : prev?.type === 'file' ? 'modified' : 'new';
  if (status === 'modified') ctx.stats.filesChanged++;
  else if (status === 'new') ctx.stats.filesNew++;
  ctx.opts.onItem?.({ path: display, status, size: saved.size });
  ctx.stats.files++;
  ctx.opts.onProgress?.({ files: ctx.stats.files, dirs: ctx.stats.dirs, bytesRead: ctx.stats.bytesRead, bytesAdded: ctx.stats.bytesAdded, path: display });
  return node;
}

async function subtreeOf(ctx: WalkContext, prev: TreeNode | undefined): Promise<Tree | undefined> {
  if (prev?.type !== 'dir' || typeof prev.subtree !== 'string') return undefined;
  try {
    return await ctx.repo.loadTree(prev.subtree, ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return undefined; // an unreadable parent tree only costs re-reading files
  }
}

function byName(tree: Tree | undefined): Map<string, TreeNode> {
  return new Map((tree?.nodes ?? []).map((n) => [n.name, n]));
}

/**
 * Archives one item. Directories are finished before this returns; a file's content is still
 * being saved when it returns (its node settles later), so the walk goes on meanwhile.
 */
async function archiveEntry(
  ctx: WalkContext, raw: Buffer, fsPath: string | Buffer, absPath: string, prev: TreeNode | undefined, planned?: PlannedDir,
): Promise<Entry | null> {
  if (ctx.excludes?.matches(absPath)) return null;
  // Directories on the way to a target are never left out (restic applies its rules below them).
  if (!planned && await ctx.selection?.rejectsName(absPath)) return null;
  let node: TreeNode;
  let st: BigIntStats;
  try {
    // Synchronous: an lstat takes microseconds, a trip through libuv's pool far more.
    st = lstatSync(fsPath, { bigint: true });
    // A directory on the way to a target may be a symlink (/var/run → /run): go through it.
    if (planned && st.isSymbolicLink()) st = statSync(fsPath, { bigint: true });
    if (!planned && await ctx.selection?.rejectsStat(absPath, st)) return null;
    node = await nodeFromStat(raw, st, fsPath, ctx.owners);
  } catch (err) {
    recordError(ctx, absPath, err);
    return null;
  }
  if (node.type === 'file') {
    const release = await ctx.fileSlots.acquire(ctx.signal);
    const p = fileNode(ctx, node, fsPath, st, prev, absPath).finally(release);
    p.catch(() => {});
    return { raw, node: p };
  }
  if (node.type === 'dir') {
    const prevTree = await subtreeOf(ctx, prev);
    const nodes = planned
      ? await archivePlanned(ctx, planned, prevTree)
      : await archiveDirContents(ctx, fsPath, absPath, prevTree, new Set());
    if (nodes === null) return null;
    node.subtree = await ctx.repo.saveTree({ nodes }, ctx.signal);
    ctx.stats.dirs++;
    return { raw, node: Promise.resolve(node) };
  }
  ctx.stats.others++;
  return { raw, node: Promise.resolve(node) };
}

async function collect(entries: Entry[]): Promise<TreeNode[]> {
  const nodes = await Promise.all(entries.map((e) => e.node));
  const pairs = entries.map((e, i) => ({ raw: e.raw, node: nodes[i]! })).filter((p) => p.node !== null);
  pairs.sort((a, b) => Buffer.compare(a.raw, b.raw));
  return pairs.map((p) => p.node as TreeNode);
}

/** The nodes of one directory on disk, or null if it cannot be listed. */
async function archiveDirContents(
  ctx: WalkContext, fsDir: string | Buffer, absDir: string, prevTree: Tree | undefined, skip: Set<string>,
): Promise<TreeNode[] | null> {
  let names: Buffer[];
  try {
    names = readdirSync(fsDir, { encoding: 'buffer' });
  } catch (err) {
    recordError(ctx, absDir, err);
    return null;
  }
  names.sort(Buffer.compare);
  const prevNodes = byName(prevTree);
  const dirBuf = typeof fsDir === 'string' ? Buffer.from(fsDir) : fsDir;
  const base = dirBuf.at(-1) === 0x2f ? dirBuf : Buffer.concat([dirBuf, Buffer.from('/')]);
  const absBase = absDir.endsWith('/') ? absDir : absDir + '/';
  const entries: Entry[] = [];
  try {
    for (const raw of names) {
      if (skip.has(raw.toString('latin1'))) continue;
      const e = await archiveEntry(ctx, raw, Buffer.concat([base, raw]), absBase + raw.toString('utf8'), prevNodes.get(encodeNodeName(raw)));
      if (e) entries.push(e);
    }
  } catch (err) {
    await Promise.allSettled(entries.map((e) => e.node));
    throw err;
  }
  return collect(entries);
}

/** The nodes of a planned directory: explicit targets plus, for `.`, a walked directory. */
export async function archivePlanned(ctx: WalkContext, dir: PlannedDir, prevTree: Tree | undefined): Promise<TreeNode[] | null> {
  const prevNodes = byName(prevTree);
  const entries: Entry[] = [];
  const explicit = new Set<string>();
  try {
    for (const [name, child] of dir.children) {
      const raw = Buffer.from(name);
      explicit.add(raw.toString('latin1'));
      const planned = child.kind === 'dir' ? child : undefined;
      const fsPath = (child as PlannedLeaf | PlannedDir).fsPath!;
      const e = await archiveEntry(ctx, raw, fsPath, fsPath, prevNodes.get(encodeNodeName(raw)), planned);
      if (e) entries.push(e);
    }
    if (dir.walk !== undefined) {
      const walked = await archiveDirContents(ctx, dir.walk, dir.walk, prevTree, explicit);
      if (walked) entries.push(...walked.map((n) => ({ raw: decodeNodeName(n.name), node: Promise.resolve(n) })));
    }
  } catch (err) {
    await Promise.allSettled(entries.map((e) => e.node));
    throw err;
  }
  return collect(entries);
}
