// `diff A B --job NAME` for database jobs: beside restic's file lines, the tables whose rows
// changed (size or checksum), were added or removed — for PostgreSQL (through pg_restore) and
// MySQL/MariaDB (the dump's INSERT lines); an unchanged dump is not read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { dropPgDatabases, MY, PG, pgQuery, repoBlock, workspace, type Workspace } from './e2e-support.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;

async function snapshotIds(ws: Workspace, job: string): Promise<string[]> {
  return (JSON.parse((await ws.cli(['snapshots', '--job', job, '--json'])).stdout) as Array<{ id: string }>).map((s) => s.id);
}

async function twoBackupsAndDiff(ws: Workspace, job: string, change: () => Promise<void>): Promise<string> {
  const b1 = await ws.cli(['backup', '--job', job]);
  assert.equal(b1.code, 0, b1.stderr);
  const same = await ws.cli(['backup', '--job', job]);
  assert.equal(same.code, 0, same.stderr);
  await change();
  const b2 = await ws.cli(['backup', '--job', job]);
  assert.equal(b2.code, 0, b2.stderr);
  const [first, second, third] = await snapshotIds(ws, job);
  const unchanged = await ws.cli(['diff', first!, second!, '--job', job]);
  assert.equal(unchanged.code, 0, unchanged.stderr);
  assert.match(unchanged.stdout, /no table changed/);
  const r = await ws.cli(['diff', second!, third!, '--job', job]);
  assert.equal(r.code, 0, r.stderr);
  const json = await ws.cli(['diff', second!, third!, '--job', job, '--json']);
  const tables = json.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.message_type === 'table_change');
  assert.deepEqual(tables.map((t) => `${t.modifier} ${t.table}`).sort(), r.stdout.split('\n').filter((l) => /^[+\-M] +\w+: /.test(l))
    .map((l) => l.replace(/^([+\-M]) +\w+: (\S+).*$/, '$1 $2')).sort());
  return r.stdout;
}

test('postgres: changed, added and removed tables between two snapshots', async () => {
  const db = `lb_e2e_diff_${suffix}`;
  await pgQuery('postgres', `CREATE DATABASE ${db}`);
  try {
    await pgQuery(db, 'CREATE TABLE kept (x int); INSERT INTO kept VALUES (1); CREATE TABLE edited (x int); INSERT INTO edited VALUES (1), (2); CREATE TABLE dropped (x int);');
    await using ws = await workspace();
    await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source: { type: postgres, host: ${PG.host}, port: ${PG.port}, user: ${PG.user}, databases: [${db}], globals: false }\n    repositories: [main]\n`);
    const out = await twoBackupsAndDiff(ws, 'pg', () => pgQuery(db, 'UPDATE edited SET x = 3 WHERE x = 2; DROP TABLE dropped; CREATE TABLE added (y text); INSERT INTO added VALUES (\'new\');').then(() => {}));
    assert.match(out, /^M +\w+: public\.edited \(/m);
    assert.match(out, /^\+ +\w+: public\.added \(/m);
    assert.doesNotMatch(out, /public\.kept/);
    assert.doesNotMatch(out, /public\.dropped/, 'an empty table has no rows to compare');
    assert.match(out, /^M +\/postgres\/\S+\.dump$/m, 'and the dump file itself, as restic diff says');
  } finally {
    await dropPgDatabases([db]);
  }
});

test('mysql: changed and added tables between two snapshots', async () => {
  const db = `lb_e2e_diff_${suffix}`;
  const c = await mysql.createConnection({ ...MY, multipleStatements: true });
  try {
    await c.query(`CREATE DATABASE \`${db}\`; USE \`${db}\`; CREATE TABLE kept (x int); INSERT INTO kept VALUES (1); CREATE TABLE edited (x int); INSERT INTO edited VALUES (1), (2);`);
    await using ws = await workspace();
    await ws.writeConfig(`${repoBlock(ws)}jobs:\n  my:\n    source: { type: mysql, host: ${MY.host}, port: ${MY.port}, user: ${MY.user}, databases: [${db}] }\n    repositories: [main]\n`);
    const out = await twoBackupsAndDiff(ws, 'my', async () => {
      await c.query(`USE \`${db}\`; UPDATE edited SET x = 3 WHERE x = 2; CREATE TABLE added (y text); INSERT INTO added VALUES ('new');`);
    });
    assert.match(out, /^M +\w+: edited \(/m);
    assert.match(out, /^\+ +\w+: added \(/m);
    assert.doesNotMatch(out, /: kept/);
  } finally {
    await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await c.end();
  }
});
