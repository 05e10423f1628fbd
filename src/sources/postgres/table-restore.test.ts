// Needs: PostgreSQL on 127.0.0.1:5432 — not part of npm run test:unit.
// Table restore against the real PostgreSQL on 127.0.0.1:5432: a restored table has the same
// definition as its source (`pg_dump --schema-only -t`: keys, indexes, defaults, owned sequence,
// checks, FKs, triggers, comments), works (an insert without an ID continues the sequence, the
// trigger fires), and what could not come along is reported rather than dropped silently.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { NotFoundError, UsageError } from '../../errors.ts';
import { describePostgresTarget, restorePostgres } from './restore.ts';
import type { DumpObject, SkippedDumpObject } from '../types.ts';

/** Objects as one string each, `TYPE schema name`; skipped ones as {object, reason}. */
const flat = (os: DumpObject[] | undefined): string[] => (os ?? []).map((o) => `${o.type} ${o.name}`);
const whyNot = (os: SkippedDumpObject[] | undefined) => (os ?? []).map((o) => ({ object: `${o.type} ${o.name}`, reason: o.reason }));

const conn = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_tsrc_${suffix}`;
const dbs: string[] = [SRC];
const signal = new AbortController().signal;
let dump: Buffer;

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(db: string, text: string): Promise<T[]> {
  const c = new pg.Client({ ...conn, database: db });
  await c.connect();
  try { return (await c.query<T>(text)).rows; } finally { await c.end(); }
}

function newDb(tag: string): string {
  const name = `lb_t${tag}_${suffix}`;
  dbs.push(name);
  return name;
}

/** The dump in pieces, as the repository would stream it. */
async function* chunks(size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < dump.length; i += size) yield dump.subarray(i, i + size);
}

/** `pg_dump --schema-only -t TABLE`, without the random \restrict keys and header comments. */
function tableDdl(db: string, table: string): string {
  const text = execFileSync('pg_dump', ['-h', conn.host, '-U', conn.user, '--schema-only', '-t', table, db], { encoding: 'utf8' });
  return text.split('\n').filter((l) => !/^\\(un)?restrict /.test(l) && !/^-- (Dumped|PostgreSQL database)/.test(l)).join('\n');
}

before(async () => {
  await sql('postgres', `CREATE DATABASE ${SRC}`);
  await sql(SRC, `
    CREATE SCHEMA sales;
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN NEW.updated_at := '2024-05-01 00:00:00+00'; RETURN NEW; END $$;
    CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text);
    CREATE TABLE regions (code text PRIMARY KEY);
    CREATE TABLE orders (
      id serial PRIMARY KEY,
      customer_id int NOT NULL REFERENCES customers (id),
      region text REFERENCES regions (code),
      code text NOT NULL,
      total numeric(10, 2) NOT NULL CONSTRAINT orders_total_positive CHECK (total >= 0),
      updated_at timestamptz
    );
    CREATE UNIQUE INDEX orders_code ON orders (lower(code));
    CREATE INDEX orders_customer ON orders (customer_id);
    CREATE TRIGGER orders_stamp BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION stamp();
    COMMENT ON TABLE orders IS 'orders placed';
    COMMENT ON COLUMN orders.code IS 'order code';
    COMMENT ON CONSTRAINT orders_total_positive ON orders IS 'no negative totals';
    GRANT SELECT ON orders TO PUBLIC;
    GRANT UPDATE (code) ON orders TO PUBLIC;
    CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
    CREATE TABLE notes (id int);
    CREATE TABLE sales.notes (id int);
    CREATE TABLE sales.invoices (
      id bigserial PRIMARY KEY,
      number text NOT NULL UNIQUE,
      amount numeric NOT NULL CHECK (amount > 0),
      issued date DEFAULT '2024-01-01'
    );
    COMMENT ON TABLE sales.invoices IS 'issued invoices';
    CREATE TABLE zz_filler AS SELECT g, repeat(md5(g::text), 8) AS t FROM generate_series(1, 20000) g;
    INSERT INTO customers (email, name) SELECT 'c' || g || '@example.com', 'customer ' || g FROM generate_series(1, 50) g;
    INSERT INTO regions VALUES ('north'), ('south');
    INSERT INTO orders (customer_id, region, code, total) SELECT 1 + g % 50, 'north', 'O-' || g, g * 1.5 FROM generate_series(1, 200) g;
    DELETE FROM orders WHERE id > 190; -- the sequence is now past the last row
    INSERT INTO sales.invoices (number, amount) SELECT 'I-' || g, g FROM generate_series(1, 30) g;
  `);
  dump = execFileSync('pg_dump', ['-h', conn.host, '-U', conn.user, '-Fc', '-Z0', SRC], { maxBuffer: 256 * 1024 * 1024 });
});

after(async () => {
  for (const db of dbs) await sql('postgres', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`).catch(() => {});
});

