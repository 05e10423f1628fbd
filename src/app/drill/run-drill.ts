// `lifeboat drill`: a job's snapshot (latest, an ID, or --at) restored into an isolated scratch
// target, proven (integrity, the job's checks), timed, and removed — on success, failure,
// timeout or interrupt alike. A run of kind `drill`: its result goes to the history (details:
// passed, checks, rtoSeconds, rtoTargetSeconds, rtoExceeded), the metrics and the alerts.
//
// Outcomes: the checks hold → succeeded; one fails → failed (drill_failed alert), naming it.
// Passed but slower than the job's `rto` → still succeeded (the backup is proven restorable),
// with rtoExceeded recorded for the rto_exceeded alert; the CLI exits 3 for it. Damage in the
// repository fails the drill naming the snapshot (and the pack, from the blob's error).

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig } from '../../config/types.ts';
import { findRepository } from '../../config/index.ts';
import { systemClock } from '../../core/clock.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { AbortedError, LifeboatError, UsageError } from '../../errors.ts';
import { loadIndexForReading } from '../../engine/repair/load-index.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { drillerFor, isFilesSource } from '../../sources/registry.ts';
import { repositoryAccessFor, requireJob } from '../config-access.ts';
import type { DrillCheckResult } from '../events.ts';
import { withRepository } from '../repository-access.ts';
import { asRun, type RunContext } from '../run.ts';
import { jobFilter, selectSnapshot, type SnapshotChoice } from '../snapshots.ts';
import { drillDatabases, type CopyResult } from './database.ts';
import { drillFiles } from './files.ts';
import { drillWalJob } from '../pitr/drill-wal.ts';
import { isWalJob } from '../wal/archive.ts';

export interface DrillOptions extends Omit<RunContext, 'job' | 'repository'> {
  /** Default `latest`. */
  ref?: SnapshotChoice;
  /** Told which snapshot is drilled, before the restore starts. */
  onSnapshot?: (entry: SnapshotEntry) => void;
  warn?: (message: string) => void;
}

export interface DrillOutcome {
  job: string;
  engine: string;
  snapshotId: string;
  snapshotTime: string;
  /** Where the scratch copies went (all removed again). */
  targets: string[];
  passed: boolean;
  checks: DrillCheckResult[];
  facts: Record<string, number>;
  rtoSeconds: number;
  rtoTargetSeconds?: number;
  rtoExceeded: boolean;
  failedCheck?: string;
}

/** `lifeboat_drill_<job>_<time>`: a valid database name on every engine (≤ 63 characters). */
export function scratchName(job: string, at: Date): string {
  const time = at.toISOString().replace(/[-:]/g, '').replace('T', 't').slice(0, 15);
  return `lifeboat_drill_${job.replace(/[^a-z0-9_]/g, '_').slice(0, 32)}_${time}`;
}

