// How fresh a job's continuous archive is: the one place the metrics, the `stale` alert and
// status ask, for PostgreSQL WAL jobs and for replicated SQLite jobs alike.
//
// Every wal-push that stores files also writes `wal/<job>/lifeboat-last-archived` in each
// repository, encrypted like the WAL: {file, at}, `at` being when every repository of the job
// held that file (the acknowledgement to PostgreSQL). Reading it needs the repository key, so
// answers are cached for FRESHNESS_TTL_MS per job.

import { NotFoundError } from '../../errors.ts';
import type { Config, JobConfig } from '../../config/types.ts';
import { jobRepositories } from '../../config/index.ts';
import { loadWalFile, saveWalFile, type WalRepository } from '../../repo/wal-files.ts';
import { isWalJob, openWalRepository, walName } from './archive.ts';
import { sqliteReplicationSettings, type SqliteSourceConfig } from '../../sources/sqlite/index.ts';
import { sqliteReplicationFreshness } from '../sqlite-wal/freshness.ts';

export const LAST_ARCHIVED_FILE = 'lifeboat-last-archived';
export const FRESHNESS_TTL_MS = 15_000;

export interface WalFreshness {
  job: string;
  /** The repository read (the job's primary). */
  repository: string;
  /** When the newest archived file was acknowledged; absent when nothing was archived yet. */
  lastArchivedAt?: Date;
  /** Its name. */
  file?: string;
  /** Why the answer is unknown (repository unreadable); never a secret. */
  error?: string;
}

/** Called by wal-push once `file` is in every repository. */
export async function recordArchived(repos: readonly WalRepository[], job: string, file: string, at: Date, signal?: AbortSignal): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify({ file, at: at.toISOString() }));
  await Promise.all(repos.map((r) => saveWalFile(r, walName(job, LAST_ARCHIVED_FILE), body, signal)));
}

const cache = new Map<string, { at: number; value: WalFreshness }>();

/** The job's archive freshness; undefined for a job without continuous archiving. */
export async function walFreshness(config: Config, job: JobConfig, signal?: AbortSignal, now = Date.now()): Promise<WalFreshness | undefined> {
  if (job.source.type === 'sqlite' && sqliteReplicationSettings(job.source as SqliteSourceConfig)) return sqliteFreshness(config, job);
  if (!isWalJob(job)) return undefined;
  const primary = jobRepositories(config, job)[0]!;
  const key = `${job.name}\0${primary.location}`;
  const hit = cache.get(key);
  if (hit && now - hit.at < FRESHNESS_TTL_MS) return hit.value;
  let value: WalFreshness = { job: job.name, repository: primary.name };
  try {
    const repo = await openWalRepository(config, primary, signal);
    try {
      const rec = JSON.parse(new TextDecoder().decode(await loadWalFile(repo, walName(job.name, LAST_ARCHIVED_FILE), signal))) as { file: string; at: string };
      value = { ...value, file: rec.file, lastArchivedAt: new Date(rec.at) };
    } finally {
      await repo.close();
    }
  } catch (e) {
    if (!(e instanceof NotFoundError)) value = { ...value, error: (e as Error).message };
  }
  cache.set(key, { at: now, value });
  return value;
}

/**
 * A replicated SQLite job: the replicator (CLI or daemon) records in the state dir the time up to
 * which every commit is shipped to every repository; no repository read, so no cache either.
 */
async function sqliteFreshness(config: Config, job: JobConfig): Promise<WalFreshness> {
  const value: WalFreshness = { job: job.name, repository: jobRepositories(config, job)[0]!.name };
  try {
    const f = await sqliteReplicationFreshness(config, job.name);
    return f ? { ...value, lastArchivedAt: f.shippedAt, file: `generation ${f.generation}` } : value;
  } catch (e) {
    return { ...value, error: (e as Error).message };
  }
}

/** Freshness of every WAL job of the config: job name → answer. */
export async function walFreshnessAll(config: Config, signal?: AbortSignal): Promise<Map<string, WalFreshness>> {
  const out = new Map<string, WalFreshness>();
  await Promise.all(config.jobs.map(async (j) => {
    const f = await walFreshness(config, j, signal);
    if (f) out.set(j.name, f);
  }));
  return out;
}

/** Forget cached answers (tests; after a push made in this process). */
export function clearWalFreshnessCache(): void {
  cache.clear();
}
