// Several snapshots at once, as restic's multi-snapshot commands take them (stats, find, tag,
// rewrite): the IDs given (`latest` narrowed by the filter), else every snapshot the filter
// matches, oldest first. An ID that matches nothing is an error, never silently skipped.

import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { compareTime, matchesFilter, selectSnapshot, type SnapshotFilter } from './snapshots.ts';

export async function selectSnapshots(repo: Repository, refs: readonly string[], filter: SnapshotFilter | undefined, signal: AbortSignal): Promise<SnapshotEntry[]> {
  if (refs.length > 0) {
    const out: SnapshotEntry[] = [];
    for (const ref of refs) {
      const e = await selectSnapshot(repo, ref, filter, signal);
      if (!out.some((o) => o.id === e.id)) out.push(e);
    }
    return out;
  }
  const all = await repo.listSnapshots(signal);
  return all.filter((e) => !filter || matchesFilter(e, filter)).sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
}

/**
 * restic's `snapshots --latest N`: the newest N snapshots of each host and set of paths, in
 * the order given (oldest first stays oldest first).
 */
export function latestPerHostAndPaths(entries: readonly SnapshotEntry[], n: number): SnapshotEntry[] {
  const newestFirst = [...entries].sort((a, b) => compareTime(b.snapshot.time, a.snapshot.time));
  const seen = new Map<string, number>();
  const keep = new Set<SnapshotEntry>();
  for (const e of newestFirst) {
    const key = `${e.snapshot.hostname ?? ''}\0${[...e.snapshot.paths].sort().join('|')}`;
    const k = seen.get(key) ?? 0;
    if (k < n) {
      seen.set(key, k + 1);
      keep.add(e);
    }
  }
  return entries.filter((e) => keep.has(e));
}
