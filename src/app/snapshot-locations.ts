// Which repositories hold each snapshot (`snapshots --all-repos`). A copy carries its first
// snapshot's ID in `original`, so one logical snapshot is keyed by `original ?? id` in every
// repository. A repository that cannot be read is reported, and the others are still listed:
// during a disaster, seeing what survives matters most.

import { persistentId } from '../engine/copier/copier.ts';
import type { Snapshot, SnapshotId } from '../repo/types.ts';
import { parseLocation } from '../storage/location.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { compareTime, jobFilter, matchesFilter, type SnapshotFilter } from './snapshots.ts';
import type { Config } from '../config/types.ts';
import { jobRepositories } from '../config/index.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';

export interface NamedRepository {
  name: string;
  /**
   * How to open it; a function when getting there can itself fail (a password command), so that
   * failure is reported for this repository like any other.
   */
  access: RepositoryAccess | (() => Promise<RepositoryAccess>);
  /** Location to print; default access.location. */
  location?: string;
}

export interface RepositoryListing {
  name: string;
  /** Printable location (no credentials). */
  location: string;
  ok: boolean;
  /** Snapshots matching the filter. */
  count: number;
  error?: string;
  errorCode?: string;
}

export interface LocatedSnapshot {
  /** The snapshot's persistent ID: the first snapshot's, shared by all its copies. */
  id: SnapshotId;
  /** Its fields as read from the first repository (in the order given) that holds it. */
  snapshot: Snapshot;
  /** Repository name → the snapshot's own ID there. */
  holders: Record<string, SnapshotId>;
}

export interface SnapshotLocations {
  repositories: RepositoryListing[];
  /** Oldest first. */
  snapshots: LocatedSnapshot[];
}

export async function locateSnapshots(repos: readonly NamedRepository[], filter: SnapshotFilter, signal: AbortSignal): Promise<SnapshotLocations> {
  const listings = await Promise.all(repos.map(async (r) => {
    try {
      const access = typeof r.access === 'function' ? await r.access() : r.access;
      const entries = await withRepository(access, 'none', signal, (repo, signal) => repo.listSnapshots(signal));
      return { r, entries: entries.filter((e) => matchesFilter(e, filter)) };
    } catch (err) {
      if (signal.aborted) throw err;
      return { r, err };
    }
  }));
  const byId = new Map<string, LocatedSnapshot>();
  const repositories: RepositoryListing[] = [];
  for (const l of listings) {
    const location = printable(l.r.location ?? (typeof l.r.access === 'function' ? '' : l.r.access.location));
    if (!('entries' in l) || !l.entries) {
      const e = l.err as { message?: string; code?: string };
      repositories.push({ name: l.r.name, location, ok: false, count: 0, error: e?.message ?? String(l.err), ...(e?.code ? { errorCode: e.code } : {}) });
      continue;
    }
    repositories.push({ name: l.r.name, location, ok: true, count: l.entries.length });
    for (const e of l.entries) {
      const key = persistentId(e);
      let s = byId.get(key);
      if (!s) byId.set(key, (s = { id: key, snapshot: e.snapshot, holders: {} }));
      s.holders[l.r.name] ??= e.id;
    }
  }
  const snapshots = [...byId.values()].sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time) || (a.id < b.id ? -1 : 1));
  return { repositories, snapshots };
}

function printable(location: string): string {
  try {
    return parseLocation(location).display;
  } catch {
    return '(invalid location)';
  }
}

/**
 * `snapshots --all-repos [--job NAME]`: every repository of the config (or of the job), and, for
 * a job, only its snapshots.
 */
export function locateConfigSnapshots(config: Config, jobName: string | undefined, filter: SnapshotFilter, signal: AbortSignal): Promise<SnapshotLocations> {
  const repos = jobName === undefined ? config.repositories : jobRepositories(config, requireJob(config, jobName));
  const named: NamedRepository[] = repos.map((r) => ({
    name: r.name, location: r.location, access: () => repositoryAccessFor(config, r, signal),
  }));
  return locateSnapshots(named, jobName === undefined ? filter : jobFilter(jobName, filter), signal);
}
