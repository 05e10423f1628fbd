// Which snapshots a retention policy keeps, with the reasons, exactly as `restic forget`
// (0.14) decides. Pure: the caller lists snapshots and later removes the ones marked remove.
//
// restic's algorithm, per group: sort newest first; a snapshot is kept if it carries all tags
// of one keep-tag set, or is newer than (latest - keepWithin), or it opens a new bucket for a
// keep-N rule that still has count left (each rule remembers only the bucket of the last
// snapshot it kept, so it keeps the newest snapshot of each bucket), or it opens a new bucket
// of a keep-within-X rule while inside that rule's window. "latest" is the newest snapshot
// that is not in the future of `now`. Buckets use the wall clock of the offset stored in the
// snapshot time. An empty policy keeps everything ("policy is empty").
//
// Where we choose, on purpose:
// - A count of -1 means unlimited, as restic >= 0.15 (`unlimited`). restic 0.14 keeps nothing
//   for -1, which loses data; we do not copy that.
// - Snapshots with the same instant are ordered by ID, so the result never depends on the
//   order of the input; restic's order there depends on the order it happened to load them.
// - keep-within arithmetic uses the latest snapshot's stored offset. restic uses its process
//   time zone when that offset equals the local one, which differs by an hour only for a
//   window that starts on the other side of a DST change.

import type { SnapshotEntry, SnapshotId } from '../repo/types.ts';
import { IntegrityError, UsageError } from '../errors.ts';
import { formatDuration, isZeroDuration, type CalendarDuration } from './retention-duration.ts';
import { isoWeek, nsOfDate, parseSnapshotTime, subtractDuration, ZERO_TIME, type SnapshotTime } from './retention-time.ts';

/** A keep-N count: a non-negative integer, or -1 for unlimited. 0/undefined means the rule is off. */
export type KeepCount = number;

export interface RetentionPolicy {
  keepLast?: KeepCount;
  keepHourly?: KeepCount;
  keepDaily?: KeepCount;
  keepWeekly?: KeepCount;
  keepMonthly?: KeepCount;
  keepYearly?: KeepCount;
  keepWithin?: CalendarDuration;
  keepWithinHourly?: CalendarDuration;
  keepWithinDaily?: CalendarDuration;
  keepWithinWeekly?: CalendarDuration;
  keepWithinMonthly?: CalendarDuration;
  keepWithinYearly?: CalendarDuration;
  /** Tag sets: a snapshot carrying every tag of one set is kept. */
  keepTags?: string[][];
}

export type GroupBy = 'host' | 'paths' | 'tags' | 'job';

/** What a group's snapshots share; a field is present only when grouping by it. */
export interface GroupKey {
  host?: string;
  /** Sorted. */
  paths?: string[];
  /** Sorted. */
  tags?: string[];
  /** Value of the `job=NAME` tag, null when the snapshot has none. */
  job?: string | null;
}

/** restic's counters: what each keep-N rule has left after this snapshot (-1 = unlimited). */
export interface RetentionCounters {
  last: number;
  hourly: number;
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
}

export interface RetentionDecision {
  entry: SnapshotEntry;
  keep: boolean;
  /** restic's `matches`, e.g. ["daily snapshot", "weekly snapshot"]; empty when removed. */
  reasons: string[];
  counters: RetentionCounters;
}

export interface KeepReason {
  entry: SnapshotEntry;
  matches: string[];
  counters: RetentionCounters;
}

export interface RetentionGroup {
  key: GroupKey;
  /** The key as canonical JSON: stable across runs, used to order groups. */
  id: string;
  /** Every snapshot of the group, newest first. */
  decisions: RetentionDecision[];
  /** Newest first, like restic's `keep`. */
  keep: SnapshotEntry[];
  /** Newest first, like restic's `remove`. */
  remove: SnapshotEntry[];
  /** Same order as keep, like restic's `reasons`. */
  reasons: KeepReason[];
}

export interface RetentionOptions {
  /** restic's default is ['host', 'paths']; [] puts all snapshots in one group. */
  groupBy: readonly GroupBy[];
  /** Snapshots after `now` do not count as "latest" for keep-within (restic uses its clock). */
  now: Date;
}

