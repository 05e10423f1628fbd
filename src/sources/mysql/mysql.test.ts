// Needs: MariaDB on 127.0.0.1:3306 — not part of npm run test:unit.
// Integration tests against the real MariaDB on 127.0.0.1:3306: dump → stream → restore into a
// new database, compared by checksums and SHOW CREATE; partial restore; failures.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { SourceError, UsageError } from '../../errors.ts';
import type { StreamEntry } from '../types.ts';
import { mysqlSource, type MysqlMeta, type MysqlSourceOptions } from './source.ts';
import { describeMysqlTarget, listMysqlDump, restoreMysql } from './restore.ts';
import { mysqlFingerprint } from '../../../test/support/mysql-fingerprint.ts';

const conn = { host: '127.0.0.1', port: 3306, user: 'root' };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_src_${suffix}`;
const dbs: string[] = [SRC];
const users: string[] = [];
const signal = new AbortController().signal;

async function q<T = Record<string, unknown>>(text: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const c = await mysql.createConnection({ ...conn, database, charset: 'utf8mb4' });
  try { return (await c.query(text, params))[0] as T[]; } finally { await c.end(); }
}

function newDb(tag: string): string {
  const name = `lb_${tag}_${suffix}`;
  dbs.push(name);
  return name;
}

before(async () => {
  await q(`CREATE DATABASE ${SRC} CHARACTER SET utf8mb4`);
  // DELIMITER is a client command, so the fixture goes through the real client.
  execFileSync('mariadb', ['-h', conn.host, '-u', conn.user, '--default-character-set=utf8mb4', SRC],
    { input: readFileSync(new URL('./fixture.sql', import.meta.url)) });
});

after(async () => {
  for (const d of dbs) await q(`DROP DATABASE IF EXISTS \`${d}\``).catch(() => {});
  for (const u of users) await q(`DROP USER IF EXISTS ${u}`).catch(() => {});
});

function fingerprint(db: string): Promise<Record<string, unknown>> {
  return mysqlFingerprint(q, db);
}

async function drain(e: StreamEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of e.stream) parts.push(Buffer.from(c));
  await e.done;
  return Buffer.concat(parts);
}

test('round trip: mariadb-dump streamed into the mariadb client of a new database matches checksums and SHOW CREATE', async () => {
  const target = newDb('rt');
  const src = mysqlSource({ ...conn, databases: [SRC] });
  let meta: MysqlMeta | undefined;
  const paths: string[] = [];
  for await (const e of src.entries(signal)) {
    paths.push(e.path);
    if (e.path.endsWith('.sql')) {
      const r = await restoreMysql(e.stream, { ...conn, database: target, signal });
      await e.done;
      assert.equal(r.created, true);
      assert.ok(r.bytes > 500_000, `bytes ${r.bytes}`);
    } else {
      meta = JSON.parse((await drain(e)).toString());
    }
  }
  assert.deepEqual(paths, [`mysql/${SRC}.sql`, 'mysql/lifeboat-meta.json']);
  assert.equal(meta?.server.flavor, 'mariadb');
  assert.equal(meta?.databases[0]?.database, SRC);
  assert.ok(meta!.databases[0]!.bytes > 500_000);
  assert.match(meta!.dumpToolVersion, /Distrib 10\./);
  assert.deepEqual(src.tags!(), ['engine=mysql', `db=${SRC}`]);

  const a = await fingerprint(SRC);
  const b = await fingerprint(target);
  assert.equal((a['table items'] as { rows: number }).rows, 2000);
  assert.equal((a['table audit'] as { rows: number }).rows, 2000, 'the AFTER INSERT trigger fired in the source');
  assert.ok(a['PROCEDURE add_items'] && a['FUNCTION item_total'] && a['trigger items_touch'] && a['event nightly'] && a['view cheap_items']);
  assert.deepEqual(b, a);
  // utf8mb4 and binary survive exactly; code runs in the copy.
  const [x] = await q<{ name: string; h: string; tot: string }>(
    `SELECT name, HEX(bin) AS h, item_total() AS tot FROM items WHERE id = 1`, [], target);
  const [y] = await q<{ name: string; h: string; tot: string }>(
    `SELECT name, HEX(bin) AS h, item_total() AS tot FROM items WHERE id = 1`, [], SRC);
  assert.match(x!.name, /😀 ünïcödé 漢字/);
  assert.deepEqual(x, y);
  await q(`UPDATE items SET price = 1 WHERE id = 2`, [], target);
  const [z] = await q<{ u: Date }>(`SELECT DATE_FORMAT(updated_at, '%Y-%m-%d') AS u FROM items WHERE id = 2`, [], target);
  assert.equal(String(z!.u), '2024-01-01');

  // Now non-empty: refused without force; with force the dump replaces its tables.
  assert.equal((await describeMysqlTarget(conn, target)).nonEmpty, true);
  for await (const e of mysqlSource({ ...conn, databases: [SRC] }).entries(signal)) {
    if (!e.path.endsWith('.sql')) { await drain(e); continue; }
    await assert.rejects(restoreMysql(e.stream, { ...conn, database: target, signal }),
      (err: unknown) => err instanceof UsageError && /not empty/.test(err.message));
    await restoreMysql(e.stream, { ...conn, database: target, force: true, signal });
    await e.done;
  }
  assert.deepEqual(await fingerprint(target), a);
});

