// The app layer's records as the API's JSON (schemas.ts): snake_case keys, ISO times, seconds.
// Redaction happens where an answer is sent (http-errors.ts, routes.ts, run-events.ts), over
// the whole body, so these only reshape.

import type { RunEvent } from '../app/events.ts';
import type { RunRecord } from '../app/history/store.ts';
import type { JobStatus, RepositoryStatus } from '../app/status.ts';
import type { JobJson, RepositoryJson, RunJson } from './schemas.ts';

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** One level of keys to snake_case; Dates to ISO strings; undefined values dropped. */
export function snakeKeys(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    out[snakeCase(k)] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export function runJson(r: RunRecord): RunJson {
  return {
    id: r.id,
    ...(r.job !== undefined ? { job: r.job } : {}),
    ...(r.repository !== undefined ? { repository: r.repository } : {}),
    kind: r.kind,
    trigger: r.trigger,
    status: r.status,
    started_at: r.startedAt.toISOString(),
    ...(r.endedAt ? { ended_at: r.endedAt.toISOString(), duration_seconds: Math.max(0, r.endedAt.getTime() - r.startedAt.getTime()) / 1000 } : {}),
    ...(r.snapshotId !== undefined ? { snapshot_id: r.snapshotId } : {}),
    ...(r.bytesAdded !== undefined ? { bytes_added: r.bytesAdded } : {}),
    ...(r.totalBytes !== undefined ? { total_bytes: r.totalBytes } : {}),
    ...(r.files !== undefined ? { files: r.files } : {}),
    ...(r.exitCode !== undefined ? { exit_code: r.exitCode } : {}),
    ...(r.errorCode !== undefined ? { error_code: r.errorCode } : {}),
    ...(r.errorMessage !== undefined ? { error_message: r.errorMessage } : {}),
    host: r.host,
    pid: r.pid,
    ...(r.details !== undefined ? { details: snakeKeys(r.details) } : {}),
  };
}

export function jobJson(j: JobStatus): JobJson {
  return {
    name: j.name,
    type: j.type,
    repositories: j.repositories,
    ...(j.schedule !== undefined ? { schedule: j.schedule } : {}),
    ...(j.nextRun ? { next_run: j.nextRun.toISOString() } : {}),
    ...(j.lastRun ? { last_run: runJson(j.lastRun) } : {}),
    ...(j.lastSuccess ? { last_success: runJson(j.lastSuccess) } : {}),
    ...(j.ageSeconds !== undefined ? { age_seconds: j.ageSeconds } : {}),
    ...(j.rpoSeconds !== undefined ? { rpo_seconds: j.rpoSeconds } : {}),
    rpo_breached: j.rpoBreached,
    ...(j.worstGapSeconds !== undefined ? { worst_gap_seconds: j.worstGapSeconds } : {}),
    ...(j.rtoSeconds !== undefined ? { rto_seconds: j.rtoSeconds } : {}),
    ...(j.lastDrill ? {
      last_drill: {
        run: runJson(j.lastDrill.run), passed: j.lastDrill.passed, rto_exceeded: j.lastDrill.rtoExceeded,
        ...(j.lastDrill.rtoSeconds !== undefined ? { rto_seconds: j.lastDrill.rtoSeconds } : {}),
        ...(j.lastDrill.failedCheck !== undefined ? { failed_check: j.lastDrill.failedCheck } : {}),
      },
    } : {}),
    ...(j.lastDrillSuccess ? { last_drill_success: runJson(j.lastDrillSuccess) } : {}),
    ...(j.achievedRtoSeconds !== undefined ? { achieved_rto_seconds: j.achievedRtoSeconds } : {}),
    ...(j.latestSize !== undefined ? { latest_size: j.latestSize } : {}),
    ...(j.snapshots !== undefined ? { snapshots: j.snapshots } : {}),
    ...(j.snapshotsError !== undefined ? { snapshots_error: j.snapshotsError } : {}),
    running: j.running,
  };
}

export function repositoryJson(r: RepositoryStatus): RepositoryJson {
  return {
    name: r.name,
    location: r.location,
    kind: r.kind,
    ...(r.sizeBytes !== undefined ? { size_bytes: r.sizeBytes } : {}),
    ...(r.freeBytes !== undefined ? { free_bytes: r.freeBytes } : {}),
    ...(r.totalBytes !== undefined ? { total_bytes: r.totalBytes } : {}),
    ...(r.lastCheck ? { last_check: runJson(r.lastCheck) } : {}),
    ...(r.lastCheckSuccess ? { last_check_success: runJson(r.lastCheckSuccess) } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

/** A RunEvent as an SSE `data:` object: `{type, run_id, job, repository, at, …}` in snake_case. */
export function eventJson(e: RunEvent): Record<string, unknown> {
  return snakeKeys(e as unknown as Record<string, unknown>);
}

/** `started` for a client that connects after the run began, rebuilt from its history record. */
export function startedFromRecord(r: RunRecord): Record<string, unknown> {
  return snakeKeys({ type: 'started', runId: r.id, job: r.job, repository: r.repository, at: r.startedAt, kind: r.kind, trigger: r.trigger });
}

/** `finished` for a run that is over, rebuilt from its history record (the live event's fields). */
export function finishedFromRecord(r: RunRecord): Record<string, unknown> {
  const at = r.endedAt ?? r.startedAt;
  return snakeKeys({
    type: 'finished', runId: r.id, job: r.job, repository: r.repository, at, kind: r.kind, status: r.status,
    durationMs: at.getTime() - r.startedAt.getTime(), exitCode: r.exitCode, errorCode: r.errorCode,
    message: r.errorMessage, snapshotId: r.snapshotId, bytesAdded: r.bytesAdded, bytesProcessed: r.totalBytes, files: r.files,
  });
}
