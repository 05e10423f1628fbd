// Running the jobs of lifeboat.yaml: the job's source (wrapped in its hooks and timeout) backed up
// into the job's primary repository, tagged `job=<name>`, the source's stable tags (engine,
// databases) and the job's tags. The CLI (`backup --job/--all`), the daemon and the API run this.
//
// After the backup, the job's snapshots that a copy lacks (the new one, and any an earlier run
// failed to copy) go to the job's other repositories (3-2-1). A failed copy is reported, never
// undoes the primary snapshot, and is caught up by the next run.
//
// Everything a run does is told through RunEvents: the backup is one run, each copy another.

import type { BackupError, BackupItem, BackupResult } from '../engine/archiver/types.ts';
import type { SelectionOptions } from '../engine/archiver/selection.ts';
import { parseSize } from '../engine/archiver/selection.ts';
import { readPatternFiles } from './pattern-files.ts';
import { LifeboatError, UsageError, exitCodeFor } from '../errors.ts';
import { jobRepositories } from '../config/index.ts';
import type { Config, FilesSourceConfig, JobConfig, SourceConfig } from '../config/types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { guardSource } from '../sources/guard.ts';
import { createSource, isFilesSource } from '../sources/registry.ts';
import { jobEnvOverlay } from '../sources/child-env.ts';
import type { Source, StreamEntry } from '../sources/types.ts';
import { runPathsBackup, runStreamBackup } from './backup.ts';
import { DUMP_CHUNKER } from '../repo/chunker.ts';
import type { RepositoryAccess } from './repository-access.ts';
import { copyToJobRepositories, type ReplicationResult } from './replicate.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import { jobTag } from './snapshots.ts';
import { newRunId, noEvents, type RunEvents, type RunStatus, type RunTrigger } from './events.ts';
import { failureFields, runStatusOf } from './run-status.ts';

export interface JobResult extends BackupResult {
  job: string;
  runId: string;
  /** Name of the (primary) repository the snapshot went to. */
  repository: string;
  /** Wall time of the whole job, hooks and copies included. */
  durationMs: number;
  /** One result per other repository of the job (empty when it has only one). */
  copies: ReplicationResult[];
}

export interface RunJobOptions {
  signal: AbortSignal;
  events?: RunEvents;
  clock?: Clock;
  /** What started this run (default `cli`). */
  trigger?: RunTrigger;
  /** The run's ID (default a new one): the API hands it out before the run starts. */
  runId?: string;
  /** Snapshot time (restic's --time; default the clock's now). */
  time?: Date;
  /** Hostname recorded in the snapshot (default os.hostname()). */
  host?: string;
  /** Tags on top of the job's own (e.g. `backup --job X --tag before-upgrade`). */
  extraTags?: string[];
  /** Copy to the job's other repositories after the backup (default true). */
  copy?: boolean;
  /** Notices that do not fail the job (an index file skipped, a missing pack stored again). */
  warn?: (message: string) => void;
  /** Files jobs: walk and read, store nothing (backup --dry-run). */
  dryRun?: boolean;
  /** Files jobs: each file stored (backup -v). */
  onItem?: (item: BackupItem) => void;
  /** Files jobs: each item that could not be read, as it happens (every one, not only the first 100). */
  onUnreadableOf?: (job: string) => (e: BackupError) => void;
}

export type Outcome<T> = { job: string; ok: true; result: T } | { job: string; ok: false; error: unknown };
export type JobOutcome = Outcome<JobResult>;

function guardOptions(job: JobConfig) {
  return {
    label: `job ${job.name}`,
    hooks: job.hooks && { before: job.hooks.before, after: job.hooks.after, timeoutMs: job.hooks.timeout },
    timeoutMs: job.timeout,
    hookEnv: { ...jobEnvOverlay(job), LIFEBOAT_JOB: job.name },
  };
}

