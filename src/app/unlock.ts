// Unlock use-case: remove stale locks (older than 30 minutes, or made on this host by a process
// that is gone), or every lock with removeAll. Takes no lock itself, by nature.

import { describeLock, isStale, listLocks } from '../repo/lock.ts';
import { openRepository } from '../repo/open-repository.ts';
import type { Repository } from '../repo/repository-api.ts';
import { readPassword } from '../config/password.ts';
import { withStorage, type RepositoryAccess } from './repository-access.ts';

export interface UnlockOutcome {
  /** Unfinished lock files of dead writers removed. */
  leftovers: number;
  /** Descriptions of the locks removed. */
  removed: string[];
  /** Descriptions of live locks left in place. */
  kept: string[];
}

export function runUnlock(access: RepositoryAccess, opts: { removeAll?: boolean }, signal: AbortSignal): Promise<UnlockOutcome> {
  // Not withRepository: its removal of this host's dead locks would hide them from the report.
  return withStorage(access, async (storage) => {
    const repo = await openRepository(storage, await readPassword(access.password, signal), { signal });
    try {
      return await unlockOpen(repo, opts, signal);
    } finally {
      await repo.close();
    }
  });
}

async function unlockOpen(repo: Repository, opts: { removeAll?: boolean }, signal: AbortSignal): Promise<UnlockOutcome> {
  const out: UnlockOutcome = { removed: [], kept: [], leftovers: (await repo.storage.removeLeftovers?.('lock')) ?? 0 };
  for (const l of await listLocks(repo, signal)) {
    if (opts.removeAll || isStale(l)) {
      await repo.storage.remove({ type: 'lock', name: l.id });
      out.removed.push(describeLock(l));
    } else out.kept.push(describeLock(l));
  }
  return out;
}
