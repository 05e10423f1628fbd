// Repository locks as restic keeps them: one encrypted JSON file per lock in locks/.
// Non-exclusive locks coexist; an exclusive lock excludes every other lock. A lock is stale
// when older than 30 minutes, or when it was made on this host by a process that is gone.
// Holders refresh their lock (new file, then delete the old) so it never looks stale.

import { hostname as osHostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockedError, NotFoundError, throwIfAborted } from '../errors.ts';
import type { Repository } from './repository-api.ts';
import { safeUsername } from './key.ts';
import { formatRfc3339, parseRfc3339 } from './time.ts';

export const STALE_AFTER_MS = 30 * 60 * 1000;
export const REFRESH_EVERY_MS = 5 * 60 * 1000;

export type LockRepository = Pick<Repository, 'storage' | 'saveJson' | 'loadJson'>;

export interface LockFile {
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
  uid?: number;
  gid?: number;
  [unknown: string]: unknown;
}

export interface LockInfo extends LockFile {
  /** Storage ID of the lock file. */
  id: string;
}

export interface Lock {
  /** Storage ID of the current lock file (changes on refresh). */
  readonly id: string;
  readonly exclusive: boolean;
  /** The last refresh failure, if any; a lock that cannot refresh may look stale to others. */
  readonly refreshError: unknown;
  /** Rewrites the lock with the current time now (also done automatically). */
  refresh(): Promise<void>;
  /** Stops refreshing and deletes the lock file. Safe to call twice. */
  release(): Promise<void>;
}

export interface LockEnv {
  /** Injected clock for tests. */
  now?: () => Date;
  hostname?: string;
  /** Whether a PID on this host is alive; defaults to a signal-0 probe. */
  isAlive?: (pid: number) => boolean;
}

export interface AcquireOptions extends LockEnv {
  exclusive: boolean;
  /** Keep retrying a conflicting lock this long before giving up (default 0: one try). */
  retryLockMs?: number;
  signal?: AbortSignal;
  /** Refresh period (default 5 minutes, as restic); 0 disables automatic refresh. */
  refreshMs?: number;
  onRefreshError?: (err: unknown) => void;
  /**
   * Called once when refreshes have failed for `lostAfterMs` since the last good one (default:
   * the stale age less one and a half refresh periods, as restic): other processes may soon take
   * the lock for stale, so the holder must stop before it writes or deletes more.
   */
  onLost?: (err: LockedError) => void;
  lostAfterMs?: number;
  /** Identity written into the lock; defaults to this process. */
  pid?: number;
  username?: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export function isStale(lock: LockFile, env: LockEnv = {}): boolean {
  const now = (env.now ?? (() => new Date()))().getTime();
  const t = parseRfc3339(lock.time);
  if (Number.isNaN(t) || now - t > STALE_AFTER_MS) return true;
  const host = env.hostname ?? osHostname();
  if (lock.hostname === host && typeof lock.pid === 'number') return !(env.isAlive ?? processAlive)(lock.pid);
  return false;
}

/** Every lock file that could be read. Files that vanish while listing are skipped. */
export async function listLocks(repo: LockRepository, signal?: AbortSignal): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for await (const f of repo.storage.list('lock', signal)) {
    try {
      const v = (await repo.loadJson('lock', f.name, signal)) as LockFile;
      out.push({ ...v, id: f.name });
    } catch (err) {
      if (err instanceof NotFoundError) continue; // released meanwhile
      throw err;
    }
  }
  return out;
}

export function describeLock(l: LockInfo, env: LockEnv = {}): string {
  const now = (env.now ?? (() => new Date()))().getTime();
  const age = Math.round((now - parseRfc3339(l.time)) / 1000);
  const ids = l.uid !== undefined || l.gid !== undefined ? ` (UID ${l.uid ?? 0}, GID ${l.gid ?? 0})` : '';
  return (
    `${l.exclusive ? 'exclusive' : 'non-exclusive'} lock ${l.id.slice(0, 8)} held by PID ${l.pid} on ${l.hostname} ` +
    `by ${l.username}${ids}, created at ${l.time} (${age}s ago)`
  );
}

function conflicts(wantExclusive: boolean, other: LockFile): boolean {
  return wantExclusive || other.exclusive;
}

async function findConflict(repo: LockRepository, exclusive: boolean, ownId: string | undefined, env: LockEnv, signal?: AbortSignal): Promise<LockInfo | undefined> {
  for (const l of await listLocks(repo, signal)) {
    if (l.id === ownId || isStale(l, env)) continue;
    if (conflicts(exclusive, l)) return l;
  }
  return undefined;
}

