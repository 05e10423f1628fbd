// Needs: PostgreSQL 15 binaries, restic, root (the clusters run as the postgres user)
// Standby and failover end to end, through the CLI: a standby built from the repository of a WAL
// job (archive_command = the real `lifeboat wal-push`, archive_timeout 10s) follows the primary's
// new commits within 2 × archive_timeout; `status` shows its replay lag; after the primary's last
// segment is archived and it stops, the promoted standby holds every archived commit and takes
// writes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Workspace } from './e2e-support.ts';
import { switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { freePort } from './support/redis-server.ts';
import { ids, startWalJob, type WalJob } from './support/wal-job.ts';

const ARCHIVE_TIMEOUT_S = 10;
let job: WalJob;
let ws: Workspace;
let primary: PgCluster;

before(async () => {
  job = await startWalJob(ARCHIVE_TIMEOUT_S);
  ({ ws, primary } = job);
  await primary.query('CREATE TABLE t (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), pad text)');
  await insert(100);
  const b = await ws.cli(['backup', '--job', 'pg']);
  assert.equal(b.code, 0, b.stderr);
});

after(async () => {
  await job?.[Symbol.asyncDispose]();
});

const primaryIds = async () => (await primary.query<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => r.id);
const insert = (n: number) => primary.query(`INSERT INTO t (pad) SELECT 'row' FROM generate_series(1, ${n})`);

test('a standby follows within 2 × archive_timeout; promoted after the primary stops, it holds every archived commit and takes writes', async () => {
  const dataDir = join(ws.dir, 'standby');
  const port = await freePort();
  job.started.push(dataDir);
  const s = await ws.cli(['standby', '--job', 'pg', '--data-dir', dataDir, '--port', String(port)]);
  assert.equal(s.code, 0, s.stderr);

  await insert(7);
  const expected = await primaryIds();
  const committed = Date.now();
  for (;;) {
    const got = await ids(port).catch((): number[] => []);
    if (got.length === expected.length) { assert.deepEqual(got, expected); break; }
    assert.ok(Date.now() - committed < 2 * ARCHIVE_TIMEOUT_S * 1000, `the standby has ${got.length} of ${expected.length} rows after 2 × archive_timeout`);
    await sleep(250);
  }
  const followedS = (Date.now() - committed) / 1000;

  const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
  const mine = status.standbys.find((x: { data_dir: string }) => x.data_dir === dataDir);
  assert.equal(mine.state, 'replaying');
  assert.equal(mine.job, 'pg');
  assert.equal(typeof mine.replay_lag_seconds, 'number');

  // Last commits; then, as the runbook says, a segment switch archives them and the primary stops.
  await insert(3);
  const final = await primaryIds();
  await switchWalAndWaitArchived(primary);
  await primary.stop();
  for (const deadline = Date.now() + 2 * ARCHIVE_TIMEOUT_S * 1000; ;) {
    if ((await ids(port).catch((): number[] => [])).length === final.length) break;
    assert.ok(Date.now() < deadline, 'the standby replays the last archived segment');
    await sleep(250);
  }
  const p = await ws.cli(['promote', '--data-dir', dataDir]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /accepts writes on timeline (\d+)/);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query(`INSERT INTO t (pad) VALUES ('after failover')`);
  await c.end();
  const after = await ids(port);
  assert.deepEqual(after.slice(0, final.length), final);
  assert.equal(after.length, final.length + 1);
  const promoted = JSON.parse((await ws.cli(['status', '--json'])).stdout).standbys.find((x: { data_dir: string }) => x.data_dir === dataDir);
  assert.equal(promoted.state, 'promoted');
  assert.ok(promoted.timeline >= 2);
  console.log(`standby followed in ${followedS.toFixed(1)} s`);
});

test('the runbook carries the failover procedure for the WAL job, with the commands used above', async () => {
  const r = await ws.cli(['runbook', '--no-repositories']);
  assert.equal(r.code, 0, r.stderr);
  const section = r.stdout.slice(r.stdout.indexOf('### Point in time and failover (WAL archive)'));
  assert.ok(section.length > 100, 'the section is there');
  for (const text of ["restore --job pg --at 'YYYY-MM-DD HH:MM:SS' --data-dir", 'restore --job pg --at latest', 'standby --job pg --data-dir',
    'lifeboat_standby_replay_lag_seconds', 'SELECT pg_switch_wal()', 'promote --data-dir', 'Repoint the application', 'wal-push --job NAME %p']) {
    assert.ok(section.includes(text), `runbook mentions ${text}`);
  }
});
