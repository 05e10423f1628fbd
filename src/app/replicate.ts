// Several repositories per job (3-2-1): after a backup into the primary, copy snapshots to each
// other repository. Targets are independent: one that fails (unreachable, wrong password, full)
// gets an error result and the others still receive their copy. Nothing here ever touches the
// primary's snapshots, and copying skips what a target already holds, so the next run simply
// copies whatever is still missing.

import { copySnapshots, type CopyProgress, type CopyResult } from '../engine/copier/copier.ts';
import { AbortedError, LifeboatError } from '../errors.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import type { RepositoryAccess } from './repository-access.ts';
import { repositoryAccessFor } from './config-access.ts';
import type { Config, JobConfig, RepositoryConfig } from '../config/types.ts';
import { jobFilter, type SnapshotFilter } from './snapshots.ts';
import { selectSnapshots, withSide } from './copy.ts';
import { loadIndexForReading, loadIndexForWriting } from '../engine/repair/load-index.ts';

/** A target repository; `name` (the config's repository name) labels its result. */
export type ReplicaTarget = RepositoryAccess & { name?: string };

export type ReplicationResult =
  | { target: string; location: string; ok: true; result: CopyResult }
  | { target: string; location: string; ok: false; error: unknown; message: string };

export interface ReplicateOptions {
  onProgress?: (target: string, p: CopyProgress) => void;
  /** Called as each target's copy starts; the function it returns is called with the target's result. */
  onTargetStart?: (target: string) => ((r: ReplicationResult) => void) | void;
}

/** Which snapshots of the primary to copy: named ones, else every one matching the filter. */
export interface ReplicaSelection {
  snapshots?: readonly string[];
  filter?: SnapshotFilter;
}

/**
 * Copies the selected snapshots of the primary (a job's filter selects every snapshot of the
 * job, so earlier failed copies catch up) to each target, one target after another.
 * Shared locks on the primary and on each target. Never throws for a failing target or a
 * primary that cannot be opened: every target then gets an error result. Throws only
 * AbortedError when the signal fires.
 */
export async function replicateToRepositories(
  primary: RepositoryAccess,
  targets: readonly ReplicaTarget[],
  selection: ReplicaSelection,
  signal: AbortSignal,
  opts: ReplicateOptions = {},
): Promise<ReplicationResult[]> {
  const results: ReplicationResult[] = [];
  const label = (t: ReplicaTarget) => t.name ?? t.location;
  const fail = (t: ReplicaTarget, error: unknown): ReplicationResult => ({
    target: label(t), location: t.location, ok: false, error,
    message: error instanceof Error ? error.message : String(error),
  });
  const report = (t: ReplicaTarget, r: ReplicationResult, done?: ((r: ReplicationResult) => void) | void) => {
    results.push(r);
    (done ?? opts.onTargetStart?.(label(t)))?.(r);
  };
  if (targets.length === 0) return results;
  try {
    await withSide('source', primary, signal, async (src) => {
      await loadIndexForReading(src, { warn: primary.warn, signal });
      const snapshots: SnapshotEntry[] = await selectSnapshots(src, { snapshots: [...(selection.snapshots ?? [])], filter: selection.filter }, signal);
      for (const t of targets) {
        if (signal.aborted) throw new AbortedError();
        const done = opts.onTargetStart?.(label(t));
        let r: ReplicationResult;
        try {
          const result = await withSide('target', t, signal, async (dst) => {
            await loadIndexForWriting(dst, { warn: t.warn, signal });
            return copySnapshots(src, dst, { snapshots, signal, onProgress: (p) => opts.onProgress?.(label(t), p) });
          });
          r = { target: label(t), location: t.location, ok: true, result };
        } catch (err) {
          if (signal.aborted) throw err;
          r = fail(t, labelled(err, label(t)));
        }
        report(t, r, done);
      }
    });
  } catch (err) {
    if (signal.aborted) throw err instanceof AbortedError ? err : new AbortedError();
    // The primary could not be opened (or listed): no target can get a copy this run.
    for (const t of targets.slice(results.length)) report(t, fail(t, err));
  }
  return results;
}

function labelled(err: unknown, target: string): unknown {
  if (err instanceof LifeboatError && !err.message.startsWith(`copy to ${target}`)) err.message = `copy to ${target}: ${err.message}`;
  return err;
}

/** A job and its repositories, primary first. */
export interface JobReplication {
  config: Config;
  job: JobConfig;
  repositories: readonly RepositoryConfig[];
  signal: AbortSignal;
}

/**
 * Copies every snapshot of the job that the primary has and a target lacks (the new one, plus
 * any an earlier failed run left behind) to the job's other repositories — never another
 * job's: a repository shared by several jobs receives exactly the snapshots of those that list it. All targets are tried; then, if any failed, it throws one error naming each
 * failed target, so the job is reported as failed while the primary snapshot stays.
 */
export async function replicateJobSnapshot(
  ctx: JobReplication,
  opts: ReplicateOptions = {},
): Promise<ReplicationResult[]> {
  const results = await copyToJobRepositories(ctx, opts);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    throw new LifeboatError('error', `copy to other repositories: ${failed.length} of ${results.length} failed: ${failed.map((f) => f.message).join('; ')}`, {
      hint: 'the snapshot is safe in the primary repository; the next run copies whatever is missing',
      context: { results: results.map((r) => ({ target: r.target, ok: r.ok })) },
    });
  }
  return results;
}

/** Like replicateJobSnapshot, but returns every target's result instead of throwing. */
export async function copyToJobRepositories(
  ctx: JobReplication,
  opts: ReplicateOptions = {},
): Promise<ReplicationResult[]> {
  const [primary, ...others] = ctx.repositories;
  if (!primary || others.length === 0) return [];
  const access = await repositoryAccessFor(ctx.config, primary, ctx.signal);
  // Each target's password is resolved on its own: a failing password command is one failed
  // target, not a failed replication.
  const results: ReplicationResult[] = [];
  const targets: ReplicaTarget[] = [];
  for (const r of others) {
    try {
      targets.push({ name: r.name, ...(await repositoryAccessFor(ctx.config, r, ctx.signal)) });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const res: ReplicationResult = { target: r.name, location: r.location, ok: false, error, message: error instanceof Error ? error.message : String(error) };
      results.push(res);
      opts.onTargetStart?.(r.name)?.(res);
    }
  }
  results.push(...await replicateToRepositories(access, targets, { filter: jobFilter(ctx.job.name) }, ctx.signal, opts));
  return results;
}
