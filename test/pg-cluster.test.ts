// Needs: PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin), root or a user that may run them
// The test cluster helper itself: a cluster archives through its archive_command, survives a
// restart, and a copy of its data directory starts as a cluster of its own.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grantToPostgres, pgString, startPgCluster, switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';

const clusters: PgCluster[] = [];
let dir = '';
after(async () => {
  for (const c of clusters) await c[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a throw-away cluster archives with its archive_command, restarts, and a copied data dir starts on its own port', async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-pgc-'));
  const archive = join(dir, 'archive');
  await (await import('node:fs/promises')).mkdir(archive);
  await grantToPostgres(dir);
  const c = await startPgCluster({ archiveCommand: `cp %p ${archive}/%f`, archiveTimeout: '5s' });
  clusters.push(c);
  await c.query('CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 1000)');
  const seg = await switchWalAndWaitArchived(c);
  assert.ok((await readdir(archive)).includes(seg), seg);
  await c.restart();
  assert.equal((await c.query<{ n: string }>('SELECT count(*) AS n FROM t'))[0]!.n, '1000');
  await c.stop();

  const copy = join(dir, 'copy');
  await cp(c.dataDir, copy, { recursive: true });
  const d = await startPgCluster({ dataDir: copy, settings: { archive_mode: 'off', application_name: pgString('copy') } });
  clusters.push(d);
  assert.notEqual(d.port, c.port);
  assert.equal((await d.query<{ n: string }>('SELECT count(*) AS n FROM t'))[0]!.n, '1000');
});
