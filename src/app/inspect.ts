// Looking into a repository without changing it: stats, diff and find over snapshots. Each reads
// under a shared lock (none with --no-lock or on a read-only repository), so a prune cannot
// delete packs meanwhile; a damaged index costs warnings, not the answer.

import { collectStats, type RepoStats, type StatsMode } from '../engine/stats/stats.ts';
import { diffSnapshots, type DiffChange, type DiffStats } from '../engine/diff/diff.ts';
import { findInSnapshots, type FindHit, type FindQuery } from '../engine/find/find.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { selectSnapshot, type SnapshotFilter } from './snapshots.ts';
import { selectSnapshots } from './snapshot-set.ts';

export type { RepoStats, StatsMode, DiffChange, DiffStats, FindHit, FindQuery };
export { STATS_MODES } from '../engine/stats/stats.ts';

export interface SnapshotScope {
  /** Snapshot IDs or `latest`; none means every snapshot the filter matches. */
  refs: string[];
  filter?: SnapshotFilter;
}

export function runStats(access: RepositoryAccess, scope: SnapshotScope, mode: StatsMode, signal: AbortSignal): Promise<RepoStats & { snapshots: SnapshotEntry[] }> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshots = await selectSnapshots(repo, scope.refs, scope.filter, signal);
    return { ...await collectStats(repo, snapshots, mode, signal), snapshots };
  });
}

export interface DiffRequest {
  from: string;
  to: string;
  filter?: SnapshotFilter;
  metadata?: boolean;
  onSnapshots?(from: SnapshotEntry, to: SnapshotEntry): void;
  onChange(change: DiffChange): void;
  onWarning?(message: string): void;
}

export function runDiff(access: RepositoryAccess, req: DiffRequest, signal: AbortSignal): Promise<DiffStats & { from: SnapshotEntry; to: SnapshotEntry }> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    const from = await selectSnapshot(repo, req.from, req.filter, signal);
    const to = await selectSnapshot(repo, req.to, req.filter, signal);
    req.onSnapshots?.(from, to);
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const stats = await diffSnapshots(repo, from.snapshot.tree, to.snapshot.tree, {
      metadata: req.metadata, signal, onChange: req.onChange, onWarning: req.onWarning,
    });
    return { ...stats, from, to };
  });
}

export function runFind(
  access: RepositoryAccess, scope: SnapshotScope, query: FindQuery, onHit: (hit: FindHit) => void, signal: AbortSignal,
): Promise<{ hits: number; snapshots: number }> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshots = await selectSnapshots(repo, scope.refs, scope.filter, signal);
    const hits = await findInSnapshots(repo, snapshots, query, onHit, signal);
    return { hits, snapshots: snapshots.length };
  });
}
