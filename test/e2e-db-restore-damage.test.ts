// A database dump with a damaged blob is refused before the target is touched, naming the
// snapshot, the file, the blob and its pack:
// - MySQL and SQLite: every blob of the dump is read and verified first; the new target
//   database does not exist afterwards, an existing SQLite file is unchanged;
// - PostgreSQL: pg_restore runs in one transaction, so damage met while streaming (here in the
//   dump's last blob, long after pg_restore started applying) rolls everything back: a --force
//   restore over the source database leaves it unchanged, a new target does not exist after.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pseudoRandom } from './support/random-data.ts';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import { MY, dropPgDatabases, pgFingerprint, pgQuery, repoBlock, workspace, type Workspace } from './e2e-support.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { findNode } from '../src/engine/restorer/snapshot-walk.ts';
import type { BlobId } from '../src/repo/types.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const PGDB = `lb_dmg_pg_${suffix}`;
const MYDB = `lb_dmg_my_${suffix}`;
let ws: Workspace;
let sqlitePath: string;

async function my<T = Record<string, unknown>>(text: string): Promise<T[]> {
  const c = await mysql.createConnection({ ...MY });
  try { return (await c.query(text))[0] as T[]; } finally { await c.end(); }
}

before(async () => {
  ws = await workspace();
  // A few MB of incompressible text, so each dump spans several blobs.
  await pgQuery('postgres', `CREATE DATABASE ${PGDB}`);
  await pgQuery(PGDB, `CREATE TABLE t (id int PRIMARY KEY, v text);
    INSERT INTO t SELECT g, string_agg(md5(g::text || '-' || h::text), '') FROM generate_series(1, 8000) g, generate_series(1, 32) h GROUP BY g`);
  await my(`CREATE DATABASE ${MYDB}`);
  await my(`CREATE TABLE ${MYDB}.t (id int PRIMARY KEY, v mediumtext) ENGINE=InnoDB`);
  for (let i = 0; i < 40; i++) {
    const rows = Array.from({ length: 100 }, (_, j) => `(${i * 100 + j}, '${pseudoRandom(512, i * 100 + j).toString('hex')}')`);
    await my(`INSERT INTO ${MYDB}.t VALUES ${rows.join(',')}`);
  }
  sqlitePath = join(ws.dir, 'app.db');
  const s = new DatabaseSync(sqlitePath);
  s.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
    INSERT INTO t SELECT i, randomblob(1500) FROM c`);
  s.close();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n` +
    `  pg:\n    source:\n      type: postgres\n      host: 127.0.0.1\n      port: 5432\n      user: postgres\n      databases: [${PGDB}]\n      globals: false\n    repositories: [main]\n` +
    `  my:\n    source:\n      type: mysql\n      host: ${MY.host}\n      port: ${MY.port}\n      user: ${MY.user}\n      databases: [${MYDB}]\n    repositories: [main]\n` +
    `  lite:\n    source:\n      type: sqlite\n      path: ${sqlitePath}\n    repositories: [main]\n`);
  for (const job of ['pg', 'my', 'lite']) {
    const r = await ws.cli(['backup', '--job', job]);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  await dropPgDatabases([PGDB, `${PGDB}_new`]);
  await my(`DROP DATABASE IF EXISTS ${MYDB}`).catch(() => {});
  await my(`DROP DATABASE IF EXISTS ${MYDB}_new`).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

/** Flips a byte in the `which` blob of the file at `path` of the job's snapshot; returns its ID and pack. */
async function damage(job: string, path: string, which: 'middle' | 'last'): Promise<{ snapshot: string; blob: BlobId; pack: string }> {
  const repo = await openRepository(new LocalStore(ws.repo), 'e2e-secret-pw');
  try {
    await repo.loadIndex();
    const snap = (await repo.listSnapshots()).find((s) => s.snapshot.tags?.includes(`job=${job}`))!;
    const node = (await findNode(repo, snap, path))!;
    const ids = node.content!;
    // Chunk sizes follow the repository's random polynomial: a few MB give 2 to 10 blobs.
    assert.ok(ids.length >= 2, `${path} has ${ids.length} blobs`);
    const blob = ids[which === 'last' ? ids.length - 1 : ids.length >> 1]!;
    const loc = repo.lookupBlob('data', blob)!;
    const file = join(ws.repo, 'data', loc.pack.slice(0, 2), loc.pack);
    const bytes = await readFile(file);
    bytes[loc.offset + Math.floor(loc.length / 2)]! ^= 0x01;
    await chmod(file, 0o600);
    await writeFile(file, bytes);
    return { snapshot: snap.id, blob, pack: loc.pack };
  } finally {
    await repo.close();
  }
}

function names(r: { stderr: string }, d: { snapshot: string; blob: string; pack: string }, file: string): void {
  assert.match(r.stderr, new RegExp(`snapshot ${d.snapshot.slice(0, 8)}`));
  assert.ok(r.stderr.includes(file), r.stderr);
  assert.match(r.stderr, new RegExp(`blob ${d.blob.slice(0, 8)}`));
  assert.match(r.stderr, new RegExp(`pack ${d.pack.slice(0, 8)}`));
}

test('MySQL: a damaged dump is refused before the target database is created', async () => {
  const d = await damage('my', `/mysql/${MYDB}.sql`, 'middle');
  const r = await ws.cli(['restore', 'latest', '--job', 'my', '--into', `${MYDB}_new`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  names(r, d, `/mysql/${MYDB}.sql`);
  assert.match(r.stderr, /nothing was restored/);
  assert.deepEqual(await my(`SHOW DATABASES LIKE '${MYDB}_new'`), []);
});

test('SQLite: a damaged copy is refused and the existing target file is unchanged', async () => {
  const d = await damage('lite', '/sqlite/app.db', 'middle');
  const target = join(ws.dir, 'target.db');
  await writeFile(target, 'the old database\n');
  const r = await ws.cli(['restore', 'latest', '--job', 'lite', '--into', target, '--force', '--yes']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  names(r, d, '/sqlite/app.db');
  assert.equal(await readFile(target, 'utf8'), 'the old database\n');
});

test('PostgreSQL: damage in the last blob rolls the whole restore back, over an existing database and into a new one', async () => {
  const d = await damage('pg', `/postgres/${PGDB}.dump`, 'last');
  const beforeFp = await pgFingerprint(PGDB);
  const over = await ws.cli(['restore', 'latest', '--job', 'pg', '--into', PGDB, '--force', '--yes']);
  assert.equal(over.code, 1, over.stdout + over.stderr);
  names(over, d, `/postgres/${PGDB}.dump`);
  assert.deepEqual(await pgFingerprint(PGDB), beforeFp, 'the existing database is unchanged');

  const fresh = await ws.cli(['restore', 'latest', '--job', 'pg', '--into', `${PGDB}_new`]);
  assert.equal(fresh.code, 1);
  names(fresh, d, `/postgres/${PGDB}.dump`);
  assert.deepEqual(await pgQuery('postgres', `SELECT 1 FROM pg_database WHERE datname = '${PGDB}_new'`), []);
});
