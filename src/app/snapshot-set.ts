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
