// Tags keep only stable identifiers (job=, engine, database), so `forget --group-by host,tags`
// — restic's and ours, on the same repository — puts a job's runs in one group. Sizes,
// durations and versions live in the snapshot's summary and the dump's meta file.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dropPgDatabases, pgQuery, repoBlock, workspace } from './e2e-support.ts';

const db = `lb_tags_${randomBytes(4).toString('hex')}`;
after(() => dropPgDatabases([db]));

test('five runs of a PostgreSQL job form one group for restic forget --group-by host,tags', async () => {
  await using w = await workspace();
  await pgQuery('postgres', `CREATE DATABASE ${db}`);
  await pgQuery(db, 'CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g');
  await w.writeConfig(`${repoBlock(w)}jobs:\n  pg:\n    source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${db}], globals: false }\n    repositories: [main]\n`);
  for (let i = 0; i < 5; i++) {
    await pgQuery(db, `INSERT INTO t SELECT g FROM generate_series(1, ${(i + 1) * 100}) g`);
    const r = await w.cli(['backup', '--job', 'pg']);
    assert.equal(r.code, 0, r.stderr);
  }
  const snaps = await w.snapshots();
  assert.equal(snaps.length, 5);
  assert.deepEqual(new Set(snaps.map((s) => JSON.stringify(s.tags))).size, 1, 'every run has the same tags');
  assert.deepEqual(snaps[0]!.tags, ['job=pg', 'engine=postgres', `db=${db}`]);

  const restic = JSON.parse(await w.restic(['forget', '--group-by', 'host,tags', '--keep-last', '1', '--dry-run', '--json']));
  assert.equal(restic.length, 1, 'restic sees one group');
  assert.equal(restic[0].keep.length, 1);
  assert.equal(restic[0].remove.length, 4);

  const ours = await w.cli(['forget', '--repo', w.repo, '--group-by', 'host,tags', '--keep-last', '1', '--dry-run', '--json'],
    { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(ours.code, 0, ours.stderr);
  const groups = JSON.parse(ours.stdout);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].keep.length, 1);

  // The table still shows each run's dump size and duration, from the summary.
  const table = await w.cli(['snapshots', '--job', 'pg']);
  assert.equal(table.code, 0, table.stderr);
  const rows = table.stdout.split('\n').filter((l) => l.includes(db));
  assert.equal(rows.length, 5);
  for (const row of rows) assert.match(row, /\d+(\.\d+)? (B|KiB|MiB)\s+\d+\.\ds/);
});
