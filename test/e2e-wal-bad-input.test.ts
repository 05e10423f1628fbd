// Needs: PostgreSQL 15 binaries, root (the cluster runs as the postgres user)
// A WAL job against a server that does not archive, and WAL commands on a job without WAL:
// a clear message naming what to change, a non-zero exit, no snapshot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { workspace, repoBlock, type Workspace } from './e2e-support.ts';
import { startPgCluster, type PgCluster } from './support/pg-cluster.ts';

let ws: Workspace;
let pg: PgCluster;

before(async () => {
  ws = await workspace();
  pg = await startPgCluster({ archiving: false });
  await ws.writeConfig(`${repoBlock(ws)}jobs:
  pg:
    source: { type: postgres, host: 127.0.0.1, port: ${pg.port}, user: postgres, wal: { enabled: true } }
    repositories: [main]
  dumps:
    source: { type: postgres, host: 127.0.0.1, port: ${pg.port}, user: postgres }
    repositories: [main]
`);
});

after(async () => {
  await pg?.[Symbol.asyncDispose]();
  await ws?.[Symbol.asyncDispose]();
});

test('a base backup of a server without archiving fails before pg_basebackup, naming the settings; no snapshot', async () => {
  const b = await ws.cli(['backup', '--job', 'pg']);
  assert.equal(b.code, 1, b.stdout + b.stderr);
  assert.match(b.stderr, /job pg: postgres base backup of 127\.0\.0\.1:\d+: WAL archiving is not on \(archive_mode=off, wal_level=replica\)/);
  assert.match(b.stderr, /hint: .*lifeboat wal setup --job pg/);
  assert.deepEqual(await ws.snapshots(), []);
  await ws.restic(['check']);
});

test('WAL commands on a job without wal.enabled, and file names that are not WAL, are refused', async () => {
  const push = await ws.cli(['wal-push', '--job', 'dumps', join(pg.dataDir, 'PG_VERSION')]);
  assert.notEqual(push.code, 0);
  assert.match(push.stderr, /job dumps: WAL archiving is not enabled for this job/);
  const setup = await ws.cli(['wal', 'setup', '--job', 'dumps']);
  assert.notEqual(setup.code, 0);
  const notWal = await ws.cli(['wal-push', '--job', 'pg', join(pg.dataDir, 'PG_VERSION')]);
  assert.notEqual(notWal.code, 0);
  assert.match(notWal.stderr, /"PG_VERSION" is not a WAL file name/);
});
