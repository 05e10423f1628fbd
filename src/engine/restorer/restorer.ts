// restore: a snapshot (or the parts of it matching --include) → a directory, with content and
// metadata. Every byte comes from the repository's verified read path (sha256 of each blob).
//
// The walk collects files into batches (file-batch.ts), and each batch is written in pack
// order — one read per pack range, blobs opened on worker threads, synchronous writes — while
// the walk collects the next. Directory metadata goes on once every file under it is in place.
// A damaged blob costs only the files that need it: they are reported (path, blob, pack) and
// the restore goes on; it then ends with an IntegrityError (exit 1) naming them.
//
// Safety: node names are checked (no '/', '.', '..', NUL, duplicates: IntegrityError), every
// directory on the way is created by us and checked with lstat to be a real directory (never a
// symlink, so nothing is written outside the target), and files are written to a temporary
// name in their directory and renamed into place. The rename replaces whatever entry was there
// (including a symlink) instead of writing through it, and a file never appears half-written
// under its real name. restic writes in place; we trade that for these guarantees. Temporary
// files an interrupted restore left behind are removed from each directory we restore into.
//
// Options beyond restic 0.14's: --exclude/--iexclude, --overwrite never|if-changed (what is at
// the target already stays when it should; restore-policy.ts), --dry-run (everything decided,
// nothing written) and --verify (each batch's files read back against their blob IDs).

import { availableParallelism } from 'node:os';
import { link, lstat, mkdir, readdir, realpath, rm, symlink, unlink } from 'node:fs/promises';
import { AbortedError, IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, SnapshotId, TreeNode } from '../../repo/types.ts';
import { applyNodeMetadata, createSpecial } from '../fs-meta/apply-meta.ts';
import { displayName } from '../fs-meta/node-name.ts';
import { linkTargetBytes, toBig } from '../fs-meta/node-from-stat.ts';
import { createTrackingPathFilter, type TrackingPathFilter } from '../fs-meta/path-filter.ts';
import { resolve } from 'node:path';
import { contentMismatch } from './file-check.ts';
import { excludeMatcher, keepExisting, type OverwritePolicy } from './restore-policy.ts';
import { FileBatch, TEMP_PREFIX, type Damage, type FileJob } from './file-batch.ts';
import { checkedNames, fileContent, resolveSnapshot, type SnapshotRef } from './snapshot-walk.ts';

export type { OverwritePolicy };

export interface RestoreOptions {
  /** restic --include patterns on paths inside the snapshot (`/src/data`, `*.sql`). */
  include?: string[];
  /** restic --exclude / --iexclude patterns: left out (a directory with all it holds). */
  exclude?: string[];
  iexclude?: string[];
  /** What to do where the target already has something: replace it (default), keep it, or replace only what differs. */
  overwrite?: OverwritePolicy;
  /** Decide everything, write nothing (the target is not even created). */
  dryRun?: boolean;
  /** Read every file back after writing it and compare with its blobs. */
  verify?: boolean;
  /** Each file as it is written, skipped, or (dry run) would be. */
  onItem?: (item: { path: string; action: 'write' | 'skip'; size: number }) => void;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  /** Called for each item whose metadata or special-file creation failed (restore goes on). */
  onError?: (e: { path: string; message: string }) => void;
  /** Packs read at once (default: one more than the read workers). */
  maxFiles?: number;
  /** Files per pack-order batch (default 1024): bounds memory for any snapshot size. */
  batchFiles?: number;
}

export interface RestoreProgress {
  files: number;
  bytesWritten: number;
  path: string;
}

export interface RestoreStats {
  files: number;
  /** Files left as they were (--overwrite never / if-changed). */
  skipped: number;
  /** Files read back and found equal to their blobs (--verify). */
  verified: number;
  /** Files that did not read back as written (--verify); also counted in errors. */
  verifyFailed: number;
  dirs: number;
  /** Symlinks, fifos, devices. */
  others: number;
  /** Files re-created as hard links of an earlier restored file. */
  hardLinks: number;
  bytesWritten: number;
  /** Metadata or special-file failures. */
  errors: number;
  /** Files left out because a blob they need is damaged or missing. */
  damaged: number;
  durationMs: number;
}

export interface RestoreResult {
  snapshotId: SnapshotId;
  stats: RestoreStats;
  errors: Array<{ path: string; message: string }>;
  /** The first 100 damaged files (stats.damaged counts all). */
  damaged: Damage[];
  /** --include patterns that matched nothing in the snapshot. */
  unmatchedIncludes: string[];
}

