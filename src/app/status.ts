// What `lifeboat status`, the API, the metrics and the dashboard show: per job its schedule and
// next run, its last run and last success against its RPO, its snapshots; per repository its
// size, free space and last check. Built from the config, the run history and (optionally) a
// look at the repositories themselves, so it works with or without a running daemon.

import { statfs } from 'node:fs/promises';
import type { Config, JobConfig, RepositoryConfig } from '../config/types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { describeSchedule, longestGapMs, nextRun } from '../core/schedule.ts';
import { parseLocation } from '../storage/location.ts';
import { repositoryAccessFor } from './config-access.ts';
import type { History, RunRecord } from './history/store.ts';
import { withRepository } from './repository-access.ts';
import { jobFilter, matchesFilter } from './snapshots.ts';
import { walFreshness } from './wal/freshness.ts';

export interface JobStatus {
  name: string;
  type: string;
  repositories: string[];
  schedule?: string;
  nextRun?: Date;
  lastRun?: RunRecord;
  lastSuccess?: RunRecord;
  /** Seconds since the newest successful backup ended. */
  ageSeconds?: number;
  /** The job's RPO target in seconds: its `rpo`, else twice its schedule's period. */
  rpoSeconds?: number;
  /**
   * The newest snapshot is older than the RPO target (or there is none and one is due); for a
   * job archiving WAL continuously, the newest archived WAL is (docs/wal.md).
   */
  rpoBreached: boolean;
  /** WAL jobs: when the newest archived WAL file was acknowledged, and its age. */
  walArchivedAt?: Date;
  walAgeSeconds?: number;
  /** Largest gap between successful backups over the last 30 days, the time since the last one included. */
  worstGapSeconds?: number;
  /** The job's RTO target in seconds (its `rto`). */
  rtoSeconds?: number;
  /** The newest finished drill: passed or failed (and which check), the RTO it achieved. */
  lastDrill?: DrillStatus;
  /** The newest drill that passed. */
  lastDrillSuccess?: RunRecord;
  /** The RTO the newest drill that got as far as its checks achieved, passed or not. */
  achievedRtoSeconds?: number;
  /** Bytes of the newest successful backup. */
  latestSize?: number;
  /** Snapshots of the job in its primary repository (when the repositories were read). */
  snapshots?: number;
  snapshotsError?: string;
  running: boolean;
}

export interface DrillStatus {
  run: RunRecord;
  passed: boolean;
  /** Achieved: from the drill's start until the restored data answered its checks (absent when it failed before). */
  rtoSeconds?: number;
  rtoExceeded: boolean;
  failedCheck?: string;
}

/** The job's newest finished drill and newest passed one, from the history. */
export function drillStatus(history: History | undefined, job: string): { last?: DrillStatus; lastSuccess?: RunRecord; rtoSeconds?: number } {
  const runs = history?.list({ job, kind: 'drill', limit: 50 }).filter((r) => r.status !== 'running' && r.status !== 'skipped') ?? [];
  const run = runs[0];
  const lastSuccess = runs.find((r) => r.status === 'succeeded');
  const measured = runs.find((r) => typeof r.details?.rtoSeconds === 'number');
  if (!run) return {};
  const d = run.details ?? {};
  const last: DrillStatus = {
    run, passed: run.status === 'succeeded', rtoExceeded: d.rtoExceeded === true,
    ...(typeof d.rtoSeconds === 'number' ? { rtoSeconds: d.rtoSeconds } : {}),
    ...(typeof d.failedCheck === 'string' ? { failedCheck: d.failedCheck } : {}),
  };
  return { last, ...(lastSuccess ? { lastSuccess } : {}), ...(measured ? { rtoSeconds: measured.details!.rtoSeconds as number } : {}) };
}

