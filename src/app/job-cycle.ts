// A job's full cycle, as the daemon runs it on schedule and `lifeboat run` runs it by hand:
// the backup (and copies), then the job's retention in each of its repositories — the
// repository's own override (`repositories: [{name: offsite, retention: …}]`) or the job's.
// Retention runs only after a backup that saved a snapshot, so a failing job never thins out
// the snapshots it still has.

import type { Config } from '../config/types.ts';
import type { ForgetOutcome } from './forget.ts';
import { runJob, type JobResult, type RunJobOptions } from './jobs.ts';
import { runJobRetention } from './maintenance.ts';
import { requireJob } from './config-access.ts';

export interface JobCycleResult {
  backup: JobResult;
  /** Per repository that has a policy: the forget outcome, or the error (the next cycle tries again). */
  retention: Array<{ repository: string; ok: true; outcome: ForgetOutcome } | { repository: string; ok: false; error: unknown }>;
}

export async function runJobCycle(config: Config, jobName: string, opts: RunJobOptions): Promise<JobCycleResult> {
  const job = requireJob(config, jobName);
  const backup = await runJob(config, jobName, opts);
  const retention: JobCycleResult['retention'] = [];
  for (const repository of job.repositories) {
    const policy = job.repositoryRetention[repository] ?? job.retention;
    if (!policy || opts.signal.aborted) continue;
    try {
      const outcome = await runJobRetention(config, job, repository, policy, {
        events: opts.events, clock: opts.clock, trigger: opts.trigger, signal: opts.signal,
      });
      retention.push({ repository, ok: true, outcome });
    } catch (error) {
      retention.push({ repository, ok: false, error });
    }
  }
  return { backup, retention };
}
