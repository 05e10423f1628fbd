// restore: a snapshot (or the parts of it matching --include) → a directory, with content and
// metadata. Every byte comes from repo.loadBlob, which verifies the blob's ID.
//
// Safety: node names are checked (no '/', '.', '..', NUL, duplicates: IntegrityError), every
// directory on the way is created by us and checked with lstat to be a real directory (never a
// symlink, so nothing is written outside the target), and files are written to a temporary
// name in their directory and renamed into place. The rename replaces whatever entry was there
// (including a symlink) instead of writing through it, and a file never appears half-written
// under its real name. restic writes in place; we trade that for these guarantees.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, realpath, rename, rm, symlink, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AbortedError, IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, SnapshotId, TreeNode } from '../../repo/types.ts';
import { createLimiter, type Limiter } from '../archiver/limiter.ts';
import { applyNodeMetadata, createSpecial } from '../fs-meta/apply-meta.ts';
import { displayName } from '../fs-meta/node-name.ts';
import { linkTargetBytes, toBig } from '../fs-meta/node-from-stat.ts';
import { createTrackingPathFilter, type TrackingPathFilter } from '../fs-meta/path-filter.ts';
import { contentMismatch } from './file-check.ts';
import { excludeMatcher, keepExisting, type OverwritePolicy } from './restore-policy.ts';
import { blobStream, checkedNames, fileContent, resolveSnapshot, type SnapshotRef } from './snapshot-walk.ts';

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
  /** Files written at once (default 4). */
  maxFiles?: number;
}

export interface RestoreProgress {
  files: number;
  bytesWritten: number;
  path: string;
}

export type { OverwritePolicy };

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
  /** Metadata or special-file failures (content failures throw). */
  errors: number;
  durationMs: number;
}

export interface RestoreResult {
  snapshotId: SnapshotId;
  stats: RestoreStats;
  errors: Array<{ path: string; message: string }>;
  /** --include patterns that matched nothing in the snapshot. */
  unmatchedIncludes: string[];
}

