// PostgreSQL's archive_command and restore_command: `lifeboat wal-push --job NAME %p` and
// `lifeboat wal-fetch --job NAME %f %p`. WAL files live beside each of the job's repositories as
// `wal/<job>/<file name>` (repo/wal-files.ts: compressed, encrypted, authenticated, name-bound).
//
// Durability: a push is acknowledged (exit 0) only once the file is stored in EVERY repository
// of the job. PostgreSQL recycles a segment as soon as archive_command succeeds, so whatever the
// acknowledgement promises is all there will ever be; an offsite copy caught up "later" would be
// lost with the site during exactly the disaster it exists for. The price, when a repository is
// unreachable, is pg_wal growing on the server until it is back: that is visible as archive lag
// (metrics, the `stale` alert) long before the disk fills.
//
// No repository lock: WAL files sit outside restic's folders, restic's prune never touches them,
// and each name is written once (put-once), so concurrent pushes and a backup never conflict.

import { readdir, rename, stat, writeFile, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NotFoundError, UsageError } from '../../errors.ts';
import type { Config, JobConfig, RepositoryConfig } from '../../config/types.ts';
import { jobRepositories } from '../../config/index.ts';
import { readPassword } from '../../config/password.ts';
import { openStorage } from '../../storage/location.ts';
import { openRepository } from '../../repo/open-repository.ts';
import { loadWalFile, putWalFileOnce, type WalRepository } from '../../repo/wal-files.ts';
import { walFileKind } from '../../core/wal-names.ts';
import { requireJob, storageOptionsFor } from '../config-access.ts';
import { prefetchDirFor, segmentsAfter, spoolSegment, spooledSegments, tidyPrefetch } from './fetch-spool.ts';

/** `wal/<job>/<file>` without the type folder: the name wal-files.ts stores. */
export function walName(job: string, file: string): string {
  return `${job}/${file}`;
}

/** A job of `type: postgres` with `wal: {enabled: true}`, or a UsageError saying what is wrong. */
export function requireWalJob(config: Config, jobName: string): JobConfig {
  const job = requireJob(config, jobName);
  const src = job.source;
  if (src.type !== 'postgres' || !src.wal?.enabled) {
    throw new UsageError(`job ${job.name}: WAL archiving is not enabled for this job`, {
      hint: 'a postgres job needs `wal: {enabled: true}` in its source block (see docs/wal.md)',
    });
  }
  return job;
}

export function isWalJob(job: JobConfig): boolean {
  return job.source.type === 'postgres' && job.source.wal?.enabled === true;
}

export interface OpenWalRepository extends WalRepository {
  name: string;
  close(): Promise<void>;
}

/**
 * Opens one of the job's repositories for WAL files: storage and master key only (no lock, no
 * index). The key derivation (scrypt) is most of the cost of a push.
 */
export async function openWalRepository(config: Config, repo: RepositoryConfig, signal?: AbortSignal): Promise<OpenWalRepository> {
  const storage = await openStorage(repo.location, storageOptionsFor(repo));
  try {
    const password = await readPassword(repo.password, signal);
    const r = await openRepository(storage, password, { signal });
    return {
      name: repo.name, storage, masterKey: r.masterKey,
      close: async () => { await r.close(); await storage.close(); },
    };
  } catch (e) {
    await storage.close();
    throw e;
  }
}

export interface WalPushOutcome {
  file: string;
  /** Per repository: stored now, or already held the same content. */
  repositories: Array<{ name: string; result: 'stored' | 'same' }>;
}

/**
 * Pushes one WAL file (segment, .history, .backup, .partial) to every repository of the job,
 * in parallel. Resolves only when every one holds it; rejects with the first failure (a
 * WalConflictError names the file and the repository).
 */
export async function pushWalFile(repos: readonly OpenWalRepository[], job: string, file: string, content: Uint8Array, signal?: AbortSignal): Promise<WalPushOutcome> {
  const name = walName(job, file);
  const results = await Promise.allSettled(repos.map(async (r) => ({ name: r.name, result: await putWalFileOnce(r, name, content, signal) })));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    const i = results.indexOf(failed);
    const err = failed.reason as Error;
    if (err instanceof Error && !err.message.includes(`repository ${repos[i]!.name}`)) err.message = `repository ${repos[i]!.name}: ${err.message}`;
    throw err;
  }
  return { file, repositories: results.map((r) => (r as PromiseFulfilledResult<{ name: string; result: 'stored' | 'same' }>).value) };
}

/** Checks the file name PostgreSQL gave us: only WAL-shaped names, no paths smuggled in. */
export function checkWalFileName(file: string): void {
  if (walFileKind(file) === undefined) {
    throw new UsageError(`${JSON.stringify(file)} is not a WAL file name (a segment such as 000000010000000000000002, NNNNNNNN.history, a .backup or .partial file)`);
  }
}

/** Opens all of the job's repositories (in parallel); closes them again if any fails. */
export async function openJobWalRepositories(config: Config, job: JobConfig, signal?: AbortSignal): Promise<OpenWalRepository[]> {
  const repos = jobRepositories(config, job);
  const opened = await Promise.allSettled(repos.map((r) => openWalRepository(config, r, signal)));
  const bad = opened.findIndex((o) => o.status === 'rejected');
  if (bad >= 0) {
    for (const o of opened) if (o.status === 'fulfilled') await o.value.close().catch(() => {});
    const err = (opened[bad] as PromiseRejectedResult).reason as Error;
    if (err instanceof Error) err.message = `repository ${repos[bad]!.name}: ${err.message}`;
    throw err;
  }
  return opened.map((o) => (o as PromiseFulfilledResult<OpenWalRepository>).value);
}

