// Check use-case: restic's `check` over a repository. It holds a shared lock: check only reads,
// so backups may run beside it (their new packs show up at most as "not referenced in any
// index" hints) while prune, which needs an exclusive lock, waits. restic 0.14 takes an
// exclusive lock here; newer restic releases moved to a non-exclusive one, as we do.

import { LifeboatError } from '../errors.ts';
import { hasMasterKey } from '../repo/repack.ts';
import { checkRepository } from '../engine/checker/checker.ts';
import type { CheckProgress, CheckReport, ReadDataSubset } from '../engine/checker/types.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { sqliteWalProblems } from './sqlite-wal/check-wal.ts';

export interface CheckRequest {
  readData?: boolean;
  readDataSubset?: ReadDataSubset;
  onProgress?: (p: CheckProgress) => void;
}

export function runCheck(access: RepositoryAccess, req: CheckRequest, signal: AbortSignal): Promise<CheckReport> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    if (!hasMasterKey(repo)) throw new LifeboatError('error', 'check: this repository implementation does not expose its key');
    const report = await checkRepository(repo, {
      readData: req.readData,
      readDataSubset: req.readDataSubset,
      onProgress: req.onProgress,
      signal,
    });
    // Shipped SQLite WAL beside the repository: a gap makes every moment after it unrestorable.
    for (const message of await sqliteWalProblems(repo, signal)) report.errors.push({ kind: 'wal-gap', message });
    return report;
  });
}

// Flag parsing the CLI and the config share.
export { describeSubset, parseReadDataSubset } from '../engine/checker/subset.ts';
