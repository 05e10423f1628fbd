// Golden tests of the retention policy: the policies our users run, with expected keep sets
// worked out by hand from restic's rules (see the comments), plus the edges restic defines.
// test/retention-restic-oracle.test.ts checks the same logic against the real restic binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { SnapshotEntry, SnapshotId, BlobId } from '../repo/types.ts';
import { applyRetention, type RetentionGroup, type RetentionPolicy, type GroupBy } from './retention.ts';
import { parseDuration } from './retention-duration.ts';
import { IntegrityError, UsageError } from '../errors.ts';

interface SnapOpts { host?: string; paths?: string[]; tags?: string[]; id?: string }

function snap(time: string, o: SnapOpts = {}): SnapshotEntry {
  const host = o.host ?? 'db1';
  const id = o.id ?? createHash('sha256').update(`${time}|${host}|${o.tags?.join(',') ?? ''}|${o.paths?.join(',') ?? ''}`).digest('hex');
  return {
    id: id as SnapshotId,
    snapshot: { time, tree: '00'.repeat(32) as BlobId, paths: o.paths ?? ['/data'], hostname: host, ...(o.tags ? { tags: o.tags } : {}) },
  };
}

/** Snapshots every `stepHours` from start to end inclusive, UTC. */
function series(start: string, end: string, stepHours: number, o: SnapOpts = {}): SnapshotEntry[] {
  const out: SnapshotEntry[] = [];
  for (let t = Date.parse(start); t <= Date.parse(end); t += stepHours * 3_600_000) {
    out.push(snap(new Date(t).toISOString().replace('.000Z', 'Z'), o));
  }
  return out;
}

const NOW = new Date('2030-01-01T00:00:00Z');

function run(list: SnapshotEntry[], policy: RetentionPolicy, groupBy: GroupBy[] = ['host', 'paths'], now = NOW): RetentionGroup[] {
  return applyRetention(list, policy, { groupBy, now });
}

function only(groups: RetentionGroup[]): RetentionGroup {
  assert.equal(groups.length, 1);
  return groups[0]!;
}

/** Kept snapshots as "time reason, reason", newest first. */
function kept(g: RetentionGroup): string[] {
  return g.reasons.map((r) => `${r.entry.snapshot.time} ${r.matches.join(', ')}`);
}

test('30 days: keepDaily 30 and keepWithin 30d over 90 days of dailies keep the same 30', () => {
  const list = series('2024-01-01T02:00:00Z', '2024-03-30T02:00:00Z', 24);
  assert.equal(list.length, 90);
  const daily = only(run(list, { keepDaily: 30 }));
  const within = only(run(list, { keepWithin: parseDuration('30d') }));
  assert.equal(daily.keep.length, 30);
  assert.equal(daily.remove.length, 60);
  // Newest is 30 March; 30 days back is 29 Feb 02:00, which is not "after" and goes.
  assert.equal(daily.keep.at(-1)!.snapshot.time, '2024-03-01T02:00:00Z');
  assert.deepEqual(within.keep.map((e) => e.id), daily.keep.map((e) => e.id));
  assert.deepEqual(within.reasons[0]!.matches, ['within 30d']);
  assert.deepEqual(daily.reasons[29]!.counters, { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 });
  // On six-hourly snapshots, within keeps every one of the 30 days (4 x 30), daily one a day.
  const six = series('2024-01-01T00:00:00Z', '2024-03-30T18:00:00Z', 6);
  assert.equal(only(run(six, { keepWithin: parseDuration('30d') })).keep.length, 120);
  const sixDaily = only(run(six, { keepDaily: 30 }));
  assert.equal(sixDaily.keep.length, 30);
  assert.ok(sixDaily.keep.every((e) => e.snapshot.time.endsWith('T18:00:00Z')), 'the newest of each day');
});

