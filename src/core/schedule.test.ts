import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCronExpression, checkTimezone, describeSchedule, longestGapMs, nextRun, nextRuns, type Schedule } from './schedule.ts';

const iso = (d: Date | undefined) => d?.toISOString();
const HOUR = 3_600_000;

test('cron, 5 fields: next runs in the given time zone, strictly after the reference', () => {
  const s: Schedule = { kind: 'cron', expression: '15 2 * * *', timezone: 'UTC' };
  assert.deepEqual(nextRuns(s, new Date('2025-01-10T12:00:00Z'), 3).map(iso),
    ['2025-01-11T02:15:00.000Z', '2025-01-12T02:15:00.000Z', '2025-01-13T02:15:00.000Z']);
  // A run exactly at the reference time is not "next".
  assert.equal(iso(nextRun(s, new Date('2025-01-11T02:15:00Z'))), '2025-01-12T02:15:00.000Z');
  // 02:15 in Berlin is 01:15 UTC in winter and 00:15 UTC in summer.
  const berlin: Schedule = { ...s, timezone: 'Europe/Berlin' };
  assert.equal(iso(nextRun(berlin, new Date('2025-01-10T12:00:00Z'))), '2025-01-11T01:15:00.000Z');
  assert.equal(iso(nextRun(berlin, new Date('2025-07-10T12:00:00Z'))), '2025-07-11T00:15:00.000Z');
  // On the night clocks spring forward, 02:15 does not exist: it runs at the first valid time.
  assert.equal(iso(nextRun(berlin, new Date('2025-03-29T12:00:00Z'))), '2025-03-30T01:00:00.000Z');
});

test('cron, 6 fields: seconds first', () => {
  const s: Schedule = { kind: 'cron', expression: '*/20 * * * * *', timezone: 'UTC' };
  assert.deepEqual(nextRuns(s, new Date('2025-01-10T12:00:05Z'), 3).map(iso),
    ['2025-01-10T12:00:20.000Z', '2025-01-10T12:00:40.000Z', '2025-01-10T12:01:00.000Z']);
  assert.equal(longestGapMs(s, new Date('2025-01-10T12:00:05Z')), 20_000);
});

test('interval: runs count from the previous run', () => {
  const s: Schedule = { kind: 'interval', everyMs: 30_000 };
  assert.deepEqual(nextRuns(s, new Date('2025-01-10T12:00:00Z'), 2).map(iso), ['2025-01-10T12:00:30.000Z', '2025-01-10T12:01:00.000Z']);
  assert.equal(longestGapMs(s, new Date()), 30_000);
  assert.equal(describeSchedule({ kind: 'interval', everyMs: 5_400_000 }), 'every 1h30m');
  assert.equal(describeSchedule({ kind: 'cron', expression: '0 3 * * *', timezone: 'UTC' }), 'cron "0 3 * * *" in UTC');
});

test('period estimate: the longest gap, so weekdays-only jobs report the weekend', () => {
  const weekdays: Schedule = { kind: 'cron', expression: '0 3 * * 1-5', timezone: 'UTC' };
  assert.equal(longestGapMs(weekdays, new Date('2025-01-06T00:00:00Z')), 72 * HOUR);
  assert.equal(longestGapMs({ kind: 'cron', expression: '0 * * * *', timezone: 'UTC' }, new Date('2025-01-06T00:00:00Z')), HOUR);
  // Without a time zone the expression is read in the system's.
  assert.equal(longestGapMs({ kind: 'cron', expression: '@hourly' }, new Date('2025-01-06T00:00:00Z')), HOUR);
});

test('checkCronExpression: field counts, ranges, never-matching dates', () => {
  for (const ok of ['0 3 * * *', '*/15 * * * *', '0 0 3 * * MON-FRI', '@daily', '  5 4 * * sun ']) {
    assert.equal(checkCronExpression(ok), undefined, ok);
  }
  assert.equal(checkCronExpression('* * * *'),
    'expected a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4');
  assert.match(checkCronExpression('0 0 0 1 1 * 2030')!, /got 7/);
  assert.equal(checkCronExpression('61 * * * *'), 'invalid cron expression: Invalid value for minute: 61');
  assert.match(checkCronExpression('0 3 * * funday')!, /^invalid cron expression: /);
  assert.equal(checkCronExpression('0 0 31 2 *'), 'the cron expression never matches a date');
  assert.equal(checkCronExpression(''), 'must not be empty');
});

test('checkTimezone: IANA names only', () => {
  assert.equal(checkTimezone('Europe/Berlin'), undefined);
  assert.equal(checkTimezone('UTC'), undefined);
  assert.match(checkTimezone('Mars/Olympus')!, /unknown time zone/);
  assert.match(checkTimezone('')!, /unknown time zone/);
});
