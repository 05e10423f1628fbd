// `restore --all [--at TIME]` (or --jobs a,b): the whole system as it was. Per job, its newest
// snapshot at or before TIME in its primary repository; databases back into their original
// names (or the names with a suffix), file jobs under a target directory. Planning reads and
// inspects only — a dry run, and what the confirmation lists (every target holding data that
// will be replaced). Running restores job by job in restore_order, then config order; a job
// that fails is reported and the others go on; each is recorded as a `restore` run. The total
// wall time is the achieved RTO.

import { lstat, mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Config, JobConfig } from '../config/types.ts';
import { findRepository } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { loadRestorer, isFilesSource } from '../sources/registry.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import { dumpNamesIn, runDatabaseRestore } from './db-restore.ts';
import type { RunEvents, RunTrigger } from './events.ts';
import { runRestore } from './restore.ts';
import { withRepository } from './repository-access.ts';
import { asRun } from './run.ts';
import { jobInfo } from './snapshot-info.ts';
import { jobFilter, selectSnapshot } from './snapshots.ts';

export interface RestoreAllOptions {
  /** The point in time; absent: each job's latest snapshot. */
  at?: Date;
  /** Only these jobs (still in restore order); default every job. */
  jobs?: string[];
  /** Databases into `<name><suffix>` instead of their original names. */
  suffix?: string;
  /** Where file jobs (and Redis RDBs without a known server dir) go. */
  target?: string;
  signal: AbortSignal;
  warn?: (message: string) => void;
}

/** One thing restored: a dump into a database or file, or a job's paths into a directory. */
export interface PlannedRestore {
  /** Inside the snapshot: `/postgres/orders.dump`, or the job's paths. */
  source: string;
  /** Database name, file, or directory. */
  target: string;
  /** The dump's name for a database job. */
  database?: string;
  describe: string;
  /** The target holds data this restore replaces: listed in the confirmation. */
  replaces: boolean;
  detail: string;
}

export interface PlanItem {
  job: string;
  engine: string;
  repository: string;
  snapshotId?: string;
  snapshotTime?: string;
  size?: number;
  restores: PlannedRestore[];
  /** Why this job cannot be restored (no snapshot at TIME, repository unreadable…). */
  error?: string;
}