test('7 daily / 4 weekly / 12 monthly over two years of six-hourly snapshots', () => {
  const list = series('2023-01-01T00:00:00Z', '2024-12-31T18:00:00Z', 6);
  assert.equal(list.length, 731 * 4);
  const g = only(run(list, { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }));
  // Daily: 25-31 Dec 2024 at 18:00. Weekly (ISO): 31 Dec is in 2025-W01, then the Sundays
  // closing W52, W51, W50 (29, 22, 15 Dec). Monthly: the last day of each month of 2024.
  assert.deepEqual(kept(g), [
    '2024-12-31T18:00:00Z daily snapshot, weekly snapshot, monthly snapshot',
    '2024-12-30T18:00:00Z daily snapshot',
    '2024-12-29T18:00:00Z daily snapshot, weekly snapshot',
    '2024-12-28T18:00:00Z daily snapshot',
    '2024-12-27T18:00:00Z daily snapshot',
    '2024-12-26T18:00:00Z daily snapshot',
    '2024-12-25T18:00:00Z daily snapshot',
    '2024-12-22T18:00:00Z weekly snapshot',
    '2024-12-15T18:00:00Z weekly snapshot',
    '2024-11-30T18:00:00Z monthly snapshot',
    '2024-10-31T18:00:00Z monthly snapshot',
    '2024-09-30T18:00:00Z monthly snapshot',
    '2024-08-31T18:00:00Z monthly snapshot',
    '2024-07-31T18:00:00Z monthly snapshot',
    '2024-06-30T18:00:00Z monthly snapshot',
    '2024-05-31T18:00:00Z monthly snapshot',
    '2024-04-30T18:00:00Z monthly snapshot',
    '2024-03-31T18:00:00Z monthly snapshot',
    '2024-02-29T18:00:00Z monthly snapshot',
    '2024-01-31T18:00:00Z monthly snapshot',
  ]);
  assert.equal(g.remove.length, 2924 - 20);
  assert.deepEqual(g.reasons[0]!.counters, { last: 0, hourly: 0, daily: 6, weekly: 3, monthly: 11, yearly: 0 });
  assert.equal(g.decisions.length, 2924);
  // Adding keepYearly 3 adds only the newest of 2023: there is no third year to keep.
  const y = only(run(list, { keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 3 }));
  assert.equal(y.keep.length, 21);
  assert.deepEqual(kept(y).at(-1), '2023-12-31T18:00:00Z yearly snapshot');
  assert.equal(y.reasons.at(-1)!.counters.yearly, 1);
});

test('keepYearly keeps the newest snapshot of each year, -1 every year', () => {
  const list = series('2015-06-01T00:00:00Z', '2024-11-30T00:00:00Z', 24 * 30);
  const five = only(run(list, { keepYearly: 5 }));
  assert.deepEqual(five.keep.map((e) => e.snapshot.time.slice(0, 4)), ['2024', '2023', '2022', '2021', '2020']);
  const all = only(run(list, { keepYearly: -1 }));
  assert.equal(all.keep.length, 10);
  assert.equal(all.keep.at(-1)!.snapshot.time.slice(0, 4), '2015');
  assert.ok(all.reasons.every((r) => r.counters.yearly === -1));
  // keepLast -1 (restic >= 0.15 "unlimited") keeps everything.
  assert.equal(only(run(list, { keepLast: -1 })).remove.length, 0);
});