export type WalFetchOutcome =
  | { found: true; repository: string; bytes: number; errors: string[]; prefetched: string[] }
  | { found: false; errors: string[] };

export interface WalFetchOptions {
  /** Segments after a fetched segment to fetch ahead into the prefetch spool (0: none). */
  prefetch?: number;
  /** Segments fetched ahead at once. */
  parallel?: number;
  signal?: AbortSignal;
}

/**
 * Fetches a WAL file into `dest` (atomically: a temporary file beside it, renamed), trying the
 * job's repositories in order. `found: false` with no errors: the file is in none of them —
 * PostgreSQL asks for files that do not exist (the next timeline's history, the segment after
 * the last). Errors of repositories that could not answer are collected; the caller decides.
 * After a segment, up to `prefetch` following segments of its timeline (only `parallel` on the
 * first call, when there is no spool yet) come from the same repository into the spool beside
 * `dest` (fetch-spool.ts), best effort: the first one absent (the end of the archive) or
 * unreadable ends it, and PostgreSQL's own call fetches it then.
 */
export async function fetchWalFile(config: Config, jobName: string, file: string, dest: string, opts: WalFetchOptions | AbortSignal = {}): Promise<WalFetchOutcome> {
  const o: WalFetchOptions = opts instanceof AbortSignal ? { signal: opts } : opts;
  const signal = o.signal;
  const job = requireWalJob(config, jobName);
  checkWalFileName(file);
  const errors: string[] = [];
  for (const repoCfg of jobRepositories(config, job)) {
    // A standby asks every few seconds for the next segment, which is usually not archived
    // yet: answer "absent" from a stat, without reading the password or deriving keys.
    if (!(await mayHoldWalFile(repoCfg, walName(job.name, file)))) continue;
    let repo: OpenWalRepository;
    try {
      repo = await openWalRepository(config, repoCfg, signal);
    } catch (e) {
      errors.push(`repository ${repoCfg.name}: ${(e as Error).message}`);
      continue;
    }
    try {
      const content = await loadWalFile(repo, walName(job.name, file), signal);
      await writeAtomically(dest, content);
      const bytes = content.length;
      const prefetched = walFileKind(file) === 'segment' && (o.prefetch ?? 0) > 0
        ? await prefetchAfter(repo, job.name, file, bytes, dest, o.prefetch!, o.parallel ?? 2, signal).catch(() => [])
        : [];
      return { found: true, repository: repoCfg.name, bytes, errors, prefetched };
    } catch (e) {
      if (!(e instanceof NotFoundError)) errors.push(`repository ${repoCfg.name}: ${(e as Error).message}`);
    } finally {
      await repo.close().catch(() => {});
    }
  }
  return { found: false, errors };
}

/**
 * False when the repository's storage says the file is not there; true when it is, or when the
 * storage could not be asked (the full open then reports why, once).
 */
async function mayHoldWalFile(repoCfg: RepositoryConfig, name: string): Promise<boolean> {
  let storage;
  try {
    storage = await openStorage(repoCfg.location, storageOptionsFor(repoCfg));
  } catch {
    return true;
  }
  try {
    await storage.stat({ type: 'wal', name });
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    return true;
  } finally {
    await storage.close().catch(() => {});
  }
}

/** Fetches the segments after `file` into the spool, `parallel` at once, stopping at the first gap. */
async function prefetchAfter(repo: OpenWalRepository, job: string, file: string, segmentSize: number, dest: string, count: number, parallel: number, signal?: AbortSignal): Promise<string[]> {
  const spool = prefetchDirFor(dest);
  // Ramp up: the first fetch of a recovery (no spool yet) fetches only `parallel` ahead, so a
  // restore replaying a few segments does not wait for eight it will never ask for; once the
  // spool exists, recovery is streaming through the archive and the full count pays.
  const streaming = await stat(spool).then(() => true, () => false);
  await tidyPrefetch(spool, file, true);
  const have = await spooledSegments(spool);
  const wanted = segmentsAfter(file, segmentSize, streaming ? count : Math.min(count, parallel));
  const done: string[] = [];
  let next = 0;
  let end = wanted.length;
  const worker = async () => {
    while (next < end) {
      const i = next++;
      const name = wanted[i]!;
      if (have.has(name)) continue;
      try {
        const content = await loadWalFile(repo, walName(job, name), signal);
        if (content.length !== segmentSize) throw new Error('not a whole segment');
        await spoolSegment(spool, name, content);
        done.push(name);
      } catch {
        // Absent (the end of the archive) or unreadable: stop there; the ordinary call reports it.
        end = Math.min(end, i);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, wanted.length)) }, worker));
  // A segment fetched past a gap would never be asked for in order: drop it.
  const beyond = done.filter((n) => wanted.indexOf(n) > end);
  const spooled = await readdir(spool).catch(() => [] as string[]);
  for (const n of beyond) for (const e of spooled) if (e.startsWith(`${n}.`)) await unlink(join(spool, e)).catch(() => {});
  return done.filter((n) => !beyond.includes(n)).sort();
}

async function writeAtomically(dest: string, content: Uint8Array): Promise<void> {
  const tmp = join(dirname(dest), `.${basename(dest)}.lifeboat-${process.pid}.tmp`);
  try {
    await writeFile(tmp, content, { flush: true });
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