interface Ctx {
  repo: Repository;
  signal?: AbortSignal;
  filter?: TrackingPathFilter;
  excluded?: (path: string) => boolean;
  fileSlots: Limiter;
  stats: RestoreStats;
  errors: Array<{ path: string; message: string }>;
  opts: RestoreOptions;
  /** device:inode → the path the first link was restored to. */
  links: Map<string, Promise<Buffer | null>>;
  scratch: string;
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

/** Makes sure `dst` is a real directory we can descend into (replacing any non-directory). */
async function ensureDir(dst: Buffer): Promise<void> {
  try {
    await mkdir(dst, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = await lstat(dst);
  if (st.isDirectory()) return;
  await unlink(dst);
  await mkdir(dst, { mode: 0o700 });
}

/** Removes whatever is at dst so a symlink or special file can be created there. */
async function clearEntry(dst: Buffer): Promise<void> {
  await rm(dst, { recursive: true, force: true });
}

async function writeAll(fh: Awaited<ReturnType<typeof open>>, buf: Uint8Array): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
}

async function writeFile(ctx: Ctx, dst: Buffer, node: TreeNode, where: string, ids: BlobId[]): Promise<void> {
  const slash = dst.lastIndexOf(0x2f);
  const tmp = Buffer.concat([dst.subarray(0, slash + 1), Buffer.from(`.lifeboat-restore-${randomBytes(6).toString('hex')}`)]);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let ok = false;
  try {
    let written = 0;
    for await (const blob of blobStream(ctx.repo, ids, ctx.signal, 2)) {
      await writeAll(fh, blob);
      written += blob.length;
      ctx.stats.bytesWritten += blob.length;
    }
    await fh.close();
    try {
      await applyNodeMetadata(tmp, node);
    } catch (err) {
      softError(ctx, where, err);
    }
    await rename(tmp, dst);
    ok = true;
    void written;
  } finally {
    if (!ok) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    }
  }
}

async function restoreFile(ctx: Ctx, dst: Buffer, node: TreeNode, where: string): Promise<void> {
  const ids = fileContent(node, `restore ${where}`);
  if (await keepExisting(ctx.repo, dst, ids, ctx.opts.overwrite, ctx.signal)) {
    ctx.stats.skipped++;
    ctx.opts.onItem?.({ path: where, action: 'skip', size: node.size ?? 0 });
    return;
  }
  ctx.opts.onItem?.({ path: where, action: 'write', size: node.size ?? 0 });
  if (ctx.opts.dryRun) {
    ctx.stats.files++;
    ctx.stats.bytesWritten += node.size ?? 0;
    return;
  }
  const inode = toBig(node.inode);
  const key = (node.links ?? 1) > 1 && inode !== undefined ? `${toBig(node.device_id) ?? 0n}:${inode}` : undefined;
  const first = key ? ctx.links.get(key) : undefined;
  if (first) {
    const existing = await first;
    if (existing) {
      try {
        await clearEntry(dst);
        await link(existing, dst);
        ctx.stats.hardLinks++;
        ctx.stats.files++;
        return;
      } catch {
        // e.g. the first link was replaced meanwhile: write the content instead
      }
    }
  }
  const done = writeFile(ctx, dst, node, where, ids);
  if (key && !first) ctx.links.set(key, done.then(() => dst, () => null));
  await done;
  if (ctx.opts.verify) await verifyWritten(ctx, dst, ids, where);
  ctx.stats.files++;
  ctx.opts.onProgress?.({ files: ctx.stats.files, bytesWritten: ctx.stats.bytesWritten, path: where });
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

async function verifyWritten(ctx: Ctx, dst: Buffer, ids: BlobId[], where: string): Promise<void> {
  const problem = await contentMismatch(ctx.repo, dst, ids, ctx.signal);
  if (problem === undefined) {
    ctx.stats.verified++;
    return;
  }
  ctx.stats.verifyFailed++;
  softError(ctx, where, new Error(`verify: ${problem}`));
}

/**
 * Restores one tree into `dir`. `ensureDir` creates `dir` when the first child is restored, so
 * directories walked only because --include might match below them appear only if it does.
 */
async function restoreTree(ctx: Ctx, treeId: BlobId, dir: Buffer, snapDir: string, ensureHere: () => Promise<void>): Promise<void> {
  throwIfAborted(ctx.signal);
  const tree = await ctx.repo.loadTree(treeId, ctx.signal);
  const names = checkedNames(tree, treeId);
  const pending: Promise<void>[] = [];
  try {
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
          if (ctx.opts.dryRun) continue;
          try {
            await applyNodeMetadata(dst, node);
          } catch (err) {
            softError(ctx, where, err);
          }
        }
      } else if (node.type === 'file') {
        await ensureHere();
        const release = await ctx.fileSlots.acquire(ctx.signal);
        const p = restoreFile(ctx, dst, node, where).finally(release);
        p.catch(() => {});
        pending.push(p);
      } else {
        await ensureHere();
        await restoreOther(ctx, dst, node, where);
      }
    }
  } finally {
    // A directory's metadata goes on after its files are in place: wait for them here.
    const results = await Promise.allSettled(pending);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/**
 * Restores a snapshot into `target` (created if missing). The repository's index must be
 * loaded. Content errors (missing or corrupt blobs) throw; metadata failures are counted.
 */
export async function restoreSnapshot(repo: Repository, ref: SnapshotRef, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const started = performance.now();
  const snap = await resolveSnapshot(repo, ref, opts.signal);
  if (!opts.dryRun) await mkdir(target, { recursive: true });
  const root = opts.dryRun ? await realpath(target).catch(() => resolve(target)) : await realpath(target);
  const ctx: Ctx = {
    repo,
    signal: opts.signal,
    filter: opts.include && opts.include.length > 0 ? createTrackingPathFilter(opts.include) : undefined,
    excluded: excludeMatcher(opts.exclude ?? [], opts.iexclude ?? []),
    fileSlots: createLimiter(opts.maxFiles ?? 4),
    stats: { files: 0, skipped: 0, verified: 0, verifyFailed: 0, dirs: 0, others: 0, hardLinks: 0, bytesWritten: 0, errors: 0, durationMs: 0 },
    errors: [],
    opts,
    links: new Map(),
    scratch: root,
  };
  try {
    await restoreTree(ctx, snap.snapshot.tree, Buffer.from(root), '', async () => {});
  } catch (err) {
    if (opts.signal?.aborted && !(err instanceof AbortedError)) throw new AbortedError('restore interrupted', { cause: err });
    throw err;
  }
  ctx.stats.durationMs = Math.round(performance.now() - started);
  return { snapshotId: snap.id, stats: ctx.stats, errors: ctx.errors, unmatchedIncludes: ctx.filter?.unmatched() ?? [] };
}