/** A job's backup (and copies). Emits its events; throws the backup's error after emitting `finished`. */
export async function runJob(config: Config, jobName: string, opts: RunJobOptions): Promise<JobResult> {
  const job = requireJob(config, jobName);
  const { signal } = opts;
  const events = opts.events ?? noEvents;
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  const runId = opts.runId ?? newRunId(startedAt);
  const repositories = jobRepositories(config, job);
  const primary = repositories[0]!;
  const base = { runId, job: job.name, repository: primary.name };
  events.emit({ ...base, type: 'started', kind: 'backup', trigger: opts.trigger ?? 'cli', at: startedAt });
  const elapsed = () => clock.now().getTime() - startedAt.getTime();

  let backup: BackupResult;
  try {
    const access = { ...await repositoryAccessFor(config, primary, signal), ...(opts.warn ? { warn: opts.warn } : {}) };
    const tags = [...new Set([jobTag(job.name), ...job.tags, ...(opts.extraTags ?? [])])];
    if (opts.dryRun && !isFilesSource(job.source)) throw new UsageError(`job ${job.name}: --dry-run applies to files jobs only (a ${job.source.type} job would run its dump)`);
    const req: BackupRequest = {
      job, access, tags, signal, startedAt, time: opts.time ?? startedAt, host: opts.host,
      dryRun: opts.dryRun, onItem: opts.onItem, onUnreadable: opts.onUnreadableOf?.(job.name),
      onProgress: (p) => events.emit({ ...base, type: 'progress', kind: 'backup', at: clock.now(), ...p }),
    };
    backup = isFilesSource(job.source) ? await backupFiles(req, job.source) : await backupStream(req, job.source);
  } catch (err) {
    const error = jobError(job, err);
    events.emit({ ...base, type: 'finished', kind: 'backup', at: clock.now(), durationMs: elapsed(), ...failureFields(error, signal) });
    throw error;
  }
  const s = backup.stats;
  events.emit({
    ...base, type: 'snapshot-saved', at: clock.now(), snapshotId: backup.snapshotId, files: s.files,
    bytesProcessed: s.bytesProcessed, bytesAdded: s.bytesAdded, durationMs: elapsed(),
    unreadable: s.errors, unreadablePaths: backup.errors.map((e) => e.path),
  });
  const status: RunStatus = s.errors > 0 ? 'partial' : 'succeeded';
  events.emit({
    ...base, type: 'finished', kind: 'backup', at: clock.now(), durationMs: elapsed(), status, exitCode: status === 'partial' ? 3 : 0,
    snapshotId: backup.snapshotId, bytesAdded: s.bytesAdded, bytesProcessed: s.bytesProcessed, files: s.files,
    ...(status === 'partial' ? { errorCode: 'partial', message: `${s.errors} items could not be read; the snapshot is incomplete` } : {}),
  });

  const result: JobResult = { ...backup, job: job.name, runId, repository: primary.name, durationMs: elapsed(), copies: [] };
  if (repositories.length > 1 && opts.copy !== false) {
    result.copies = await copyToJobRepositories({ config, job, repositories, signal }, {
      onTargetStart: (target) => {
        const copyRun = { runId: newRunId(clock.now()), job: job.name, repository: target, started: clock.now() };
        events.emit({ runId: copyRun.runId, job: job.name, repository: target, type: 'started', kind: 'copy', trigger: opts.trigger ?? 'cli', at: copyRun.started });
        return (r) => {
          const at = clock.now();
          const run = { runId: copyRun.runId, job: job.name, repository: target, at };
          const durationMs = at.getTime() - copyRun.started.getTime();
          if (r.ok) {
            const st = r.result.stats;
            events.emit({ ...run, type: 'copy-finished', target, ok: true, snapshotsCopied: st.snapshotsCopied, bytesAdded: st.bytesAdded });
            events.emit({ ...run, type: 'finished', kind: 'copy', status: 'succeeded', exitCode: 0, durationMs, bytesAdded: st.bytesAdded });
          } else {
            const f = failureFields(r.error, signal);
            events.emit({ ...run, type: 'copy-finished', target, ok: false, errorCode: f.errorCode ?? 'error', message: r.message });
            events.emit({ ...run, type: 'finished', kind: 'copy', durationMs, ...f, message: r.message });
          }
        };
      },
    });
    result.durationMs = elapsed();
  }
  return result;
}

interface BackupRequest {
  job: JobConfig;
  access: RepositoryAccess;
  tags: string[];
  signal: AbortSignal;
  startedAt: Date;
  time: Date;
  host?: string;
  onProgress: (p: { files: number; bytesRead: number; bytesAdded: number; path?: string }) => void;
  dryRun?: boolean;
  onItem?: (item: BackupItem) => void;
  onUnreadable?: (e: BackupError) => void;
}

