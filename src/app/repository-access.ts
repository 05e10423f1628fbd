// Opening a repository for a use-case: storage + password + key + the right lock, always
// released and closed, whatever happens inside. The CLI, the daemon and the HTTP API all go
// through here, so locking rules live in one place.

import { openStorage, type OpenStorageOptions } from '../storage/location.ts';
import { openRepository } from '../repo/repository.ts';
import { acquireLock } from '../repo/lock.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { Storage } from '../storage/types.ts';
import { LockedError, UsageError } from '../errors.ts';
import { readPassword, type PasswordSource } from '../config/password.ts';

export interface RepositoryAccess {
  /** Location string: a path, `s3:http://host/bucket/prefix`, `memory:name`. */
  location: string;
  password: PasswordSource;
  storageOptions?: OpenStorageOptions;
  /** How long to wait for a lock someone else holds. */
  retryLockMs?: number;
}

/**
 * `none`: read-only work that tolerates concurrent writers (listing snapshots);
 * `shared`: backup, restore, check; `exclusive`: forget, prune, key removal.
 */
export type LockMode = 'none' | 'shared' | 'exclusive';

export async function withStorage<T>(access: RepositoryAccess, fn: (storage: Storage) => Promise<T>): Promise<T> {
  if (!access.location) throw new UsageError('no repository given', { hint: 'pass --repo LOCATION or set LIFEBOAT_REPOSITORY' });
  const storage = await openStorage(access.location, access.storageOptions);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/**
 * Runs `fn` on the open repository under the lock `mode` asks for. `fn` must use the signal it
 * is given: besides the caller's, it fires when the lock could not be refreshed for so long that
 * others may take it for stale, and the operation then fails with that LockedError.
 */
export async function withRepository<T>(
  access: RepositoryAccess,
  mode: LockMode,
  signal: AbortSignal,
  fn: (repo: Repository, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  return withStorage(access, async (storage) => {
    const password = await readPassword(access.password, signal);
    const repo = await openRepository(storage, password, { signal });
    try {
      if (mode === 'none') return await fn(repo, signal);
      let lost: LockedError | undefined;
      const ac = new AbortController();
      const onAbort = () => ac.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      const lock = await acquireLock(repo, {
        exclusive: mode === 'exclusive', retryLockMs: access.retryLockMs ?? 0, signal,
        onLost: (err) => { lost = err; ac.abort(err); },
      });
      try {
        return await fn(repo, ac.signal);
      } catch (err) {
        throw lost ?? err;
      } finally {
        signal.removeEventListener('abort', onAbort);
        await lock.release();
      }
    } finally {
      await repo.close();
    }
  });
}
