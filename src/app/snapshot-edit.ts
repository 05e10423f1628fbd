// Changing snapshots after the fact: `tag` (restic tag) and `rewrite --exclude` (restic 0.15
// rewrite). Both write a new snapshot file with `original` set and never touch data packs;
// what a rewrite leaves unreferenced is reclaimed by `prune`. Locks as restic takes them: tag
// and rewrite --forget exclusive (they delete snapshot files), rewrite alone shared (like a
// backup), a dry run none beyond reading.

import { filterTree, saveEdited, withTags, type TagChange } from '../engine/rewrite/snapshot-edit.ts';
import { createPathFilter } from '../engine/fs-meta/path-filter.ts';
import { loadIndexForWriting } from '../engine/repair/load-index.ts';
import type { SnapshotEntry, SnapshotId } from '../repo/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { selectSnapshots } from './snapshot-set.ts';
import type { SnapshotScope } from './inspect.ts';

export type { TagChange };

export interface EditedSnapshot {
  id: SnapshotId;
  /** The new snapshot's ID (absent when unchanged, or in a dry run). */
  newId?: SnapshotId;
  changed: boolean;
}

export function runTag(access: RepositoryAccess, scope: SnapshotScope, change: TagChange, signal: AbortSignal): Promise<EditedSnapshot[]> {
  return withRepository(access, 'exclusive', signal, async (repo, signal) => {
    const out: EditedSnapshot[] = [];
    for (const entry of await selectSnapshots(repo, scope.refs, scope.filter, signal)) {
      const changed = withTags(entry.snapshot, change);
      if (!changed) {
        out.push({ id: entry.id, changed: false });
        continue;
      }
      out.push({ id: entry.id, changed: true, newId: await saveEdited(repo, entry, changed, { removeOld: true, signal }) });
    }
    return out;
  });
}

export interface RewriteRequest {
  /** restic --exclude patterns, matched against paths in the snapshot. */
  excludes: string[];
  /** --iexclude: the same, ignoring case. */
  iexcludes: string[];
  /** Remove each original once its rewrite is saved (else the new one is tagged `rewrite`). */
  forget: boolean;
  dryRun: boolean;
  onSnapshot?(entry: SnapshotEntry): void;
  onExcluded?(entry: SnapshotEntry, path: string): void;
}

export const REWRITE_TAG = 'rewrite';

export function runRewrite(access: RepositoryAccess, scope: SnapshotScope, req: RewriteRequest, signal: AbortSignal): Promise<EditedSnapshot[]> {
  const mode = req.dryRun ? 'read' : req.forget ? 'exclusive' : 'shared';
  const exact = req.excludes.length ? createPathFilter(req.excludes) : undefined;
  const folded = req.iexcludes.length ? createPathFilter(req.iexcludes.map((p) => p.toLowerCase())) : undefined;
  const excluded = (p: string) => (exact?.matches(p) ?? false) || (folded?.matches(p.toLowerCase()) ?? false);
  return withRepository(access, mode, signal, async (repo, signal) => {
    await loadIndexForWriting(repo, { warn: access.warn, signal });
    const out: EditedSnapshot[] = [];
    for (const entry of await selectSnapshots(repo, scope.refs, scope.filter, signal)) {
      req.onSnapshot?.(entry);
      const tree = await filterTree(repo, '', entry.snapshot.tree, {
        excluded, dryRun: req.dryRun, signal, onExcluded: (p) => req.onExcluded?.(entry, p),
      });
      if (tree === entry.snapshot.tree || req.dryRun) {
        out.push({ id: entry.id, changed: tree !== entry.snapshot.tree });
        continue;
      }
      await repo.flush(signal);
      const snapshot = { ...entry.snapshot, tree };
      if (!req.forget) snapshot.tags = [...new Set([...(snapshot.tags ?? []), REWRITE_TAG])];
      const newId = await saveEdited(repo, entry, snapshot, { removeOld: req.forget, original: 'this', signal });
      out.push({ id: entry.id, changed: true, newId });
    }
    return out;
  });
}
