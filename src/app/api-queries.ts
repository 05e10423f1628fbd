// Read-only questions the HTTP API (and the dashboard after it) asks that no CLI verb asks in
// the same shape: a job's snapshots in its primary repository, each repository's status read
// from storage, one repository's size, and a page of the run history with a cursor that is a
// time or a run ID. The server calls these; it never opens repositories itself.

import { findRepository } from '../config/index.ts';
import type { Config } from '../config/types.ts';
import { NotFoundError, UsageError } from '../errors.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import type { History, RunQuery, RunRecord } from './history/store.ts';
import { snapshotJson } from './snapshot-info.ts';
import { jobFilter, listSnapshotsAt } from './snapshots.ts';
import { repositoryStatus, type RepositoryStatus } from './status.ts';

export function requireRepository(config: Config, name: string) {
  const repo = findRepository(config, name);
  if (!repo) {
    const names = config.repositories.map((r) => r.name);
    throw new NotFoundError(`repository ${name}: no such repository in the config`, {
      hint: names.length ? `repositories: ${names.join(', ')}` : 'the config defines no repositories',
    });
  }
  return repo;
}

/** The job's snapshots in its primary repository, oldest first as restic lists them, in restic's JSON shape plus `lifeboat`. */
export async function jobSnapshots(config: Config, jobName: string, signal: AbortSignal): Promise<{ repository: string; snapshots: Array<Record<string, unknown>> }> {
  const job = requireJob(config, jobName);
  const repo = requireRepository(config, job.repositories[0]!);
  const access = await repositoryAccessFor(config, repo, signal);
  const entries = await listSnapshotsAt(access, jobFilter(job.name), signal);
  return { repository: repo.name, snapshots: entries.map(snapshotJson) };
}

/** Every repository's status, each read from its storage (size), with free space and last check. */
export function repositoryStatuses(config: Config, history: History | undefined, signal: AbortSignal): Promise<RepositoryStatus[]> {
  return Promise.all(config.repositories.map((r) => repositoryStatus(config, r, history, { readRepositories: true, signal })));
}

/** One repository's bytes (packs, indexes, snapshots), or why it could not be read. */
export async function readRepositorySize(config: Config, name: string, signal: AbortSignal): Promise<{ sizeBytes?: number; error?: string }> {
  const status = await repositoryStatus(config, requireRepository(config, name), undefined, { readRepositories: true, signal });
  return { ...(status.sizeBytes !== undefined ? { sizeBytes: status.sizeBytes } : {}), ...(status.error !== undefined ? { error: status.error } : {}) };
}

export interface RunsPageQuery extends Omit<RunQuery, 'before' | 'since'> {
  /** Runs older than this: an ISO time, or a run ID (the `next` of the previous page). */
  before?: string;
}

/** A page of runs, newest first; `next` is the cursor for the following page when this one is full. */
export function runsPage(history: History, q: RunsPageQuery): { runs: RunRecord[]; next?: string } {
  const limit = q.limit ?? 50;
  const { before, ...filter } = q;
  let runs: RunRecord[];
  if (before === undefined || before === '') {
    runs = history.list({ ...filter, limit });
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(before)) {
    const t = Date.parse(before);
    if (!Number.isFinite(t)) throw new UsageError(`before ${before}: not a time`, { hint: 'an ISO time such as 2026-11-20T02:00:00Z, or a run ID' });
    runs = history.list({ ...filter, before: new Date(t), limit });
  } else {
    const cursor = history.get(before);
    if (!cursor) throw new NotFoundError(`run ${before}: no such run`, { hint: 'before takes an ISO time or the ID of a run (the next of the previous page)' });
    // Runs of the same millisecond as the cursor are ordered by ID, as list() orders them.
    const t = cursor.startedAt.getTime();
    runs = history.list({ ...filter, before: new Date(t + 1), limit: limit + 64 })
      .filter((r) => r.startedAt.getTime() < t || r.id < cursor.id)
      .slice(0, limit);
  }
  return { runs, ...(runs.length === limit && runs.length > 0 ? { next: runs.at(-1)!.id } : {}) };
}