test('a "latest pointer" is always kept: keepLast 1 and keepTags latest', () => {
  // Backups stopped 20 days before `now`; keep-within is anchored on the newest snapshot,
  // so an outage does not make the policy delete the last good backups.
  const list = series('2024-01-01T03:00:00Z', '2024-02-10T03:00:00Z', 24);
  list[5] = snap(list[5]!.snapshot.time, { tags: ['latest', 'manual'] });
  const now = new Date('2024-03-01T00:00:00Z');
  const g = only(run(list, { keepLast: 1, keepWithin: parseDuration('7d'), keepTags: [['latest']] }, ['host', 'paths'], now));
  assert.deepEqual(kept(g), [
    '2024-02-10T03:00:00Z within 7d, last snapshot',
    '2024-02-09T03:00:00Z within 7d',
    '2024-02-08T03:00:00Z within 7d',
    '2024-02-07T03:00:00Z within 7d',
    '2024-02-06T03:00:00Z within 7d',
    '2024-02-05T03:00:00Z within 7d',
    '2024-02-04T03:00:00Z within 7d',
    '2024-01-06T03:00:00Z has tags [latest]',
  ]);
  // A snapshot from a skewed clock (after `now`) is kept but does not move the window.
  const skewed = [...list, snap('2031-01-01T00:00:00Z')];
  const s = only(run(skewed, { keepWithin: parseDuration('7d') }, ['host', 'paths'], now));
  assert.equal(s.keep.length, 8);
  assert.equal(s.keep[0]!.snapshot.time, '2031-01-01T00:00:00Z');
  // When every snapshot is in the future, restic's "latest" is Go's zero time: all within.
  assert.equal(only(run(list, { keepWithin: parseDuration('1d') }, [], new Date('2000-01-01T00:00:00Z'))).remove.length, 0);
});