export const DEFAULT_GROUP_BY: readonly GroupBy[] = ['host', 'paths'];
const GROUP_BY_VALUES: readonly GroupBy[] = ['host', 'paths', 'tags', 'job'];

const COUNT_RULES = [
  ['keepLast', 'last', 'last snapshot'],
  ['keepHourly', 'hourly', 'hourly snapshot'],
  ['keepDaily', 'daily', 'daily snapshot'],
  ['keepWeekly', 'weekly', 'weekly snapshot'],
  ['keepMonthly', 'monthly', 'monthly snapshot'],
  ['keepYearly', 'yearly', 'yearly snapshot'],
] as const;

const WITHIN_RULES = [
  ['keepWithinHourly', 'hourly', 'hourly within'],
  ['keepWithinDaily', 'daily', 'daily within'],
  ['keepWithinWeekly', 'weekly', 'weekly within'],
  ['keepWithinMonthly', 'monthly', 'monthly within'],
  ['keepWithinYearly', 'yearly', 'yearly within'],
] as const;

type Bucket = 'last' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/** The bucket a snapshot falls in; 'last' is its position, so every snapshot is its own. */
function bucketOf(kind: Bucket, t: SnapshotTime, nr: number): number {
  switch (kind) {
    case 'last': return nr;
    case 'hourly': return t.year * 1_000_000 + t.month * 10_000 + t.day * 100 + t.hour;
    case 'daily': return t.year * 10_000 + t.month * 100 + t.day;
    case 'weekly': { const w = isoWeek(t); return w.year * 100 + w.week; }
    case 'monthly': return t.year * 100 + t.month;
    case 'yearly': return t.year;
  }
}

/** True when no rule is set: restic then keeps every snapshot. */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return (p.keepTags ?? []).length === 0 &&
    COUNT_RULES.every(([field]) => (p[field] ?? 0) === 0) &&
    isZeroDuration(p.keepWithin) && WITHIN_RULES.every(([field]) => isZeroDuration(p[field]));
}

/** Throws UsageError naming the first field that no policy may hold. */
export function validatePolicy(p: RetentionPolicy): void {
  for (const [field] of COUNT_RULES) {
    const v = p[field];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < -1)) {
      throw new UsageError(`retention policy ${field}: ${v} is not a count`, { hint: 'use a whole number >= 0, or -1 / "unlimited"' });
    }
  }
  for (const field of ['keepWithin', ...WITHIN_RULES.map(([f]) => f)] as const) {
    const d = p[field];
    if (d === undefined) continue;
    for (const part of ['years', 'months', 'days', 'hours'] as const) {
      if (!Number.isSafeInteger(d[part]) || d[part] < 0) throw new UsageError(`retention policy ${field}.${part}: ${d[part]} is not a whole number >= 0`);
    }
  }
  for (const [i, set] of (p.keepTags ?? []).entries()) {
    // An empty set would match every snapshot and silently disable the policy.
    if (set.length === 0 || set.some((tag) => tag === '')) throw new UsageError(`retention policy keepTags[${i}]: empty tag set or empty tag`);
  }
}

function groupKeyOf(entry: SnapshotEntry, groupBy: readonly GroupBy[]): GroupKey {
  const key: GroupKey = {};
  const tags = entry.snapshot.tags ?? [];
  if (groupBy.includes('host')) key.host = entry.snapshot.hostname ?? '';
  if (groupBy.includes('paths')) key.paths = [...(entry.snapshot.paths ?? [])].sort();
  if (groupBy.includes('tags')) key.tags = [...tags].sort();
  if (groupBy.includes('job')) {
    const jobs = tags.filter((t) => t.startsWith('job=')).map((t) => t.slice(4)).sort();
    key.job = jobs.length === 0 ? null : jobs.join(',');
  }
  return key;
}

function keyId(key: GroupKey): string {
  // Fixed field order, so equal keys give equal strings.
  return JSON.stringify({ host: key.host, paths: key.paths, tags: key.tags, job: key.job });
}

interface Timed {
  entry: SnapshotEntry;
  time: SnapshotTime;
}

function newestFirst(a: Timed, b: Timed): number {
  if (a.time.ns !== b.time.ns) return a.time.ns > b.time.ns ? -1 : 1;
  return a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0;
}

