import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoWeek, parseSnapshotTime, subtractDuration } from './retention-time.ts';
import { formatDuration, parseDuration } from './retention-duration.ts';

function iso(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

test('parses restic times keeping the stored wall clock and every nanosecond', () => {
  const t = parseSnapshotTime('2024-03-10T23:30:05.123456789-05:00')!;
  assert.deepEqual([t.year, t.month, t.day, t.hour, t.minute, t.second, t.nanos, t.offsetMinutes], [2024, 3, 10, 23, 30, 5, 123456789, -300]);
  assert.equal(iso(t.ns), '2024-03-11T04:30:05.123Z');
  assert.equal(t.ns % 1_000_000_000n, 123456789n);
  assert.equal(parseSnapshotTime('2024-01-01T00:00:00.5Z')!.nanos, 500_000_000);
  assert.equal(parseSnapshotTime('2024-01-01T05:45:00+05:45')!.ns, parseSnapshotTime('2024-01-01T00:00:00Z')!.ns);
});

test('rejects what restic could not have written', () => {
  for (const bad of ['', '2024-01-01', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:00', '2024-01-01T00:00:00.1234567890Z', '2024-04-31T10:00:00+02:00', 'yesterday']) {
    assert.equal(parseSnapshotTime(bad), undefined, bad);
  }
  assert.notEqual(parseSnapshotTime('2024-02-29T00:00:00Z'), undefined);
});

test('ISO weeks match Go ISOWeek at year edges', () => {
  const cases: Array<[string, number, number]> = [
    ['2021-01-03', 2020, 53], ['2020-12-31', 2020, 53], ['2021-01-04', 2021, 1],
    ['2024-12-30', 2025, 1], ['2024-12-29', 2024, 52], ['2023-01-01', 2022, 52],
    ['2026-01-01', 2026, 1], ['2027-01-01', 2026, 53], ['2024-06-15', 2024, 24],
  ];
  for (const [date, year, week] of cases) {
    const [y, m, d] = date.split('-').map(Number);
    assert.deepEqual(isoWeek({ year: y!, month: m!, day: d! }), { year, week }, date);
  }
});

test('keep-within thresholds follow Go AddDate normalisation in the stored offset', () => {
  const at = (s: string) => parseSnapshotTime(s)!;
  // 31 March minus a month is "31 February" = 2 March in a leap year.
  assert.equal(iso(subtractDuration(at('2024-03-31T12:00:00Z'), parseDuration('1m'))), '2024-03-02T12:00:00.000Z');
  assert.equal(iso(subtractDuration(at('2023-03-31T12:00:00Z'), parseDuration('1m'))), '2023-03-03T12:00:00.000Z');
  assert.equal(iso(subtractDuration(at('2024-02-29T00:00:00Z'), parseDuration('1y'))), '2023-03-01T00:00:00.000Z');
  assert.equal(iso(subtractDuration(at('2024-01-10T06:00:00Z'), parseDuration('1y2m3d4h'))), '2022-11-07T02:00:00.000Z');
  // Days step on the wall clock of the stored offset, hours are exact.
  assert.equal(iso(subtractDuration(at('2024-03-01T01:00:00+02:00'), parseDuration('1d'))), '2024-02-28T23:00:00.000Z');
  assert.equal(subtractDuration(at('2024-01-01T00:00:00.000000007Z'), parseDuration('1h')) % 1000n, 7n);
});

test('durations parse and print as restic does', () => {
  assert.deepEqual(parseDuration('30d'), { years: 0, months: 0, days: 30, hours: 0 });
  assert.deepEqual(parseDuration(' 1y2m3d4h '), { years: 1, months: 2, days: 3, hours: 4 });
  // restic: `4h1y` is accepted and printed `1y4h`; a repeated unit overrides (`1d2d` = `2d`).
  assert.equal(formatDuration(parseDuration('4h1y')), '1y4h');
  assert.equal(formatDuration(parseDuration('1d2d')), '2d');
  assert.equal(formatDuration(parseDuration('0d')), '');
  const messages: Array<[string, RegExp]> = [
    ['5', /no unit found after number 5/], ['d', /no number found/], ['1x', /invalid unit "x"/],
    ['1D', /invalid unit "D"/], ['1d2', /no unit found after number 2/], ['', /empty/], ['-1d', /negative/],
  ];
  for (const [text, re] of messages) assert.throws(() => parseDuration(text), re, text);
});
