// End to end, as a user: a MariaDB job backed up with `lifeboat backup --job`, restored with
// `lifeboat restore --job --into` into a new database and compared (row counts, CHECKSUM TABLE,
// SHOW CREATE of tables, views, routines, triggers, events); a wrong password fails clearly
// with no snapshot and the password nowhere in the output.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { MY, repoBlock, workspace, type Workspace } from './e2e-support.ts';
import { mysqlFingerprint } from './support/mysql-fingerprint.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_e2e_src_${suffix}`;
const USER = `lb_e2e_${process.pid}`;
const USER_PW = `Right-${suffix}`;
const dbs = [SRC];
let ws: Workspace;

async function q<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = await mysql.createConnection({ ...MY, charset: 'utf8mb4' });
  try { return (await c.query(text, params))[0] as T[]; } finally { await c.end(); }
}

function newDb(tag: string): string {
  const name = `lb_e2e_${tag}_${suffix}`;
  dbs.push(name);
  return name;
}

function fingerprint(db: string): Promise<Record<string, unknown>> {
  return mysqlFingerprint(q, db);
}

function myJob(name: string, extra: Record<string, string> = {}): string {
  const src = { host: MY.host, port: String(MY.port), user: MY.user, databases: `[${SRC}]`, ...extra };
  return `  ${name}:\n    source:\n      type: mysql\n${Object.entries(src).map(([k, v]) => `      ${k}: ${v}`).join('\n')}\n    repositories: [main]\n`;
}

before(async () => {
  await q(`CREATE DATABASE ${SRC} CHARACTER SET utf8mb4`);
  execFileSync('mariadb', ['-h', MY.host, '-u', MY.user, '--default-character-set=utf8mb4', SRC],
    { input: readFileSync(new URL('../src/sources/mysql/fixture.sql', import.meta.url)) });
  await q(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${USER_PW}'`);
  await q(`CREATE USER '${USER}'@'localhost' IDENTIFIED BY '${USER_PW}'`);
  ws = await workspace();
  await writeFile(join(ws.dir, 'wrong-db-pw'), 'Wrong-password-123\n');
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n${myJob('shop')}${myJob('wrongpw', { user: USER, password_file: join(ws.dir, 'wrong-db-pw') })}` +
    myJob('nodb', { databases: '[no_such_db]' }) +
    // `type: mariadb` is the mysql engine under another name.
    myJob('slim', { extra_args: `["--ignore-table=${SRC}.audit", "--skip-triggers"]` }).replace('type: mysql', 'type: mariadb'));
});

after(async () => {
  for (const d of dbs) await q(`DROP DATABASE IF EXISTS \`${d}\``).catch(() => {});
  await q(`DROP USER IF EXISTS '${USER}'@'%'`).catch(() => {});
  await q(`DROP USER IF EXISTS '${USER}'@'localhost'`).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

test('MariaDB round trip through the repository: tables, views, routines, triggers, events, utf8mb4 and binary data', async () => {
  const b = await ws.cli(['backup', '--job', 'shop']);
  assert.equal(b.code, 0, b.stderr);
  const [snap] = JSON.parse((await ws.cli(['snapshots', '--job', 'shop', '--json'])).stdout) as Array<{ paths: string[]; lifeboat: { engine: string; databases: string[]; size: number } }>;
  assert.equal(snap!.lifeboat.engine, 'mysql');
  assert.deepEqual(snap!.lifeboat.databases, [SRC]);
  assert.ok(snap!.lifeboat.size > 500_000);
  assert.deepEqual(snap!.paths, [`/mysql/${SRC}.sql`, '/mysql/lifeboat-meta.json']);

  const target = newDb('rt');
  const r = await ws.cli(['restore', 'latest', '--job', 'shop', '--into', target]);
  assert.equal(r.code, 0, r.stderr);
  const a = await fingerprint(SRC);
  assert.equal((a['table items'] as { rows: number }).rows, 2000);
  assert.ok(Object.keys(a).some((k) => k.startsWith('trigger ')) && Object.keys(a).some((k) => k.startsWith('event ')));
  assert.deepEqual(await fingerprint(target), a);
  // utf8mb4 (emoji) survived byte for byte.
  const emoji = async (db: string) => (await q<{ h: string }>(`SELECT MD5(GROUP_CONCAT(body ORDER BY id)) AS h FROM \`${db}\`.items`))[0]!.h;
  assert.equal(await emoji(target), await emoji(SRC));

  const l = await ws.cli(['restore', 'latest', '--job', 'shop', '--list']);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /^TABLE items$/m);
  assert.match(l.stdout, /^TRIGGER items_touch ON items$/m);

  const again = await ws.cli(['restore', 'latest', '--job', 'shop', '--into', target]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not empty \(\d+ tables/);

  const part = newDb('part');
  const p = await ws.cli(['restore', 'latest', '--job', 'shop', '--into', part, '--table', 'odd name']);
  assert.equal(p.code, 0, p.stderr);
  const tables = await q<{ t: string }>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?`, [part]);
  assert.deepEqual(tables.map((t) => t.t), ['odd name']);
  assert.match(p.stdout, /^ {2}restored 1 TABLE$/m);
  assert.doesNotMatch(p.stdout, /not restored/);
});

test('wrong database password and a missing database: clear error, exit 1, no snapshot, no password in the output', async () => {
  const before = (await ws.snapshots()).length;
  const w = await ws.cli(['backup', '--job', 'wrongpw']);
  assert.equal(w.code, 1);
  assert.match(w.stderr, new RegExp(`job wrongpw: mysql backup: connect \\(${USER}@127\\.0\\.0\\.1:3306\\): Access denied`));
  assert.match(w.stderr, /hint: check the user and password/);
  assert.ok(!w.stderr.includes('Wrong-password-123') && !w.stdout.includes('Wrong-password-123'));
  const n = await ws.cli(['backup', '--job', 'nodb']);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /database `no_such_db` does not exist/);
  assert.equal((await ws.snapshots()).length, before);
});

test('type: mariadb and extra_args: --ignore-table leaves the table out, --skip-triggers the triggers', async () => {
  const b = await ws.cli(['backup', '--job', 'slim']);
  assert.equal(b.code, 0, b.stderr);
  const [snap] = JSON.parse((await ws.cli(['snapshots', '--job', 'slim', '--json'])).stdout) as Array<{ lifeboat: { engine: string } }>;
  assert.equal(snap!.lifeboat.engine, 'mysql');
  const target = newDb('slim');
  const r = await ws.cli(['restore', 'latest', '--job', 'slim', '--into', target]);
  assert.equal(r.code, 0, r.stderr);
  const tables = await q<{ t: string }>(`SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`, [target]);
  assert.deepEqual(tables.map((t) => t.t), ['items', 'odd name']);
  assert.deepEqual(await q(`SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`, [target]), []);
  const [a, c] = [await fingerprint(SRC), await fingerprint(target)];
  assert.deepEqual(c['table items'], a['table items']);
});
