// Needs: PostgreSQL 15 binaries, restic, root (the clusters run as the postgres user)
// The drill of a WAL job: `lifeboat drill --job` restores the archive to its end into a scratch
// data directory, starts it on a free port, runs the job's checks (a count, a freshness), reports
// the RTO, and removes the server and its data.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import type { Workspace } from './e2e-support.ts';
import { switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { startWalJob, type WalJob } from './support/wal-job.ts';

let job: WalJob;
let ws: Workspace;
let primary: PgCluster;

before(async () => {
  job = await startWalJob(10, '    drill:\n      checks:\n        - { query: "select count(*) from t", min_rows: 100 }\n        - { query: "select max(at) from t", max_age: 1h }\n');
  ({ ws, primary } = job);
  await primary.query('CREATE TABLE t (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), pad text)');
  await insert(100);
  const b = await ws.cli(['backup', '--job', 'pg']);
  assert.equal(b.code, 0, b.stderr);
});

after(async () => {
  await job?.[Symbol.asyncDispose]();
});

const insert = (n: number) => primary.query(`INSERT INTO t (pad) SELECT 'row' FROM generate_series(1, ${n})`);

test('a drill of the WAL job restores the archive to its end, runs the checks, and removes its server and data', async () => {
  await insert(20);
  await switchWalAndWaitArchived(primary);
  const d = await ws.cli(['--json', 'drill', '--job', 'pg']);
  assert.equal(d.code, 0, d.stderr + d.stdout);
  const o = JSON.parse(d.stdout);
  assert.equal(o.passed, true);
  assert.deepEqual(o.checks.map((c: { ok: boolean }) => c.ok), [true, true]);
  assert.match(o.checks[0].detail, /^120 \(at least 100\)/);
  assert.equal(typeof o.rto_seconds, 'number');
  const dataDir = /PostgreSQL in (\S+) on port/.exec(o.scratch_targets[0])![1]!;
  await assert.rejects(access(dataDir), 'the scratch data directory is removed');
});
