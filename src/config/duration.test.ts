import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseRetentionDuration } from './duration.ts';

test('parseDuration: units, combinations and rejects', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('2w'), 1_209_600_000);
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('0s'), 0);
  for (const bad of ['', '30', '5 m', '1.5h', 'h', '-5m', '5M', '99999999999999999999d']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test("parseRetentionDuration: restic's keep-within grammar (m = months)", () => {
  assert.deepEqual(parseRetentionDuration('1y6m'), { years: 1, months: 6, days: 0, hours: 0 });
  assert.deepEqual(parseRetentionDuration('30d'), { years: 0, months: 0, days: 30, hours: 0 });
  assert.deepEqual(parseRetentionDuration('2d12h'), { years: 0, months: 0, days: 2, hours: 12 });
  for (const bad of ['', '5x', '6m1y', '30s', '1w']) assert.equal(parseRetentionDuration(bad), undefined, bad);
});