function hasTags(entry: SnapshotEntry, set: readonly string[]): boolean {
  const tags = entry.snapshot.tags ?? [];
  return set.every((t) => tags.includes(t));
}

/** Applies the policy to one group's snapshots (already parsed and in any order). */
function applyToGroup(list: Timed[], p: RetentionPolicy, nowNs: bigint): RetentionDecision[] {
  const sorted = [...list].sort(newestFirst);
  const zeroCounters: RetentionCounters = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 };
  if (isEmptyPolicy(p)) {
    return sorted.map(({ entry }) => ({ entry, keep: true, reasons: ['policy is empty'], counters: { ...zeroCounters } }));
  }
  let latest = ZERO_TIME;
  for (const { time } of sorted) {
    if (time.ns > latest.ns && time.ns < nowNs) latest = time;
  }
  const counts = COUNT_RULES.map(([field, kind, reason]) => ({ count: p[field] ?? 0, kind, reason, last: -1 }));
  const withins = WITHIN_RULES.flatMap(([field, kind, reason]) => {
    const d = p[field];
    return d === undefined || isZeroDuration(d) ? [] : [{ after: subtractDuration(latest, d), kind, reason: `${reason} ${formatDuration(d)}`, last: -1 }];
  });
  const within = p.keepWithin === undefined || isZeroDuration(p.keepWithin)
    ? undefined
    : { after: subtractDuration(latest, p.keepWithin), reason: `within ${formatDuration(p.keepWithin)}` };

  return sorted.map(({ entry, time }, nr) => {
    const reasons: string[] = [];
    for (const set of p.keepTags ?? []) {
      if (hasTags(entry, set)) reasons.push(`has tags [${set.join(', ')}]`);
    }
    if (within !== undefined && time.ns > within.after) reasons.push(within.reason);
    for (const b of counts) {
      if (b.count === 0) continue;
      const val = bucketOf(b.kind, time, nr);
      if (val !== b.last) {
        b.last = val;
        if (b.count > 0) b.count--;
        reasons.push(b.reason);
      }
    }
    for (const b of withins) {
      if (time.ns <= b.after) continue;
      const val = bucketOf(b.kind, time, nr);
      if (val !== b.last) {
        b.last = val;
        reasons.push(b.reason);
      }
    }
    const [last, hourly, daily, weekly, monthly, yearly] = counts.map((b) => b.count);
    const counters = { last: last!, hourly: hourly!, daily: daily!, weekly: weekly!, monthly: monthly!, yearly: yearly! };
    return { entry, keep: reasons.length > 0, reasons, counters };
  });
}

/**
 * Splits snapshots into groups and decides keep/remove for each, as `restic forget` with the
 * same policy and --group-by would. Groups come sorted by their key. Throws UsageError for an
 * invalid policy or groupBy, IntegrityError for a snapshot whose time is not RFC 3339.
 */
export function applyRetention(snapshots: readonly SnapshotEntry[], policy: RetentionPolicy, options: RetentionOptions): RetentionGroup[] {
  validatePolicy(policy);
  for (const g of options.groupBy) {
    if (!GROUP_BY_VALUES.includes(g)) throw new UsageError(`retention group-by: unknown field "${g}"`, { hint: 'use host, paths, tags and/or job' });
  }
  const nowNs = nsOfDate(options.now);
  const groups = new Map<string, { key: GroupKey; list: Timed[] }>();
  for (const entry of snapshots) {
    const time = parseSnapshotTime(entry.snapshot.time);
    if (time === undefined) {
      throw new IntegrityError(`retention: snapshot ${entry.id.slice(0, 8)} has invalid time ${JSON.stringify(entry.snapshot.time)}`, { context: { snapshot: entry.id } });
    }
    const key = groupKeyOf(entry, options.groupBy);
    const id = keyId(key);
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { key, list: [] }));
    group.list.push({ entry, time });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, { key, list }]) => {
      const decisions = applyToGroup(list, policy, nowNs);
      const kept = decisions.filter((d) => d.keep);
      return {
        key,
        id,
        decisions,
        keep: kept.map((d) => d.entry),
        remove: decisions.filter((d) => !d.keep).map((d) => d.entry),
        reasons: kept.map((d) => ({ entry: d.entry, matches: d.reasons, counters: d.counters })),
      };
    });
}

