import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluatePath, evaluateQuery, timeOf } from './checks.ts';

const SNAP = new Date('2026-11-20T02:00:00Z');

test('min_rows: one number is that number (count(*)), anything else the number of rows', () => {
  assert.deepEqual(evaluateQuery({ query: 'select count(*) from orders', minRows: 1000 }, [['1200']], SNAP),
    { name: 'select count(*) from orders', ok: true, detail: '1200 (at least 1000)' });
  assert.equal(evaluateQuery({ query: 'q', minRows: 1000 }, [[999n]], SNAP).ok, false);
  assert.equal(evaluateQuery({ query: 'q', minRows: 2 }, [['a', 1], ['b', 2]], SNAP).detail, '2 rows (at least 2)');
  assert.equal(evaluateQuery({ query: 'q', minRows: 1, name: 'orders' }, [], SNAP).detail, '0 rows (expected at least 1)');
});

test('equals compares the first value as text', () => {
  assert.equal(evaluateQuery({ query: 'q', equals: 42 }, [[42]], SNAP).ok, true);
  assert.equal(evaluateQuery({ query: 'q', equals: 'eu' }, [['us']], SNAP).detail, '"us" (expected "eu")');
  assert.equal(evaluateQuery({ query: 'q', equals: true }, [], SNAP).ok, false);
});

test('max_age: the newest time against the snapshot time, whatever form the driver gives it in', () => {
  const sixHours = 6 * 3_600_000;
  assert.equal(evaluateQuery({ query: 'q', maxAge: sixHours }, [[new Date('2026-11-19T22:00:00Z')]], SNAP).ok, true);
  const stale = evaluateQuery({ query: 'q', maxAge: sixHours }, [['2026-11-19 19:00:00']], SNAP);
  assert.equal(stale.ok, false);
  assert.match(stale.detail, /7h0m before the snapshot \(expected at most 6h0m\)/);
  assert.equal(evaluateQuery({ query: 'q', maxAge: sixHours }, [[null]], SNAP).ok, false);
  assert.equal(timeOf(1_795_000_000)?.toISOString(), new Date(1_795_000_000_000).toISOString());
  assert.equal(timeOf('2026-11-20T01:00:00+01:00')?.toISOString(), '2026-11-20T00:00:00.000Z');
  // psql's text form: whole-hour offsets without minutes; a bare date is not mistaken for one.
  assert.equal(timeOf('2026-12-01 21:09:13.090571+00')?.toISOString(), '2026-12-01T21:09:13.090Z');
  assert.equal(timeOf('2026-12-01 21:09:13-05')?.toISOString(), '2026-12-02T02:09:13.000Z');
  assert.equal(timeOf('2026-11-20')?.toISOString(), '2026-11-20T00:00:00.000Z');
  assert.equal(timeOf('soon'), undefined);
});

test('path checks: relative to the job\'s paths, min_size for files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-check-'));
  try {
    await mkdir(join(dir, 'srv/ml/models'), { recursive: true });
    await writeFile(join(dir, 'srv/ml/models/current.pt'), Buffer.alloc(2048));
    assert.equal((await evaluatePath({ path: 'models/current.pt', minSize: 1024 }, dir, ['/etc', '/srv/ml'])).ok, true);
    assert.equal((await evaluatePath({ path: '/srv/ml/models/current.pt', minSize: 4096 }, dir, [])).ok, false);
    assert.match((await evaluatePath({ path: 'models/old.pt' }, dir, ['/srv/ml'])).detail, /not in the snapshot/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
