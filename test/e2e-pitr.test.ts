// Needs: PostgreSQL 15 binaries, restic, root (the clusters run as the postgres user)
// Point-in-time restore end to end, through the CLI, from a repository fed by PostgreSQL itself
// (archive_command = the real `lifeboat wal-push`, archive_timeout 10s): writes go on during the
// base backup; `restore --at` three times gives exactly the rows committed by each; `--at latest`
// loses at most archive_timeout. Refusals: a non-empty data dir, a time before the first base
// backup. (The standby and failover: e2e-standby.test.ts.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workspace } from './e2e-support.ts';
import type { PgCluster } from './support/pg-cluster.ts';
import { freePort } from './support/redis-server.ts';
import { ids, startWalJob, type WalJob } from './support/wal-job.ts';

const ARCHIVE_TIMEOUT_S = 10;
let job: WalJob;
let ws: Workspace;
let primary: PgCluster;
/** Targets between commits, with the ids committed by each. */
const targets: Array<{ at: Date; ids: number[] }> = [];
let afterBackup: Date;
let restoreCount = 0;

before(async () => {
  job = await startWalJob(ARCHIVE_TIMEOUT_S);
  ({ ws, primary } = job);
});

after(async () => {
  await job?.[Symbol.asyncDispose]();
});

const primaryIds = async () => (await primary.query<{ id: number }>('SELECT id FROM t ORDER BY id')).map((r) => r.id);
const insert = (n: number) => primary.query(`INSERT INTO t (pad) SELECT 'row' FROM generate_series(1, ${n})`);

async function restoreAt(at: string, opts: { start?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string; dataDir: string; port: number }> {
  const dataDir = join(ws.dir, `restored-${restoreCount++}`);
  const port = await freePort();
  if (opts.start !== false) job.started.push(dataDir);
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

  // Four restores at once (each replays through wal-fetch, a process per WAL file).
  const [latest, ...atTargets] = await Promise.all([restoreAt('latest'), ...targets.map((t) => restoreAt(t.at.toISOString()))]);
  assert.equal(latest!.code, 0, latest!.stderr);
  assert.match(latest!.stdout, /restored job pg to the end of the archive/);
  assert.match(latest!.stdout, new RegExp(`-p ${latest!.port}`));
  assert.deepEqual(await ids(latest!.port), all, `every commit older than archive_timeout (${lastCommit.toISOString()}) is restored`);

  for (const [i, t] of targets.entries()) {
    const r = atTargets[i]!;
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
