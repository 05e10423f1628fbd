// Calendar durations for keep-within, with restic's syntax and meaning: `30d`, `1y2m3d4h`.
// Units are y(ears), m(onths), d(ays), h(ours); years, months and days are calendar steps
// (Go's AddDate), hours are exact. This is not the wall-clock `5m` = five minutes of
// ./duration.ts: here `m` is a month, as in `restic forget --keep-within`.

import { UsageError } from '../errors.ts';

export interface CalendarDuration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

const UNITS = { y: 'years', m: 'months', d: 'days', h: 'hours' } as const;

/**
 * Parses restic's duration syntax. Like restic, surrounding space is ignored, units may come
 * in any order and a repeated unit overrides the earlier one (`1d2d` is `2d`). Unlike restic
 * we refuse negative numbers: `-1d` would make keep-within keep only future snapshots,
 * which nobody means in a retention policy.
 */
export function parseDuration(text: string): CalendarDuration {
  const d: CalendarDuration = { years: 0, months: 0, days: 0, hours: 0 };
  let rest = text.trim();
  if (rest === '') throw new UsageError(`parse duration "${text}": empty`, { hint: 'write e.g. 30d or 1y2m3d4h' });
  while (rest !== '') {
    const m = /^(\d+)(.?)/u.exec(rest);
    if (m === null) {
      const why = rest.startsWith('-') ? 'negative durations are not allowed' : 'no number found';
      throw new UsageError(`parse duration "${text}": ${why}`, { hint: 'write e.g. 30d or 1y2m3d4h' });
    }
    const num = Number(m[1]);
    const unit = m[2]!;
    if (unit === '') throw new UsageError(`parse duration "${text}": no unit found after number ${num}`, { hint: 'units are y, m, d, h' });
    if (!(unit in UNITS)) throw new UsageError(`parse duration "${text}": invalid unit "${unit}" found after number ${num}`, { hint: 'units are y, m, d, h' });
    if (!Number.isSafeInteger(num)) throw new UsageError(`parse duration "${text}": number ${m[1]} is too large`);
    d[UNITS[unit as keyof typeof UNITS]] = num;
    rest = rest.slice(m[0].length);
  }
  return d;
}

/** restic's rendering: zero parts omitted, fixed order y m d h (`4h1y` prints `1y4h`). */
export function formatDuration(d: CalendarDuration): string {
  let s = '';
  if (d.years !== 0) s += `${d.years}y`;
  if (d.months !== 0) s += `${d.months}m`;
  if (d.days !== 0) s += `${d.days}d`;
  if (d.hours !== 0) s += `${d.hours}h`;
  return s;
}

export function isZeroDuration(d: CalendarDuration | undefined): boolean {
  return d === undefined || (d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0);
}