test('ties and unsorted input: the result never depends on input order', () => {
  const list = [
    snap('2024-05-01T10:00:00Z', { id: 'bb'.repeat(32) }),
    snap('2024-05-01T10:00:00Z', { id: 'aa'.repeat(32) }),
    snap('2024-05-01T08:00:00Z'),
    snap('2024-04-30T10:00:00.000000002Z'),
    snap('2024-04-30T10:00:00.000000001Z'),
    ...series('2024-04-01T00:00:00Z', '2024-04-29T00:00:00Z', 24),
  ];
  const policy: RetentionPolicy = { keepLast: 1, keepDaily: 3, keepWeekly: 2 };
  const expected = only(run(list, policy));
  // Same instant: the lower ID comes first. Same millisecond: nanoseconds decide.
  assert.equal(expected.keep[0]!.id, 'aa'.repeat(32));
  assert.ok(expected.remove.some((e) => e.id === 'bb'.repeat(32)));
  assert.equal(expected.keep[1]!.snapshot.time, '2024-04-30T10:00:00.000000002Z');
  let seed = 42;
  for (let round = 0; round < 20; round++) {
    const shuffled = [...list];
    for (let i = shuffled.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const g = only(run(shuffled, policy));
    assert.deepEqual(g.decisions.map((d) => [d.entry.id, d.reasons]), expected.decisions.map((d) => [d.entry.id, d.reasons]));
  }
  // keepLast counts every snapshot, ties included.
  assert.deepEqual(only(run(list, { keepLast: 2 })).keep.map((e) => e.id), ['aa'.repeat(32), 'bb'.repeat(32)]);
});

test('groups: each host, path set, tag set or job gets the policy on its own', () => {
  const list = [
    ...series('2024-01-01T00:00:00Z', '2024-01-05T00:00:00Z', 24, { host: 'db1', tags: ['job=pg', 'engine=postgres'] }),
    ...series('2024-01-01T01:00:00Z', '2024-01-05T01:00:00Z', 24, { host: 'db2', tags: ['job=pg'] }),
    ...series('2024-01-01T02:00:00Z', '2024-01-03T02:00:00Z', 24, { host: 'db1', tags: ['job=redis'], paths: ['/b', '/a'] }),
    snap('2024-01-04T02:00:00Z', { host: 'db1', tags: ['job=redis'], paths: ['/a', '/b'] }),
    snap('2024-01-04T03:00:00Z', { host: 'db1', paths: ['/a', '/b'] }),
  ];
  const policy = { keepLast: 2 };
  const byHostPaths = run(list, policy);
  assert.deepEqual(byHostPaths.map((g) => [g.key, g.keep.length, g.remove.length]), [
    [{ host: 'db1', paths: ['/a', '/b'] }, 2, 3],
    [{ host: 'db1', paths: ['/data'] }, 2, 3],
    [{ host: 'db2', paths: ['/data'] }, 2, 3],
  ]);
  const byJob = run(list, policy, ['job']);
  assert.deepEqual(byJob.map((g) => [g.key.job, g.keep.map((e) => e.snapshot.time)]), [
    ['pg', ['2024-01-05T01:00:00Z', '2024-01-05T00:00:00Z']],
    ['redis', ['2024-01-04T02:00:00Z', '2024-01-03T02:00:00Z']],
    [null, ['2024-01-04T03:00:00Z']],
  ].sort((a, b) => (JSON.stringify({ job: a[0] }) < JSON.stringify({ job: b[0] }) ? -1 : 1)));
  const byHostTags = run(list, policy, ['host', 'tags']);
  assert.equal(byHostTags.length, 4);
  assert.deepEqual(byHostTags.find((g) => g.key.host === 'db1' && g.key.tags?.length === 2)!.key.tags, ['engine=postgres', 'job=pg']);
  const one = only(run(list, policy, []));
  assert.deepEqual(one.key, {});
  assert.equal(one.keep.length, 2);
  assert.equal(byHostPaths.flatMap((g) => g.decisions).length, list.length);
});

test('buckets use the wall clock of the offset stored in the snapshot', () => {
  // 23:30 at -05:00 is 04:30 UTC on the 11th, yet it is a snapshot of the 10th.
  const list = [snap('2024-03-10T23:30:00-05:00'), snap('2024-03-11T02:00:00Z')];
  const g = only(run(list, { keepDaily: 5 }));
  assert.deepEqual(kept(g), ['2024-03-10T23:30:00-05:00 daily snapshot', '2024-03-11T02:00:00Z daily snapshot']);
  // Same day in one zone: only the newest of the day stays.
  const same = only(run([snap('2024-03-10T23:30:00-05:00'), snap('2024-03-10T20:00:00-05:00')], { keepDaily: 5 }));
  assert.equal(same.keep.length, 1);
});

test('keep-within-* keep one per bucket inside the window only', () => {
  const list = series('2024-01-01T00:00:00Z', '2024-01-03T23:00:00Z', 1);
  const g = only(run(list, { keepWithinDaily: parseDuration('2d'), keepWithinHourly: parseDuration('5h') }));
  assert.deepEqual(kept(g), [
    '2024-01-03T23:00:00Z hourly within 5h, daily within 2d',
    '2024-01-03T22:00:00Z hourly within 5h',
    '2024-01-03T21:00:00Z hourly within 5h',
    '2024-01-03T20:00:00Z hourly within 5h',
    '2024-01-03T19:00:00Z hourly within 5h',
    '2024-01-02T23:00:00Z daily within 2d',
  ]);
});

test('an empty policy keeps everything; bad input fails loudly', () => {
  const list = series('2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z', 24);
  const g = only(run(list, {}));
  assert.equal(g.remove.length, 0);
  assert.ok(g.reasons.every((r) => r.matches.join() === 'policy is empty'));
  assert.equal(only(run(list, { keepDaily: 0, keepWithin: parseDuration('0d') })).remove.length, 0);
  assert.throws(() => run(list, { keepDaily: 1.5 }), UsageError);
  assert.throws(() => run(list, { keepDaily: -2 }), UsageError);
  assert.throws(() => run(list, { keepTags: [[]] }), UsageError);
  assert.throws(() => run(list, { keepLast: 1 }, ['hostname' as GroupBy]), UsageError);
  assert.throws(() => run([...list, snap('2024-01-05 00:00:00')], { keepLast: 1 }), IntegrityError);
  assert.deepEqual(run([], { keepLast: 1 }), []);
});
