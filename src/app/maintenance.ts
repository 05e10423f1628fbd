// The runs the daemon (and `lifeboat run`) perform besides backups, as event-emitting runs of
// the config's jobs and repositories: a job's retention in one of its repositories, a
// repository's prune and its check.

import type { Config, JobConfig, RetentionPolicy } from '../config/types.ts';
import { findRepository } from '../config/index.ts';
import { DEFAULT_GROUP_BY } from '../core/retention.ts';
import type { CheckReport, ReadDataSubset } from '../engine/checker/types.ts';
import type { MaxUnused } from '../engine/pruner/types.ts';
import { NotFoundError } from '../errors.ts';
import { runCheck } from './check.ts';
import { repositoryAccessFor } from './config-access.ts';
import { runForget, type ForgetOutcome } from './forget.ts';
import { runPrune, type PruneOutcome } from './prune.ts';
import { asRun, type RunContext } from './run.ts';
import { jobFilter } from './snapshots.ts';
import { isWalJob } from './wal/archive.ts';

function repositoryOf(config: Config, name: string) {
  const repo = findRepository(config, name);
  if (!repo) throw new NotFoundError(`repository ${name}: no such repository in the config`);
  return repo;
}

/** Applies `policy` to the job's snapshots in one repository (a forget run). */
export function runJobRetention(
  config: Config, job: JobConfig, repository: string, policy: RetentionPolicy, ctx: Omit<RunContext, 'job' | 'repository'>,
): Promise<ForgetOutcome> {
  return asRun('forget', { ...ctx, job: job.name, repository }, async (run) => {
    const access = await repositoryAccessFor(config, repositoryOf(config, repository), ctx.signal);
    const out = await runForget(access, {
      policy, groupBy: DEFAULT_GROUP_BY, filter: jobFilter(job.name), now: (ctx.clock?.now() ?? new Date()),
      ...(isWalJob(job) ? { walJob: job.name } : {}),
    }, ctx.signal);
    const kept = out.groups.reduce((n, g) => n + g.keep.length, 0);
    run.emit({ type: 'forget-finished', kept, removed: out.removed.length, dryRun: false });
    return out;
  });
}

export function runRepositoryPrune(
  config: Config, repository: string, opts: { maxUnused?: MaxUnused }, ctx: Omit<RunContext, 'job' | 'repository'>,
): Promise<PruneOutcome> {
  return asRun('prune', { ...ctx, repository }, async (run) => {
    const access = await repositoryAccessFor(config, repositoryOf(config, repository), ctx.signal);
    const out = await runPrune(access, { ...(opts.maxUnused ? { maxUnused: opts.maxUnused } : {}) }, ctx.signal);
    run.emit({
      type: 'prune-finished', packsDeleted: out.result?.packsDeleted ?? 0, packsRepacked: out.plan.repack.length,
      bytesFreed: out.result?.bytesReclaimed ?? 0, dryRun: false,
    });
    return out;
  });
}

/** A check run: fails (status failed, exit 1) when the check finds damage, naming the damaged snapshots. */
export function runRepositoryCheck(
  config: Config, repository: string, opts: { readDataSubset?: ReadDataSubset; readData?: boolean }, ctx: Omit<RunContext, 'job' | 'repository'>,
): Promise<CheckReport> {
  return asRun('check', { ...ctx, repository }, async (run) => {
    const access = await repositoryAccessFor(config, repositoryOf(config, repository), ctx.signal);
    const report = await runCheck(access, opts, ctx.signal);
    run.emit({ type: 'check-finished', ok: report.errors.length === 0, errors: report.errors.length, damagedSnapshots: damagedSnapshots(report) });
    return report;
  }, (report) => report.errors.length === 0 ? {} : {
    status: 'failed', errorCode: 'integrity',
    message: `check found ${report.errors.length} problem(s); damaged snapshots: ${damagedSnapshots(report).map((s) => s.slice(0, 8)).join(', ') || 'none named'}`,
  });
}

export function damagedSnapshots(report: CheckReport): string[] {
  return [...new Set(report.errors.flatMap((e) => e.snapshots ?? []))].sort();
}
