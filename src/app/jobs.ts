// Running the jobs of lifeboat.yaml: the job's source (wrapped in its hooks and timeout) backed up
// into the job's primary repository, tagged `job=<name>`, the source's own tags (engine, db,
// versions, size) and the job's tags. The CLI (`backup --job/--all`) and the daemon run this.
//
// After the backup, the snapshot (and any an earlier run failed to copy) is copied to the job's
// other repositories (3-2-1). A failed copy is reported in the result, never undoes the primary
// snapshot, and is caught up by the next run.

import type { BackupProgress, BackupResult } from '../engine/archiver/types.ts';
import { ConfigError, LifeboatError, NotFoundError } from '../errors.ts';
import { findJob, jobRepositories, resolvePassword } from '../config/index.ts';
import type { Config, JobConfig, RepositoryConfig, SourceConfig } from '../config/types.ts';
import { guardSource } from '../sources/guard.ts';
import { createSource, isFilesSource } from '../sources/registry.ts';
import type { Source, StreamEntry } from '../sources/types.ts';
import type { OpenStorageOptions } from '../storage/location.ts';
import { runPathsBackup, runStreamBackup } from './backup.ts';
import { DUMP_CHUNKER } from '../repo/chunker.ts';
import type { RepositoryAccess } from './repository-access.ts';
import type { ReplicationResult } from './replicate.ts';

/** How long a job waits for a lock when the config sets no `defaults.retry_lock`. */
export const JOB_RETRY_LOCK_MS = 10 * 60_000;

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

/** Storage options for a configured repository (S3 settings and credentials). */
export function storageOptionsFor(repo: RepositoryConfig): OpenStorageOptions | undefined {
  const s3 = repo.s3;
  if (!s3) return undefined;
  const sse = s3.sse === 'aws:kms' ? { type: 'aws:kms' as const, kmsKeyId: s3.kmsKeyId }
    : s3.sse === 'AES256' ? { type: 'AES256' as const } : undefined;
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    throw new ConfigError(`repository ${repo.name}: s3 needs both access_key_id and secret_access_key, or neither`);
  }
  const opts: NonNullable<OpenStorageOptions['s3']> = {};
  if (s3.endpoint !== undefined) opts.endpoint = s3.endpoint;
  if (s3.region !== undefined) opts.region = s3.region;
  if (s3.pathStyle !== undefined) opts.forcePathStyle = s3.pathStyle;
  if (s3.storageClass !== undefined) opts.storageClass = s3.storageClass;
  if (sse) opts.sse = sse;
  if (s3.accessKeyId !== undefined) opts.credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey! };
  return { s3: opts };
}

/**
 * How to open a configured repository. A `password_command` runs here (when the repository is
 * about to be opened, as restic does), never at config load.
 */
export async function repositoryAccessFor(config: Config, repo: RepositoryConfig, signal?: AbortSignal): Promise<RepositoryAccess> {
  const password = await resolvePassword(repo.password, signal);
  const storageOptions = storageOptionsFor(repo);
  return {
    location: repo.location,
    password: { password },
    ...(storageOptions ? { storageOptions } : {}),
    // Unattended jobs wait for a running prune rather than fail (restic's CLI default is 0).
    retryLockMs: config.defaults.retryLock ?? JOB_RETRY_LOCK_MS,
  };
}

export function requireJob(config: Config, name: string): JobConfig {
  const job = findJob(config, name);
  if (!job) {
    const names = config.jobs.map((j) => j.name);
    throw new NotFoundError(`job ${name}: no such job in the config`, {
      hint: names.length ? `jobs: ${names.join(', ')}` : 'the config defines no jobs',
    });
  }
  return job;
}

function guardOptions(job: JobConfig) {
  return {
    label: `job ${job.name}`,
    hooks: job.hooks && { before: job.hooks.before, after: job.hooks.after, timeoutMs: job.hooks.timeout },
    timeoutMs: job.timeout,
    hookEnv: { LIFEBOAT_JOB: job.name },
  };
}

/** Counts the bytes of every stream, for a `size=` tag when the source gives none. */
function countBytes(entries: AsyncIterable<StreamEntry>, counter: { bytes: number }): AsyncIterable<StreamEntry> {
  async function* counted(s: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of s) { counter.bytes += chunk.length; yield chunk; }
  }
  return (async function* () {
    for await (const e of entries) yield { ...e, stream: counted(e.stream) };
  })();
}

function hasTag(tags: string[], key: string): boolean {
  return tags.some((t) => t.startsWith(`${key}=`));
}

export function formatDurationTag(ms: number): string {
  return `duration=${(ms / 1000).toFixed(1)}s`;
}

export async function runJob(config: Config, jobName: string, opts: RunJobOptions): Promise<JobResult> {
  const job = requireJob(config, jobName);
  const { signal } = opts;
  const started = Date.now();
  const repositories = jobRepositories(config, job);
  const primary = repositories[0]!;
  const access = await repositoryAccessFor(config, primary, signal);
  const tags = [...new Set([`job=${job.name}`, ...job.tags])];
  const time = opts.now?.();
  let backup: BackupResult;
  try {
    backup = isFilesSource(job.source)
      ? await runFilesJob(job, job.source, access, tags, opts, time)
      : await runStreamJob(job, job.source, access, tags, opts, time, started);
  } catch (err) {
    throw jobError(job, err);
  }
  const result: JobResult = { ...backup, job: job.name, repository: primary.name, durationMs: Date.now() - started, copies: [] };
  if (repositories.length > 1 && opts.copy !== false) {
    // Loaded lazily: replicate.ts builds on this module's repository access.
    const { copyToJobRepositories } = await import('./replicate.ts');
    result.copies = await copyToJobRepositories({ config, repositories, signal });
    result.durationMs = Date.now() - started;
  }
  if (opts.afterBackup) await opts.afterBackup({ config, job, repositories, result, signal });
  return result;
}

async function runStreamJob(
  job: JobConfig, cfg: SourceConfig, access: RepositoryAccess, tags: string[], opts: RunJobOptions, time: Date | undefined, started: number,
): Promise<BackupResult> {
  const source = guardSource(createSource(cfg, { signal: opts.signal }), guardOptions(job));
  const counter = { bytes: 0 };
  const lateTags = (): string[] => {
    const t = [...(source.tags?.() ?? [`engine=${cfg.type}`])];
    if (!hasTag(t, 'size')) t.push(`size=${counter.bytes}`);
    t.push(formatDurationTag(Date.now() - started));
    return t;
  };
  return runStreamBackup(access, countBytes(source.entries(opts.signal), counter), {
    tags, lateTags, chunker: DUMP_CHUNKER, onProgress: opts.onProgress, ...(time ? { time } : {}), ...(opts.host ? { host: opts.host } : {}),
  }, opts.signal);
}

/** Files jobs: backupPaths run inside a guarded pseudo-source, so hooks and timeout apply too. */
async function runFilesJob(
  job: JobConfig, cfg: { paths: string[]; exclude: string[] }, access: RepositoryAccess, tags: string[], opts: RunJobOptions, time: Date | undefined,
): Promise<BackupResult> {
  let result: BackupResult | undefined;
  const inner: Source = {
    kind: 'files',
    async *entries(signal: AbortSignal): AsyncGenerator<StreamEntry> {
      result = await runPathsBackup(access, {
        paths: cfg.paths, excludes: cfg.exclude,
        tags: [...tags, 'engine=files'],
        onProgress: opts.onProgress,
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
