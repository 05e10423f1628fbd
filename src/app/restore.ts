// Restore-side use-cases: whole or partial restore into a directory, one file to a stream, and
// listing. They take a shared lock: prune must not delete packs while we read them (none on a
// read-only repository, or with --no-lock). A damaged index costs warnings, not the restore.

import type { Writable } from 'node:stream';
export type { ArchiveFormat };
import { restoreSnapshot, type RestoreOptions, type RestoreResult } from '../engine/restorer/restorer.ts';
import { dumpFile, type DumpResult } from '../engine/restorer/dump.ts';
import { dumpArchive, type ArchiveFormat, type ArchiveResult } from '../engine/restorer/archive-dump.ts';
import { findNode } from '../engine/restorer/snapshot-walk.ts';
import { listSnapshot, type ListedNode } from '../engine/restorer/snapshot-walk.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { selectSnapshot, type SnapshotChoice, type SnapshotFilter } from './snapshots.ts';

/** Tells the caller which snapshot a `latest` or an ID resolved to, before the work starts. */
export type OnSnapshot = (entry: SnapshotEntry) => void;

export function runRestore(
  access: RepositoryAccess, ref: SnapshotChoice, target: string, opts: Omit<RestoreOptions, 'signal'> & { filter?: SnapshotFilter; onSnapshot?: OnSnapshot }, signal: AbortSignal,
): Promise<RestoreResult> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshot = await selectSnapshot(repo, ref, opts.filter, signal);
    opts.onSnapshot?.(snapshot);
    return restoreSnapshot(repo, snapshot, target, { ...opts, signal });
  });
}

/**
 * A file's content, or (a directory, or with `archive`) a tar or zip archive of a directory,
 * as restic dump writes them.
 */
export function runDump(
  access: RepositoryAccess, ref: SnapshotChoice, path: string, out: Writable, signal: AbortSignal,
  opts: { filter?: SnapshotFilter; onSnapshot?: OnSnapshot; archive?: ArchiveFormat } = {},
): Promise<DumpResult | (ArchiveResult & { archive: ArchiveFormat })> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshot = await selectSnapshot(repo, ref, opts.filter, signal);
    opts.onSnapshot?.(snapshot);
    const node = await findNode(repo, snapshot, path, signal);
    if (node?.type === 'file' && opts.archive === undefined) return dumpFile(repo, snapshot, path, out, signal);
    const archive = opts.archive ?? 'tar';
    return { ...await dumpArchive(repo, snapshot, path, out, archive, signal), archive };
  });
}

/** Calls `each` for every node under `path` (streamed: a huge snapshot is never held whole). */
export function runList(
  access: RepositoryAccess, ref: SnapshotChoice, opts: { path?: string; recursive?: boolean; filter?: SnapshotFilter },
  each: (n: ListedNode, snapshot: SnapshotEntry) => void, signal: AbortSignal,
): Promise<SnapshotEntry> {
  return withRepository(access, 'none', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const snapshot = await selectSnapshot(repo, ref, opts.filter, signal);
    for await (const n of listSnapshot(repo, snapshot, { path: opts.path, recursive: opts.recursive, signal })) each(n, snapshot);
    return snapshot;
  });
}
