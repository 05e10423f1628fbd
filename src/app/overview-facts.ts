// Facts the dashboard shows beside each job's and repository's status, all from the run history
// (no repository is opened): a job's recent sizes and durations, its last drill, each offsite
// copy's lag, each repository's growth over the last week.

import type { Config } from '../config/types.ts';
import type { Clock } from '../core/clock.ts';
import type { History, RunRecord } from './history/store.ts';
import { buildReport } from './report.ts';

export interface TrendPoint {
  /** When the backup ended. */
  at: Date;
  bytes: number;
  seconds: number;
}

/** The job's last `n` successful backups, oldest first. */
export function jobTrend(history: History, job: string, n = 30): TrendPoint[] {
  return history.backups(job, { limit: n }).filter((r) => r.endedAt).reverse().map((r) => ({
    at: r.endedAt!, bytes: r.totalBytes ?? 0, seconds: Math.max(0, r.endedAt!.getTime() - r.startedAt.getTime()) / 1000,
  }));
}

/** The job's newest drill that ran (a skipped one is not a drill). */
export function lastDrill(history: History, job: string): RunRecord | undefined {
  return history.list({ job, kind: 'drill', limit: 20 }).find((r) => r.status !== 'skipped');
}

export interface OffsiteLag {
  job: string;
  /** The copy's target repository. */
  repository: string;
  /** Every successful backup of the job is in the target too. */
  caughtUp: boolean;
  /** When the oldest backup still missing there ended. */
  missingSince?: Date;
  lastCopy?: RunRecord;
}

/**
 * For every job with copies, each target: caught up when no successful backup ended after the
 * last successful copy started (the rule of the copy_behind alert, without its max_lag).
 */
export function offsiteLags(config: Config, history: History): OffsiteLag[] {
  const out: OffsiteLag[] = [];
  for (const job of config.jobs) {
    if (job.repositories.length < 2) continue;
    const backups = history.backups(job.name, { limit: 200 });
    for (const target of job.repositories.slice(1)) {
      const lastCopy = history.latest({ job: job.name, kind: 'copy', repository: target, status: 'succeeded' });
      const copiedUpTo = lastCopy?.startedAt.getTime() ?? -Infinity;
      const missing = backups.filter((b) => (b.endedAt?.getTime() ?? 0) > copiedUpTo).at(-1);
      out.push({
        job: job.name, repository: target, caughtUp: !missing,
        ...(missing?.endedAt ? { missingSince: missing.endedAt } : {}), ...(lastCopy ? { lastCopy } : {}),
      });
    }
  }
  return out;
}

/** Bytes each repository grew by over the last 7 days: added by backups and copies, less what prunes freed. */
export function weeklyGrowth(config: Config, history: History, clock?: Clock): Map<string, number> {
  const report = buildReport(config, history, 'week', clock ? { clock } : {});
  return new Map(report.repositories.map((r) => [r.repository, r.growthBytes]));
}