interface PendingDir {
  dst: Buffer;
  node: TreeNode;
  where: string;
}

interface Ctx {
  repo: Repository;
  signal?: AbortSignal;
  filter?: TrackingPathFilter;
  excluded?: (path: string) => boolean;
  /** --verify: the current batch's files, read back once it is written. */
  batchVerify: Array<{ dst: Buffer; ids: BlobId[]; where: string }>;
  stats: RestoreStats;
  errors: Array<{ path: string; message: string }>;
  damaged: Damage[];
  opts: RestoreOptions;
  /** device:inode → the first link's job. */
  links: Map<string, FileJob>;
  scratch: string;
  owner: boolean;
  batch: FileBatch;
  /** Hard links of the current batch, made once it is written. */
  batchLinks: Array<{ dst: Buffer; first: FileJob; node: TreeNode; where: string }>;
  /** The batch being written (one at a time, while the walk collects the next). */
  inflight: Promise<void>;
  /** Directories whose walk is complete, waiting for their files' batches. */
  dirs: PendingDir[];
  dirsApplied: number;
  concurrency: number;
}

function join(dir: Buffer, raw: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from('/'), raw]);
}

function softError(ctx: Ctx, path: string, err: unknown): void {
  if (err instanceof AbortedError || ctx.signal?.aborted) throw err;
  const e = { path, message: err instanceof Error ? err.message : String(err) };
  ctx.stats.errors++;
  if (ctx.errors.length < 100) ctx.errors.push(e);
  ctx.opts.onError?.(e);
}

function reportDamage(ctx: Ctx, d: Damage): void {
  ctx.stats.damaged++;
  if (ctx.damaged.length < 100) ctx.damaged.push(d);
  const where = d.pack ? `data blob ${d.blob.slice(0, 8)} in pack ${d.pack.slice(0, 8)}` : `data blob ${d.blob.slice(0, 8)}`;
  ctx.opts.onError?.({ path: d.path, message: `not restored, ${where} is damaged: ${d.message}` });
}

/** Removes temporary files an interrupted restore left in `dir`. */
async function removeStaleTemps(dir: Buffer | string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const name = e.name.toString('latin1');
    if ((name.startsWith(TEMP_PREFIX) || name.startsWith('.lifeboat-special-')) && !e.isDirectory()) {
      await unlink(join(Buffer.from(dir), e.name)).catch(() => {});
    }
  }
}

