// Needs: restic
// SQLite replication run by the daemon into two repositories: every batch lands in both, the
// freshness the metrics read follows the commits, restore --at the end holds every row; then
// forget (the job's retention) removes the shipped WAL only forgotten snapshots needed, restores
// after the oldest kept snapshot still work, earlier ones are refused, and check stays clean.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { workspace } from './e2e-support.ts';
import { startDaemon } from './support/daemon.ts';
import { sqliteReplicationFreshness } from '../src/app/sqlite-wal/freshness.ts';

test('the daemon replicates a SQLite job into every repository; forget takes the WAL only forgotten snapshots needed', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const state = join(w.dir, 'state');
  const copy = join(w.dir, 'copy');
  const init = await w.cli(['init', '--repo', copy], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(init.code, 0, init.stderr);
  const db = join(w.dir, 'app.db');
  const app = new DatabaseSync(db);
  app.exec('PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000; CREATE TABLE ev (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL)');
  await w.writeConfig(`version: 1\nstate_dir: ${state}\nrepositories:\n  main:\n    location: ${w.repo}\n    password_file: ${w.passwordFile}\n` +
    `  copy:\n    location: ${copy}\n    password_file: ${w.passwordFile}\njobs:\n  app:\n    source:\n      type: sqlite\n      path: ${db}\n` +
    `      replicate: {interval: 200ms, snapshot_interval: 2s}\n    repositories: [main, copy]\n    retention: {keep_last: 2}\n`);

  const d = await startDaemon(w.dir);
  let stopped = false;
  try {
    await d.waitFor((l) => /snapshot of generation .* stored/.test(l.msg), 30_000, 'the first replication snapshot');
    const ins = app.prepare('INSERT INTO ev(ts) VALUES (?)');
    const until = Date.now() + 7000;
    while (Date.now() < until) {
      for (let i = 0; i < 20; i++) ins.run(Date.now());
      await sleep(50);
    }
    const lastCommit = Date.now();
    const deadline = Date.now() + 15_000;
    while (((await sqliteReplicationFreshness({ stateDir: state }, 'app'))?.shippedAt.getTime() ?? 0) <= lastCommit) {
      assert.ok(Date.now() < deadline, 'freshness did not pass the last commit');
      await sleep(50);
    }
    // status (and so the metrics and the stale alert, through the same lookup) measures the
    // job's RPO against the replication, not the last full snapshot.
    const status = await w.cli(['status', '--json', '--no-repositories']);
    assert.equal(status.code, 0, status.stderr);
    const appJob = (JSON.parse(status.stdout) as { jobs: Array<{ name: string; wal_archived_at?: string; wal_age_seconds?: number }> }).jobs.find((j) => j.name === 'app')!;
    assert.ok(appJob.wal_archived_at && Date.parse(appJob.wal_archived_at) > lastCommit, JSON.stringify(appJob));
    assert.ok(appJob.wal_age_seconds! < 30, JSON.stringify(appJob));
    const stop = await d.stop();
    stopped = true;
    assert.equal(stop.code, 0, d.output().slice(-2000));
  } finally {
    if (!stopped) await d.stop();
  }
  const rows = (app.prepare('SELECT count(*) AS n FROM ev').get() as { n: number }).n;
  app.close();

  const mainFiles = (await readdir(join(w.repo, 'wal', 'app'))).sort();
  const copyFiles = (await readdir(join(copy, 'wal', 'app'))).sort();
  assert.ok(mainFiles.length > 10, `${mainFiles.length} batch files`);
  assert.deepEqual(copyFiles, mainFiles, 'every batch is in both repositories');

  const restore = async (at: number, name: string) => w.cli(['restore', '--job', 'app', '--at', new Date(at).toISOString(), '--into', join(w.dir, `${name}.db`)]);
  const count = (name: string) => {
    const c = new DatabaseSync(join(w.dir, `${name}.db`), { readOnly: true });
    try {
      assert.equal((c.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
      return (c.prepare('SELECT count(*) AS n FROM ev').get() as { n: number }).n;
    } finally { c.close(); }
  };
  const end = await restore(Date.now(), 'end');
  assert.equal(end.code, 0, end.stderr);
  assert.equal(count('end'), rows);

  // A replication snapshot is an ordinary one: restic alone restores a usable database from it.
  await w.restic(['restore', 'latest', '--target', join(w.dir, 'by-restic')]);
  const plain = new DatabaseSync(join(w.dir, 'by-restic', 'sqlite', 'app.db'), { readOnly: true });
  assert.equal((plain.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
  const plainRows = (plain.prepare('SELECT count(*) AS n FROM ev').get() as { n: number }).n;
  plain.close();
  assert.ok(plainRows > 0 && plainRows <= rows, `${plainRows} rows`);

  const snaps = (await w.snapshots()) as unknown as Array<{ time: string }>;
  assert.ok(snaps.length >= 3, `${snaps.length} snapshots`);
  const f = await w.cli(['forget', '--job', 'app']);
  assert.equal(f.code, 0, f.stderr);
  const kept = ((await w.snapshots()) as unknown as Array<{ time: string }>).map((s) => Date.parse(s.time)).sort((a, b) => a - b);
  assert.equal(kept.length, 2);
  const left = (await readdir(join(w.repo, 'wal', 'app'))).sort();
  assert.ok(left.length < mainFiles.length && left.length > 0, `${mainFiles.length} → ${left.length} batch files`);

  const again = await restore(Date.now(), 'again');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(count('again'), rows);
  const before = await restore(kept[0]! - 300, 'before');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /no replication snapshot taken at or before/);
  const check = await w.cli(['check', '--repo', w.repo], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(check.code, 0, check.stderr);
  await w.restic(['check']);
});
