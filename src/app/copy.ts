// `copy`: snapshots from one repository into another without reading the original data again,
// re-encrypted for the target's keys. Shared locks on both ends: prune must not delete source
// packs while we read them, nor target packs we count as already present.

import { copySnapshots, type CopyProgress, type CopyResult } from '../engine/copier/copier.ts';
import { LifeboatError, NotFoundError } from '../errors.ts';
import { parseLocation } from '../storage/location.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { loadIndexForReading, loadIndexForWriting } from '../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { matchesFilter, selectSnapshot, type SnapshotFilter } from './snapshots.ts';

export interface CopyRequest {
  /** Snapshot IDs (prefixes) or `latest` in the source; empty = every snapshot matching `filter`. */
  snapshots?: string[];
  /** Applies when no snapshot is named (restic: --host, --tag, --path). */
  filter?: SnapshotFilter;
  onProgress?: (p: CopyProgress) => void;
  /** Called once both repositories are open and locked, with what will be considered. */
  onStart?: (info: { source: string; target: string; snapshots: number }) => void;
}

export interface CopyOutcome extends CopyResult {
  source: string;
  target: string;
}

/** Opens `from` and `to` (both shared-locked), loads both indexes, copies. */
export function runCopy(from: RepositoryAccess, to: RepositoryAccess, req: CopyRequest, signal: AbortSignal): Promise<CopyOutcome> {
  return withSide('source', from, signal, (src) =>
    withSide('target', to, signal, async (dst) => {
      await loadIndexForReading(src, { warn: from.warn, signal });
      const snapshots = await selectSnapshots(src, req, signal);
      await loadIndexForWriting(dst, { warn: to.warn, signal });
      req.onStart?.({ source: src.storage.location, target: dst.storage.location, snapshots: snapshots.length });
      const result = await copySnapshots(src, dst, { snapshots, signal, onProgress: req.onProgress });
      return { ...result, source: src.storage.location, target: dst.storage.location };
    }));
}

/**
 * withRepository (shared lock) that says which side failed to open: "wrong password" alone does
 * not tell the user whether the source or the target password is wrong.
 */
export async function withSide<T>(side: 'source' | 'target', access: RepositoryAccess, signal: AbortSignal, fn: (repo: Repository) => Promise<T>): Promise<T> {
  let opened = false;
  try {
    // The source is only read: a read-only one (or --no-lock) needs no lock.
    return await withRepository(access, side === 'source' ? 'read' : 'shared', signal, (repo, signal) => {
      opened = true;
      return fn(repo);
    });
  } catch (err) {
    const where = displayLocation(access.location);
    if (!opened && err instanceof LifeboatError && !err.message.includes(where)) {
      err.message = `${side} repository ${where}: ${err.message}`;
    }
    throw err;
  }
}

function displayLocation(location: string): string {
  try {
    return parseLocation(location).display;
  } catch {
    return location;
  }
}

/** The source snapshots a copy considers: the named ones (each must exist and match the filter), else all that match. */
export async function selectSnapshots(src: Repository, req: Pick<CopyRequest, 'snapshots' | 'filter'>, signal: AbortSignal): Promise<SnapshotEntry[]> {
  if (req.snapshots?.length) {
    const out = new Map<string, SnapshotEntry>();
    for (const ref of req.snapshots) {
      const e = await selectSnapshot(src, ref, req.filter, signal).catch((cause: unknown) => {
        throw new NotFoundError(`copy: snapshot ${ref} in ${src.storage.location}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      });
      out.set(e.id, e);
    }
    return [...out.values()];
  }
  const all = await src.listSnapshots(signal);
  return req.filter ? all.filter((e) => matchesFilter(e, req.filter!)) : all;
}