/** Makes sure `dst` is a real directory we can descend into (replacing any non-directory). */
async function ensureDir(dst: Buffer): Promise<void> {
  try {
    await mkdir(dst, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dst);
  if (st.isDirectory()) return removeStaleTemps(dst);
  await unlink(dst);
  await mkdir(dst, { mode: 0o700 });
}

/** Removes whatever is at dst so a symlink or special file can be created there. */
async function clearEntry(dst: Buffer): Promise<void> {
  await rm(dst, { recursive: true, force: true });
}

/** --overwrite and --dry-run: false when the file is not to be written (left as it is, or only counted). */
async function toWrite(ctx: Ctx, dst: Buffer, node: TreeNode, where: string): Promise<boolean> {
  const ids = fileContent(node, `restore ${where}`);
  if (await keepExisting(ctx.repo, dst, ids, ctx.opts.overwrite, ctx.signal)) {
    ctx.stats.skipped++;
    ctx.opts.onItem?.({ path: where, action: 'skip', size: node.size ?? 0 });
    return false;
  }
  ctx.opts.onItem?.({ path: where, action: 'write', size: node.size ?? 0 });
  if (!ctx.opts.dryRun) return true;
  ctx.stats.files++;
  ctx.stats.bytesWritten += node.size ?? 0;
  return false;
}

function addFile(ctx: Ctx, dst: Buffer, node: TreeNode, where: string): void {
  const ids = fileContent(node, `restore ${where}`);
  if (ctx.opts.verify) ctx.batchVerify.push({ dst, ids, where });
  const inode = toBig(node.inode);
  const key = (node.links ?? 1) > 1 && inode !== undefined ? `${toBig(node.device_id) ?? 0n}:${inode}` : undefined;
  const first = key ? ctx.links.get(key) : undefined;
  if (first) {
    ctx.batchLinks.push({ dst, first, node, where });
    return;
  }
  const job = ctx.batch.add(dst, node, where, ids);
  if (key) ctx.links.set(key, job);
}

async function makeLink(ctx: Ctx, l: Ctx['batchLinks'][number]): Promise<void> {
  if (await l.first.settled.promise) {
    try {
      await clearEntry(l.dst);
      await link(l.first.dst, l.dst);
      ctx.stats.hardLinks++;
      ctx.stats.files++;
      return;
    } catch {
      // e.g. the first link was replaced meanwhile: write the content instead
    }
  }
  const b = new FileBatch(ctx.repo);
  b.add(l.dst, l.node, l.where, fileContent(l.node, `restore ${l.where}`));
  await b.run(hooks(ctx), ctx.concurrency, ctx.signal);
}

function hooks(ctx: Ctx) {
  return {
    owner: ctx.owner,
    onFileDone: (f: FileJob) => {
      ctx.stats.files++;
      ctx.opts.onProgress?.({ files: ctx.stats.files, bytesWritten: ctx.stats.bytesWritten, path: f.where });
    },
    onDamaged: (d: Damage) => reportDamage(ctx, d),
    onMetaError: (where: string, err: unknown) => softError(ctx, where, err),
    bytesWritten: (n: number) => { ctx.stats.bytesWritten += n; },
  };
}

/** Hands the collected batch to the writer (after the previous one is done) and starts a new one. */
async function cutBatch(ctx: Ctx): Promise<void> {
  const batch = ctx.batch;
  const links = ctx.batchLinks;
  const verify = ctx.batchVerify;
  ctx.batch = new FileBatch(ctx.repo);
  ctx.batchLinks = [];
  ctx.batchVerify = [];
  // Directories whose walk ended before this cut have all their files in this batch or earlier.
  const dirsReady = ctx.dirsApplied + ctx.dirs.length;
  await ctx.inflight;
  const run = (async () => {
    await batch.run(hooks(ctx), ctx.concurrency, ctx.signal);
    for (const l of links) await makeLink(ctx, l);
    for (const v of verify) await verifyWritten(ctx, v.dst, v.ids, v.where);
    const ready = ctx.dirs.splice(0, dirsReady - ctx.dirsApplied);
    ctx.dirsApplied = dirsReady;
    for (const d of ready) {
      try {
        await applyNodeMetadata(d.dst, d.node);
      } catch (err) {
        softError(ctx, d.where, err);
      }
    }
  })();
  run.catch(() => {});
  ctx.inflight = run;
}

async function verifyWritten(ctx: Ctx, dst: Buffer, ids: BlobId[], where: string): Promise<void> {
  // A file left out for damage was reported already.
  if (ctx.damaged.some((d) => d.path === where)) return;
  const problem = await contentMismatch(ctx.repo, dst, ids, ctx.signal);
  if (problem === undefined) {
    ctx.stats.verified++;
    return;
  }
  ctx.stats.verifyFailed++;
  softError(ctx, where, new Error(`verify: ${problem}`));
}

async function restoreOther(ctx: Ctx, dst: Buffer, node: TreeNode, where: string): Promise<void> {
  if (ctx.opts.dryRun || (ctx.opts.overwrite === 'never' && await lstat(dst).then(() => true, () => false))) {
    if (ctx.opts.dryRun) ctx.stats.others++;
    return;
  }
  try {
    await clearEntry(dst);
    if (node.type === 'symlink') await symlink(linkTargetBytes(node), dst);
    else if (node.type === 'fifo' || node.type === 'dev' || node.type === 'chardev') await createSpecial(dst, node, ctx.scratch);
    else return; // sockets and irregular files cannot be restored (restic skips them too)
    ctx.stats.others++;
    await applyNodeMetadata(dst, node);
  } catch (err) {
    softError(ctx, where, err);
  }
}

/** Memoised: creates the directory (and, through `parent`, its ancestors) on first use. */
function lazyDir(ctx: Ctx, dst: Buffer, parent: () => Promise<void>): () => Promise<void> {
  let made: Promise<void> | undefined;
  return () => (made ??= parent().then(() => (ctx.opts.dryRun ? undefined : ensureDir(dst))));
}

/**
 * Walks one tree into `dir`. `ensureHere` creates `dir` when the first child is restored, so
 * directories walked only because --include might match below them appear only if it does.
 */
async function restoreTree(ctx: Ctx, treeId: BlobId, dir: Buffer, snapDir: string, ensureHere: () => Promise<void>): Promise<void> {
  throwIfAborted(ctx.signal);
  const tree = await ctx.repo.loadTree(treeId, ctx.signal);
  const names = checkedNames(tree, treeId);
  const batchFiles = ctx.opts.batchFiles ?? 1024;
  for (let i = 0; i < tree.nodes.length; i++) {
    const node = tree.nodes[i]!;
    const where = `${snapDir}/${displayName(node.name)}`;
    if (ctx.excluded?.(where)) continue;
    const selected = !ctx.filter || ctx.filter.matches(where);
    const descend = node.type === 'dir' && (selected || ctx.filter!.childMayMatch(where));
    if (!selected && !descend) continue;
    const dst = join(dir, names[i]!);
    if (node.type === 'dir') {
      if (typeof node.subtree !== 'string') throw new IntegrityError(`restore ${where}: directory node has no subtree`);
      const ensureChild = lazyDir(ctx, dst, ensureHere);
      if (selected) await ensureChild();
      await restoreTree(ctx, node.subtree, dst, where, ensureChild);
      if (selected) {
        ctx.stats.dirs++;
        if (!ctx.opts.dryRun) ctx.dirs.push({ dst, node, where });
      }
    } else if (node.type === 'file') {
      await ensureHere();
      if (!(await toWrite(ctx, dst, node, where))) continue;
      addFile(ctx, dst, node, where);
      if (ctx.batch.size >= batchFiles || ctx.batch.blobRefs >= 8 * batchFiles) await cutBatch(ctx);
    } else {
      await ensureHere();
      await restoreOther(ctx, dst, node, where);
    }
  }
}

/**
 * Restores a snapshot into `target` (created if missing). The repository's index must be
 * loaded. Files whose content is damaged or missing are left out and reported; the restore
 * then fails with an IntegrityError once everything else is in place. Metadata failures are
 * counted in the result.
 */
export async function restoreSnapshot(repo: Repository, ref: SnapshotRef, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const snap = await resolveSnapshot(repo, ref, opts.signal);
  if (!opts.dryRun) await mkdir(target, { recursive: true });
  const root = opts.dryRun ? await realpath(target).catch(() => resolve(target)) : await realpath(target);
  if (!opts.dryRun) await removeStaleTemps(root);
  const ctx: Ctx = {
    repo,
    signal: opts.signal,
    filter: opts.include && opts.include.length > 0 ? createTrackingPathFilter(opts.include) : undefined,
    excluded: excludeMatcher(opts.exclude ?? [], opts.iexclude ?? []),
    batchVerify: [],
    stats: { files: 0, skipped: 0, verified: 0, verifyFailed: 0, dirs: 0, others: 0, hardLinks: 0, bytesWritten: 0, errors: 0, damaged: 0, durationMs: 0 },
    errors: [],
    damaged: [],
    opts,
    links: new Map(),
    scratch: root,
    owner: process.getuid?.() === 0,
    batch: new FileBatch(repo),
    batchLinks: [],
    inflight: Promise.resolve(),
    dirs: [],
    dirsApplied: 0,
    concurrency: opts.maxFiles ?? Math.max(2, Math.min(4, availableParallelism())),
  };
  try {
    try {
      await restoreTree(ctx, snap.snapshot.tree, Buffer.from(root), '', async () => {});
      await cutBatch(ctx);
    } finally {
      await ctx.inflight.catch(() => {});
    }
    await ctx.inflight;
  } catch (err) {
    if (opts.signal?.aborted && !(err instanceof AbortedError)) throw new AbortedError('restore interrupted', { cause: err });
    throw err;
  }
  ctx.stats.durationMs = Math.round(performance.now() - started);
  const result: RestoreResult = { snapshotId: snap.id, stats: ctx.stats, errors: ctx.errors, damaged: ctx.damaged, unmatchedIncludes: ctx.filter?.unmatched() ?? [] };
  if (ctx.stats.damaged > 0) {
    const list = ctx.damaged.slice(0, 5).map((d) => `${d.path} (data blob ${d.blob.slice(0, 8)}${d.pack ? ` in pack ${d.pack.slice(0, 8)}` : ''})`);
    const more = ctx.stats.damaged > list.length ? ` and ${ctx.stats.damaged - list.length} more` : '';
    throw new IntegrityError(`restore: ${ctx.stats.damaged} of ${ctx.stats.damaged + ctx.stats.files} files not restored, their data is damaged: ${list.join(', ')}${more}`, {
      hint: 'every other file was restored; `lifeboat check --read-data` lists the damaged packs',
      context: { result },
    });
  }
  return result;
}
