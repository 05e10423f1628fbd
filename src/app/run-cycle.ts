// `lifeboat run`: what borgmatic's default action does, for every job of the config (or the
// chosen ones): each job's cycle (backup, copies, retention per repository), then, for each
// repository those jobs use, a prune and a check where the repository's schedule says one is
// due (the last one is older than the schedule's period). For cron and systemd timers that
// run Lifeboat instead of the daemon.

import type { Config } from '../config/types.ts';
import { longestGapMs } from '../core/schedule.ts';
import { systemClock } from '../core/clock.ts';
import { parseReadDataSubset } from './check.ts';
import type { History } from './history/store.ts';
import { runJobCycle, type JobCycleResult } from './job-cycle.ts';
import { eachJob, type Outcome, type RunJobOptions } from './jobs.ts';
import { runRepositoryCheck, runRepositoryPrune } from './maintenance.ts';
import { parseMaxUnused } from './prune.ts';
import { requireJob } from './config-access.ts';

export type CycleOutcome = Outcome<JobCycleResult>;
export type MaintenanceOutcome = { repository: string; kind: 'prune' | 'check'; ok: boolean; error?: unknown; problems?: number };

export async function runCycles(
  config: Config, names: readonly string[], history: History | undefined, opts: RunJobOptions,
): Promise<{ jobs: CycleOutcome[]; maintenance: MaintenanceOutcome[] }> {
  const jobs = await eachJob(config, names, opts.signal, (name) => runJobCycle(config, name, opts));
  const maintenance: MaintenanceOutcome[] = [];
  const used = [...new Set(names.flatMap((n) => requireJob(config, n).repositories))];
  const now = (opts.clock ?? systemClock).now();
  const ctx = { events: opts.events, clock: opts.clock, trigger: opts.trigger, signal: opts.signal };
  for (const name of used) {
    const repo = config.repositories.find((r) => r.name === name)!;
    for (const kind of ['prune', 'check'] as const) {
      const settings = repo[kind];
      if (!settings || opts.signal.aborted || !isDue(history, name, kind, settings.schedule, now)) continue;
      try {
        if (kind === 'prune') {
          const maxUnused = repo.prune?.maxUnused !== undefined ? parseMaxUnused(repo.prune.maxUnused) : undefined;
          await runRepositoryPrune(config, name, { ...(maxUnused ? { maxUnused } : {}) }, ctx);
          maintenance.push({ repository: name, kind, ok: true });
        } else {
          const subset = repo.check?.readDataSubset !== undefined ? parseReadDataSubset(repo.check.readDataSubset) : undefined;
          const report = await runRepositoryCheck(config, name, { ...(subset ? { readDataSubset: subset } : {}) }, ctx);
          maintenance.push({ repository: name, kind, ok: report.errors.length === 0, problems: report.errors.length });
        }
      } catch (error) {
        maintenance.push({ repository: name, kind, ok: false, error });
      }
    }
  }
  return { jobs, maintenance };
}

function isDue(history: History | undefined, repository: string, kind: 'prune' | 'check', schedule: Parameters<typeof longestGapMs>[0], now: Date): boolean {
  const last = history?.latest({ kind, repository, status: 'succeeded' });
  if (!last) return true;
  const period = longestGapMs(schedule, now);
  return period === undefined || now.getTime() - last.startedAt.getTime() >= period;
}
