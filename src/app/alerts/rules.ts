// The alert rules: from the config, the run history and the free space of local repositories,
// which alerts should be firing right now. Pure apart from reading the history: the engine
// (engine.ts) compares the answer with the stored state to decide what a person hears.

import type { Config, JobConfig } from '../../config/types.ts';
import type { AlertName } from '../../notify/types.ts';
import { parseByteSize } from '../prune.ts';
import type { History, RunRecord } from '../history/store.ts';
import { rpoTargetMs } from '../status.ts';

export interface AlertCondition {
  key: string;
  name: AlertName;
  job?: string;
  repository?: string;
  runKind?: string;
  message: string;
  details: Record<string, unknown>;
}

export interface DiskFacts {
  /** Local repositories' filesystems: repository name → free and total bytes. */
  free: ReadonlyMap<string, { freeBytes: number; totalBytes: number }>;
  /**
   * Jobs with continuous archiving (WAL): job name → when the newest archived file was
   * acknowledged (app/wal/freshness.ts). Their `stale` alert measures this age, not the base
   * backup's, so their RPO can be seconds.
   */
  walArchivedAt?: ReadonlyMap<string, Date>;
}

export const DEFAULTS = {
  minRatio: 0.5,
  maxRatio: 3,
  minFree: '10%',
  maxLagMs: 86_400_000,
  repeatIntervalMs: 4 * 3_600_000,
  sizeWindow: 7,
};

type Tuning = NonNullable<Config['alerts']>;

/** A job's tuning: its own `alerts:` over the config-wide one over the defaults. */
export function tuningFor(config: Config, job?: JobConfig) {
  const g: Tuning = config.alerts ?? {};
  const j: Partial<Tuning> = job?.alerts ?? {};
  return {
    minRatio: j.sizeAnomaly?.minRatio ?? g.sizeAnomaly?.minRatio ?? DEFAULTS.minRatio,
    maxRatio: j.sizeAnomaly?.maxRatio ?? g.sizeAnomaly?.maxRatio ?? DEFAULTS.maxRatio,
    minFree: j.diskLow?.minFree ?? g.diskLow?.minFree ?? DEFAULTS.minFree,
    maxLagMs: j.copyBehind?.maxLag ?? g.copyBehind?.maxLag ?? DEFAULTS.maxLagMs,
    repeatIntervalMs: j.repeatInterval ?? g.repeatInterval ?? DEFAULTS.repeatIntervalMs,
  };
}

export function alertKey(name: AlertName, parts: { job?: string; repository?: string; runKind?: string }): string {
  return [name, parts.job ?? '', parts.repository ?? '', parts.runKind ?? ''].join('|');
}

function cond(name: AlertName, parts: { job?: string; repository?: string; runKind?: string }, message: string, details: Record<string, unknown>): AlertCondition {
  return { key: alertKey(name, parts), name, ...parts, message, details };
}

export function evaluateRules(config: Config, history: History, disk: DiskFacts, now: Date): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const job of config.jobs) {
    out.push(...failedRuns(history, job.name, job.repositories));
    const walAt = disk.walArchivedAt?.get(job.name);
    const stale = walAt ? staleArchive(job, walAt, now) : staleBackup(job, history, now);
    if (stale) out.push(stale);
    const size = sizeAnomaly(config, job, history);
    if (size) out.push(size);
    out.push(...copyBehind(config, job, history, now));
  }
  for (const repo of config.repositories) {
    out.push(...repositoryRuns(history, repo.name));
    const facts = disk.free.get(repo.name);
    if (facts) {
      const low = diskLow(config, repo.name, facts);
      if (low) out.push(low);
    }
  }
  return out;
}

