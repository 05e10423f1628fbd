// Running the jobs of lifeboat.yaml: the job's source (wrapped in its hooks and timeout) backed up
// into the job's primary repository, tagged `job=<name>`, the source's own tags (engine, db,
// versions, size) and the job's tags. The CLI (`backup --job/--all`) and the daemon run this.
//
// After the backup, the snapshot (and any an earlier run failed to copy) is copied to the job's
// other repositories (3-2-1). A failed copy is reported in the result, never undoes the primary
// snapshot, and is caught up by the next run.

import type { BackupProgress, BackupResult } from '../engine/archiver/types.ts';
import { LifeboatError } from '../errors.ts';
import { jobRepositories } from '../config/index.ts';
import type { Config, JobConfig, RepositoryConfig, SourceConfig } from '../config/types.ts';
import { guardSource } from '../sources/guard.ts';
import { createSource, isFilesSource } from '../sources/registry.ts';
import type { Source, StreamEntry } from '../sources/types.ts';
import { runPathsBackup, runStreamBackup } from './backup.ts';
import type { RepositoryAccess } from './repository-access.ts';
import { copyToJobRepositories, type ReplicationResult } from './replicate.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import { jobTag } from './snapshots.ts';

export interface JobResult extends BackupResult {
  job: string;
  /** Name of the (primary) repository the snapshot went to. */
  repository: string;
  /** Wall time of the whole job, hooks included. */
  durationMs: number;
  /** One result per other repository of the job (empty when it has only one). */
  copies: ReplicationResult[];
}

export interface AfterBackupContext {
  config: Config;
  job: JobConfig;
  /** The job's repositories, primary first; the snapshot is in the first. */
  repositories: RepositoryConfig[];
  result: JobResult;
  signal: AbortSignal;
}

export interface RunJobOptions {
  signal: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  /** Clock for the snapshot time (tests); default the real time. */
  now?: () => Date;
  /** Hostname recorded in the snapshot (default os.hostname()). */
  host?: string;
  /** Copy to the job's other repositories after the backup (default true). */
  copy?: boolean;
  /** Runs after the snapshot is saved (and copied). Its failure fails the job; the primary snapshot stays. */
  afterBackup?: (ctx: AfterBackupContext) => Promise<void>;
}

export type JobOutcome =
  | { job: string; ok: true; result: JobResult }
  | { job: string; ok: false; error: unknown };

function guardOptions(job: JobConfig) {
  return {
    label: `job ${job.name}`,
    hooks: job.hooks && { before: job.hooks.before, after: job.hooks.after, timeoutMs: job.hooks.timeout },
    timeoutMs: job.timeout,
    hookEnv: { LIFEBOAT_JOB: job.name },
  };
}

export async function runJob(config: Config, jobName: string, opts: RunJobOptions): Promise<JobResult> {
  const job = requireJob(config, jobName);
  const { signal } = opts;
  const started = Date.now();
  const repositories = jobRepositories(config, job);
  const primary = repositories[0]!;
  const access = await repositoryAccessFor(config, primary, signal);
  const tags = [...new Set([jobTag(job.name), ...job.tags])];
  const time = opts.now?.();
  let backup: BackupResult;
  try {
    backup = isFilesSource(job.source)
      ? await runFilesJob(job, job.source, access, tags, opts, time, started)
      : await runStreamJob(job, job.source, access, tags, opts, time, started);
  } catch (err) {
    throw jobError(job, err);
  }
  const result: JobResult = { ...backup, job: job.name, repository: primary.name, durationMs: Date.now() - started, copies: [] };
  if (repositories.length > 1 && opts.copy !== false) {
    result.copies = await copyToJobRepositories({ config, job, repositories, signal });
    result.durationMs = Date.now() - started;
  }
  if (opts.afterBackup) await opts.afterBackup({ config, job, repositories, result, signal });
  return result;
}

async function runStreamJob(
  job: JobConfig, cfg: SourceConfig, access: RepositoryAccess, tags: string[], opts: RunJobOptions, time: Date | undefined, started: number,
): Promise<BackupResult> {
  const source = guardSource(createSource(cfg, { signal: opts.signal }), guardOptions(job));
  // Stable identifiers only (engine, databases found when the source ran): sizes and durations
  // go into the snapshot's summary, so tags group a job's snapshots together.
  const lateTags = (): string[] => source.tags?.() ?? [`engine=${cfg.type}`];
  return runStreamBackup(access, source.entries(opts.signal), {
    tags, lateTags, onProgress: opts.onProgress, startedAt: new Date(started),
    ...(time ? { time } : {}), ...(opts.host ? { host: opts.host } : {}),
  }, opts.signal);
}

/** Files jobs: backupPaths run inside a guarded pseudo-source, so hooks and timeout apply too. */
async function runFilesJob(
  job: JobConfig, cfg: { paths: string[]; exclude: string[] }, access: RepositoryAccess, tags: string[], opts: RunJobOptions, time: Date | undefined, started: number,
): Promise<BackupResult> {
  let result: BackupResult | undefined;
  const inner: Source = {
    kind: 'files',
    async *entries(signal: AbortSignal): AsyncGenerator<StreamEntry> {
      result = await runPathsBackup(access, {
        paths: cfg.paths, excludes: cfg.exclude,
        tags: [...tags, 'engine=files'],
        onProgress: opts.onProgress, startedAt: new Date(started),
        ...(time ? { time } : {}), ...(opts.host ? { host: opts.host } : {}),
      }, signal);
    },
  };
  for await (const _ of guardSource(inner, guardOptions(job)).entries(opts.signal)) { /* yields nothing */ }
  return result!;
}

/** Names the job in the failure, keeping the error's class (exit code) and hint. */
function jobError(job: JobConfig, err: unknown): unknown {
  if (err instanceof LifeboatError && !err.message.startsWith(`job ${job.name}`)) {
    err.message = `job ${job.name}: ${err.message}`;
  }
  return err;
}

/** Every job of the config, one after another; a failed job does not stop the others. */
export async function runAllJobs(config: Config, opts: RunJobOptions & { onJobStart?: (job: string) => void }): Promise<JobOutcome[]> {
  const outcomes: JobOutcome[] = [];
  for (const job of config.jobs) {
    if (opts.signal.aborted) break;
    opts.onJobStart?.(job.name);
    try {
      outcomes.push({ job: job.name, ok: true, result: await runJob(config, job.name, opts) });
    } catch (error) {
      outcomes.push({ job: job.name, ok: false, error });
    }
  }
  return outcomes;
}
