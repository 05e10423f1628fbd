import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLocalTime, parsePointInTime } from './point-in-time.ts';

test('ISO 8601 with a zone is that instant', () => {
  assert.equal(parsePointInTime('2026-11-20T14:00:00Z')?.toISOString(), '2026-11-20T14:00:00.000Z');
  assert.equal(parsePointInTime('2026-11-20T14:00:00.250+01:00')?.toISOString(), '2026-11-20T13:00:00.250Z');
  assert.equal(parsePointInTime('2026-11-20 14:00-0530')?.toISOString(), '2026-11-20T19:30:00.000Z');
});

test('without a zone the time is local wall-clock time', () => {
  const local = parsePointInTime('2026-11-20 14:00')!;
  assert.deepEqual([local.getFullYear(), local.getMonth(), local.getDate(), local.getHours(), local.getMinutes()], [2026, 10, 20, 14, 0]);
  const day = parsePointInTime('2026-11-20')!;
  assert.deepEqual([day.getDate(), day.getHours()], [20, 0]);
  assert.equal(parsePointInTime('2026-11-20T14:00:05')!.getSeconds(), 5);
});

test('anything else is refused', () => {
  for (const bad of ['yesterday', '20261120', '2026-13-01', '2026-02-30 10:00', '2026-11-20 25:00', '2026-11-20T14', '']) {
    assert.equal(parsePointInTime(bad), undefined, bad);
  }
});

test('formatLocalTime round-trips through the parser', () => {
  const d = new Date('2026-03-01T08:09:10Z');
  assert.equal(parsePointInTime(formatLocalTime(d))?.getTime(), d.getTime());
});
