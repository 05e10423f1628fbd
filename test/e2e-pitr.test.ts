// Needs: PostgreSQL 15 binaries, restic, root (the clusters run as the postgres user)
// Point-in-time restore, standby and failover end to end, through the CLI, from a repository
// fed by PostgreSQL itself (archive_command = the real `lifeboat wal-push`, archive_timeout 10s):
// writes go on during the base backup; `restore --at` three times gives exactly the rows
// committed by each; `--at latest` loses at most archive_timeout; a standby follows new commits
// within 2 × archive_timeout and, promoted after the primary stops, takes writes and holds every
// archived commit. Refusals: a non-empty data dir, a time before the first base backup.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { workspace, repoBlock, TEST_STATE_DIR, type Workspace } from './e2e-support.ts';
import { asPostgres, grantToPostgres, PG_BIN, startPgCluster, switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { freePort } from './support/redis-server.ts';
import { selfCommandLine } from '../src/app/self-command.ts';

const ARCHIVE_TIMEOUT_S = 10;
let ws: Workspace;
let primary: PgCluster;
const started: string[] = [];
/** Targets between commits, with the ids committed by each. */
const targets: Array<{ at: Date; ids: number[] }> = [];
let afterBackup: Date;

before(async () => {
  ws = await workspace();
  const cfg = join(ws.dir, 'lifeboat.yaml');
  await mkdir(TEST_STATE_DIR, { recursive: true });
  await grantToPostgres(TEST_STATE_DIR);
  primary = await startPgCluster({
    noStart: true,
    archiveCommand: selfCommandLine(['--config', cfg, 'wal-push', '--job', 'pg', '%p']),
    archiveTimeout: `${ARCHIVE_TIMEOUT_S}s`,
    env: { LIFEBOAT_STATE_DIR: TEST_STATE_DIR },
  });
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source:\n      type: postgres\n      host: 127.0.0.1\n` +
    `      port: ${primary.port}\n      user: postgres\n      wal:\n        enabled: true\n    repositories: [main]\n`);
  await grantToPostgres(ws.dir);
  await primary.start();
});

after(async () => {
  for (const dir of started) {
    const [cmd, args] = asPostgres(join(PG_BIN, 'pg_ctl'), ['stop', '-D', dir, '-m', 'immediate', '-w']);
    try { execFileSync(cmd, args, { stdio: 'ignore' }); } catch { /* not running */ }
  }
  await primary?.[Symbol.asyncDispose]();
  await ws?.[Symbol.asyncDispose]();
});

async function ids(port: number): Promise<number[]> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  try {
    return (await c.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

const primaryIds = async () => (await primary.query<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => r.id);
const insert = (n: number) => primary.query(`INSERT INTO t (pad) SELECT 'row' FROM generate_series(1, ${n})`);

async function restoreAt(at: string, opts: { start?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string; dataDir: string; port: number }> {
  const dataDir = join(ws.dir, `restored-${started.length}-${Date.now()}`);
  const port = await freePort();
  if (opts.start !== false) started.push(dataDir);
  const r = await ws.cli(['restore', '--job', 'pg', '--at', at, '--data-dir', dataDir, ...(opts.start !== false ? ['--start', '--port', String(port)] : [])]);
  return { ...r, dataDir, port };
}

test('a base backup while writes go on; restore --at three times gives exactly the rows committed by each; --at latest loses at most archive_timeout', async () => {
  await primary.query('CREATE TABLE t (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), pad text)');
  await insert(1000);
  let writing = true;
  let during = 0;
  const writer = (async () => { while (writing) { await insert(1); during++; } })();
  const b = await ws.cli(['backup', '--job', 'pg']);
  writing = false;
  await writer;
  assert.equal(b.code, 0, b.stderr);
  assert.ok(during > 5, `writes during the base backup: ${during}`);
  afterBackup = new Date();

  for (let k = 0; k < 3; k++) {
    await sleep(400);
    await insert(10 + k);
    await sleep(400);
    targets.push({ at: new Date(), ids: await primaryIds() });
  }
  await sleep(400);
  await insert(5); // a commit after the last target, so replay can see the target passed
  const lastCommit = new Date();
  const all = await primaryIds();
  // No forced segment switch: archive_timeout alone must bring these commits to the archive.
  await sleep((ARCHIVE_TIMEOUT_S + 3) * 1000);

  const latest = await restoreAt('latest');
  assert.equal(latest.code, 0, latest.stderr);
  assert.match(latest.stdout, /restored job pg to the end of the archive/);
  assert.match(latest.stdout, new RegExp(`-p ${latest.port}`));
  assert.deepEqual(await ids(latest.port), all, `every commit older than archive_timeout (${lastCommit.toISOString()}) is restored`);

  for (const t of targets) {
    const r = await restoreAt(t.at.toISOString());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /using base backup [0-9a-f]{8}/);
    const got = await ids(r.port);
    assert.equal(got.length, t.ids.length, `rows at ${t.at.toISOString()}`);
    assert.deepEqual(got, t.ids);
  }
  assert.ok(targets[0]!.ids.length < targets[1]!.ids.length && targets[1]!.ids.length < targets[2]!.ids.length);
});

test('refused: a non-empty data directory (named), a time before the first base backup', async () => {
  const occupied = join(ws.dir, 'occupied');
  await mkdir(occupied);
  await writeFile(join(occupied, 'PG_VERSION'), '15\n');
  const r = await ws.cli(['restore', '--job', 'pg', '--at', 'latest', '--data-dir', occupied]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`data directory ${occupied} is not empty`));
  assert.deepEqual(await readdir(occupied), ['PG_VERSION']);

  const early = await restoreAt(new Date(afterBackup.getTime() - 3_600_000).toISOString(), { start: false });
  assert.notEqual(early.code, 0);
  assert.match(early.stderr, /before its oldest usable base backup/);
});

test('a standby follows within 2 × archive_timeout; promoted after the primary stops, it holds every archived commit and takes writes', async () => {
  const dataDir = join(ws.dir, 'standby');
  const port = await freePort();
  started.push(dataDir);
  const s = await ws.cli(['standby', '--job', 'pg', '--data-dir', dataDir, '--port', String(port)]);
  assert.equal(s.code, 0, s.stderr);

  await insert(7);
  const expected = await primaryIds();
  const committed = Date.now();
  for (;;) {
    const got = await ids(port).catch((): number[] => []);
    if (got.length === expected.length) { assert.deepEqual(got, expected); break; }
    assert.ok(Date.now() - committed < 2 * ARCHIVE_TIMEOUT_S * 1000, `the standby has ${got.length} of ${expected.length} rows after 2 × archive_timeout`);
    await sleep(250);
  }
  const followedS = (Date.now() - committed) / 1000;

  const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
  const mine = status.standbys.find((x: { data_dir: string }) => x.data_dir === dataDir);
  assert.equal(mine.state, 'replaying');
  assert.equal(mine.job, 'pg');
  assert.equal(typeof mine.replay_lag_seconds, 'number');

  // Last commits; then, as the runbook says, a segment switch archives them and the primary stops.
  await insert(3);
  const final = await primaryIds();
  await switchWalAndWaitArchived(primary);
  await primary.stop();
  for (const deadline = Date.now() + 2 * ARCHIVE_TIMEOUT_S * 1000; ;) {
    if ((await ids(port).catch((): number[] => [])).length === final.length) break;
    assert.ok(Date.now() < deadline, 'the standby replays the last archived segment');
    await sleep(250);
  }
  const p = await ws.cli(['promote', '--data-dir', dataDir]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /accepts writes on timeline (\d+)/);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query(`INSERT INTO t (pad) VALUES ('after failover')`);
  await c.end();
  const after = await ids(port);
  assert.deepEqual(after.slice(0, final.length), final);
  assert.equal(after.length, final.length + 1);
  const promoted = JSON.parse((await ws.cli(['status', '--json'])).stdout).standbys.find((x: { data_dir: string }) => x.data_dir === dataDir);
  assert.equal(promoted.state, 'promoted');
  assert.ok(promoted.timeline >= 2);
  console.log(`standby followed in ${followedS.toFixed(1)} s`);
});