export interface RepositoryStatus {
  name: string;
  /** Without credentials. */
  location: string;
  kind: 'local' | 's3' | 'memory';
  /** Bytes of pack, index and snapshot files (when read). */
  sizeBytes?: number;
  /** Free bytes of the filesystem holding a local repository. */
  freeBytes?: number;
  totalBytes?: number;
  lastCheck?: RunRecord;
  lastCheckSuccess?: RunRecord;
  error?: string;
}

export interface StatusReport {
  at: Date;
  jobs: JobStatus[];
  repositories: RepositoryStatus[];
}

export interface StatusOptions {
  clock?: Clock;
  /** Open the repositories to count snapshots and sum sizes (slower; needs their passwords). */
  readRepositories?: boolean;
  /** Jobs running right now (the daemon knows; the CLI does not). */
  running?: ReadonlySet<string>;
  signal: AbortSignal;
}

const DAY_MS = 86_400_000;

/** The job's RPO target: its `rpo`, else twice the longest gap of its schedule; undefined without either. */
export function rpoTargetMs(job: JobConfig, now: Date): number | undefined {
  if (job.rpo !== undefined) return job.rpo;
  if (!job.schedule) return undefined;
  const period = longestGapMs(job.schedule, now);
  return period === undefined ? undefined : 2 * period;
}

/** Largest gap between consecutive successes (and from the last one to now) since `since`. */
export function worstGapMs(successEnds: readonly Date[], since: Date, now: Date): number | undefined {
  const times = successEnds.map((d) => d.getTime()).filter((t) => t >= since.getTime()).sort((a, b) => a - b);
  if (times.length === 0) return undefined;
  let worst = now.getTime() - times.at(-1)!;
  for (let i = 1; i < times.length; i++) worst = Math.max(worst, times[i]! - times[i - 1]!);
  return worst;
}

export function jobStatus(job: JobConfig, history: History | undefined, now: Date, running = false): JobStatus {
  // A skipped slot is not a run: the last run is the newest that actually ran (or runs).
  const lastRun = history?.list({ job: job.name, kind: 'backup', limit: 50 }).find((r) => r.status !== 'skipped');
  const successes = history?.backups(job.name, { since: new Date(now.getTime() - 30 * DAY_MS) }) ?? [];
  const lastSuccess = history?.backups(job.name, { limit: 1 })[0];
  const rpo = rpoTargetMs(job, now);
  const age = lastSuccess?.endedAt ? now.getTime() - lastSuccess.endedAt.getTime() : undefined;
  const gap = worstGapMs(successes.map((r) => r.endedAt!).filter(Boolean), new Date(now.getTime() - 30 * DAY_MS), now);
  // With a schedule, the next run follows the last start for an interval, the clock for cron.
  const drill = drillStatus(history, job.name);
  const next = job.schedule ? nextRun(job.schedule, job.schedule.kind === 'interval' && lastRun ? lastRun.startedAt : now) : undefined;
  return {
    name: job.name,
    type: job.source.type,
    repositories: job.repositories,
    ...(job.schedule ? { schedule: describeSchedule(job.schedule) } : {}),
    ...(next ? { nextRun: next } : {}),
    ...(lastRun ? { lastRun } : {}),
    ...(lastSuccess ? { lastSuccess, latestSize: lastSuccess.totalBytes } : {}),
    ...(age !== undefined ? { ageSeconds: age / 1000 } : {}),
    ...(rpo !== undefined ? { rpoSeconds: rpo / 1000 } : {}),
    rpoBreached: rpo !== undefined && (age === undefined ? true : age > rpo),
    ...(gap !== undefined ? { worstGapSeconds: gap / 1000 } : {}),
    ...(job.rto !== undefined ? { rtoSeconds: job.rto / 1000 } : {}),
    ...(drill.last ? { lastDrill: drill.last } : {}),
    ...(drill.lastSuccess ? { lastDrillSuccess: drill.lastSuccess } : {}),
    ...(drill.rtoSeconds !== undefined ? { achievedRtoSeconds: drill.rtoSeconds } : {}),
    running,
  };
}