test('partial restore of chosen tables, and the dump listing', async () => {
  const target = newDb('part');
  for await (const e of mysqlSource({ ...conn, databases: [SRC] }).entries(signal)) {
    if (!e.path.endsWith('.sql')) { await drain(e); continue; }
    await restoreMysql(e.stream, { ...conn, database: target, tables: ['items', 'odd name'], signal });
    await e.done;
  }
  const t = await describeMysqlTarget(conn, target);
  assert.deepEqual({ tables: t.tables, views: t.views, routines: t.routines, events: t.events },
    { tables: 2, views: 0, routines: 0, events: 0 });
  const a = await fingerprint(SRC);
  const b = await fingerprint(target);
  assert.deepEqual(b['table items'], a['table items']);
  assert.deepEqual(b['table odd name'], a['table odd name']);
  assert.equal(b['trigger items_touch'], a['trigger items_touch'], 'a table brings its triggers');

  const missing = newDb('missing');
  for await (const e of mysqlSource({ ...conn, databases: [SRC] }).entries(signal)) {
    if (!e.path.endsWith('.sql')) { await drain(e); continue; }
    await assert.rejects(restoreMysql(e.stream, { ...conn, database: missing, tables: ['nope'], signal }),
      (err: unknown) => err instanceof SourceError && /table `nope` not found in the dump/.test(err.message));
    await e.done;
  }
  assert.equal((await describeMysqlTarget(conn, missing)).exists, false, 'the database made for the failed restore is dropped');

  for await (const e of mysqlSource({ ...conn, databases: [SRC] }).entries(signal)) {
    if (!e.path.endsWith('.sql')) { await drain(e); continue; }
    const list = await listMysqlDump(e.stream);
    await e.done;
    assert.deepEqual(list.map((o) => `${o.type} ${o.name}`).sort(), [
      'EVENT nightly', 'FUNCTION item_total', 'PROCEDURE add_items', 'TABLE audit', 'TABLE items', 'TABLE odd name',
      'TRIGGER items_audit', 'TRIGGER items_touch', 'VIEW cheap_items',
    ]);
  }
});

async function backupError(opts: MysqlSourceOptions): Promise<{ err: unknown; done?: Promise<void> }> {
  let done: Promise<void> | undefined;
  try {
    for await (const e of mysqlSource(opts).entries(signal)) { done = e.done; await drain(e); }
  } catch (err) {
    return { err, done };
  }
  assert.fail('expected the backup to fail');
}

test('failures: wrong password, unreachable port, missing database — clear SourceError without the password', async () => {
  const user = `lb_u_${process.pid}`;
  users.push(`'${user}'@'127.0.0.1'`, `'${user}'@'localhost'`);
  const password = 'R1ght-Pa$$"word\\';
  for (const h of ['127.0.0.1', 'localhost']) {
    await q(`CREATE USER '${user}'@'${h}' IDENTIFIED BY ?`, [password]);
    await q(`GRANT SELECT ON \`${SRC}\`.* TO '${user}'@'${h}'`);
  }
  const wrong = 'Wr0ng-Secret';
  const bad = (await backupError({ ...conn, user, password: wrong, databases: [SRC] })).err;
  assert.ok(bad instanceof SourceError);
  assert.match(bad.message, /Access denied/);
  assert.match(bad.hint ?? '', /password/);
  assert.ok(!bad.message.includes(wrong));

  // The right password (passed through the 0600 option file) but too few privileges for
  // --events: the dump tool itself fails, with its exit code and stderr tail.
  const { err, done } = await backupError({ ...conn, user, password, databases: [SRC] });
  assert.ok(err instanceof SourceError);
  assert.ok(done);
  await assert.rejects(done, (e: unknown) => e instanceof SourceError && e.exitCode === 2);
  assert.match(err.message, new RegExp(`mariadb-dump of database \`${SRC}\` on 127.0.0.1:3306 failed: exit code 2`));
  assert.match(err.stderrTail, /denied to user/);
  assert.ok(!err.message.includes(password));

  const refused = (await backupError({ ...conn, port: 1, password: wrong, databases: [SRC] })).err;
  assert.ok(refused instanceof SourceError);
  assert.match(refused.message, /ECONNREFUSED/);
  assert.ok(!refused.message.includes(wrong));

  const missing = (await backupError({ ...conn, databases: ['no_such_db_lb'] })).err;
  assert.ok(missing instanceof SourceError);
  assert.match(missing.message, /database `no_such_db_lb` does not exist/);
});

test('mariadb-dump killed mid-stream → SourceError', async () => {
  const db = newDb('big');
  await q(`CREATE DATABASE ${db}`);
  await q(`CREATE TABLE ${db}.big (id INT PRIMARY KEY, t TEXT)`);
  await q(`INSERT INTO big SELECT seq, REPEAT(MD5(seq), 4) FROM seq_1_to_100000`, [], db);
  for await (const e of mysqlSource({ ...conn, databases: [db] }).entries(signal)) {
    let killed = false;
    await assert.rejects(async () => {
      for await (const _ of e.stream) {
        if (killed) continue;
        killed = true;
        const ps = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
        const line = ps.split('\n').find((l) => /mariadb-dump|mysqldump/.test(l));
        assert.ok(line, ps);
        process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      }
    }, (err: unknown) => err instanceof SourceError && /failed: killed by SIGKILL/.test(err.message));
    await assert.rejects(e.done, SourceError);
    break;
  }
});