export async function acquireLock(repo: LockRepository, opts: AcquireOptions): Promise<Lock> {
  const now = opts.now ?? (() => new Date());
  const env: LockEnv = { now, hostname: opts.hostname, isAlive: opts.isAlive };
  const deadline = Date.now() + (opts.retryLockMs ?? 0);
  const content = (): LockFile => {
    const l: LockFile = {
      time: formatRfc3339(now()),
      exclusive: opts.exclusive,
      hostname: opts.hostname ?? osHostname(),
      username: opts.username ?? safeUsername(),
      pid: opts.pid ?? process.pid,
    };
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    if (uid !== 0) l.uid = uid; // restic leaves them out when zero
    if (gid !== 0) l.gid = gid;
    return l;
  };

  let wait = 200;
  for (;;) {
    throwIfAborted(opts.signal);
    let conflict = await findConflict(repo, opts.exclusive, undefined, env, opts.signal);
    if (!conflict) {
      const id = await repo.saveJson('lock', content(), opts.signal);
      // Someone may have locked between our check and our write: look again, and back off.
      conflict = await findConflict(repo, opts.exclusive, id, env, opts.signal);
      if (!conflict) return new HeldLock(repo, id, opts, content);
      await repo.storage.remove({ type: 'lock', name: id });
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new LockedError(`lock repository at ${repo.storage.location}: already locked: ${describeLock(conflict, env)}`, {
        hint: 'wait for the other operation to finish; if it crashed, remove stale locks with unlock',
        context: { holder: { host: conflict.hostname, pid: conflict.pid, time: conflict.time, exclusive: conflict.exclusive } },
      });
    }
    await sleep(Math.min(wait, left), undefined, { signal: opts.signal }).catch(() => throwIfAborted(opts.signal));
    wait = Math.min(wait * 2, 10_000);
  }
}

class HeldLock implements Lock {
  #id: string;
  readonly exclusive: boolean;
  refreshError: unknown = undefined;
  readonly #repo: LockRepository;
  readonly #content: () => LockFile;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #onLost: ((err: LockedError) => void) | undefined;
  readonly #lostAfterMs: number;
  #lastRefreshed = Date.now();
  #lost = false;
  #released = false;
  #refreshing: Promise<void> | undefined;

  constructor(repo: LockRepository, id: string, opts: AcquireOptions, content: () => LockFile) {
    this.#repo = repo;
    this.#id = id;
    this.exclusive = opts.exclusive;
    this.#content = content;
    this.#onError = opts.onRefreshError;
    this.#onLost = opts.onLost;
    const every = opts.refreshMs ?? REFRESH_EVERY_MS;
    this.#lostAfterMs = opts.lostAfterMs ?? STALE_AFTER_MS - 1.5 * every;
    if (every > 0) {
      this.#timer = setInterval(() => {
        this.refresh().catch(() => {});
      }, every);
      this.#timer.unref(); // a held lock must not keep the process alive by itself
    }
  }

  get id(): string {
    return this.#id;
  }

  refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        if (this.#released) return;
        const old = this.#id;
        const id = await this.#repo.saveJson('lock', this.#content());
        this.#id = id;
        this.#lastRefreshed = Date.now();
        await this.#repo.storage.remove({ type: 'lock', name: old });
        this.refreshError = undefined;
      } catch (err) {
        this.refreshError = err;
        this.#onError?.(err);
        const since = Date.now() - this.#lastRefreshed;
        if (!this.#lost && !this.#released && since >= this.#lostAfterMs) {
          this.#lost = true;
          const why = err instanceof Error ? err.message : String(err);
          this.#onLost?.(new LockedError(`lock not refreshed for ${Math.round(since / 1000)} s (${why}); stopped before another process could take it for stale`, { cause: err }));
        }
        throw err;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await this.#refreshing?.catch(() => {});
    await this.#repo.storage.remove({ type: 'lock', name: this.#id });
  }
}

/** Removes stale locks (what `unlock` does); returns how many. */
export async function removeStaleLocks(repo: LockRepository, env: LockEnv = {}, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for (const l of await listLocks(repo, signal)) {
    if (isStale(l, env)) {
      await repo.storage.remove({ type: 'lock', name: l.id });
      n++;
    }
  }
  return n;
}

/**
 * Removes the locks of dead processes of this host (same hostname, PID gone). Lifeboat itself
 * ignores them, but restic 0.14 refuses to work until `unlock`; a crashed Lifeboat must not
 * block restic. Lock files that vanish meanwhile are fine; returns the locks removed.
 */
export async function removeDeadLocksOfThisHost(repo: LockRepository, env: LockEnv = {}, signal?: AbortSignal): Promise<LockInfo[]> {
  const host = env.hostname ?? osHostname();
  const alive = env.isAlive ?? processAlive;
  const removed: LockInfo[] = [];
  for (const l of await listLocks(repo, signal)) {
    if (l.hostname !== host || typeof l.pid !== 'number' || alive(l.pid)) continue;
    await repo.storage.remove({ type: 'lock', name: l.id });
    removed.push(l);
  }
  return removed;
}

/** Removes every lock file, stale or not (`unlock --remove-all`); returns how many. */
export async function removeAllLocks(repo: LockRepository, signal?: AbortSignal): Promise<number> {
  let n = 0;
  const names: string[] = [];
  for await (const f of repo.storage.list('lock', signal)) names.push(f.name);
  for (const name of names) {
    await repo.storage.remove({ type: 'lock', name });
    n++;
  }
  return n;
}

/** Runs fn under a lock and always releases it, also when fn throws. */
export async function withLock<T>(repo: LockRepository, opts: AcquireOptions, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(repo, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
