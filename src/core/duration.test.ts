import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, formatDurationMs } from './duration.ts';

test('parses the duration forms users write', () => {
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('5m'), 300_000);
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('7d'), 604_800_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1.5s'), 1500);
});

test('rejects what is not a duration', () => {
  for (const bad of ['', 'abc', '5x', '5m junk', 'm5', '-1s', '12']) assert.equal(parseDurationMs(bad), undefined, bad);
});

test('formats durations for people', () => {
  assert.equal(formatDurationMs(450), '450ms');
  assert.equal(formatDurationMs(3200), '3.2s');
  assert.equal(formatDurationMs(125_000), '2m5s');
  assert.equal(formatDurationMs(3_720_000), '1h2m');
});
