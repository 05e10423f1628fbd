// Prune use-case: plan under the lock, then (unless a dry run) carry the plan out. Prune holds
// an exclusive lock, so it waits for running backups (with retryLockMs) and they wait for it.

import { LifeboatError } from '../errors.ts';
import type { Repository } from '../repo/repository-api.ts';
import { hasMasterKey } from '../repo/repack.ts';
import { executePrune, planPrune } from '../engine/pruner/pruner.ts';
import type { MaxUnused, PrunePlan, PruneProgress, PruneResult } from '../engine/pruner/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

export interface PruneRequest {
  dryRun?: boolean;
  /** Default 5%. */
  maxUnused?: MaxUnused;
  maxRepackBytes?: number;
  /** Target size of repacked packs (default 16 MiB). */
  packSize?: number;
  onProgress?: (p: PruneProgress) => void | Promise<void>;
}

export interface PruneOutcome {
  plan: PrunePlan;
  /** Absent for a dry run. */
  result?: PruneResult;
}

/** Prunes an open repository whose exclusive lock the caller holds (forget --prune uses this). */
export async function pruneOpenRepository(
  repo: Repository, req: PruneRequest, signal: AbortSignal, ignoreSnapshots?: ReadonlySet<string>,
): Promise<PruneOutcome> {
  if (!hasMasterKey(repo)) throw new LifeboatError('error', 'prune: this repository implementation cannot repack');
  const plan = await planPrune(repo, {
    maxUnused: req.maxUnused, maxRepackBytes: req.maxRepackBytes, signal, onProgress: req.onProgress, ignoreSnapshots,
  });
  if (req.dryRun) return { plan };
  const result = await executePrune(repo, plan, { packSize: req.packSize, signal, onProgress: req.onProgress });
  // Holding the exclusive lock, no writer is alive: half-written files of killed ones can go.
  for (const type of ['data', 'index', 'snapshot'] as const) await repo.storage.removeLeftovers?.(type);
  return { plan, result };
}

export function runPrune(access: RepositoryAccess, req: PruneRequest, signal: AbortSignal): Promise<PruneOutcome> {
  // A dry run only reads: a shared lock keeps packs from vanishing under it and lets backups run.
  return withRepository(access, req.dryRun ? 'shared' : 'exclusive', signal, (repo, signal) => pruneOpenRepository(repo, req, signal));
}

// Flag parsing the CLI and the config share.
export { parseByteSize, parseMaxUnused } from '../engine/pruner/max-unused.ts';
