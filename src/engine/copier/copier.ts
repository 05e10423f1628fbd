// copySnapshots: restic copy's algorithm. For each source snapshot the target does not already
// hold, walk its trees and move every blob the target lacks (load from the source, which checks
// MAC and sha256 → save into the target, which compresses and encrypts with the target's keys).
// Blobs the target has are never read. Per snapshot: blobs, then flush (packs + index), then the
// snapshot file last, so an interrupted copy leaves no snapshot pointing at missing data and the
// next run resumes from what was stored.

import { IntegrityError, throwIfAborted } from '../../errors.ts';
import { parseJsonBytes } from '../../repo/json.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobType, Snapshot, SnapshotEntry, SnapshotId, Tree } from '../../repo/types.ts';
import { linkedAbort } from '../archiver/content-saver.ts';
import { createLimiter } from '../archiver/limiter.ts';
import { parseTimestamp } from '../fs-meta/timestamp.ts';
import type { CopiedSnapshot, CopyOptions, CopyResult, CopyStats } from './types.ts';

export type { CopiedSnapshot, CopyOptions, CopyProgress, CopyResult, CopyStats } from './types.ts';

const short = (id: string) => id.slice(0, 8);

/** The ID that survives copying: a copy's `original`, else the snapshot's own ID. */
export function persistentId(e: SnapshotEntry): SnapshotId {
  return e.snapshot.original ?? e.id;
}

/**
 * restic's test for "already copied": everything except parent and original must match (time
 * as an instant, tree, host, user, uid, gid, paths and tags as sets, excludes in order).
 */
export function similarSnapshots(a: Snapshot, b: Snapshot): boolean {
  const ta = parseTimestamp(a.time);
  const tb = parseTimestamp(b.time);
  if (ta === undefined || tb === undefined ? a.time !== b.time : ta !== tb) return false;
  if (a.tree !== b.tree || a.hostname !== b.hostname || a.username !== b.username) return false;
  if ((a.uid ?? 0) !== (b.uid ?? 0) || (a.gid ?? 0) !== (b.gid ?? 0)) return false;
  const sameSet = (x: readonly string[] = [], y: readonly string[] = []) =>
    x.length === y.length && y.every((v) => x.includes(v));
  if (!sameSet(a.paths, b.paths) || !sameSet(a.tags, b.tags)) return false;
  const ea = a.excludes ?? [];
  const eb = b.excludes ?? [];
  return ea.length === eb.length && ea.every((v, i) => v === eb[i]);
}

/** Target snapshots by persistent ID and by own ID (a snapshot copied back to where it came from). */
function indexTargets(entries: readonly SnapshotEntry[]): Map<string, SnapshotEntry[]> {
  const m = new Map<string, SnapshotEntry[]>();
  const add = (k: string, e: SnapshotEntry) => m.set(k, [...(m.get(k) ?? []), e]);
  for (const e of entries) {
    if (e.snapshot.original) add(e.snapshot.original, e);
    add(e.id, e);
  }
  return m;
}

/** The target snapshot that already holds `src`, if any. */
export function findCopy(src: SnapshotEntry, targets: ReadonlyMap<string, SnapshotEntry[]>): SnapshotEntry | undefined {
  return targets.get(persistentId(src))?.find((t) => similarSnapshots(t.snapshot, src.snapshot));
}

/**
 * Copies snapshots from `src` to `dst`. Both repositories must have their index loaded
 * (loadIndex). The target must be writable (a shared lock is the caller's job).
 */