function backupStream(r: BackupRequest, cfg: SourceConfig): Promise<BackupResult> {
  const source = guardSource(createSource(cfg, { job: r.job.name, signal: r.signal, env: jobEnvOverlay(r.job) }), guardOptions(r.job));
  // Stable identifiers only (engine, databases found when the source ran): sizes and durations
  // go into the snapshot's summary, so tags group a job's snapshots together.
  const lateTags = (): string[] => source.tags?.() ?? [`engine=${cfg.type}`];
  return runStreamBackup(r.access, source.entries(r.signal), {
    // Dumps are cut into small chunks (DUMP_CHUNKER): scattered row changes dedup far better.
    tags: r.tags, lateTags, chunker: DUMP_CHUNKER, onProgress: r.onProgress, startedAt: r.startedAt, time: r.time,
    ...(r.host ? { host: r.host } : {}),
  }, r.signal);
}

/** Files jobs: backupPaths run inside a guarded pseudo-source, so hooks and timeout apply too. */
async function backupFiles(r: BackupRequest, cfg: FilesSourceConfig): Promise<BackupResult> {
  let result: BackupResult | undefined;
  const inner: Source = {
    kind: 'files',
    async *entries(signal: AbortSignal): AsyncGenerator<StreamEntry> {
      const paths = [...cfg.paths, ...await readPatternFiles(cfg.filesFrom, { expandEnv: false })];
      const excludes = [...cfg.exclude, ...await readPatternFiles(cfg.excludeFile)];
      result = await runPathsBackup(r.access, {
        paths, excludes, tags: [...r.tags, 'engine=files'], selection: filesSelection(cfg),
        onProgress: r.onProgress, startedAt: r.startedAt, time: r.time, ...(r.host ? { host: r.host } : {}),
        ...(r.dryRun ? { dryRun: true } : {}), ...(r.onItem ? { onItem: r.onItem } : {}), ...(r.onUnreadable ? { onError: r.onUnreadable } : {}),
      }, signal);
    },
  };
  for await (const _ of guardSource(inner, guardOptions(r.job)).entries(r.signal)) { /* yields nothing */ }
  return result!;
}

function filesSelection(cfg: FilesSourceConfig): SelectionOptions {
  const limit = cfg.excludeLargerThan;
  return {
    iexcludes: cfg.iexclude, excludeIfPresent: cfg.excludeIfPresent, excludeCaches: cfg.excludeCaches, oneFileSystem: cfg.oneFileSystem,
    ...(limit !== undefined ? { excludeLargerThan: typeof limit === 'number' ? limit : parseSize(limit, 'exclude_larger_than') } : {}),
  };
}

/** Names the job in the failure, keeping the error's class (exit code) and hint. */
function jobError(job: JobConfig, err: unknown): unknown {
  if (err instanceof LifeboatError && !err.message.startsWith(`job ${job.name}`)) {
    err.message = `job ${job.name}: ${err.message}`;
  }
  return err;
}

/**
 * Jobs one after another (a typo in a name fails before any runs); a failed job does not stop
 * the others. Stops starting jobs once the signal fires.
 */
export function runJobs(config: Config, names: readonly string[], opts: RunJobOptions): Promise<JobOutcome[]> {
  return eachJob(config, names, opts.signal, (name) => runJob(config, name, opts));
}

/** `run` for each named job in turn, each outcome kept; the names are checked first. */
export async function eachJob<T>(config: Config, names: readonly string[], signal: AbortSignal, run: (name: string) => Promise<T>): Promise<Outcome<T>[]> {
  for (const name of names) requireJob(config, name);
  const outcomes: Outcome<T>[] = [];
  for (const name of names) {
    if (signal.aborted) break;
    try {
      outcomes.push({ job: name, ok: true, result: await run(name) });
    } catch (error) {
      outcomes.push({ job: name, ok: false, error });
    }
  }
  return outcomes;
}

/**
 * One exit code for a set of job outcomes, the same for `--job X` and `--all`: 130 interrupted;
 * a single failed job's own code (10, 11, 12…), several failures 1; 3 when every job saved a
 * snapshot but some files were unreadable or a copy failed; else 0.
 */
export function jobsExitCode(outcomes: readonly JobOutcome[], aborted: boolean): number {
  if (aborted) return 130;
  const failed = outcomes.filter((o): o is Extract<JobOutcome, { ok: false }> => !o.ok);
  if (failed.length > 0) {
    const codes = new Set(failed.map((f) => exitCodeFor(f.error)));
    return codes.size === 1 ? [...codes][0]! : 1;
  }
  const partial = outcomes.some((o) => o.ok && (o.result.stats.errors > 0 || o.result.copies.some((c) => !c.ok)));
  return partial ? 3 : 0;
}

export { runStatusOf };
