// Typed events of a run. A use-case (a job's backup and copies, forget, prune, check, a drill)
// emits them as it goes; any number of subscribers receive them: the CLI's progress and
// summary renderer, the run history, metrics, notifications and the API's event stream. A
// subscriber that throws never changes the run: its error is reported and the run goes on.

import { randomUUID } from 'node:crypto';

export type RunKind = 'backup' | 'copy' | 'forget' | 'prune' | 'check' | 'drill' | 'restore';
/** What started a run: the daemon's schedule, catch-up after downtime, a person (dashboard/API), the CLI. */
export type RunTrigger = 'schedule' | 'catch-up' | 'manual' | 'cli';
export type RunStatus = 'succeeded' | 'failed' | 'partial' | 'skipped' | 'aborted';

interface EventBase {
  runId: string;
  /** The job, for runs of a job; absent for repository-wide runs of the CLI. */
  job?: string;
  /** The repository's name in the config (or its location when there is no config). */
  repository?: string;
  at: Date;
}

export type RunEvent =
  /** `skipped`: the run was refused at once (its job was still running); `finished` follows immediately. */
  | EventBase & { type: 'started'; kind: RunKind; trigger: RunTrigger; skipped?: boolean }
  | EventBase & { type: 'progress'; kind: RunKind; files: number; bytesRead: number; bytesAdded: number; path?: string }
  | EventBase & {
    type: 'snapshot-saved'; snapshotId: string; files: number; bytesProcessed: number; bytesAdded: number;
    durationMs: number; unreadable: number; unreadablePaths: string[];
  }
  | EventBase & { type: 'copy-finished'; target: string; ok: true; snapshotsCopied: number; bytesAdded: number }
  | EventBase & { type: 'copy-finished'; target: string; ok: false; errorCode: string; message: string }
  | EventBase & { type: 'forget-finished'; kept: number; removed: number; dryRun: boolean }
  | EventBase & { type: 'prune-finished'; packsDeleted: number; packsRepacked: number; bytesFreed: number; dryRun: boolean }
  | EventBase & { type: 'check-finished'; ok: boolean; errors: number; damagedSnapshots: string[]; message?: string }
  | EventBase & {
    type: 'drill-finished'; snapshotId: string; passed: boolean; checks: DrillCheckResult[];
    /** From the drill's start until the restored data answered the checks. */
    rtoSeconds: number; rtoTargetSeconds?: number; rtoExceeded: boolean;
    /** What the scratch copy showed: tables, keys, files, bytes… */
    facts: Record<string, number>; failedCheck?: string;
  }
  | EventBase & {
    type: 'finished'; kind: RunKind; status: RunStatus; durationMs: number;
    /** restic's exit code for this outcome (0, 1, 3, 10, 11, 12, 130). */
    exitCode: number;
    errorCode?: string; message?: string; hint?: string;
    snapshotId?: string; bytesAdded?: number; bytesProcessed?: number; files?: number;
  };

/** One check of a drill: its name (or query/path), whether it held, and what was found. */
export interface DrillCheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export type Subscriber = (event: RunEvent) => void;

/** Where a use-case sends its events. */
export interface RunEvents {
  emit(event: RunEvent): void;
}

/** Fan-out to subscribers; a failing subscriber is reported to `onSubscriberError`, never to the run. */
export class EventBus implements RunEvents {
  #subscribers = new Set<Subscriber>();
  #onError: (err: unknown, event: RunEvent) => void;

  constructor(onSubscriberError: (err: unknown, event: RunEvent) => void = () => {}) {
    this.#onError = onSubscriberError;
  }

  subscribe(fn: Subscriber): () => void {
    this.#subscribers.add(fn);
    return () => { this.#subscribers.delete(fn); };
  }

  emit(event: RunEvent): void {
    for (const fn of this.#subscribers) {
      try {
        fn(event);
      } catch (err) {
        this.#onError(err, event);
      }
    }
  }
}

/** Events nobody listens to. */
export const noEvents: RunEvents = { emit() {} };

/** A run ID: sortable by start time, unique across processes (the CLI and the daemon share a history). */
export function newRunId(at: Date): string {
  return `${at.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}
