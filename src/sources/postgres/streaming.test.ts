// Needs: PostgreSQL on 127.0.0.1:5432 — not part of npm run test:unit.
// Bounded memory: a ~60 MB dump piped from pg_dump straight into pg_restore (no file) must
// not accumulate in this process. We sample heap + array buffers while the bytes flow.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresSource } from './source.ts';
import { restorePostgres } from './restore.ts';

const conn = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_mem_src_${suffix}`;
const DST = `lb_mem_dst_${suffix}`;

async function sql(db: string, text: string): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ ...conn, database: db });
  await c.connect();
  try { return (await c.query(text)).rows; } finally { await c.end(); }
}

after(async () => {
  for (const db of [SRC, DST]) await sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
});

test('a 60 MB dump streams into pg_restore with bounded memory', async () => {
  await sql('postgres', `CREATE DATABASE ${SRC}`);
  // md5 text does not compress in the pipe and is not deduplicated: every byte really flows.
  await sql(SRC, `CREATE TABLE big AS SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text) AS t
                  FROM generate_series(1, 400000) g`);
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peak = 0;
  let bytes = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (base.heapUsed + base.arrayBuffers));
  };
  const timer = setInterval(sample, 20);
  try {
    for await (const e of postgresSource({ ...conn, databases: [SRC], globals: false }).entries(new AbortController().signal)) {
      if (!e.path.endsWith('.dump')) { for await (const _ of e.stream) { /* meta */ } continue; }
      async function* watched(): AsyncGenerator<Uint8Array> {
        for await (const c of e.stream) { bytes += c.length; sample(); yield c; }
      }
      await restorePostgres(watched(), { ...conn, database: DST });
      await e.done;
    }
  } finally {
    clearInterval(timer);
  }
  const [a] = await sql(SRC, `SELECT count(*) AS n, md5(string_agg(t, '' ORDER BY g)) AS h FROM big`);
  const [b] = await sql(DST, `SELECT count(*) AS n, md5(string_agg(t, '' ORDER BY g)) AS h FROM big`);
  assert.deepEqual(b, a);
  assert.ok(bytes > 55_000_000, `dump was ${bytes} bytes`);
  console.log(`streamed ${(bytes / 1e6).toFixed(1)} MB; peak extra heap+buffers ${(peak / 1e6).toFixed(1)} MB`);
  assert.ok(peak < 32_000_000, `peak extra memory ${peak} bytes for a ${bytes}-byte dump`);
});
