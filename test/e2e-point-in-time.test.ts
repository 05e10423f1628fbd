// Point-in-time restore of the whole system: two "days" of backups of a PostgreSQL, a MariaDB,
// a SQLite and a files job with changes in between. --at a time between them picks the older
// snapshot for every engine (restore, dump, ls, snapshots); `restore --all --at` restores the
// first day's state of all four into their original places (row counts and checksums per
// table, sha256 per file); its --dry-run changes nothing; an --at before any backup is an
// error naming the oldest snapshot.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import { MY, dropPgDatabases, pgFingerprint, pgQuery, repoBlock, workspace, type Workspace } from './e2e-support.ts';
import { mysqlFingerprint } from './support/mysql-fingerprint.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const PGDB = `lb_pit_pg_${suffix}`;
const MYDB = `lb_pit_my_${suffix}`;
let ws: Workspace;
let litePath: string;
let filesDir: string;
let at: string;
const day1: Record<string, unknown> = {};
const ids: Record<string, string> = {};

async function my<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = await mysql.createConnection({ ...MY });
  try { return (await c.query(text, params))[0] as T[]; } finally { await c.end(); }
}

function liteFingerprint(path: string): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare('SELECT id, v FROM notes ORDER BY id').all();
    return `${rows.length} ${createHash('sha256').update(JSON.stringify(rows)).digest('hex')}`;
  } finally {
    db.close();
  }
}

async function filesFingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(await readFile(p)).digest('hex');
    }
  };
  await walk(dir);
  return out;
}

async function fingerprints() {
  return {
    pg: await pgFingerprint(PGDB), my: await mysqlFingerprint(my, MYDB), lite: liteFingerprint(litePath), files: await filesFingerprint(filesDir),
  };
}

async function backupAll(tag: string): Promise<void> {
  const r = await ws.cli(['backup', '--all', '--tag', tag, '--json']);
  assert.equal(r.code, 0, r.stderr);
  if (tag === 'day1') for (const line of r.stdout.trim().split('\n')) { const s = JSON.parse(line); ids[s.job] = s.snapshot_id; }
}

before(async () => {
  ws = await workspace();
  litePath = join(ws.dir, 'app.db');
  filesDir = join(ws.dir, 'uploads');
  await pgQuery('postgres', `CREATE DATABASE ${PGDB}`);
  await pgQuery(PGDB, `CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 2 FROM generate_series(1, 500) g`);
  await my(`CREATE DATABASE ${MYDB}`);
  await my(`CREATE TABLE ${MYDB}.items (id int PRIMARY KEY, name varchar(40))`);
  await my(`INSERT INTO ${MYDB}.items SELECT seq, concat('item-', seq) FROM ${MYDB}.seq_1_to_300`);
  const lite = new DatabaseSync(litePath);
  lite.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO notes (v) VALUES ('one'), ('two'), ('three')");
  lite.close();
  await mkdir(join(filesDir, 'a'), { recursive: true });
  await writeFile(join(filesDir, 'a/report.txt'), 'first draft\n');
  await writeFile(join(filesDir, 'keep.bin'), Buffer.alloc(200_000, 1));
  await writeFile(join(filesDir, 'gone-later.txt'), 'will be deleted\n');
  await ws.writeConfig(`${repoBlock(ws)}jobs:
  pg: { source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${PGDB}], globals: false }, repositories: [main] }
  my: { source: { type: mariadb, host: ${MY.host}, port: ${MY.port}, user: ${MY.user}, databases: [${MYDB}] }, repositories: [main] }
  lite: { source: { type: sqlite, path: ${litePath} }, repositories: [main] }
  uploads: { source: { type: files, paths: [${filesDir}] }, repositories: [main] }
restore_order: [uploads]
`);
  await backupAll('day1');
  Object.assign(day1, await fingerprints());
  await sleep(1100);
  at = new Date().toISOString();
  await sleep(1100);
  await pgQuery(PGDB, 'INSERT INTO orders SELECT g, g FROM generate_series(501, 700) g; UPDATE orders SET total = 0 WHERE id < 10');
  await my(`DELETE FROM ${MYDB}.items WHERE id > 250`);
  await my(`INSERT INTO ${MYDB}.items VALUES (1000, 'new')`);
  const l2 = new DatabaseSync(litePath);
  l2.exec("INSERT INTO notes (v) VALUES ('four'); UPDATE notes SET v = 'TWO' WHERE id = 2");
  l2.close();
  await writeFile(join(filesDir, 'a/report.txt'), 'second draft, longer\n');
  await writeFile(join(filesDir, 'new.txt'), 'added on day 2\n');
  await rm(join(filesDir, 'gone-later.txt'));
  await backupAll('day2');
  assert.notDeepEqual(await fingerprints(), day1, 'day 2 differs from day 1');
});

