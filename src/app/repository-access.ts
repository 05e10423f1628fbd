// Opening a repository for a use-case: storage + password + key + the right lock, always
// released and closed, whatever happens inside. The CLI, the daemon and the HTTP API all go
// through here, so locking rules live in one place.

import { openStorage, type OpenStorageOptions } from '../storage/location.ts';
import { openRepository } from '../repo/open-repository.ts';
import { acquireLock, describeLock, removeDeadLocksOfThisHost } from '../repo/lock.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { Storage } from '../storage/types.ts';
import { AbortedError, LockedError, StorageError, UsageError } from '../errors.ts';
import { readPassword, type PasswordSource } from '../config/password.ts';

export interface RepositoryAccess {
  /** Location string: a path, `s3:http://host/bucket/prefix`, `memory:name`. */
  location: string;
  password: PasswordSource;
  storageOptions?: OpenStorageOptions;
  /** How long to wait for a lock someone else holds. */
  retryLockMs?: number;
  /**
   * Notices that do not stop the work (an index file skipped, a read-only repository read
   * without a lock); the CLI prints them on stderr.
   */
  warn?: (message: string) => void;
  /**
   * Take no lock (--no-lock): for read-only commands on a repository nobody may write to, such
   * as a read-only mount or snapshot. Refused for commands that write.
   */
  noLock?: boolean;
}

/**
 * `none`: no lock at all (listing snapshots; --no-lock for read-only commands);
 * `read`: a shared lock for work that only reads (restore, dump, check, copy's source), which
 * goes on without one, with a notice, when the repository is read-only;
 * `shared`: backup; `exclusive`: forget, prune, repair, key removal.
 */
export type LockMode = 'none' | 'read' | 'shared' | 'exclusive';

/** A store refused a write because it is read-only (read-only mount, no write permission). */
export function isReadOnlyError(err: unknown): boolean {
  return err instanceof StorageError && err.context.readOnly === true;
}

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
  if (access.noLock) {
    if (mode === 'shared' || mode === 'exclusive') {
      throw new UsageError('--no-lock applies only to commands that read (snapshots, ls, restore, dump, check, copy\'s source)');
    }
    mode = 'none';
  }
  return withStorage(access, async (storage) => {
    const password = await readPassword(access.password, signal);
    const repo = await openRepository(storage, password, { signal });
    try {
      await removeDeadLocks(repo, access, signal);
      if (mode === 'none') return await fn(repo, signal);
      let lost: LockedError | undefined;
      const ac = new AbortController();
      const onAbort = () => ac.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      let lock;
      try {
        lock = await acquireLock(repo, {
          exclusive: mode === 'exclusive', retryLockMs: access.retryLockMs ?? 0, signal,
          onLost: (err) => { lost = err; ac.abort(err); },
        });
      } catch (err) {
        signal.removeEventListener('abort', onAbort);
        if (mode !== 'read' || !isReadOnlyError(err)) throw err;
        // Nobody can prune a repository nobody can write, so reading it unlocked is safe.
        access.warn?.(`repository at ${storage.location} is read-only: reading it without a lock`);
        return await fn(repo, signal);
      }
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

/**
 * Removes locks left by dead Lifeboat (or restic) processes of this host, so restic, which does
 * not ignore them as we do, is not blocked. Best effort: a read-only repository keeps them.
 */
async function removeDeadLocks(repo: Repository, access: RepositoryAccess, signal: AbortSignal): Promise<void> {
  try {
    for (const l of await removeDeadLocksOfThisHost(repo, {}, signal)) {
      access.warn?.(`removed the ${describeLock(l)}: its process is gone`);
    }
  } catch (err) {
    if (err instanceof AbortedError || signal.aborted) throw err;
  }
}
