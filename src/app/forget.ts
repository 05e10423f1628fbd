// Forget use-case: apply a retention policy (or remove named snapshots), remove the snapshot
// files under an exclusive lock, and optionally prune in the same locked session.

import { applyRetention, isEmptyPolicy, type GroupBy, type RetentionGroup, type RetentionPolicy } from '../core/retention.ts';
import { UsageError } from '../errors.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry, SnapshotId } from '../repo/types.ts';
import { pruneOpenRepository, type PruneOutcome, type PruneRequest } from './prune.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { jobFilter, matchesFilter, type SnapshotFilter } from './snapshots.ts';
import type { JobConfig } from '../config/types.ts';
import { removeUnneededSqliteWal } from './sqlite-wal/retention.ts';
import { pruneWalInOpenRepository } from './wal/maintenance.ts';

export interface ForgetRequest {
  policy: RetentionPolicy;
  groupBy: readonly GroupBy[];
  filter: SnapshotFilter;
  /** Snapshot IDs (or unique prefixes) to remove explicitly, instead of a policy. */
  ids?: string[];
  dryRun?: boolean;
  /** Clock for the policy's "latest" (default now). */
  now?: Date;
  /** Prune after removing snapshots. */
  prune?: PruneRequest;
  /** A WAL job: also remove the archived WAL no kept base backup of it needs (docs/wal.md). */
  walJob?: string;
}

export interface ForgetOutcome {
  /** Shipped SQLite WAL batch files removed with the snapshots that needed them. */
  sqliteWalRemoved?: number;
  /** Empty when snapshots were named explicitly. */
  groups: RetentionGroup[];
  /** Snapshots removed (or, in a dry run, that would be). */
  removed: SnapshotEntry[];
  prune?: PruneOutcome;
  /** With walJob: the WAL files removed (or, in a dry run, that would be). */
  walRemoved?: string[];
}

/**
 * Decides which snapshots go. We refuse an empty policy: restic 0.14 then keeps everything and
 * exits 0, which hides a misconfigured job (a typo in a flag name leaves nothing to apply).
 */
export function checkForgetRequest(req: ForgetRequest): void {
  const hasIds = (req.ids?.length ?? 0) > 0;
  if (hasIds && !isEmptyPolicy(req.policy)) throw new UsageError('forget: give either snapshot IDs or a policy (--keep-*), not both');
  if (!hasIds && isEmptyPolicy(req.policy)) {
    throw new UsageError('forget: no policy given, refusing to decide what to keep', {
      hint: 'pass at least one --keep-* flag (e.g. --keep-daily 7 --keep-weekly 4), or snapshot IDs to remove',
    });
  }
}

export async function forgetInOpenRepository(repo: Repository, req: ForgetRequest, signal: AbortSignal): Promise<ForgetOutcome> {
  checkForgetRequest(req);
  let groups: RetentionGroup[] = [];
  let removed: SnapshotEntry[];
  if (req.ids?.length) {
    const found = new Map<SnapshotId, SnapshotEntry>();
    for (const ref of req.ids) {
      const e = await repo.findSnapshot(ref, signal);
      found.set(e.id, e);
    }
    removed = [...found.values()];
  } else {
    const all = (await repo.listSnapshots(signal)).filter((e) => matchesFilter(e, req.filter));
    groups = applyRetention(all, req.policy, { groupBy: req.groupBy, now: req.now ?? new Date() });
    removed = groups.flatMap((g) => g.remove);
  }
  let sqliteWalRemoved = 0;
  if (!req.dryRun) {
    for (const e of removed) await repo.removeSnapshot(e.id);
    // Shipped SQLite WAL that only the removed snapshots needed goes with them.
    if (removed.length > 0) sqliteWalRemoved = await removeUnneededSqliteWal(repo, signal);
  }
  const out: ForgetOutcome = { groups, removed, ...(sqliteWalRemoved ? { sqliteWalRemoved } : {}) };
  if (req.walJob !== undefined) {
    out.walRemoved = await pruneWalInOpenRepository(repo, req.walJob, { dryRun: req.dryRun, removedIds: new Set(removed.map((e) => e.id)) }, signal);
  }
  if (req.prune) {
    const ignore = req.dryRun ? new Set<string>(removed.map((e) => e.id)) : undefined;
    out.prune = await pruneOpenRepository(repo, { ...req.prune, dryRun: req.dryRun || req.prune.dryRun }, signal, ignore);
  }
  return out;
}

/**
 * `forget --job NAME`: the job's retention from the config unless `--keep-*` flags give a policy,
 * applied to the job's snapshots only (every tag set of the filter also needs job=NAME).
 */
export function jobRetention(job: JobConfig, flags: RetentionPolicy, filter: SnapshotFilter): { policy: RetentionPolicy; filter: SnapshotFilter } {
  let policy = flags;
  if (isEmptyPolicy(policy)) {
    if (!job.retention) {
      throw new UsageError(`forget --job ${job.name}: the job has no retention policy in the config`, { hint: 'add retention: to the job, or pass --keep-* flags' });
    }
    policy = job.retention as RetentionPolicy;
  }
  return { policy, filter: jobFilter(job.name, filter) };
}

export function runForget(access: RepositoryAccess, req: ForgetRequest, signal: AbortSignal): Promise<ForgetOutcome> {
  checkForgetRequest(req); // before opening anything: a usage error needs no password
  const mode = req.dryRun ? (req.prune ? 'shared' : 'none') : 'exclusive';
  return withRepository(access, mode, signal, (repo, signal) => forgetInOpenRepository(repo, req, signal));
}
