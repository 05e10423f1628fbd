// Which of the packs the index names are really in storage. A backup must not count a blob as
// stored when its pack has gone missing (deleted by hand, lost by a bad disk or a half-finished
// restore of the repository): its snapshot would point at data nobody can read. One listing of
// data/ per run tells; blobs in missing packs are then stored again.

import type { Repository } from './repository-api.ts';
import { listPackFiles } from './repack.ts';
import type { PackId } from './types.ts';

export interface PackPresence {
  /** Every pack file in storage, with its size (the run's one listing). */
  stored: Map<PackId, number>;
  /** Packs the loaded index lists that are not in storage. */
  missing: PackId[];
}

/** Lists data/ once and returns the indexed packs absent from it. */
export async function findMissingPacks(repo: Pick<Repository, 'storage' | 'listIndexedPacks'>, signal?: AbortSignal): Promise<PackPresence> {
  const stored = await listPackFiles(repo.storage, signal);
  const missing: PackId[] = [];
  for (const p of repo.listIndexedPacks()) if (!stored.has(p)) missing.push(p);
  return { stored, missing };
}

/**
 * Makes the repository treat blobs of missing packs as unknown, so dedup stores them again.
 * Call after loadIndex, before the first save.
 */
export async function excludeMissingPacks(
  repo: Pick<Repository, 'storage' | 'listIndexedPacks' | 'excludePacks'>, signal?: AbortSignal,
): Promise<PackPresence> {
  const presence = await findMissingPacks(repo, signal);
  if (presence.missing.length > 0) repo.excludePacks(presence.missing);
  return presence;
}
