// A run of a use-case as events: `started`, whatever the work emits, then `finished` with its
// status, exit code and error. Forget, prune, check and drills go through here; a job's backup
// emits the same sequence itself (its snapshot and copies need finer events).

import { systemClock, type Clock } from '../core/clock.ts';
import { newRunId, noEvents, type RunEvent, type RunEvents, type RunKind, type RunStatus, type RunTrigger } from './events.ts';
import { failureFields } from './run-status.ts';

export interface RunContext {
  events?: RunEvents;
  clock?: Clock;
  trigger?: RunTrigger;
  runId?: string;
  job?: string;
  /** The repository's config name, or its location. */
  repository?: string;
  signal: AbortSignal;
}

/** What the work reports for `finished`: its status (default succeeded) and figures. */
export interface RunSummary {
  status?: RunStatus;
  message?: string;
  errorCode?: string;
  snapshotId?: string;
  bytesAdded?: number;
  bytesProcessed?: number;
  files?: number;
}

export interface ActiveRun {
  runId: string;
  /** Emits an event of this run (runId, job, repository and time filled in). */
  emit(e: DistributiveOmit<RunEvent, 'runId' | 'job' | 'repository' | 'at'>): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export async function asRun<T>(kind: RunKind, ctx: RunContext, work: (run: ActiveRun) => Promise<T>, summarize: (result: T) => RunSummary = () => ({})): Promise<T> {
  const events = ctx.events ?? noEvents;
  const clock = ctx.clock ?? systemClock;
  const startedAt = clock.now();
  const runId = ctx.runId ?? newRunId(startedAt);
  const base = { runId, ...(ctx.job !== undefined ? { job: ctx.job } : {}), ...(ctx.repository !== undefined ? { repository: ctx.repository } : {}) };
  events.emit({ ...base, type: 'started', kind, trigger: ctx.trigger ?? 'cli', at: startedAt });
  const run: ActiveRun = { runId, emit: (e) => events.emit({ ...base, ...e, at: clock.now() } as RunEvent) };
  const done = (fields: Omit<Extract<RunEvent, { type: 'finished' }>, 'type' | 'kind' | 'at' | 'durationMs' | 'runId'>) => {
    const at = clock.now();
    events.emit({ ...base, type: 'finished', kind, at, durationMs: at.getTime() - startedAt.getTime(), ...fields });
  };
  let result: T;
  try {
    result = await work(run);
  } catch (err) {
    done(failureFields(err, ctx.signal));
    throw err;
  }
  const s = summarize(result);
  const status = s.status ?? 'succeeded';
  done({ ...s, status, exitCode: status === 'partial' ? 3 : status === 'failed' ? 1 : 0 });
  return result;
}

/**
 * A run that did not happen — skipped (its job was still running) or aborted before it started
 * (the daemon stopped while it waited) — recorded all the same, so nothing goes unseen.
 */
export function skippedRun(kind: RunKind, ctx: Omit<RunContext, 'signal'>, message: string, status: 'skipped' | 'aborted' = 'skipped'): string {
  const events = ctx.events ?? noEvents;
  const at = (ctx.clock ?? systemClock).now();
  const runId = ctx.runId ?? newRunId(at);
  const base = { runId, ...(ctx.job !== undefined ? { job: ctx.job } : {}), ...(ctx.repository !== undefined ? { repository: ctx.repository } : {}) };
  events.emit({ ...base, type: 'started', kind, trigger: ctx.trigger ?? 'schedule', at, skipped: true });
  events.emit({ ...base, type: 'finished', kind, at, durationMs: 0, status, exitCode: status === 'aborted' ? 130 : 0, errorCode: status, message });
  return runId;
}
