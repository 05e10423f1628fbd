// Needs: MariaDB on 127.0.0.1:3306 — not part of npm run test:unit.
// Table restore against the real MariaDB on 127.0.0.1:3306: restored tables have the source's
// SHOW CREATE TABLE (keys, AUTO_INCREMENT counter, FKs, checks) and triggers, an insert without
// an ID continues the counter, and an FK to a table that was not restored is dropped and
// reported instead of left dangling (with FOREIGN_KEY_CHECKS off in the dump it would be created
// pointing at nothing, and every insert would fail).

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import { restoreMysql } from './restore.ts';

const conn = { host: '127.0.0.1', port: 3306, user: 'root' };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_tsrc_${suffix}`;
const dbs: string[] = [SRC];
const signal = new AbortController().signal;
let dump: Buffer;

async function q<T = Record<string, unknown>>(text: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const c = await mysql.createConnection({ ...conn, database, charset: 'utf8mb4', multipleStatements: true });
  try { return (await c.query(text, params))[0] as T[]; } finally { await c.end(); }
}

function newDb(tag: string): string {
  const name = `lb_t${tag}_${suffix}`;
  dbs.push(name);
  return name;
}

async function* chunks(size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < dump.length; i += size) yield dump.subarray(i, i + size);
}

async function showCreate(db: string, table: string): Promise<string> {
  const [row] = await q<Record<string, string>>(`SHOW CREATE TABLE \`${db}\`.\`${table}\``);
  return row!['Create Table']!;
}

async function triggers(db: string): Promise<string[]> {
  const rows = await q<{ n: string; s: string }>(
    `SELECT TRIGGER_NAME AS n, ACTION_STATEMENT AS s FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1`, [db]);
  return rows.map((r) => `${r.n}: ${r.s}`);
}

before(async () => {
  await q(`CREATE DATABASE ${SRC} CHARACTER SET utf8mb4`);
  await q(`
    CREATE TABLE customers (id int AUTO_INCREMENT PRIMARY KEY, email varchar(100) NOT NULL UNIQUE, age int CHECK (age > 0));
    CREATE TABLE regions (code varchar(10) PRIMARY KEY);
    CREATE TABLE orders (
      id bigint AUTO_INCREMENT PRIMARY KEY,
      customer_id int NOT NULL,
      region varchar(10),
      code varchar(20) NOT NULL,
      total decimal(10,2) NOT NULL,
      note varchar(50) DEFAULT 'none',
      UNIQUE KEY orders_code (code),
      CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
      CONSTRAINT orders_region FOREIGN KEY (region) REFERENCES regions (code),
      CONSTRAINT orders_total_positive CHECK (total >= 0)
    ) COMMENT 'orders placed';
    CREATE TRIGGER orders_note BEFORE INSERT ON orders FOR EACH ROW SET NEW.note = CONCAT('n:', NEW.code);
    CREATE TABLE filler (id int PRIMARY KEY);
    INSERT INTO customers (email, age) VALUES ('a@x', 1), ('b@x', 2), ('c@x', 3);
    INSERT INTO regions VALUES ('north');
    INSERT INTO orders (customer_id, region, code, total) VALUES (1, 'north', 'O1', 5), (2, NULL, 'O2', 6), (3, NULL, 'O3', 7);
    DELETE FROM orders WHERE id = 3;
    DELETE FROM customers WHERE id = 3;
  `, [], SRC);
  dump = execFileSync('mariadb-dump', ['-h', conn.host, '-u', conn.user, '--single-transaction', '--routines', '--triggers',
    '--events', '--hex-blob', '--default-character-set=utf8mb4', '--skip-dump-date', SRC], { maxBuffer: 64 * 1024 * 1024 });
});

after(async () => {
  for (const d of dbs) await q(`DROP DATABASE IF EXISTS \`${d}\``).catch(() => {});
});

test('tables with AUTO_INCREMENT PK, unique key, FK between them, check and trigger: same SHOW CREATE, inserts continue', async () => {
  const target = newDb('both');
  const r = await restoreMysql(chunks(), { ...conn, database: target, tables: ['customers', 'orders', 'regions'], signal });
  for (const t of ['customers', 'orders', 'regions']) assert.equal(await showCreate(target, t), await showCreate(SRC, t), t);
  assert.deepEqual(await triggers(target), await triggers(SRC));
  assert.deepEqual(r.objects, [
    { type: 'TABLE', name: 'customers' }, { type: 'TABLE', name: 'orders' },
    { type: 'TRIGGER', name: 'orders_note ON orders' }, { type: 'TABLE', name: 'regions' },
  ]);
  assert.deepEqual(r.skipped, []);

  const [c] = await q<{ id: number }>(`INSERT INTO customers (email, age) VALUES ('new@x', 9) RETURNING id`, [], target);
  assert.equal(c!.id, 4, 'the counter continues past the deleted row, as in the source');
  await q(`INSERT INTO orders (customer_id, code, total) VALUES (4, 'O9', 1)`, [], target);
  const [o] = await q<{ id: number; note: string }>(`SELECT id, note FROM orders WHERE code = 'O9'`, [], target);
  assert.deepEqual({ ...o }, { id: 4, note: 'n:O9' });
  await assert.rejects(q(`INSERT INTO orders (customer_id, code, total) VALUES (99, 'O10', 1)`, [], target), /orders_customer/);
  await assert.rejects(q(`INSERT INTO orders (customer_id, code, total) VALUES (1, 'O9', 1)`, [], target), /Duplicate entry/);
  await assert.rejects(q(`INSERT INTO orders (customer_id, code, total) VALUES (1, 'O11', -1)`, [], target), /orders_total_positive/);
});

test('an FK to a table not restored is dropped and reported rather than left dangling', async () => {
  const target = newDb('alone');
  const r = await restoreMysql(chunks(), { ...conn, database: target, tables: ['orders', 'customers'], signal });
  assert.deepEqual(r.skipped, [{ type: 'FOREIGN KEY', name: 'orders_region ON orders',
    reason: 'references `regions`, which is neither restored nor in the target database' }]);
  const expected = (await showCreate(SRC, 'orders')).replace(/\n\s*CONSTRAINT `orders_region` FOREIGN KEY[^\n]*/, '');
  assert.equal(await showCreate(target, 'orders'), expected);
  await q(`INSERT INTO orders (customer_id, region, code, total) VALUES (1, 'south', 'O9', 1)`, [], target);
});
