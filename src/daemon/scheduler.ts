// Fires scheduled entries at their times. One timer, set to the earliest next time but never
// more than a minute ahead, so a clock change or a suspended machine is noticed within a
// minute; a slot missed while the process slept fires once, never once per missed slot.

import { systemClock, type Clock } from '../core/clock.ts';
import { nextRun, type Schedule } from '../core/schedule.ts';

export interface ScheduleEntry {
  /** Stable across reloads: `backup:NAME`, `prune:REPO`, `check:REPO`. */
  key: string;
  schedule: Schedule;
  /** When an interval entry last fired (or last ran): its next time is this + every. */
  last?: Date;
  fire(at: Date): void;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

const MAX_SLEEP_MS = 60_000;

export class Scheduler {
  #clock: Clock;
  #timers: Timers;
  #entries = new Map<string, { entry: ScheduleEntry; next?: Date }>();
  #handle: unknown;
  #running = false;
  #onError: (err: unknown, key: string) => void;

  constructor(opts: { clock?: Clock; timers?: Timers; onError?: (err: unknown, key: string) => void } = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#timers = opts.timers ?? realTimers;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Replaces the entries (a reload); an unchanged entry keeps its next time. */
  set(entries: readonly ScheduleEntry[]): void {
    const now = this.#clock.now();
    const next = new Map<string, { entry: ScheduleEntry; next?: Date }>();
    for (const entry of entries) {
      const old = this.#entries.get(entry.key);
      const same = old && JSON.stringify(old.entry.schedule) === JSON.stringify(entry.schedule);
      next.set(entry.key, { entry, next: same ? old.next : firstTime(entry, now) });
    }
    this.#entries = next;
    if (this.#running) this.#arm();
  }

  /** When each entry fires next. */
  upcoming(): Array<{ key: string; next?: Date }> {
    return [...this.#entries.values()].map((e) => ({ key: e.entry.key, ...(e.next ? { next: e.next } : {}) }));
  }

  start(): void {
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#handle !== undefined) this.#timers.clear(this.#handle);
    this.#handle = undefined;
  }

  /** Fires every entry that is due; the timer calls this, tests may too. */
  tick(): void {
    const now = this.#clock.now();
    for (const e of this.#entries.values()) {
      if (!e.next || e.next.getTime() > now.getTime()) continue;
      try {
        e.entry.fire(now);
      } catch (err) {
        this.#onError(err, e.entry.key);
      }
      e.entry.last = now;
      // From now, not from the missed slot: a late wake-up fires once.
      e.next = e.entry.schedule.kind === 'interval' ? new Date(now.getTime() + e.entry.schedule.everyMs) : nextRun(e.entry.schedule, now);
    }
    if (this.#running) this.#arm();
  }

  #arm(): void {
    if (this.#handle !== undefined) this.#timers.clear(this.#handle);
    const now = this.#clock.now().getTime();
    let earliest = now + MAX_SLEEP_MS;
    for (const e of this.#entries.values()) if (e.next) earliest = Math.min(earliest, e.next.getTime());
    this.#handle = this.#timers.set(() => { this.#handle = undefined; this.tick(); }, Math.max(0, earliest - now));
  }
}

function firstTime(entry: ScheduleEntry, now: Date): Date | undefined {
  if (entry.schedule.kind === 'interval') {
    const fromLast = entry.last ? entry.last.getTime() + entry.schedule.everyMs : now.getTime() + entry.schedule.everyMs;
    return new Date(Math.max(fromLast, now.getTime()));
  }
  return nextRun(entry.schedule, now);
}
