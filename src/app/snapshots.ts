import type { SnapshotEntry } from '../repo/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

export interface SnapshotFilter {
  host?: string;
  /** A snapshot matches when it has every tag of at least one of these sets. */
  tags?: string[][];
  paths?: string[];
}

export function matchesFilter(entry: SnapshotEntry, filter: SnapshotFilter): boolean {
  const s = entry.snapshot;
  if (filter.host !== undefined && s.hostname !== filter.host) return false;
  if (filter.paths?.length && !filter.paths.every((p) => s.paths.includes(p))) return false;
  if (filter.tags?.length && !filter.tags.some((set) => set.every((t) => s.tags?.includes(t)))) return false;
  return true;
}

/** Snapshots oldest first, as restic lists them. Needs no lock: snapshot files are immutable. */
export async function listSnapshotsAt(access: RepositoryAccess, filter: SnapshotFilter, signal: AbortSignal): Promise<SnapshotEntry[]> {
  return withRepository(access, 'none', signal, async (repo, signal) => {
    const all = await repo.listSnapshots(signal);
    return all.filter((e) => matchesFilter(e, filter)).sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
  });
}

/** Orders RFC 3339 timestamps with nanoseconds, which Date alone cannot. */
export function compareTime(a: string, b: string): number {
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (da !== db) return da - db;
  return fraction(a).localeCompare(fraction(b));
}

function fraction(t: string): string {
  return (/\.(\d+)/.exec(t)?.[1] ?? '').padEnd(9, '0');
}