/** The newest finished run of a job's backups, its copies per target and its drills: failed → alert. */
function failedRuns(history: History, job: string, repositories: readonly string[]): AlertCondition[] {
  const out: AlertCondition[] = [];
  const lastFinished = (q: Parameters<History['list']>[0]) => history.list({ ...q, limit: 20 }).find((r) => r.status !== 'running' && r.status !== 'skipped');
  const backup = lastFinished({ job, kind: 'backup' });
  if (backup?.status === 'failed') out.push(cond('failed', { job, runKind: 'backup' }, `backup of job ${job} failed: ${backup.errorMessage ?? backup.errorCode ?? 'error'}`, runDetails(backup)));
  for (const target of repositories.slice(1)) {
    const copy = lastFinished({ job, kind: 'copy', repository: target });
    if (copy?.status === 'failed') {
      out.push(cond('failed', { job, repository: target, runKind: 'copy' }, `copy of job ${job} to ${target} failed: ${copy.errorMessage ?? 'error'}`, runDetails(copy)));
    }
  }
  const drill = lastFinished({ job, kind: 'drill' });
  if (drill?.status === 'failed') out.push(cond('drill_failed', { job }, `restore drill of job ${job} failed: ${drill.errorMessage ?? 'error'}`, runDetails(drill)));
  const rto = drill?.details?.rtoExceeded === true ? drill : undefined;
  if (rto) out.push(cond('rto_exceeded', { job }, `restore drill of job ${job} took ${fmtSeconds(Number(rto.details!.rtoSeconds))}, over the RTO of ${fmtSeconds(Number(rto.details!.rtoTargetSeconds))}`, runDetails(rto)));
  return out;
}

/** A repository's newest check and prune: damage found → check_failed; any other failure → failed. */
function repositoryRuns(history: History, repository: string): AlertCondition[] {
  const out: AlertCondition[] = [];
  for (const kind of ['check', 'prune'] as const) {
    const run = history.list({ repository, kind, limit: 20 }).find((r) => r.status !== 'running' && r.status !== 'skipped');
    if (run?.status !== 'failed') continue;
    const damaged = (run.details?.damagedSnapshots as string[] | undefined) ?? [];
    if (kind === 'check' && run.errorCode === 'integrity') {
      out.push(cond('check_failed', { repository }, `check of repository ${repository} found damage; affected snapshots: ${damaged.map((s) => s.slice(0, 8)).join(', ') || 'none named'}`,
        { ...runDetails(run), damagedSnapshots: damaged }));
    } else {
      out.push(cond('failed', { repository, runKind: kind }, `${kind} of repository ${repository} failed: ${run.errorMessage ?? 'error'}`, runDetails(run)));
    }
  }
  return out;
}

/** No successful backup within the job's RPO (its `rpo`, else twice its schedule's period). */
function staleBackup(job: JobConfig, history: History, now: Date): AlertCondition | undefined {
  const rpo = rpoTargetMs(job, now);
  if (rpo === undefined) return undefined;
  const last = history.backups(job.name, { limit: 1 })[0];
  const ended = last?.endedAt;
  if (!ended) {
    // A job that never succeeded is stale once it has existed for an RPO (its first run ever).
    const first = history.list({ job: job.name, kind: 'backup', limit: 1000 }).at(-1);
    if (!first || now.getTime() - first.startedAt.getTime() <= rpo) return undefined;
    return cond('stale', { job: job.name }, `job ${job.name} has no successful backup; RPO ${fmtSeconds(rpo / 1000)}`, { rpoSeconds: rpo / 1000 });
  }
  const age = now.getTime() - ended.getTime();
  if (age <= rpo) return undefined;
  return cond('stale', { job: job.name }, `newest backup of job ${job.name} is ${fmtSeconds(age / 1000)} old, over its RPO of ${fmtSeconds(rpo / 1000)}`,
    { ageSeconds: Math.round(age / 1000), rpoSeconds: rpo / 1000, lastSuccess: ended.toISOString() });
}

/** A job archiving continuously: its newest archived WAL is older than its RPO. */
function staleArchive(job: JobConfig, archivedAt: Date, now: Date): AlertCondition | undefined {
  const rpo = rpoTargetMs(job, now);
  if (rpo === undefined) return undefined;
  const age = now.getTime() - archivedAt.getTime();
  if (age <= rpo) return undefined;
  return cond('stale', { job: job.name }, `newest archived WAL of job ${job.name} is ${fmtSeconds(age / 1000)} old, over its RPO of ${fmtSeconds(rpo / 1000)}`,
    { ageSeconds: Math.round(age / 1000), rpoSeconds: rpo / 1000, lastArchived: archivedAt.toISOString() });
}