export async function repositoryStatus(
  config: Config, repo: RepositoryConfig, history: History | undefined, opts: StatusOptions,
): Promise<RepositoryStatus> {
  const parsed = safeParse(repo.location);
  const out: RepositoryStatus = { name: repo.name, location: parsed?.display ?? '(invalid location)', kind: parsed?.kind ?? 'local' };
  const lastCheck = history?.latest({ kind: 'check', repository: repo.name });
  const lastCheckSuccess = history?.latest({ kind: 'check', repository: repo.name, status: 'succeeded' });
  if (lastCheck) out.lastCheck = lastCheck;
  if (lastCheckSuccess) out.lastCheckSuccess = lastCheckSuccess;
  if (parsed?.kind === 'local') {
    try {
      const fs = await statfs(parsed.path);
      out.freeBytes = Number(fs.bavail) * Number(fs.bsize);
      out.totalBytes = Number(fs.blocks) * Number(fs.bsize);
    } catch (err) {
      out.error = `free space: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
    }
  }
  if (opts.readRepositories) {
    try {
      const access = await repositoryAccessFor(config, repo, opts.signal);
      out.sizeBytes = await withRepository(access, 'none', opts.signal, async (r, signal) => {
        let total = 0;
        for (const type of ['data', 'index', 'snapshot'] as const) {
          for await (const f of r.storage.list(type, signal)) total += f.size;
        }
        return total;
      });
    } catch (err) {
      out.error = err instanceof Error ? err.message : String(err);
    }
  }
  return out;
}

export async function computeStatus(config: Config, history: History | undefined, opts: StatusOptions): Promise<StatusReport> {
  const now = (opts.clock ?? systemClock).now();
  const jobs = config.jobs.map((j) => jobStatus(j, history, now, opts.running?.has(j.name) ?? false));
  await Promise.all(config.jobs.map(async (job, i) => {
    const f = await walFreshness(config, job, opts.signal).catch(() => undefined);
    if (f?.lastArchivedAt) applyWalFreshness(jobs[i]!, f.lastArchivedAt, now);
  }));
  const repositories = await Promise.all(config.repositories.map((r) => repositoryStatus(config, r, history, opts)));
  if (opts.readRepositories) await countSnapshots(config, jobs, opts.signal);
  return { at: now, jobs, repositories };
}

/** A WAL job's RPO is measured against its newest archived WAL, like its `stale` alert. */
export function applyWalFreshness(j: JobStatus, archivedAt: Date, now: Date): void {
  j.walArchivedAt = archivedAt;
  j.walAgeSeconds = Math.max(0, (now.getTime() - archivedAt.getTime()) / 1000);
  if (j.rpoSeconds !== undefined) j.rpoBreached = j.walAgeSeconds > j.rpoSeconds;
}

/** Each job's snapshots in its primary repository; one listing per repository. */
async function countSnapshots(config: Config, jobs: JobStatus[], signal: AbortSignal): Promise<void> {
  const byRepo = new Map<string, JobStatus[]>();
  for (const j of jobs) {
    const primary = j.repositories[0]!;
    byRepo.set(primary, [...(byRepo.get(primary) ?? []), j]);
  }
  await Promise.all([...byRepo].map(async ([name, list]) => {
    const repo = config.repositories.find((r) => r.name === name)!;
    try {
      const access = await repositoryAccessFor(config, repo, signal);
      const entries = await withRepository(access, 'none', signal, (r, s) => r.listSnapshots(s));
      for (const j of list) j.snapshots = entries.filter((e) => matchesFilter(e, jobFilter(j.name))).length;
    } catch (err) {
      for (const j of list) j.snapshotsError = err instanceof Error ? err.message : String(err);
    }
  }));
}

function safeParse(location: string) {
  try {
    return parseLocation(location);
  } catch {
    return undefined;
  }
}
