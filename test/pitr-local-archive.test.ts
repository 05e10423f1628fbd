// Needs: PostgreSQL 15 binaries (/usr/lib/postgresql/15/bin), root or a user that may run them
// Restore to a point in time and a warm standby, built by the app layer from a plain
// `pg_basebackup -Ft` and a `cp` archive (independent of Lifeboat's own WAL archive, which the
// e2e tests use): the rows committed up to each target, the refusals, a target beyond the archive
// explained, a standby that follows and is promoted.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { ids } from './support/wal-job.ts';
import { asPostgres, grantToPostgres, PG_BIN, startPgCluster, switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { freePort } from './support/redis-server.ts';
import { restoreToPointInTime } from '../src/app/pitr/restore-to-time.ts';
import type { RecoverySource } from '../src/app/pitr/recovery-source.ts';
import { postgresServer } from '../src/sources/postgres/index.ts';
import { createStandby, promoteStandby, standbyStatus } from '../src/app/pitr/standby.ts';
import { readStandbys } from '../src/app/pitr/standby-registry.ts';

const user = { osUser: 'postgres', binDir: PG_BIN };
let dir = '';
let primary: PgCluster;
let source: RecoverySource;
const built: string[] = [];
/** Commit time of row i (1-based) and a time between row i's and row i+1's commits. */
const between: Date[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-pitr-'));
  const archive = join(dir, 'archive');
  const bb = join(dir, 'bb');
  await mkdir(archive);
  await mkdir(bb);
  await grantToPostgres(dir);
  primary = await startPgCluster({ archiveCommand: `cp %p ${archive}/%f` });
  await primary.query('CREATE TABLE t (id int primary key, at timestamptz not null default clock_timestamp())');
  await primary.query('INSERT INTO t (id) VALUES (1)');
  const [cmd, args] = asPostgres(join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', bb, '-Ft', '-X', 'none', '--no-sync']);
  execFileSync(cmd, args, { stdio: 'pipe' });
  const stopTime = new Date();
  for (let i = 2; i <= 5; i++) {
    await sleep(300);
    await primary.query('INSERT INTO t (id) VALUES ($1)', [i]);
    await sleep(300);
    between[i] = new Date();
  }
  await switchWalAndWaitArchived(primary);
  source = {
    job: 'db',
    restoreCommand: `cp ${archive}/%f %p`,
    async baseBackups() { return [{ snapshotId: 'local-base-backup', stopTime }]; },
    async withBaseTar(_b, sink) { await sink(createReadStream(join(bb, 'base.tar'))); },
    async newestArchivedSegment() { return (await readdir(archive)).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort().at(-1); },
  };
});

after(async () => {
  const server = await postgresServer();
  for (const d of built) await server.stopServer(d, user).catch(() => {});
  await primary?.[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});


test('restore to three times gives exactly the rows committed up to each; latest gives all', async () => {
  for (const [i, target] of [[2, { at: between[2]! }], [4, { at: between[4]! }], [5, 'latest' as const]] as const) {
    const dataDir = join(dir, `restored-${i}`);
    const port = await freePort();
    built.push(dataDir);
    const r = await restoreToPointInTime(source, { target, dataDir, user, port, start: true, timeoutS: 120 });
    assert.equal(r.started?.port, port);
    assert.ok((r.started?.timeline ?? 0) >= 2, `promoted onto a new timeline: ${r.started?.timeline}`);
    assert.deepEqual(await ids(port), Array.from({ length: i }, (_, k) => k + 1), `rows at target ${JSON.stringify(target)}`);
  }
});

test('a non-empty data directory is refused, naming it; a target before the base backup too', async () => {
  const dataDir = join(dir, 'occupied');
  await mkdir(dataDir);
  await writeFile(join(dataDir, 'keep-me'), 'x');
  await assert.rejects(restoreToPointInTime(source, { target: 'latest', dataDir, user }), (e: Error) => e.message.includes(dataDir) && /not empty/.test(e.message));
  assert.deepEqual(await readdir(dataDir), ['keep-me']);
  await assert.rejects(restoreToPointInTime(source, { target: { at: new Date(Date.now() - 3_600_000) }, dataDir: join(dir, 'early'), user }),
    /before its oldest usable base backup/);
});

test('a target after the end of the archive is explained', async () => {
  const dataDir = join(dir, 'beyond');
  built.push(dataDir);
  await assert.rejects(restoreToPointInTime(source, { target: { at: new Date(Date.now() + 60_000) }, dataDir, user, port: await freePort(), start: true, timeoutS: 120 }),
    (e: Error & { hint?: string }) => /the archive ends before/.test(e.message) && /--at latest/.test(e.hint ?? ''));
});

test('a standby follows the archive, reports its lag, and is promoted to take writes', async () => {
  const dataDir = join(dir, 'standby');
  const stateDir = join(dir, 'state');
  const port = await freePort();
  built.push(dataDir);
  const record = await createStandby(source, { dataDir, port, user, stateDir, timeoutS: 120 });
  assert.deepEqual((await readStandbys(stateDir)).map((r) => [r.job, r.dataDir, r.port]), [['db', dataDir, port]]);
  await primary.query('INSERT INTO t (id) VALUES (6)');
  await switchWalAndWaitArchived(primary);
  const deadline = Date.now() + 20_000;
  while (!(await ids(port).catch((): number[] => [])).includes(6)) {
    assert.ok(Date.now() < deadline, 'the standby replays the newly archived segment within 2 × archive_timeout');
    await sleep(200);
  }
  const st = await standbyStatus(record, source.newestArchivedSegment);
  assert.equal(st.state, 'replaying');
  assert.equal(st.caughtUp, true, JSON.stringify(st));
  assert.equal(st.lagSeconds, 0);

  const promoted = await promoteStandby(dataDir, user, stateDir, 60);
  assert.ok(promoted.timeline >= 2, `timeline ${promoted.timeline}`);
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await c.connect();
  await c.query('INSERT INTO t (id) VALUES (100)');
  await c.end();
  assert.deepEqual(await ids(port), [1, 2, 3, 4, 5, 6, 100]);
  const [r] = await readStandbys(stateDir);
  assert.ok(r?.promotedAt && r.timeline === promoted.timeline);
  assert.equal((await standbyStatus(r, source.newestArchivedSegment)).state, 'promoted');
});
