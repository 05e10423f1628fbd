// Unlock use-case: remove stale locks (older than 30 minutes, or made on this host by a process
// that is gone), or every lock with removeAll. Takes no lock itself, by nature.

import { describeLock, isStale, listLocks } from '../repo/lock.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

export interface UnlockOutcome {
  /** Unfinished lock files of dead writers removed. */
  leftovers: number;
  /** Descriptions of the locks removed. */
  removed: string[];
  /** Descriptions of live locks left in place. */
  kept: string[];
}

export function runUnlock(access: RepositoryAccess, opts: { removeAll?: boolean }, signal: AbortSignal): Promise<UnlockOutcome> {
  return withRepository(access, 'none', signal, async (repo, signal) => {
    const out: UnlockOutcome = { removed: [], kept: [], leftovers: (await repo.storage.removeLeftovers?.('lock')) ?? 0 };
    for (const l of await listLocks(repo, signal)) {
      if (opts.removeAll || isStale(l)) {
        await repo.storage.remove({ type: 'lock', name: l.id });
        out.removed.push(describeLock(l));
      } else out.kept.push(describeLock(l));
    }
    return out;
  });
}
