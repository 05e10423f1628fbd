// Runs in a long-lived process (the daemon, its API): at most `concurrency` at once, never two
// of the same key (a job's backup, a repository's prune) at once — a run that would overlap is
// recorded as skipped — and never a prune beside a backup of the same repository: the
// process's own runs wait for each other at a per-repository gate instead of failing on each
// other's repository locks. The daemon's scheduler and the API's "run now" both submit here.

import { systemClock, type Clock } from '../core/clock.ts';
import { newRunId, type RunEvents, type RunKind, type RunTrigger } from './events.ts';
import { skippedRun } from './run.ts';

export interface Task {
  /** One run per key at a time: `backup:NAME`, `prune:REPO`, `check:REPO`, `drill:NAME`. */
  key: string;
  kind: RunKind;
  job?: string;
  /** Repository named in a skipped run's record. */
  repository?: string;
  /** Repositories this task reads or writes (shared) or rewrites (exclusive). */
  repositories: { shared?: string[]; exclusive?: string[] };
  trigger: RunTrigger;
  /** Does the work; must use `runId` for its first run and honour `signal`. */
  run(ctx: { runId: string; signal: AbortSignal; trigger: RunTrigger }): Promise<unknown>;
}

export type SubmitResult = { accepted: true; runId: string; done: Promise<void> } | { accepted: false; runId: string; reason: 'busy' | 'stopping' };

export interface ActiveTask {
  key: string;
  kind: RunKind;
  job?: string;
  runId: string;
  state: 'queued' | 'running';
  since: Date;
}

export class Runner {
  #events: RunEvents;
  #clock: Clock;
  #capacity: number;
  #running = 0;
  #active = new Map<string, ActiveTask & { ac: AbortController; done: Promise<void> }>();
  #waiting: Array<() => void> = [];
  #gates = new Map<string, Gate>();
  #stopping = false;
  #onError: (err: unknown, task: Task) => void;

  constructor(opts: { events: RunEvents; clock?: Clock; concurrency: number; onError?: (err: unknown, task: Task) => void }) {
    this.#events = opts.events;
    this.#clock = opts.clock ?? systemClock;
    this.#capacity = Math.max(1, opts.concurrency);
    this.#onError = opts.onError ?? (() => {});
  }

  /** Takes effect for runs not yet started (a config reload may change it). */
  setConcurrency(n: number): void {
    this.#capacity = Math.max(1, n);
    this.#wake();
  }

  isBusy(key: string): boolean {
    return this.#active.has(key);
  }

  active(): ActiveTask[] {
    return [...this.#active.values()].map(({ ac: _ac, done: _done, ...t }) => t);
  }

  submit(task: Task): SubmitResult {
    const runId = newRunId(this.#clock.now());
    if (this.#stopping) return { accepted: false, runId, reason: 'stopping' };
    if (this.#active.has(task.key)) {
      skippedRun(task.kind, { events: this.#events, clock: this.#clock, runId, job: task.job, repository: task.repository, trigger: task.trigger },
        `skipped: the previous ${task.kind} run of ${task.job ?? task.repository} is still going`);
      return { accepted: false, runId, reason: 'busy' };
    }
    const ac = new AbortController();
    const entry = { key: task.key, kind: task.kind, job: task.job, runId, state: 'queued' as ActiveTask['state'], since: this.#clock.now(), ac, done: Promise.resolve() };
    entry.done = this.#execute(task, entry).finally(() => {
      this.#active.delete(task.key);
    });
    this.#active.set(task.key, entry);
    return { accepted: true, runId, done: entry.done };
  }

  async #execute(task: Task, entry: ActiveTask & { ac: AbortController }): Promise<void> {
    await this.#slot();
    const releases: Array<() => void> = [];
    try {
      // Gates in name order, so two tasks never wait for each other's gates.
      const wants = [
        ...(task.repositories.shared ?? []).map((r) => [r, false] as const),
        ...(task.repositories.exclusive ?? []).map((r) => [r, true] as const),
      ].sort((a, b) => a[0].localeCompare(b[0]));
      for (const [repo, exclusive] of wants) releases.push(await this.#gate(repo).acquire(exclusive));
      if (entry.ac.signal.aborted) {
        skippedRun(task.kind, { events: this.#events, clock: this.#clock, runId: entry.runId, job: task.job, repository: task.repository, trigger: task.trigger },
          'aborted before it started: the process is stopping', 'aborted');
        return;
      }
      entry.state = 'running';
      entry.since = this.#clock.now();
      await task.run({ runId: entry.runId, signal: entry.ac.signal, trigger: task.trigger });
    } catch (err) {
      // The run's own events already say how it failed; this is for the process's log.
      this.#onError(err, task);
    } finally {
      for (const release of releases.reverse()) release();
      this.#running--;
      this.#wake();
    }
  }

  #slot(): Promise<void> {
    if (this.#running < this.#capacity) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(() => { this.#running++; resolve(); }));
  }

  #wake(): void {
    while (this.#running < this.#capacity && this.#waiting.length > 0) this.#waiting.shift()!();
  }

  #gate(repo: string): Gate {
    let g = this.#gates.get(repo);
    if (!g) this.#gates.set(repo, (g = new Gate()));
    return g;
  }

  /**
   * No new runs; running ones get `graceMs` to finish, then are aborted (the clean way: no
   * snapshot, locks released). Resolves when every run has settled.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    const all = () => Promise.allSettled([...this.#active.values()].map((t) => t.done));
    const timer = setTimeout(() => { for (const t of this.#active.values()) t.ac.abort(); }, graceMs);
    try {
      // Queued runs never start: abort them at once.
      for (const t of this.#active.values()) if (t.state === 'queued') t.ac.abort();
      await all();
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A readers–writer gate: any number of shared holders, or one exclusive; writers are not starved. */
class Gate {
  #readers = 0;
  #writer = false;
  #queue: Array<{ exclusive: boolean; go: () => void }> = [];

  acquire(exclusive: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.#queue.push({ exclusive, go: () => resolve(() => this.#release(exclusive)) });
      this.#pump();
    });
  }

  #release(exclusive: boolean): void {
    if (exclusive) this.#writer = false;
    else this.#readers--;
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      if (next.exclusive ? this.#writer || this.#readers > 0 : this.#writer) return;
      this.#queue.shift();
      if (next.exclusive) this.#writer = true;
      else this.#readers++;
      next.go();
    }
  }
}
