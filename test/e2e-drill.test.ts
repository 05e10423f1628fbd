// Restore drills as a user runs them, one per engine on real data: PostgreSQL and MariaDB into
// a scratch database on the job's server, SQLite into a scratch file (integrity_check), Redis
// into a redis-server of the drill's own, files into a scratch directory read back against the
// blob IDs. Each passes its checks, reports its RTO, is recorded in the history, and leaves no
// scratch database, file, directory or process behind. A drill slower than the job's rto passes
// with exit 3 and rto_exceeded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import mysql from 'mysql2/promise';
import { MY, dropPgDatabases, pgQuery, repoBlock, TEST_STATE_DIR, workspace, type Workspace } from './e2e-support.ts';
import { startRedis, type TestRedis } from './support/redis-server.ts';
import { History } from '../src/app/history/store.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const PGDB = `lb_drill_pg_${suffix}`;
const MYDB = `lb_drill_my_${suffix}`;
let ws: Workspace;
let redis: TestRedis;
let scratch: string;

async function my<T = Record<string, unknown>>(text: string): Promise<T[]> {
  const c = await mysql.createConnection({ ...MY });
  try { return (await c.query(text))[0] as T[]; } finally { await c.end(); }
}

before(async () => {
  ws = await workspace();
  scratch = join(ws.dir, 'scratch');
  await pgQuery('postgres', `CREATE DATABASE ${PGDB}`);
  await pgQuery(PGDB, `CREATE TABLE orders (id int PRIMARY KEY, total numeric, created_at timestamptz DEFAULT now());
    INSERT INTO orders (id, total) SELECT g, g * 1.5 FROM generate_series(1, 1500) g`);
  await my(`CREATE DATABASE ${MYDB}`);
  await my(`CREATE TABLE ${MYDB}.orders (id int PRIMARY KEY, created_at datetime DEFAULT CURRENT_TIMESTAMP)`);
  await my(`INSERT INTO ${MYDB}.orders (id) SELECT seq FROM ${MYDB}.seq_1_to_1200`);
  const lite = new DatabaseSync(join(ws.dir, 'app.db'));
  lite.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP);
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 800) INSERT INTO events (id) SELECT i FROM c`);
  lite.close();
  await mkdir(join(ws.dir, 'redis'));
  redis = await startRedis({ dir: join(ws.dir, 'redis') });
  const c = await redis.client();
  for (let i = 0; i < 50; i++) await c.command(['SET', `user:${i}`, `name-${i}`]);
  await c.command(['RPUSH', 'queue', 'a', 'b', 'c']);
  await c.command(['HSET', 'config', 'mode', 'live']);
  c.close();
  await mkdir(join(ws.dir, 'data/models'), { recursive: true });
  await writeFile(join(ws.dir, 'data/models/current.pt'), Buffer.alloc(1_500_000, 7));
  await writeFile(join(ws.dir, 'data/README'), 'model store\n');
  const drill = (checks: string, extra = '') => `    drill:\n      scratch_dir: ${scratch}\n${extra}      checks: ${checks}\n`;
  await ws.writeConfig(`${repoBlock(ws)}jobs:
  pg:
    source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${PGDB}], globals: false }
    repositories: [main]
    rto: 30m
${drill('[{query: "select count(*) from orders", min_rows: 1000}, {query: "select max(created_at) from orders", max_age: 6h}]')}
  my:
    source: { type: mariadb, host: ${MY.host}, port: ${MY.port}, user: ${MY.user}, databases: [${MYDB}] }
    repositories: [main]
    rto: 30m
${drill('[{query: "select count(*) from orders", min_rows: 1000}, {query: "select max(id) from orders", equals: 1200}]')}
  lite:
    source: { type: sqlite, path: ${join(ws.dir, 'app.db')} }
    repositories: [main]
    rto: 1ms
${drill('[{query: "select count(*) from events", min_rows: 800}, {query: "select max(at) from events", max_age: 1h}]')}
  cache:
    source: { type: redis, host: 127.0.0.1, port: ${redis.port} }
    repositories: [main]
${drill('[{query: "DBSIZE", min_rows: 52}, {query: "HGET config mode", equals: live}]', '      sample_keys: 5\n')}
  models:
    source: { type: files, paths: [${join(ws.dir, 'data')}] }
    repositories: [main]