/** The newest backup's size against the median of the job's previous successful ones. */
function sizeAnomaly(config: Config, job: JobConfig, history: History): AlertCondition | undefined {
  const runs = history.backups(job.name, { limit: DEFAULTS.sizeWindow + 1 }).filter((r) => r.totalBytes !== undefined);
  const [latest, ...previous] = runs;
  if (!latest) return undefined;
  const size = latest.totalBytes!;
  if (previous.length === 0) {
    return size === 0 ? cond('size_anomaly', { job: job.name }, `backup of job ${job.name} is empty (0 bytes)`, { size, snapshotId: latest.snapshotId }) : undefined;
  }
  const med = median(previous.map((r) => r.totalBytes!));
  const t = tuningFor(config, job);
  const ratio = med === 0 ? (size === 0 ? 1 : Infinity) : size / med;
  if (size !== 0 && ratio >= t.minRatio && ratio <= t.maxRatio) return undefined;
  const how = size === 0 ? 'is empty' : ratio < t.minRatio ? 'is suspiciously small' : 'is suspiciously large';
  return cond('size_anomaly', { job: job.name },
    `backup of job ${job.name} ${how}: ${fmtBytes(size)} against a median of ${fmtBytes(med)} over the last ${previous.length} (limits ${t.minRatio}×–${t.maxRatio}×)`,
    { size, median: med, ratio: Number.isFinite(ratio) ? Number(ratio.toFixed(3)) : null, samples: previous.length, snapshotId: latest.snapshotId });
}

/** An offsite repository has lacked a snapshot of the primary for longer than max_lag. */
function copyBehind(config: Config, job: JobConfig, history: History, now: Date): AlertCondition[] {
  const out: AlertCondition[] = [];
  if (job.repositories.length < 2) return out;
  const t = tuningFor(config, job);
  const backups = history.backups(job.name, { limit: 200 });
  for (const target of job.repositories.slice(1)) {
    const lastCopy = history.list({ job: job.name, kind: 'copy', repository: target, status: 'succeeded', limit: 1 })[0];
    const copiedUpTo = lastCopy?.startedAt.getTime() ?? -Infinity;
    // The oldest backup that ended after the last successful copy started is still missing there.
    const missing = backups.filter((b) => (b.endedAt?.getTime() ?? 0) > copiedUpTo).at(-1);
    if (!missing?.endedAt) continue;
    const lag = now.getTime() - missing.endedAt.getTime();
    if (lag <= t.maxLagMs) continue;
    out.push(cond('copy_behind', { job: job.name, repository: target },
      `repository ${target} has lacked snapshot ${missing.snapshotId?.slice(0, 8) ?? '?'} of job ${job.name} for ${fmtSeconds(lag / 1000)} (max lag ${fmtSeconds(t.maxLagMs / 1000)})`,
      { lagSeconds: Math.round(lag / 1000), maxLagSeconds: t.maxLagMs / 1000, snapshotId: missing.snapshotId, lastCopy: lastCopy?.startedAt.toISOString() ?? null }));
  }
  return out;
}

/** A local repository's filesystem below min_free (a size, or a percentage of the filesystem). */
export function diskLow(config: Config, repository: string, facts: { freeBytes: number; totalBytes: number }): AlertCondition | undefined {
  const jobs = config.jobs.filter((j) => j.repositories.includes(repository));
  // The strictest of the jobs using it, else the config's.
  const limits = (jobs.length ? jobs.map((j) => tuningFor(config, j).minFree) : [tuningFor(config).minFree])
    .map((m) => minFreeBytes(m, facts.totalBytes));
  const min = Math.max(...limits);
  if (facts.freeBytes >= min) return undefined;
  return cond('disk_low', { repository }, `repository ${repository}: ${fmtBytes(facts.freeBytes)} free of ${fmtBytes(facts.totalBytes)}, below ${fmtBytes(min)}`,
    { freeBytes: facts.freeBytes, totalBytes: facts.totalBytes, minFreeBytes: min });
}

export function minFreeBytes(spec: string, totalBytes: number): number {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(spec.trim());
  if (pct) return Math.ceil(totalBytes * Number(pct[1]) / 100);
  return parseByteSize(spec) ?? 0;
}

function runDetails(r: RunRecord): Record<string, unknown> {
  return { runId: r.id, kind: r.kind, status: r.status, errorCode: r.errorCode ?? null, at: (r.endedAt ?? r.startedAt).toISOString() };
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function fmtSeconds(s: number): string {
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}
