// Needs: PostgreSQL on 127.0.0.1:5432 — not part of npm run test:unit.
// Integration tests against the real PostgreSQL on 127.0.0.1:5432: dump → stream → restore
// into a new database, compared table by table and by schema; failures with clear errors.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { NotFoundError, SourceError, UsageError } from '../../errors.ts';
import type { StreamEntry } from '../types.ts';
import { postgresSource, type PostgresMeta } from './source.ts';
import { describePostgresTarget, restorePostgres, restorePostgresGlobals } from './restore.ts';
import { listPostgresDump } from './toc.ts';

const conn = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_src_${suffix}`;
const created: string[] = [SRC];
const roles: string[] = [];
const signal = new AbortController().signal;

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(db: string, text: string): Promise<T[]> {
  const c = new pg.Client({ ...conn, database: db });
  await c.connect();
  try { return (await c.query<T>(text)).rows; } finally { await c.end(); }
}

function newDb(tag: string): string {
  const name = `lb_${tag}_${suffix}`;
  created.push(name);
  return name;
}

before(async () => {
  await sql('postgres', `CREATE DATABASE ${SRC}`);
  await sql(SRC, readFileSync(new URL('./fixture.sql', import.meta.url), 'utf8'));
});

after(async () => {
  for (const db of created) await sql('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
  for (const r of roles) await sql('postgres', `DROP ROLE IF EXISTS ${r}`).catch(() => {});
});

/** Row count and md5 of all rows in a stable order, for every table in the user schemas. */
async function fingerprint(db: string): Promise<Record<string, string>> {
  const tables = await sql<{ t: string }>(db, `
    SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [r] = await sql<{ n: string; h: string }>(db,
      `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS h FROM ${t} x`);
    out[t] = `${r!.n} ${r!.h}`;
  }
  const [lo] = await sql<{ h: string; n: string }>(db,
    `SELECT count(*) AS n, md5(coalesce(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid), '')) AS h FROM pg_largeobject_metadata`);
  out['<large objects>'] = `${lo!.n} ${lo!.h}`;
  const [seq] = await sql<{ v: string }>(db, `SELECT last_value || '/' || is_called AS v FROM counter`);
  out['<sequence counter>'] = seq!.v;
  const [mv] = await sql<{ v: string }>(db, `SELECT string_agg(feeling || '=' || n, ',' ORDER BY feeling) AS v FROM mood_counts`);
  out['<matview mood_counts>'] = mv!.v;
  return out;
}

function schemaDump(db: string): string {
  const text = execFileSync('pg_dump', ['-h', conn.host, '-U', conn.user, '--schema-only', db], { encoding: 'utf8' });
  // \restrict keys are random per run; nothing else in a single-database dump names the database.
  return text.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

async function drain(e: StreamEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of e.stream) parts.push(Buffer.from(c));
  await e.done;
  return Buffer.concat(parts);
}

