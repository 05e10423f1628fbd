// Restore-side use-cases: whole or partial restore into a directory, one file to a stream, and
// listing. They take a shared lock: prune must not delete packs while we read them (none on a
// read-only repository, or with --no-lock). A damaged index costs warnings, not the restore.

import type { Writable } from 'node:stream';
import { restoreSnapshot, type RestoreOptions, type RestoreResult } from '../engine/restorer/restorer.ts';
import { dumpFile, type DumpResult } from '../engine/restorer/dump.ts';
import { listSnapshot, type ListedNode } from '../engine/restorer/snapshot-walk.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { NotFoundError } from '../errors.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { compareTime, matchesFilter, type SnapshotFilter } from './snapshots.ts';

/**
 * A snapshot ID (prefix), or `latest` — the newest snapshot matching the filter, as restic's
 * `restore latest --tag …` picks it.
 */
export async function resolveSnapshotRef(repo: Repository, ref: string, filter: SnapshotFilter | undefined, signal: AbortSignal): Promise<SnapshotEntry> {
  if (ref !== 'latest' || !filter) return repo.findSnapshot(ref, signal);
  const matching = (await repo.listSnapshots(signal)).filter((e) => matchesFilter(e, filter));
  if (matching.length === 0) throw new NotFoundError('no snapshot matches the given host, tags and paths');
  return matching.sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time)).at(-1)!;
}

export function runRestore(
  access: RepositoryAccess, ref: string, target: string, opts: Omit<RestoreOptions, 'signal'> & { filter?: SnapshotFilter }, signal: AbortSignal,
): Promise<RestoreResult> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshot = await resolveSnapshotRef(repo, ref, opts.filter, signal);
    return restoreSnapshot(repo, snapshot, target, { ...opts, signal });
  });
}

export function runDump(
  access: RepositoryAccess, ref: string, path: string, out: Writable, signal: AbortSignal, filter?: SnapshotFilter,
): Promise<DumpResult> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    return dumpFile(repo, await resolveSnapshotRef(repo, ref, filter, signal), path, out, signal);
  });
}

/** Calls `each` for every node under `path` (streamed: a huge snapshot is never held whole). */
export function runList(
  access: RepositoryAccess, ref: string, opts: { path?: string; recursive?: boolean; filter?: SnapshotFilter },
  each: (n: ListedNode, snapshot: SnapshotEntry) => void, signal: AbortSignal,
): Promise<SnapshotEntry> {
  return withRepository(access, 'none', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshot = await resolveSnapshotRef(repo, ref, opts.filter, signal);
    for await (const n of listSnapshot(repo, snapshot, { path: opts.path, recursive: opts.recursive, signal })) each(n, snapshot);
    return snapshot;
  });
}