test('tables with serial PK, unique index, FK between them, check, trigger and comments restore with all of it', async () => {
  const target = newDb('both');
  const r = await restorePostgres(chunks(), { ...conn, database: target, tables: ['customers', 'public.orders', 'regions'], signal });
  assert.equal(r.created, true);
  for (const t of ['public.customers', 'public.orders', 'public.regions']) assert.equal(tableDdl(target, t), tableDdl(SRC, t), t);
  assert.match(tableDdl(target, 'public.orders'), /PRIMARY KEY \(id\)[\s\S]*CREATE UNIQUE INDEX orders_code[\s\S]*CREATE TRIGGER orders_stamp[\s\S]*FOREIGN KEY \(customer_id\) REFERENCES public\.customers/);

  // The sequence continues past the restored rows; the trigger and its function work.
  const [row] = await sql<{ id: number; updated_at: Date }>(target,
    `INSERT INTO orders (customer_id, code, total) VALUES (3, 'new', 1) RETURNING id, updated_at`);
  assert.equal(row!.id, 201);
  assert.equal(row!.updated_at.toISOString(), '2024-05-01T00:00:00.000Z');
  await assert.rejects(sql(target, `INSERT INTO orders (customer_id, code, total) VALUES (3, 'NEW', 1)`), /orders_code/);
  await assert.rejects(sql(target, `INSERT INTO orders (customer_id, code, total) VALUES (999, 'x', 1)`), /orders_customer_id_fkey/);
  await assert.rejects(sql(target, `INSERT INTO orders (customer_id, code, total) VALUES (1, 'y', -1)`), /orders_total_positive/);
  const [c] = await sql<{ id: number }>(target, `INSERT INTO customers (email) VALUES ('new@example.com') RETURNING id`);
  assert.equal(c!.id, 51);

  // What was restored is reported, and nothing else came along.
  for (const o of ['FUNCTION public stamp()', 'TRIGGER public orders orders_stamp', 'SEQUENCE SET public orders_id_seq',
    'INDEX public orders_code', 'FK CONSTRAINT public orders orders_customer_id_fkey', 'COMMENT public COLUMN orders.code',
    'ACL public TABLE orders', 'ACL public COLUMN orders.code']) {
    assert.ok(flat(r.objects).includes(o), o);
  }
  assert.ok(!flat(r.objects).some((o) => /big_orders|notes|invoices|filler/.test(o)), flat(r.objects).join('\n'));
  assert.deepEqual(whyNot(r.skipped), []);
  // pg_restore stopped reading after the last data it needed (zz_filler's data comes later).
  assert.ok(r.bytes > 0 && r.bytes < dump.length, `${r.bytes} of ${dump.length}`);
  const tables = await sql<{ t: string }>(target, `SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  assert.deepEqual(tables.map((x) => x.t), ['customers', 'orders', 'regions']);

  // Again with --force into the now non-empty target: the function already there is kept and
  // reported, the FKs to tables present in the target are restored, the rows come back.
  await sql(target, `DELETE FROM orders WHERE id > 100`);
  const again = await restorePostgres(chunks(1000), { ...conn, database: target, tables: ['orders'], force: true, signal });
  assert.equal(again.created, false);
  assert.deepEqual(whyNot(again.skipped), [{ object: 'FUNCTION public stamp()', reason: 'already in the target database, kept as it is' }]);
  assert.equal((await sql<{ n: string }>(target, 'SELECT count(*) AS n FROM orders'))[0]!.n, '190');
  assert.equal(tableDdl(target, 'public.orders'), tableDdl(SRC, 'public.orders'));
});

test('an FK to a table that is not restored is skipped and reported; the rest of the table is there', async () => {
  const target = newDb('alone');
  const r = await restorePostgres(chunks(), { ...conn, database: target, tables: ['orders'], signal });
  assert.deepEqual(whyNot(r.skipped), [
    { object: 'FK CONSTRAINT public orders orders_customer_id_fkey', reason: 'needs TABLE public customers, which is neither restored nor in the target database' },
    { object: 'FK CONSTRAINT public orders orders_region_fkey', reason: 'needs TABLE public regions, which is neither restored nor in the target database' },
  ]);
  const without = tableDdl(SRC, 'public.orders').replace(/\n--\n-- Name: orders orders_(customer_id|region)_fkey;[^]*?REFERENCES [^\n]*\n\n/g, '');
  assert.equal(tableDdl(target, 'public.orders'), without);
  const [row] = await sql<{ id: number }>(target, `INSERT INTO orders (customer_id, code, total) VALUES (3, 'new', 1) RETURNING id`);
  assert.equal(row!.id, 201);
});

test('a table outside public, named without its schema, restores into a new database (schema created)', async () => {
  const target = newDb('sales');
  const r = await restorePostgres(chunks(), { ...conn, database: target, tables: ['invoices'], signal });
  assert.equal(tableDdl(target, 'sales.invoices'), tableDdl(SRC, 'sales.invoices'));
  assert.ok(flat(r.objects).includes('SCHEMA - sales'));
  assert.deepEqual(whyNot(r.skipped), []);
  const [row] = await sql<{ id: string }>(target, `INSERT INTO sales.invoices (number, amount) VALUES ('I-new', 5) RETURNING id`);
  assert.equal(row!.id, '31');
  const [owner] = await sql<{ o: string }>(target, `SELECT nspowner::regrole::text AS o FROM pg_namespace WHERE nspname = 'sales'`);
  assert.equal(owner!.o, 'postgres');
});

test('unknown and ambiguous names fail before the target is created; the other schema restores too', async () => {
  const target = newDb('bad');
  await assert.rejects(restorePostgres(chunks(), { ...conn, database: target, tables: ['orders', 'no_such_table'], signal }),
    (e: unknown) => e instanceof NotFoundError && /no table "no_such_table" in the dump/.test(e.message));
  await assert.rejects(restorePostgres(chunks(), { ...conn, database: target, tables: ['notes'], signal }),
    (e: unknown) => e instanceof UsageError && /"notes" is ambiguous: public\.notes, sales\.notes/.test(e.message));
  assert.equal((await describePostgresTarget(conn, target)).exists, false);
  const r = await restorePostgres(chunks(), { ...conn, database: target, tables: ['notes'], schemas: ['sales'], noOwner: true, signal });
  assert.deepEqual(flat(r.objects), ['SCHEMA - sales', 'TABLE sales notes', 'TABLE DATA sales notes']);
});