after(async () => {
  await dropPgDatabases([PGDB, `${PGDB}_at`]);
  await my(`DROP DATABASE IF EXISTS ${MYDB}`).catch(() => {});
  await my(`DROP DATABASE IF EXISTS ${MYDB}_at`).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

test('--at between the two backups picks the older one, for every engine', async () => {
  const env = { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD_FILE: ws.passwordFile };
  const snaps = JSON.parse((await ws.cli(['snapshots', '--at', at, '--json'], { env })).stdout) as Array<{ id: string; tags: string[] }>;
  assert.deepEqual(snaps.map((s) => s.id).sort(), Object.values(ids).sort());
  assert.ok(snaps.every((s) => s.tags.includes('day1')));

  const pg = await ws.cli(['restore', '--job', 'pg', '--at', at, '--into', `${PGDB}_at`, '--json']);
  assert.equal(pg.code, 0, pg.stderr);
  assert.equal(JSON.parse(pg.stdout).snapshot_id, ids.pg);
  assert.deepEqual(await pgFingerprint(`${PGDB}_at`), day1.pg);

  const myr = await ws.cli(['restore', '--job', 'my', '--at', at, '--into', `${MYDB}_at`]);
  assert.equal(myr.code, 0, myr.stderr);
  const expectedMy = JSON.stringify(day1.my).split(MYDB).join(`${MYDB}_at`);
  assert.equal(JSON.stringify(await mysqlFingerprint(my, `${MYDB}_at`)), expectedMy);

  const liteCopy = join(ws.dir, 'lite-at.db');
  const lr = await ws.cli(['restore', '--job', 'lite', '--at', at, '--into', liteCopy]);
  assert.equal(lr.code, 0, lr.stderr);
  assert.equal(liteFingerprint(liteCopy), day1.lite);

  const dir = join(ws.dir, 'files-at');
  const fr = await ws.cli(['restore', '--job', 'uploads', '--at', at, '--target', dir]);
  assert.equal(fr.code, 0, fr.stderr);
  assert.deepEqual(await filesFingerprint(join(dir, filesDir)), day1.files);

  const ls = await ws.cli(['ls', '--at', at, '--tag', 'job=uploads'], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.ok(ls.stdout.includes('gone-later.txt') && !ls.stdout.includes('new.txt'), ls.stdout);
  const dump = await ws.cli(['dump', '--at', at, '--tag', 'job=uploads', join(filesDir, 'a/report.txt')], { env });
  assert.equal(dump.stdout, 'first draft\n');
});

test('--at before any backup is an error naming the oldest snapshot', async () => {
  const r = await ws.cli(['restore', '--job', 'pg', '--at', '2001-01-01 00:00', '--into', `${PGDB}_never`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`no snapshot matching tags job=pg was taken at or before 2001-01-01 00:00:00 .*: the oldest is ${ids.pg!.slice(0, 8)} of `));
});

test('restore --all --at: --dry-run changes nothing; then all four are back to the first day', async () => {
  const target = join(ws.dir, 'restored');
  const day2 = await fingerprints();
  const dry = await ws.cli(['restore', '--all', '--at', at, '--target', target, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  for (const [job, id] of Object.entries(ids)) assert.match(dry.stdout, new RegExp(`${job} .* ${id.slice(0, 8)} `), dry.stdout);
  assert.match(dry.stdout, /REPLACES DATA/);
  const order = dry.stdout.split('\n').map((l) => /^(uploads|pg|my|lite) /.exec(l)?.[1]).filter(Boolean);
  assert.deepEqual(order, ['uploads', 'pg', 'my', 'lite'], 'restore_order first, then config order');
  assert.deepEqual(await fingerprints(), day2);
  await assert.rejects(stat(target));

  const noTty = await ws.cli(['restore', '--all', '--at', at, '--target', target]);
  assert.equal(noTty.code, 1);
  assert.match(noTty.stderr, /would replace data in 3 target\(s\): .*pg: database/);
  assert.deepEqual(await fingerprints(), day2);

  const r = await ws.cli(['restore', '--all', '--at', at, '--target', target, '--yes']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /4 of 4 jobs restored in .* \(the achieved RTO\)/);
  const now = await fingerprints();
  assert.deepEqual(now.pg, day1.pg);
  assert.deepEqual(now.my, day1.my);
  assert.equal(now.lite, day1.lite);
  assert.deepEqual(await filesFingerprint(join(target, filesDir)), day1.files);
});
