// The daemon: turns the config's schedules into runs. Jobs run on their `schedule` (their
// cycle: backup, copies, retention per repository); repositories are pruned and checked on
// theirs. At start, a job whose last success is older than its period runs once (catch-up).
// SIGHUP reloads the config (a broken one is logged and the running one kept); stop lets
// running work finish within `defaults.stop_timeout`, then aborts it the clean way.

import { ConfigError } from '../errors.ts';
import { longestGapMs } from '../core/schedule.ts';
import type { Services } from '../app/services.ts';
import { Scheduler, type ScheduleEntry, type Timers } from './scheduler.ts';

const DAY_MS = 86_400_000;
/** How often alert rules are evaluated between runs (stale, disk low, copy behind); LIFEBOAT_ALERT_INTERVAL overrides (ms). */
const ALERT_INTERVAL_MS = 60_000;
/** Runs finishing within this of each other rewrite the runbook copy once; LIFEBOAT_RUNBOOK_DELAY overrides (ms). */
const RUNBOOK_DELAY_MS = 10_000;

export class Daemon {
  #services: Services;
  #scheduler: Scheduler;
  #housekeeping: NodeJS.Timeout | undefined;
  #alertTimer: NodeJS.Timeout | undefined;
  #runbookTimer: NodeJS.Timeout | undefined;
  #offRunbook: (() => void) | undefined;

