// Drills that do not pass, and what they leave: nothing. A check that does not hold exits 1
// naming it; SIGINT in the middle of a PostgreSQL drill (a check still running on the scratch
// database) exits 130 and drops the database; a corrupted pack fails the drill naming the
// damaged snapshot and pack. Each is recorded in the history as failed (or aborted).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropPgDatabases, MAIN, pgQuery, repoBlock, TEST_STATE_DIR, workspace, type Workspace } from './e2e-support.ts';
import { History } from '../src/app/history/store.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { findNode } from '../src/engine/restorer/snapshot-walk.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const PGDB = `lb_drillf_${suffix}`;
let ws: Workspace;
let scratch: string;

const scratchDatabases = () => pgQuery<{ datname: string }>('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat_drill_%'");

before(async () => {
  ws = await workspace();
  scratch = join(ws.dir, 'scratch');
  // A few MB of incompressible text, so the dump spans several blobs.
  await pgQuery('postgres', `CREATE DATABASE ${PGDB}`);
  await pgQuery(PGDB, `CREATE TABLE t (id int PRIMARY KEY, v text);
    INSERT INTO t SELECT g, string_agg(md5(g::text || '-' || h::text), '') FROM generate_series(1, 8000) g, generate_series(1, 32) h GROUP BY g`);
  const job = (name: string, checks: string) => `  ${name}:
    source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${PGDB}], globals: false }
    repositories: [main]
    drill: { scratch_dir: ${scratch}, checks: ${checks} }
`;
  await ws.writeConfig(`${repoBlock(ws)}jobs:
${job('pg', '[{query: "select count(*) from t", min_rows: 8000}]')}${job('too-high', '[{name: enough orders, query: "select count(*) from t", min_rows: 1000000}]')}${job('slow', '[{query: "select 1 from pg_sleep(120)", min_rows: 0}]')}`);
  for (const j of ['pg', 'too-high', 'slow']) {
    const b = await ws.cli(['backup', '--job', j]);
    assert.equal(b.code, 0, b.stderr);
  }
});

after(async () => {
  const left = (await scratchDatabases()).map((r) => r.datname).filter((d) => /^lifeboat_drill_(pg|too_high|slow)_/.test(d));
  await dropPgDatabases([PGDB, ...left]);
  await ws?.[Symbol.asyncDispose]();
});

function lastDrill(job: string) {
  const h = History.open(TEST_STATE_DIR);
  try { return h.latest({ job, kind: 'drill' })!; } finally { h.close(); }
}

test('a check that does not hold: exit 1 naming the check, the scratch database dropped', async () => {
  const r = await ws.cli(['drill', '--job', 'too-high']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAILED enough orders: 8000 \(expected at least 1000000\)/);
  assert.match(r.stderr, /drill of job too-high FAILED: check "enough orders" did not hold/);
  assert.deepEqual(await scratchDatabases(), []);
  assert.deepEqual(await readdir(scratch), []);
  const run = lastDrill('too-high');
  assert.equal(run.status, 'failed');
  assert.equal(run.details?.failedCheck, 'enough orders');
  assert.match(run.errorMessage!, /check "enough orders" failed: 8000 \(expected at least 1000000\)/);
});

test('SIGINT while a check runs on the scratch database: exit 130, the database dropped, the run aborted', async () => {
  const child = spawn(process.execPath, [MAIN, 'drill', '--job', 'slow'], {
    cwd: ws.dir, env: { ...process.env, LIFEBOAT_REPOSITORY: '', LIFEBOAT_STATE_DIR: TEST_STATE_DIR }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => { err += String(d); });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  // In the middle: the scratch database exists and the check's pg_sleep runs in it.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const busy = await pgQuery('postgres', "SELECT 1 FROM pg_stat_activity WHERE datname LIKE 'lifeboat_drill_slow_%' AND query LIKE '%pg_sleep%'");
    if (busy.length) break;
    assert.ok(Date.now() < deadline, `the drill never reached its check: ${err}`);
    await sleep(100);
  }
  child.kill('SIGINT');
  assert.equal(await exited, 130, err);
  assert.deepEqual(await scratchDatabases(), []);
  assert.deepEqual(await readdir(scratch), []);
  assert.equal(lastDrill('slow').status, 'aborted');
});

test('a corrupted pack: the drill fails naming the damaged snapshot and pack, and leaves nothing', async () => {
  const repo = await openRepository(new LocalStore(ws.repo), 'e2e-secret-pw');
  let snapshot: string;
  let pack: string;
  try {
    await repo.loadIndex();
    const snap = (await repo.listSnapshots()).find((s) => s.snapshot.tags?.includes('job=pg'))!;
    snapshot = snap.id;
    const ids = (await findNode(repo, snap, `/postgres/${PGDB}.dump`))!.content!;
    assert.ok(ids.length >= 2, `${ids.length} blobs`);
    const loc = repo.lookupBlob('data', ids[ids.length >> 1]!)!;
    pack = loc.pack;
    const file = join(ws.repo, 'data', pack.slice(0, 2), pack);
    const bytes = await readFile(file);
    bytes[loc.offset + Math.floor(loc.length / 2)]! ^= 0x01;
    await chmod(file, 0o600);
    await writeFile(file, bytes);
  } finally {
    await repo.close();
  }
  const r = await ws.cli(['drill', '--job', 'pg']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`drill of job pg, snapshot ${snapshot.slice(0, 8)}: /postgres/${PGDB}.dump is unusable: .*blob [0-9a-f]{8} in pack ${pack.slice(0, 8)}`));
  assert.match(r.stderr, new RegExp(`pack ${pack.slice(0, 8)}`));
  assert.deepEqual(await scratchDatabases(), []);
  assert.deepEqual(await readdir(scratch), []);
  const run = lastDrill('pg');
  assert.equal(run.status, 'failed');
  assert.equal(run.errorCode, 'integrity');
});