${drill('[{path: models/current.pt, min_size: 1MB}, {path: README}]')}
`);
  const b = await ws.cli(['backup', '--all']);
  assert.equal(b.code, 0, b.stderr);
});

after(async () => {
  await redis?.stop();
  await dropPgDatabases([PGDB]);
  await my(`DROP DATABASE IF EXISTS ${MYDB}`).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

/** Nothing of a drill is left: no scratch database, no file in the scratch dir, no process working in it. */
async function assertNothingLeft(): Promise<void> {
  assert.deepEqual(await pgQuery('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_drill_%'"), []);
  assert.deepEqual(await my("SHOW DATABASES LIKE 'lifeboat\\_drill\\_%'"), []);
  assert.deepEqual(await readdir(scratch).catch(() => []), []);
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    assert.ok(!cwd.startsWith(scratch), `process ${pid} still works in ${cwd}`);
  }
}

interface DrillJson {
  passed: boolean; snapshot_id: string; rto_seconds: number; rto_target_seconds: number | null; rto_exceeded: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string }>; facts: Record<string, number>; scratch_targets: string[];
}

async function drill(job: string, expectedCode = 0): Promise<DrillJson> {
  const r = await ws.cli(['drill', '--job', job, '--json']);
  assert.equal(r.code, expectedCode, `${job}: ${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as DrillJson;
  assert.ok(out.rto_seconds > 0, `${job}: RTO ${out.rto_seconds}`);
  assert.ok(out.checks.length >= 2 && out.checks.every((c) => c.ok), JSON.stringify(out.checks));
  console.log(`drill ${job}: RTO ${out.rto_seconds.toFixed(2)} s, ${JSON.stringify(out.facts)}, into ${out.scratch_targets.join(', ')}`);
  await assertNothingLeft();
  return out;
}

test('PostgreSQL: a scratch database on the job\'s server answers count and freshness checks, then is dropped', async () => {
  const o = await drill('pg');
  assert.equal(o.passed, true);
  assert.match(o.scratch_targets[0]!, /^database "lifeboat_drill_pg_\d{8}t\d{6}" on 127\.0\.0\.1:5432$/);
  assert.equal(o.facts.tables, 1);
  assert.match(o.checks[0]!.detail, /^1500 \(at least 1000\)$/);
  assert.equal(o.rto_target_seconds, 1800);
  assert.equal(o.rto_exceeded, false);
});

test('MariaDB: a scratch database answers, then is dropped', async () => {
  const o = await drill('my');
  assert.equal(o.facts.tables, 1);
  assert.match(o.checks[1]!.detail, /"1200"/);
});

test('SQLite: a scratch file passes integrity_check and the checks; over its 1ms RTO it passes with exit 3', async () => {
  const o = await drill('lite', 3);
  assert.equal(o.passed, true);
  assert.equal(o.rto_exceeded, true);
  assert.equal(o.rto_target_seconds, 0.001);
});

test('Redis: a redis-server of the drill\'s own loads the RDB, answers DBSIZE and sample keys, then is stopped', async () => {
  const o = await drill('cache');
  assert.equal(o.facts.keys, 52);
  assert.equal(o.facts.sampled, 5);
  assert.match(o.checks[0]!.detail, /^52 /);
});

test('files: restored into a scratch directory, every file read back against its blob IDs, path checks', async () => {
  const o = await drill('models');
  assert.equal(o.facts.files, 2);
  assert.equal(o.facts.bytes, 1_500_000 + 'model store\n'.length);
});

test('every drill is in the run history with its checks and RTO', () => {
  const h = History.open(TEST_STATE_DIR);
  try {
    for (const job of ['pg', 'my', 'lite', 'cache', 'models']) {
      const run = h.latest({ job, kind: 'drill' })!;
      assert.equal(run.status, 'succeeded', job);
      assert.equal(run.details?.passed, true);
      assert.equal(typeof run.details?.rtoSeconds, 'number');
      assert.ok(run.snapshotId);
    }
    assert.equal(h.latest({ job: 'lite', kind: 'drill' })!.details?.rtoExceeded, true);
  } finally {
    h.close();
  }
});