test('round trip: pg_dump streamed straight into pg_restore of a new database matches table by table and by schema', async () => {
  const target = newDb('rt');
  const src = postgresSource({ ...conn, databases: [SRC], globals: true });
  const seen: string[] = [];
  let meta: PostgresMeta | undefined;
  for await (const e of src.entries(signal)) {
    seen.push(e.path);
    if (e.path.endsWith('.dump')) {
      const r = await restorePostgres(e.stream, { ...conn, database: target, signal });
      await e.done;
      assert.equal(r.created, true);
      assert.ok(r.bytes > 100_000, `dump bytes ${r.bytes}`);
    } else if (e.path === 'postgres/globals.sql') {
      const text = (await drain(e)).toString();
      assert.match(text, /CREATE ROLE postgres;/);
    } else {
      meta = JSON.parse((await drain(e)).toString());
    }
  }
  assert.deepEqual(seen, ['postgres/globals.sql', `postgres/${SRC}.dump`, 'postgres/lifeboat-meta.json']);
  assert.ok(meta);
  assert.equal(meta.engine, 'postgres');
  assert.equal(meta.dumpFormat, 'custom');
  assert.equal(meta.server.versionNum >= 150000, true);
  assert.equal(meta.databases[0]!.database, SRC);
  assert.ok(meta.databases[0]!.bytes > 100_000);
  assert.ok(meta.globals!.bytes > 0);
  assert.deepEqual(src.tags!(), ['engine=postgres', `db=${SRC}`]);

  const a = await fingerprint(SRC);
  const b = await fingerprint(target);
  assert.equal(a['public.items']!.split(' ')[0], '3000');
  assert.equal(a['<large objects>']!.split(' ')[0], '6');
  assert.deepEqual(b, a);
  assert.equal(schemaDump(target), schemaDump(SRC));
  // Functions, triggers and enums work in the restored copy, not only exist.
  await sql(target, `UPDATE items SET name = 'x' WHERE id = 1`);
  const [row] = await sql<{ u: Date; n: string }>(target, `SELECT updated_at AS u, item_count('happy') AS n FROM items WHERE id = 1`);
  assert.equal(row!.u.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.equal(row!.n, '1000');

  // The restored database is now non-empty: refused without force, accepted with it.
  const t = await describePostgresTarget(conn, target);
  assert.equal(t.exists, true);
  assert.equal(t.nonEmpty, true);
  assert.ok(t.relations >= 5);
  const again = postgresSource({ ...conn, databases: [SRC], globals: false });
  for await (const e of again.entries(signal)) {
    if (!e.path.endsWith('.dump')) { await drain(e); continue; }
    await assert.rejects(restorePostgres(e.stream, { ...conn, database: target, signal }),
      (err: unknown) => err instanceof UsageError && /not empty/.test(err.message) && /--force/.test(err.hint ?? ''));
    // The refused restore did not read the stream: drain it and restore with force instead.
    await restorePostgres(e.stream, { ...conn, database: target, force: true, signal });
    await e.done;
  }
  assert.deepEqual(await fingerprint(target), a);
});

test('partial restore of one table, and --list shows the objects', async () => {
  const target = newDb('part');
  const src = postgresSource({ ...conn, databases: [SRC], globals: false });
  for await (const e of src.entries(signal)) {
    if (!e.path.endsWith('.dump')) { await drain(e); continue; }
    await restorePostgres(e.stream, { ...conn, database: target, tables: ['audit'], signal });
    // pg_restore stops reading once the chosen table is in; the rest of the dump is not read.
    await e.done.catch(() => {});
    break;
  }
  const tables = await sql<{ t: string }>(target, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`);
  assert.deepEqual(tables.map((r) => r.t), ['audit']);
  const [x] = await sql<{ n: string }>(target, 'SELECT count(*) AS n FROM audit');
  assert.equal(x!.n, '1000');

  const src2 = postgresSource({ ...conn, databases: [SRC], globals: false });
  for await (const e of src2.entries(signal)) {
    if (!e.path.endsWith('.dump')) { await drain(e); continue; }
    const list = await listPostgresDump(e.stream, { signal });
    // pg_restore --list stops reading after the header; pg_dump is then stopped, so `done` rejects.
    await e.done.catch(() => {});
    const find = (type: string, name: string) => list.find((o) => o.type === type && o.name === name);
    assert.equal(find('TABLE', 'items')?.schema, 'public');
    assert.equal(find('TABLE', 'items')?.owner, 'postgres');
    assert.ok(find('TABLE DATA', 'items'));
    assert.ok(find('TABLE', 'notes')?.schema === 'other');
    assert.ok(find('EXTENSION', 'pgcrypto'));
    assert.ok(find('TYPE', 'mood'));
    assert.ok(find('FUNCTION', 'item_count(public.mood)'), JSON.stringify(list.filter((o) => o.type === 'FUNCTION')));
    assert.ok(find('TRIGGER', 'items items_touch'));
    assert.ok(find('VIEW', 'happy_items'));
    assert.ok(list.some((o) => o.type === 'BLOB' || o.type === 'BLOBS'));
    break; // the source would rethrow the stopped pg_dump's failure when resumed
  }
  // A table not in the dump is an error found in the table of contents, before the database is created.
  const missing = newDb('missing');
  const src3 = postgresSource({ ...conn, databases: [SRC], globals: false });
  for await (const e of src3.entries(signal)) {
    if (!e.path.endsWith('.dump')) { await drain(e); continue; }
    await assert.rejects(restorePostgres(e.stream, { ...conn, database: missing, tables: ['no_such_table'], signal }),
      (err: unknown) => err instanceof NotFoundError && /no_such_table/.test(err.message));
    await e.done.catch(() => {});
    break;
  }
  assert.equal((await describePostgresTarget(conn, missing)).exists, false);
});

test('globals.sql restores through psql, reporting already-existing roles', async () => {
  const text = Buffer.from('CREATE ROLE postgres;\nALTER ROLE postgres WITH SUPERUSER;\n');
  const r = await restorePostgresGlobals((async function* () { yield text; })(), { ...conn, signal });
  assert.deepEqual(r.errors, ['role "postgres" already exists']);
});

async function firstEntryError(opts: Parameters<typeof postgresSource>[0]): Promise<unknown> {
  try {
    for await (const e of postgresSource(opts).entries(signal)) await drain(e);
  } catch (err) {
    return err;
  }
  assert.fail('expected the backup to fail');
}

test('failures: unreachable port, missing database, missing role — clear SourceError without the password', async () => {
  const password = 'Sup3r-Secret-pw';
  const refused = await firstEntryError({ ...conn, port: 1, password, databases: [SRC], globals: false });
  assert.ok(refused instanceof SourceError);
  assert.match(refused.message, /127\.0\.0\.1:1/);
  assert.match(refused.message, /ECONNREFUSED/);
  assert.match(refused.hint ?? '', /running/);

  const missingDb = await firstEntryError({ ...conn, password, databases: ['no_such_db_lb'], globals: false });
  assert.ok(missingDb instanceof SourceError);
  assert.match(missingDb.message, /database "no_such_db_lb" does not exist/);

  const missingRole = await firstEntryError({ ...conn, user: 'no_such_role_lb', password, databases: [SRC], globals: false });
  assert.ok(missingRole instanceof SourceError);
  assert.match(missingRole.message, /role "no_such_role_lb" does not exist/);
  for (const e of [refused, missingDb, missingRole]) {
    assert.ok(!(e as Error).message.includes(password));
    assert.ok(!JSON.stringify((e as SourceError).context).includes(password));
  }
});

test('failure inside pg_dump: exit code and stderr tail in the SourceError, done rejects, no password', async () => {
  const role = `lb_limited_${suffix}`;
  roles.push(role);
  const password = 'An0ther-Secret';
  await sql(SRC, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'; REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC`);
  const src = postgresSource({ ...conn, user: role, password, databases: [SRC], globals: false });
  let entryDone: Promise<void> | undefined;
  let streamErr: unknown;
  try {
    for await (const e of src.entries(signal)) {
      entryDone = e.done;
      for await (const _ of e.stream) { /* drain */ }
    }
  } catch (err) { streamErr = err; }
  assert.ok(entryDone);
  await assert.rejects(entryDone, (err: unknown) => {
    assert.ok(err instanceof SourceError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, new RegExp(`pg_dump of database "${SRC}" on 127.0.0.1:5432 failed: exit code 1`));
    assert.match(err.stderrTail, /permission denied/);
    assert.ok(!err.message.includes(password));
    return true;
  });
  assert.ok(streamErr instanceof SourceError, 'the stream itself errors after EOF');
  await sql(SRC, `DROP OWNED BY ${role}`);
});

test('pg_dump killed mid-stream → SourceError "killed by SIGKILL"', async () => {
  const db = newDb('big');
  await sql('postgres', `CREATE DATABASE ${db}`);
  await sql(db, `CREATE TABLE big AS SELECT g, repeat(md5(g::text), 4) AS t FROM generate_series(1, 100000) g`);
  const src = postgresSource({ ...conn, databases: [db], globals: false });
  for await (const e of src.entries(signal)) {
    if (!e.path.endsWith('.dump')) continue;
    let killed = false;
    let bytes = 0;
    await assert.rejects(async () => {
      for await (const c of e.stream) {
        bytes += c.length;
        if (!killed) {
          killed = true;
          const ps = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
          const line = ps.split('\n').find((l) => l.trim().endsWith('pg_dump'));
          assert.ok(line, ps);
          process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
        }
      }
    }, (err: unknown) => err instanceof SourceError && /pg_dump of database .* failed: killed by SIGKILL/.test(err.message));
    await assert.rejects(e.done, (err: unknown) => err instanceof SourceError && err.exitCode === null);
    assert.ok(bytes < 10_000_000);
    return;
  }
});

test('refuses a pg_dump older than the server', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-oldpg-'));
  try {
    const fake = path.join(dir, 'pg_dump');
    writeFileSync(fake, '#!/bin/sh\necho "pg_dump (PostgreSQL) 13.4"\n');
    chmodSync(fake, 0o755);
    const err = await firstEntryError({ ...conn, databases: [SRC], globals: false, pgDumpPath: fake });
    assert.ok(err instanceof SourceError);
    assert.match(err.message, /pg_dump 13\.4 is older than the server \(PostgreSQL 15\.\d+\)/);
    assert.match(err.hint ?? '', /pg_dump 15 or newer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
