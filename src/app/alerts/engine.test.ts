import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../config/index.ts';
import { History } from '../history/store.ts';
import { AlertEngine } from './engine.ts';
import type { DiskFacts } from './rules.ts';

const YAML = `version: 1
defaults: { notify: [ops] }
notifications:
  ops: { type: webhook, url: "http://127.0.0.1:9/hook" }
  db-team: { type: webhook, url: "http://127.0.0.1:9/db" }
repositories:
  local: { location: /tmp/lifeboat-alerts-test-repo, password: pw }
  offsite: { location: /tmp/lifeboat-alerts-test-offsite, password: pw }
alerts: { repeat_interval: 1h }
jobs:
  db:
    source: { type: command, command: [echo], filename: x }
    repositories: [local, offsite]
    rpo: 10s
    notify: [db-team]
  files:
    source: { type: command, command: [echo], filename: y }
    repositories: [local]
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-alerts-'));
  const history = History.open(dir);
  let now = new Date('2026-11-20T10:00:00Z');
  const clock = { now: () => now };
  let disk: DiskFacts = { free: new Map() };
  return {
    history, clock,
    advance: (ms: number) => { now = new Date(now.getTime() + ms); },
    setDisk: (d: DiskFacts) => { disk = d; },
    async engine() {
      const config = await parseConfigText(YAML, join(dir, 'lifeboat.yaml'), {});
      return new AlertEngine({ history, config: () => config, clock, disk: async () => disk });
    },
    run(job: string | undefined, kind: 'backup' | 'copy' | 'check', status: 'succeeded' | 'failed', extra: { totalBytes?: number; repository?: string; errorCode?: string; details?: Record<string, unknown>; message?: string } = {}) {
      const id = `${job}-${kind}-${now.getTime()}-${Math.random()}`;
      history.start({ id, job, repository: extra.repository, kind, trigger: 'schedule', startedAt: now });
      history.update(id, {
        status, endedAt: now, ...(extra.totalBytes !== undefined ? { totalBytes: extra.totalBytes, snapshotId: `snap${now.getTime()}` } : {}),
        ...(status === 'failed' ? { errorCode: extra.errorCode ?? 'source', errorMessage: extra.message ?? 'pg_dump: connection refused' } : {}),
        ...(extra.details ? { details: extra.details } : {}),
      });
    },
    [Symbol.dispose]() { history.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

test('a failed backup fires once, is reminded after repeat_interval, resolves once on success; a restart repeats nothing', async () => {
  using t = setup();
  let engine = await t.engine();
  t.run('files', 'backup', 'failed');
  const fired = await engine.evaluate();
  assert.deepEqual(fired.map((x) => [x.notice.name, x.notice.state, x.notice.job, x.channels]), [['failed', 'firing', 'files', ['ops']]]);
  assert.match(fired[0]!.notice.message, /backup of job files failed: pg_dump: connection refused/);
  assert.deepEqual(await engine.evaluate(), []);
  engine = await t.engine(); // a daemon restart
  t.advance(30 * 60_000);
  assert.deepEqual(await engine.evaluate(), [], 'no duplicate after a restart');
  t.advance(31 * 60_000);
  assert.deepEqual((await engine.evaluate()).map((x) => x.notice.state), ['reminder']);
  t.run('files', 'backup', 'succeeded', { totalBytes: 1000 });
  const resolved = await engine.evaluate();
  assert.deepEqual(resolved.map((x) => [x.notice.name, x.notice.state]), [['failed', 'resolved']]);
  assert.deepEqual(t.history.alerts.list({ state: 'firing' }), []);
});

test('size anomaly: a tenth of the median fires naming both sizes; the same size does not', async () => {
  using t = setup();
  const engine = await t.engine();
  for (let i = 0; i < 7; i++) { t.run('files', 'backup', 'succeeded', { totalBytes: 1_000_000 }); t.advance(1000); }
  assert.deepEqual(await engine.evaluate(), []);
  t.run('files', 'backup', 'succeeded', { totalBytes: 100_000 });
  const fired = await engine.evaluate();
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.notice.name, 'size_anomaly');
  assert.match(fired[0]!.notice.message, /suspiciously small: 97\.7 KiB against a median of 976\.6 KiB/);
  t.advance(1000);
  t.run('files', 'backup', 'succeeded', { totalBytes: 1_000_000 });
  assert.deepEqual((await engine.evaluate()).map((x) => x.notice.state), ['resolved']);
});

test('stale past the RPO, copy behind, disk low and a check that found damage', async () => {
  using t = setup();
  const engine = await t.engine();
  t.run('db', 'backup', 'succeeded', { totalBytes: 500 });
  t.run('db', 'copy', 'succeeded', { repository: 'offsite' });
  t.setDisk({ free: new Map([['local', { freeBytes: 50, totalBytes: 1000 }]]) });
  t.run(undefined, 'check', 'failed', { repository: 'local', errorCode: 'integrity', details: { damagedSnapshots: ['abcdef1234567890'] } });
  t.advance(11_000);
  const fired = await engine.evaluate();
  const byName = new Map(fired.map((x) => [x.notice.name, x]));
  assert.deepEqual([...byName.keys()].sort(), ['check_failed', 'disk_low', 'stale']);
  assert.match(byName.get('stale')!.notice.message, /newest backup of job db is 11s old, over its RPO of 10s/);
  assert.deepEqual(byName.get('stale')!.channels, ['db-team']);
  assert.match(byName.get('check_failed')!.notice.message, /affected snapshots: abcdef12/);
  assert.deepEqual(byName.get('disk_low')!.channels.sort(), ['db-team', 'ops'], 'a repository\'s alert reaches the channels of the jobs using it');

  // A backup whose copy then fails for more than a day: copy_behind (and the copy's own failure).
  t.run('db', 'backup', 'succeeded', { totalBytes: 500 });
  t.run('db', 'copy', 'failed', { repository: 'offsite', message: 'offsite unreachable' });
  t.advance(25 * 3_600_000);
  const later = await engine.evaluate();
  assert.ok(later.some((x) => x.notice.name === 'copy_behind' && /lacked snapshot/.test(x.notice.message)));
  assert.ok(later.some((x) => x.notice.name === 'failed' && x.notice.runKind === 'copy'));
});

test('a job archiving continuously is stale by its newest archived WAL, not its last base backup', async () => {
  using t = setup();
  const engine = await t.engine();
  t.run('db', 'backup', 'succeeded', { totalBytes: 500 });
  t.advance(60_000);
  // The base backup is a minute old (RPO 10s) but WAL was archived 4 s ago: not stale.
  t.setDisk({ free: new Map(), walArchivedAt: new Map([['db', new Date(t.clock.now().getTime() - 4_000)]]) });
  assert.deepEqual((await engine.evaluate()).filter((x) => x.notice.name === 'stale'), []);
  t.advance(7_000);
  const fired = (await engine.evaluate()).filter((x) => x.notice.name === 'stale');
  assert.equal(fired.length, 1);
  assert.match(fired[0]!.notice.message, /newest archived WAL of job db is 11s old, over its RPO of 10s/);
  assert.equal(fired[0]!.notice.details.lastArchived, new Date(t.clock.now().getTime() - 11_000).toISOString());
});