export async function copySnapshots(src: Repository, dst: Repository, opts: CopyOptions = {}): Promise<CopyResult> {
  const started = Date.now();
  const signal = opts.signal;
  const stats: CopyStats = {
    snapshotsCopied: 0, snapshotsSkipped: 0, blobsCopied: 0, blobsSkipped: 0, bytesRead: 0, bytesAdded: 0, durationMs: 0,
  };
  const wanted = opts.snapshots ?? (await src.listSnapshots(signal));
  const targets = indexTargets(await dst.listSnapshots(signal));
  // Trees walked and blobs handled in this run: each is visited once across all snapshots.
  const visitedTrees = new Set<string>();
  const handled = new Set<string>();
  const done: CopiedSnapshot[] = [];
  const progress = (e: SnapshotEntry) => opts.onProgress?.({
    snapshot: e.id, snapshotsDone: done.length, snapshotsTotal: wanted.length,
    blobsCopied: stats.blobsCopied, blobsSkipped: stats.blobsSkipped, bytesAdded: stats.bytesAdded,
  });

  for (const entry of wanted) {
    throwIfAborted(signal);
    const existing = findCopy(entry, targets);
    if (existing) {
      stats.snapshotsSkipped++;
      done.push({ source: entry.id, target: existing.id, skipped: true });
      progress(entry);
      continue;
    }
    await copyTrees(src, dst, entry, { visitedTrees, handled, stats, signal, onBlob: () => progress(entry), slots: opts.maxBlobsInFlight ?? 4 });
    await dst.flush(signal);
    const { parent: _parent, ...rest } = entry.snapshot;
    // The parent ID means nothing in the target; `original` keeps the first snapshot's ID so a
    // copy of a copy is still recognised as the same snapshot.
    const copy: Snapshot = { ...rest, original: entry.snapshot.original ?? entry.id };
    const id = await dst.saveSnapshot(copy, signal);
    const saved: SnapshotEntry = { id, snapshot: copy };
    for (const k of new Set([persistentId(saved), id])) targets.set(k, [...(targets.get(k) ?? []), saved]);
    stats.snapshotsCopied++;
    done.push({ source: entry.id, target: id, skipped: false });
    progress(entry);
  }
  stats.durationMs = Date.now() - started;
  return { stats, snapshots: done };
}

interface WalkState {
  visitedTrees: Set<string>;
  handled: Set<string>;
  stats: CopyStats;
  signal: AbortSignal | undefined;
  slots: number;
  onBlob(): void;
}

/**
 * Walks every tree of the snapshot (depth first, one tree in memory per level) and copies the
 * blobs the target lacks, at most `slots` at a time. The first failure aborts the rest.
 */
async function copyTrees(src: Repository, dst: Repository, entry: SnapshotEntry, st: WalkState): Promise<void> {
  const ac = linkedAbort(st.signal);
  const signal = ac.signal;
  const limiter = createLimiter(st.slots);
  const running = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;

  const needs = (type: BlobType, id: BlobId): boolean => {
    const key = `${type}:${id}`;
    if (st.handled.has(key)) return false;
    st.handled.add(key);
    if (dst.lookupBlob(type, id)) {
      st.stats.blobsSkipped++;
      return false;
    }
    return true;
  };
  const store = async (type: BlobType, id: BlobId, plain: Uint8Array) => {
    const r = await dst.saveBlob(type, plain, signal);
    // saveBlob derives the ID from the bytes: a mismatch means the source lied about its content.
    if (r.id !== id) throw new IntegrityError(`copy ${type} blob ${short(id)}: content hashes to ${short(r.id)}`);
    if (r.known) st.stats.blobsSkipped++;
    else {
      st.stats.blobsCopied++;
      st.stats.bytesAdded += r.storedSize;
    }
    st.onBlob();
  };
  const schedule = async (type: BlobType, id: BlobId, have?: Uint8Array) => {
    const release = await limiter.acquire(signal);
    const task = (async () => {
      try {
        const plain = have ?? await src.loadBlob(type, id, signal);
        st.stats.bytesRead += src.lookupBlob(type, id)?.length ?? 0;
        await store(type, id, plain);
      } catch (err) {
        failure ??= { err };
        ac.abort();
      } finally {
        release();
      }
    })();
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  const walk = async (treeId: BlobId, path: string): Promise<void> => {
    if (st.visitedTrees.has(treeId)) return;
    st.visitedTrees.add(treeId);
    throwIfAborted(signal);
    const bytes = await src.loadBlob('tree', treeId, signal);
    const tree = parseTree(bytes, treeId);
    for (const node of tree.nodes) {
      if (failure) return;
      if (Array.isArray(node.content)) {
        for (const id of node.content) if (needs('data', id)) await schedule('data', id);
      }
      if (node.type === 'dir' && typeof node.subtree === 'string') await walk(node.subtree, `${path}/${node.name}`);
    }
    // The tree's own bytes are already in hand: store them as read, so its ID stays the same.
    if (!failure && needs('tree', treeId)) await schedule('tree', treeId, bytes);
  };

  try {
    await walk(entry.snapshot.tree, '');
  } catch (err) {
    failure ??= { err };
    ac.abort();
  }
  await Promise.allSettled([...running]);
  if (failure) throw failure.err;
}

function parseTree(bytes: Uint8Array, id: BlobId): Tree {
  const v = parseJsonBytes(bytes) as Tree | null;
  if (v && v.nodes === null) return { ...v, nodes: [] };
  if (!v || !Array.isArray(v.nodes)) throw new IntegrityError(`copy tree ${short(id)}: no nodes list`);
  return v;
}
