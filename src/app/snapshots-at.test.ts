// `--at TIME`: the newest snapshot at or before TIME, per filter and per job; none is an error
// naming the oldest snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError } from '../errors.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { newestAtOrBefore, newestPerGroupAt } from './snapshots.ts';
import { restoreOrder, suffixedPath } from './restore-all.ts';

function snap(id: string, time: string, tags: string[] = [], paths = ['/x']): SnapshotEntry {
  return { id, snapshot: { time, tree: 't', paths, hostname: 'h', tags } } as unknown as SnapshotEntry;
}

const A1 = snap('a1aaaaaa', '2026-11-19T02:00:00.123456789Z', ['job=a']);
const A2 = snap('a2aaaaaa', '2026-11-20T02:00:00Z', ['job=a']);
const B1 = snap('b1bbbbbb', '2026-11-19T12:00:00Z', ['job=b']);
const B2 = snap('b2bbbbbb', '2026-11-21T12:00:00Z', ['job=b']);

test('the newest at or before the time; a snapshot exactly at it counts, a nanosecond later does not', () => {
  assert.equal(newestAtOrBefore([A1, A2], new Date('2026-11-19T23:00:00Z')).id, A1.id);
  assert.equal(newestAtOrBefore([A1, A2], new Date('2026-11-20T02:00:00Z')).id, A2.id);
  // A1 was taken 456789 ns after 02:00:00.123: not at or before it.
  assert.equal(newestAtOrBefore([A1, A2, snap('z', '2026-11-19T01:00:00Z')], new Date('2026-11-19T02:00:00.123Z')).id, 'z');
});

test('nothing that old: an error naming the oldest snapshot', () => {
  assert.throws(() => newestAtOrBefore([A2, A1], new Date('2026-01-01T00:00:00Z')),
    (e: unknown) => e instanceof NotFoundError && /the oldest is a1aaaaaa of 2026-11-19/.test(e.message));
});

test('snapshots --at: per job the snapshot a restore --at would pick', () => {
  assert.deepEqual(newestPerGroupAt([A1, A2, B1, B2], new Date('2026-11-20T12:00:00Z')).map((e) => e.id), [B1.id, A2.id]);
  assert.deepEqual(newestPerGroupAt([A1, A2, B1, B2], new Date('2026-11-19T06:00:00Z')).map((e) => e.id), [A1.id]);
  assert.throws(() => newestPerGroupAt([A1, B1], new Date('2020-01-01T00:00:00Z')), NotFoundError);
});

test('restore --all order: restore_order first, then config order; --jobs keeps that order', () => {
  const jobs = ['web', 'db', 'cache', 'files'].map((name) => ({ name })) as never;
  assert.deepEqual(restoreOrder({ jobs, restoreOrder: ['cache', 'db'] }).map((j) => j.name), ['cache', 'db', 'web', 'files']);
  assert.deepEqual(restoreOrder({ jobs, restoreOrder: undefined }, ['files', 'web']).map((j) => j.name), ['web', 'files']);
  assert.equal(suffixedPath('/srv/app/app.db', '_restored'), '/srv/app/app_restored.db');
  assert.equal(suffixedPath('/srv/app/data', '_r'), '/srv/app/data_r');
});
