// Snapshot times as retention needs them. restic orders snapshots by nanosecond instant and
// buckets them by the wall clock of the offset stored in the snapshot (Go keeps the parsed
// offset in the time value), so we keep both: a bigint instant and the stored wall clock.
// JS Date alone would lose the offset and everything below a millisecond.

import type { CalendarDuration } from './retention-duration.ts';

export interface SnapshotTime {
  /** Nanoseconds since the Unix epoch. */
  ns: bigint;
  /** Wall clock in the stored offset. */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  /** Stored offset east of UTC, in minutes. */
  offsetMinutes: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Seconds since the epoch of a wall clock taken as UTC; months and days may overflow. */
function wallSeconds(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() / 1000;
}

/** Parses an RFC 3339 time as restic writes it; undefined when it is not one. */
export function parseSnapshotTime(text: string): SnapshotTime | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  const offsetMinutes = m[8] !== undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month! < 1 || month! > 12 || hour! > 23 || minute! > 59 || second! > 59) return undefined;
  if (Math.abs(offsetMinutes) >= 24 * 60) return undefined;
  const secs = wallSeconds(year!, month!, day!, hour!, minute!, second!);
  // Reject 31 April and friends: the wall clock must survive the round trip.
  const check = new Date(secs * 1000);
  if (day! < 1 || check.getUTCDate() !== day || check.getUTCMonth() !== month! - 1) return undefined;
  const epochSeconds = secs - offsetMinutes * 60;
  return {
    ns: BigInt(epochSeconds) * 1_000_000_000n + BigInt(nanos),
    year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second!, nanos, offsetMinutes,
  };
}

/** Go's zero time (0001-01-01 00:00 UTC): restic's "latest" when no snapshot is in the past. */
export const ZERO_TIME: SnapshotTime = {
  ns: BigInt(wallSeconds(1, 1, 1, 0, 0, 0)) * 1_000_000_000n,
  year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanos: 0, offsetMinutes: 0,
};

export function nsOfDate(d: Date): bigint {
  return BigInt(d.getTime()) * 1_000_000n;
}

/**
 * The instant `d` before `t`, as Go's t.AddDate(-y, -m, -d).Add(-h hours): calendar steps on
 * t's wall clock in its own offset, normalised the way Go normalises (31 March minus one
 * month is 3 March, or 2 March in a leap year), then exact hours.
 */
export function subtractDuration(t: SnapshotTime, d: CalendarDuration): bigint {
  const secs = wallSeconds(t.year - d.years, t.month - d.months, t.day - d.days, t.hour, t.minute, t.second);
  const epochSeconds = secs - t.offsetMinutes * 60 - d.hours * 3600;
  return BigInt(epochSeconds) * 1_000_000_000n + BigInt(t.nanos);
}

/** ISO 8601 week-numbering year and week of the wall-clock date, as Go's ISOWeek. */
export function isoWeek(t: Pick<SnapshotTime, 'year' | 'month' | 'day'>): { year: number; week: number } {
  const date = new Date(wallSeconds(t.year, t.month, t.day, 0, 0, 0) * 1000);
  const weekday = (date.getUTCDay() + 6) % 7; // Monday = 0
  // The week belongs to the year holding its Thursday.
  const thursday = new Date(date.getTime() + (3 - weekday) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const jan1 = new Date(wallSeconds(isoYear, 1, 1, 0, 0, 0) * 1000);
  const dayOfYear = Math.round((thursday.getTime() - jan1.getTime()) / 86_400_000);
  return { year: isoYear, week: Math.floor(dayOfYear / 7) + 1 };
}
