// When a job runs: a cron expression (5 fields, or 6 with seconds first, in an IANA time zone)
// or a fixed interval. Pure: every function takes the reference time as an argument, so the
// daemon and the tests decide what "now" is. Cron arithmetic (day-of-month OR day-of-week like
// Vixie cron, DST gaps and repeats) is croner's.

import { Cron } from 'croner';

export type CronSchedule = {
  kind: 'cron';
  /** As written, trimmed: `15 2 * * *`, `*\/30 * * * * *`, `@daily`. */
  expression: string;
  /** IANA time zone the expression is read in; the system's when absent. */
  timezone?: string;
};

export type IntervalSchedule = {
  kind: 'interval';
  everyMs: number;
};

export type Schedule = CronSchedule | IntervalSchedule;

const CRON_FIELDS = 'minute hour day-of-month month day-of-week';

/** The machine's IANA time zone (from TZ or the system), e.g. `Europe/Berlin` or `UTC`. */
export function systemTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** A problem with a time zone name, or undefined when it is a valid IANA zone. */
export function checkTimezone(name: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return undefined;
  } catch {
    return 'unknown time zone (expected an IANA name such as UTC or Europe/Berlin)';
  }
}

function cron(expression: string, timezone: string | undefined): Cron {
  return new Cron(expression, { paused: true, mode: '5-or-6-parts', ...(timezone ? { timezone } : {}) });
}

/**
 * A problem with a cron expression, or undefined when it parses and matches some date. The
 * message never needs the expression itself (the caller points at it).
 */
export function checkCronExpression(expression: string): string | undefined {
  const text = expression.trim();
  if (text === '') return 'must not be empty';
  const fields = text.split(/\s+/).length;
  if (!text.startsWith('@') && fields !== 5 && fields !== 6) {
    return `expected a cron expression of 5 fields (${CRON_FIELDS}) or 6 (seconds first), got ${fields}`;
  }
  let job: Cron;
  try {
    job = cron(text, 'UTC');
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message.replace(/^CronPattern:\s*/, '')}`;
  }
  // `0 0 31 2 *` parses but never runs; a schedule that never fires is a mistake.
  if (job.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) return 'the cron expression never matches a date';
  return undefined;
}

/**
 * The next `count` run times strictly after `after`. For an interval, `after` is the previous
 * run (or when the scheduler started), so runs are `after + every`, `after + 2·every`…
 */
export function nextRuns(schedule: Schedule, after: Date, count: number): Date[] {
  if (schedule.kind === 'interval') {
    return Array.from({ length: count }, (_, i) => new Date(after.getTime() + (i + 1) * schedule.everyMs));
  }
  const runs: Date[] = [];
  const job = cron(schedule.expression, schedule.timezone);
  let prev = after;
  for (let i = 0; i < count; i++) {
    const next = job.nextRun(prev);
    if (next === null) break;
    runs.push(next);
    prev = next;
  }
  return runs;
}

/** The first run strictly after `after`; undefined when the expression never matches again. */
export function nextRun(schedule: Schedule, after: Date): Date | undefined {
  return nextRuns(schedule, after, 1)[0];
}

/**
 * How long a job may go between two runs: the interval, or for cron the longest gap between
 * consecutive runs among the next `samples` after `from` (`0 3 * * 1-5` gives 72 h, the
 * weekend). The daemon compares it with the job's RPO. Undefined when there are fewer than two
 * runs ahead.
 */
export function longestGapMs(schedule: Schedule, from: Date, samples = 14): number | undefined {
  if (schedule.kind === 'interval') return schedule.everyMs;
  const runs = nextRuns(schedule, from, samples);
  let longest: number | undefined;
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.getTime() - runs[i - 1]!.getTime();
    if (longest === undefined || gap > longest) longest = gap;
  }
  return longest;
}

/** `cron "15 2 * * *" in Europe/Berlin` or `every 30m`, for listings. */
export function describeSchedule(schedule: Schedule): string {
  if (schedule.kind === 'interval') return `every ${formatInterval(schedule.everyMs)}`;
  return `cron "${schedule.expression}"${schedule.timezone ? ` in ${schedule.timezone}` : ''}`;
}

function formatInterval(ms: number): string {
  const units: Array<[string, number]> = [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out || '0s';
}