  constructor(services: Services, opts: { timers?: Timers } = {}) {
    this.#services = services;
    this.#scheduler = new Scheduler({
      clock: services.clock, ...(opts.timers ? { timers: opts.timers } : {}),
      onError: (err, key) => services.log.error({ err, entry: key }, 'could not start a scheduled run'),
    });
  }

  start(): void {
    const s = this.#services;
    const closed = s.history.closeOrphans(isAlive, s.clock.now());
    if (closed > 0) s.log.warn({ runs: closed }, 'runs of a process that ended without finishing them are recorded as aborted');
    this.#forgetOldRuns();
    this.#housekeeping = setInterval(() => this.#forgetOldRuns(), DAY_MS);
    this.#housekeeping.unref();
    this.#schedule();
    this.#scheduler.start();
    this.#catchUp();
    void s.replication.sync(s.config());
    // Stale backups, low disks and copies falling behind happen between runs too.
    void s.notifier.evaluateAlerts();
    this.#alertTimer = setInterval(() => void s.notifier.evaluateAlerts(), Number(s.env.LIFEBOAT_ALERT_INTERVAL ?? ALERT_INTERVAL_MS));
    this.#alertTimer.unref();
    // The runbook copy follows what changes it: the config, backups, drills.
    this.#refreshRunbook(0);
    this.#offRunbook = s.events.subscribe((e) => {
      if (e.type === 'finished' && (e.kind === 'backup' || e.kind === 'drill')) this.#refreshRunbook(Number(s.env.LIFEBOAT_RUNBOOK_DELAY ?? RUNBOOK_DELAY_MS));
    });
    s.log.info({ jobs: s.config().jobs.length, scheduled: this.#scheduler.upcoming().length, config: s.configFile }, 'daemon started');
  }

  /** Reloads the config; on problems logs each one (file:line:col) and keeps the running config. */
  async reload(): Promise<boolean> {
    const s = this.#services;
    try {
      await s.reload();
    } catch (err) {
      const problems = err instanceof ConfigError && err.issues.length ? err.issues : [err instanceof Error ? err.message : String(err)];
      for (const p of problems) s.log.error({ problem: p }, 'config reload failed; keeping the running config');
      return false;
    }
    this.#schedule();
    this.#refreshRunbook(0);
    await s.replication.sync(s.config());
    s.log.info({ jobs: s.config().jobs.length, scheduled: this.#scheduler.upcoming().length }, 'config reloaded');
    return true;
  }

  /** No new runs; running ones get stop_timeout, then are aborted. Resolves when all settled. */
  async stop(): Promise<void> {
    const s = this.#services;
    this.#scheduler.stop();
    if (this.#housekeeping) clearInterval(this.#housekeeping);
    if (this.#alertTimer) clearInterval(this.#alertTimer);
    if (this.#runbookTimer) clearTimeout(this.#runbookTimer);
    this.#offRunbook?.();
    const grace = s.config().defaults.stopTimeout;
    const active = s.runner.active();
    if (active.length > 0) s.log.info({ running: active.map((t) => t.key), grace_ms: grace }, 'stopping: waiting for running work');
    await Promise.all([s.runner.stop(grace), s.replication.stop()]);
    s.log.info({}, 'daemon stopped');
  }

  upcoming(): Array<{ key: string; next?: Date }> {
    return this.#scheduler.upcoming();
  }

  #schedule(): void {
    const s = this.#services;
    const config = s.config();
    const entries: ScheduleEntry[] = [];
    for (const job of config.jobs) {
      if (!job.schedule) continue;
      const key = `backup:${job.name}`;
      entries.push({ key, schedule: job.schedule, last: s.history.latest({ job: job.name, kind: 'backup' })?.startedAt, fire: () => s.submitJob(job.name, 'schedule') });
    }
    for (const job of config.jobs) {
      if (!job.drill?.schedule) continue;
      entries.push({
        key: `drill:${job.name}`, schedule: job.drill.schedule, last: s.history.latest({ job: job.name, kind: 'drill' })?.startedAt,
        fire: () => s.submitDrill(job.name, 'schedule'),
      });
    }
    for (const repo of config.repositories) {
      if (repo.prune) {
        const key = `prune:${repo.name}`;
        entries.push({ key, schedule: withZone(repo.prune.schedule, config.defaults.timezone), fire: () => s.submitPrune(repo.name, 'schedule') });
      }
      if (repo.check) {
        const key = `check:${repo.name}`;
        entries.push({ key, schedule: withZone(repo.check.schedule, config.defaults.timezone), fire: () => s.submitCheck(repo.name, 'schedule') });
      }
    }
    config.reports.forEach((r, i) => {
      entries.push({ key: `report:${i}:${r.period}`, schedule: r.schedule, fire: () => {
        s.sendReport(r.period, r.channels, new AbortController().signal).catch((err: unknown) => s.log.error({ err, period: r.period }, 'report failed'));
      } });
    });
    this.#scheduler.set(entries);
  }

  /** Each scheduled job whose last success is older than its period runs once now. */
  #catchUp(): void {
    const s = this.#services;
    const now = s.clock.now();
    for (const job of s.config().jobs) {
      if (!job.schedule) continue;
      const period = longestGapMs(job.schedule, now);
      const last = s.history.backups(job.name, { limit: 1 })[0]?.endedAt;
      if (period === undefined || (last && now.getTime() - last.getTime() <= period)) continue;
      s.log.info({ job: job.name, last_success: last?.toISOString() ?? null }, 'catching up: the last success is older than the schedule\'s period');
      s.submitJob(job.name, 'catch-up');
    }
  }

  /** Rewrites state_dir/runbook.md after `delayMs`, once for a burst of runs (a write already due covers them). */
  #refreshRunbook(delayMs: number): void {
    const s = this.#services;
    if (this.#runbookTimer) {
      if (delayMs > 0) return;
      clearTimeout(this.#runbookTimer);
    }
    this.#runbookTimer = setTimeout(() => {
      this.#runbookTimer = undefined;
      s.writeRunbook(AbortSignal.timeout(RUNBOOK_DELAY_MS * 6))
        .then((file) => s.log.debug({ file }, 'runbook written'))
        .catch((err: unknown) => s.log.warn({ err }, 'runbook not written'));
    }, delayMs);
    this.#runbookTimer.unref();
  }

  #forgetOldRuns(): void {
    const s = this.#services;
    const removed = s.history.forgetBefore(new Date(s.clock.now().getTime() - s.config().history.keep));
    if (removed > 0) s.log.info({ runs: removed }, 'old run records removed (history.keep)');
  }
}

function withZone<T extends { kind: string }>(schedule: T, timezone: string): T {
  return schedule.kind === 'cron' ? { ...schedule, timezone } : schedule;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