export function runDrill(config: LoadedConfig, jobName: string, opts: DrillOptions): Promise<DrillOutcome> {
  const job = requireJob(config, jobName);
  const driller = isFilesSource(job.source) ? undefined : drillerFor(job.source);
  const repository = job.repositories[0]!;
  const clock = opts.clock ?? systemClock;
  return asRun('drill', { ...opts, job: job.name, repository }, async (run) => {
    if (!isFilesSource(job.source) && !driller) throw new UsageError(`drill: a ${job.source.type} job cannot be drilled (Lifeboat does not know how to load its output)`);
    const started = performance.now();
    const timeoutMs = job.drill?.timeout ?? job.timeout;
    const signal = timeoutMs !== undefined ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)]) : opts.signal;
    const name = scratchName(job.name, clock.now());
    const parent = job.drill?.scratchDir ?? tmpdir();
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, `${name}_`));
    const cleanups: Array<{ what: string; run: () => Promise<void> }> = [{ what: dir, run: () => rm(dir, { recursive: true, force: true }) }];
    let snap: SnapshotEntry | undefined;
    /** The drilled snapshot (a WAL job: its base backup, and the time the restore reached). */
    let picked: { id: string; time: string } | undefined;
    let copy: CopyResult | undefined;
    let rtoSeconds = 0;
    let failure: unknown;
    try {
      if (isWalJob(job)) {
        // A WAL job's drill is a point-in-time restore of its archive (app/pitr/drill-wal.ts).
        const w = await drillWalJob(config, job, opts.ref ?? 'latest', dir, cleanups, signal);
        picked = { id: w.backup.snapshotId, time: w.recoveredTo.toISOString() };
        copy = w;
      } else {
        const access = await repositoryAccessFor(config, findRepository(config, repository)!, signal);
        copy = await withRepository({ ...access, ...(opts.warn ? { warn: opts.warn } : {}) }, 'read', signal, async (repo, signal) => {
          await loadIndexForReading(repo, { ...(opts.warn ? { warn: opts.warn } : {}), signal });
          snap = await selectSnapshot(repo, opts.ref ?? 'latest', jobFilter(job.name), signal);
          opts.onSnapshot?.(snap);
          const server = job.drill?.server;
          return driller
            ? drillDatabases(repo, snap, job, driller, {
              name, dir, sampleKeys: job.drill?.sampleKeys ?? 10,
              ...(server ? { server: { host: server.host, ...(server.port ? { port: server.port } : {}), ...(server.user ? { user: server.user } : {}), ...(server.password ? { password: server.password } : {}) } } : {}),
            }, cleanups, signal)
            : drillFiles(repo, snap, job, join(dir, 'restore'), signal);
        });
        picked = { id: snap!.id, time: snap!.snapshot.time };
      }
      rtoSeconds = (performance.now() - started) / 1000;
    } catch (err) {
      failure = drillError(err, job.name, snap, opts.signal, timeoutMs);
    }
    const left = await removeAll(cleanups);
    if (left.length) {
      const what = `scratch target left behind, remove it by hand: ${left.join('; ')}`;
      throw new LifeboatError('error', failure instanceof Error ? `${failure.message}; ${what}` : `drill of job ${job.name}: ${what}`, { cause: failure });
    }
    if (failure !== undefined || !copy) throw failure;
    const failed = copy.checks.find((c) => !c.ok);
    const rtoTargetSeconds = job.rto !== undefined ? job.rto / 1000 : undefined;
    const outcome: DrillOutcome = {
      job: job.name, engine: driller?.engine ?? 'files', snapshotId: picked!.id, snapshotTime: picked!.time, targets: copy.targets,
      passed: failed === undefined, checks: copy.checks, facts: copy.facts, rtoSeconds,
      ...(rtoTargetSeconds !== undefined ? { rtoTargetSeconds } : {}),
      rtoExceeded: rtoTargetSeconds !== undefined && rtoSeconds > rtoTargetSeconds,
      ...(failed ? { failedCheck: failed.name } : {}),
    };
    run.emit({
      type: 'drill-finished', snapshotId: outcome.snapshotId, passed: outcome.passed, checks: outcome.checks, rtoSeconds,
      ...(rtoTargetSeconds !== undefined ? { rtoTargetSeconds } : {}), rtoExceeded: outcome.rtoExceeded, facts: outcome.facts,
      ...(failed ? { failedCheck: failed.name } : {}),
    });
    return outcome;
  }, (o) => o.passed ? { snapshotId: o.snapshotId } : {
    status: 'failed', errorCode: 'drill-check', snapshotId: o.snapshotId,
    message: `drill of job ${o.job}: check "${o.failedCheck}" failed: ${o.checks.find((c) => !c.ok)!.detail}`,
  });
}

/** Removes every scratch target, newest first; returns those that could not be removed, with why. */
async function removeAll(cleanups: Array<{ what: string; run: () => Promise<void> }>): Promise<string[]> {
  const left: string[] = [];
  for (const c of [...cleanups].reverse()) {
    await c.run().catch((err: unknown) => { left.push(`${c.what} (${err instanceof Error ? err.message : String(err)})`); });
  }
  return left;
}

/** Names the job and snapshot in every failure; a timeout is a failure, not an interruption. */
function drillError(err: unknown, job: string, snap: SnapshotEntry | undefined, outer: AbortSignal, timeoutMs: number | undefined): unknown {
  if (err instanceof AbortedError || outer.aborted) {
    if (outer.aborted) return err;
    return new LifeboatError('error', `drill of job ${job} timed out after ${formatDurationMs(timeoutMs ?? 0)}; its scratch target was removed`,
      { hint: 'raise drill.timeout, or look at what made the restore slow', cause: err });
  }
  if (!(err instanceof LifeboatError)) return err;
  const prefix = `drill of job ${job}${snap ? `, snapshot ${snap.id.slice(0, 8)}` : ''}: `;
  const message = err.message.replace(/^restore: /, '').replace(snap ? `snapshot ${snap.id.slice(0, 8)}: ` : /^$/, '');
  return new LifeboatError(err.code, prefix + message, {
    cause: err, ...(err.hint ? { hint: err.hint } : {}), ...(err.context ? { context: err.context } : {}),
  });
}