export interface JobRestoreResult {
  job: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

/** restore_order's jobs first, in its order; then the others in config order. */
export function restoreOrder(config: Pick<Config, 'jobs' | 'restoreOrder'>, only?: readonly string[]): JobConfig[] {
  const first = (config.restoreOrder ?? []).map((n) => config.jobs.find((j) => j.name === n)!).filter(Boolean);
  const ordered = [...first, ...config.jobs.filter((j) => !first.includes(j))];
  return only ? ordered.filter((j) => only.includes(j.name)) : ordered;
}

/** `app.db` + `_restored` → `app_restored.db`. */
export function suffixedPath(path: string, suffix: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}${suffix}${ext}`);
}

export async function planRestoreAll(config: Config, opts: RestoreAllOptions): Promise<PlanItem[]> {
  for (const name of opts.jobs ?? []) requireJob(config, name);
  const items: PlanItem[] = [];
  for (const job of restoreOrder(config, opts.jobs)) {
    const item: PlanItem = { job: job.name, engine: job.source.type, repository: job.repositories[0]!, restores: [] };
    items.push(item);
    try {
      await planJob(config, job, item, opts);
    } catch (err) {
      if (opts.signal.aborted) throw err;
      item.error = err instanceof Error ? err.message : String(err);
    }
  }
  return items;
}

async function planJob(config: Config, job: JobConfig, item: PlanItem, opts: RestoreAllOptions): Promise<void> {
  const access = await repositoryAccessFor(config, findRepository(config, item.repository)!, opts.signal);
  const restorer = isFilesSource(job.source) || job.source.type === 'command' ? undefined : await loadRestorer(job.source);
  await withRepository({ ...access, ...(opts.warn ? { warn: opts.warn } : {}) }, 'read', opts.signal, async (repo, signal) => {
    await loadIndexForReading(repo, { ...(opts.warn ? { warn: opts.warn } : {}), signal });
    const snap = await selectSnapshot(repo, opts.at ? { at: opts.at } : 'latest', jobFilter(job.name), signal);
    item.snapshotId = snap.id;
    item.snapshotTime = snap.snapshot.time;
    const size = jobInfo(snap.snapshot).size;
    if (size !== undefined) item.size = size;
    if (!restorer) {
      if (!opts.target) throw new UsageError(`a ${job.source.type} job restores as files: give --target DIR`);
      for (const path of snap.snapshot.paths) {
        const where = join(opts.target, path);
        const existing = await lstat(where).catch(() => undefined);
        item.restores.push({ source: path, target: where, describe: where, replaces: existing !== undefined, detail: existing ? 'exists: files in it are replaced' : 'new' });
      }
      return;
    }
    for (const database of await dumpNamesIn(repo, snap, restorer, signal)) {
      const target = dbTarget(job, database, opts);
      const state = await restorer.inspect(target, signal);
      item.restores.push({ source: `/${restorer.dumpPath(database)}`, target, database, describe: state.describe, replaces: state.nonEmpty, detail: state.detail });
    }
  });
}

/** Where a dump goes: the original database (or file, or Redis dir), or its suffixed twin. */
function dbTarget(job: JobConfig, database: string, opts: RestoreAllOptions): string {
  const src = job.source;
  if (src.type === 'sqlite') return opts.suffix ? suffixedPath(src.path, opts.suffix) : src.path;
  if (src.type === 'redis') {
    if (src.rdbPath && !opts.suffix) return dirname(src.rdbPath);
    if (opts.target) return join(opts.target, `${job.name}${opts.suffix ?? ''}`);
    throw new UsageError(`redis job ${job.name}: ${src.rdbPath ? 'with --suffix' : 'without rdb_path in the config'} Lifeboat does not know where the ` +
      'RDB goes; give --target DIR for the file, or restore it by hand (lifeboat restore --job NAME --into DIR)');
  }
  return `${database}${opts.suffix ?? ''}`;
}

/** Restores what the plan says (items with an error are reported, not tried); never throws for one job. */
export async function executeRestoreAll(
  config: Config, plan: readonly PlanItem[], opts: RestoreAllOptions & { events?: RunEvents; trigger?: RunTrigger; onJob?: (r: JobRestoreResult) => void },
): Promise<{ results: JobRestoreResult[]; totalMs: number }> {
  const started = performance.now();
  const results: JobRestoreResult[] = [];
  for (const item of plan) {
    if (opts.signal.aborted) break;
    const t0 = performance.now();
    let result: JobRestoreResult;
    if (item.error !== undefined) {
      result = { job: item.job, ok: false, durationMs: 0, error: item.error };
    } else {
      try {
        await asRun('restore', { job: item.job, repository: item.repository, signal: opts.signal, trigger: opts.trigger ?? 'cli', ...(opts.events ? { events: opts.events } : {}) },
          () => restoreJob(config, requireJob(config, item.job), item, opts), () => ({ snapshotId: item.snapshotId! }));
        result = { job: item.job, ok: true, durationMs: performance.now() - t0 };
      } catch (err) {
        result = { job: item.job, ok: false, durationMs: performance.now() - t0, error: err instanceof Error ? err.message : String(err) };
      }
    }
    results.push(result);
    opts.onJob?.(result);
  }
  return { results, totalMs: performance.now() - started };
}

async function restoreJob(config: Config, job: JobConfig, item: PlanItem, opts: RestoreAllOptions): Promise<void> {
  const access = { ...await repositoryAccessFor(config, findRepository(config, item.repository)!, opts.signal), ...(opts.warn ? { warn: opts.warn } : {}) };
  if (item.restores.every((r) => r.database === undefined)) {
    const r = await runRestore(access, item.snapshotId!, opts.target!, { filter: jobFilter(job.name) }, opts.signal);
    // Owners or modes that could not be set (not root) leave the data restored: a notice, not a failure.
    if (r.stats.errors > 0) opts.warn?.(`job ${job.name}: ${r.stats.errors} item(s) restored without all their metadata, e.g. ${r.errors[0]?.path}: ${r.errors[0]?.message}`);
    return;
  }
  for (const r of item.restores) {
    if (job.source.type === 'redis') await mkdir(r.target, { recursive: true });
    // The confirmation covered every target that holds data; --force is what it said yes to.
    await runDatabaseRestore(config, access, job, {
      ref: item.snapshotId!, database: r.database!, into: r.target, force: r.replaces, confirm: async () => true, signal: opts.signal,
    });
  }
}
