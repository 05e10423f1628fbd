// The daemon runs jobs on their own: a PostgreSQL job every 5 s, a SQLite job every 7 s and a
// files job every 10 s (cron with seconds) each run at least 3 times in 40 s; the history and
// the repository's snapshots match one for one; /metrics agrees with the history, also after
// a restart; restic check is clean.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropPgDatabases, pgQuery, workspace } from './e2e-support.ts';
import { startDaemon } from './support/daemon.ts';

const db = `lb_daemon_${randomBytes(4).toString('hex')}`;
after(() => dropPgDatabases([db]));

test('scheduled jobs run on their own; history, snapshots and metrics agree', { timeout: 180_000 }, async () => {
  await using w = await workspace();
  await pgQuery('postgres', `CREATE DATABASE ${db}`);
  await pgQuery(db, 'CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 2000) g');
  const sqlite = join(w.dir, 'app.db');
  const conn = new DatabaseSync(sqlite);
  conn.exec('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (\'x\');');
  conn.close();
  await mkdir(join(w.dir, 'files'));
  await writeFile(join(w.dir, 'files', 'a.txt'), 'alpha\n');
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
defaults: { concurrency: 3, timezone: UTC }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  pg:
    source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${db}], globals: false }
    repositories: [main]
    schedule: "*/5 * * * * *"
  lite:
    source: { type: sqlite, path: ${sqlite} }
    repositories: [main]
    schedule: "*/7 * * * * *"
  files:
    source: { type: files, paths: [${join(w.dir, 'files')}] }
    repositories: [main]
    schedule: "*/10 * * * * *"
`);
  const d = await startDaemon(w.dir);
  await sleep(40_000);
  const metricsLive = await (await d.fetch('/metrics')).text();
  const stopped = await d.stop('SIGTERM');
  assert.equal(stopped.code, 0, d.output().slice(-2000));

  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  const rows = h.prepare("SELECT job, status, snapshot_id, trigger FROM runs WHERE kind = 'backup'").all() as Array<{ job: string; status: string; snapshot_id: string | null; trigger: string }>;
  h.close();
  for (const job of ['pg', 'lite', 'files']) {
    const ok = rows.filter((r) => r.job === job && r.status === 'succeeded');
    assert.ok(ok.length >= 3, `${job} ran ${ok.length} times: ${JSON.stringify(rows.filter((r) => r.job === job))}`);
  }
  assert.ok(rows.every((r) => r.status === 'succeeded' || r.status === 'skipped' || r.status === 'aborted'), JSON.stringify(rows));
  const recorded = rows.filter((r) => r.snapshot_id).map((r) => r.snapshot_id!).sort();
  const snaps = (await w.snapshots()).map((s) => s.id).sort();
  assert.deepEqual(recorded, snaps, 'one history row per snapshot, one snapshot per successful run');
  assert.match(await w.restic(['check']), /no errors were found/);

  // /metrics agrees with the history, live and after a restart (values read back from it).
  const count = (text: string, job: string) => Number(new RegExp(`lifeboat_job_runs_total\\{[^}]*job="${job}"[^}]*kind="backup"[^}]*status="succeeded"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 'NaN');
  for (const job of ['pg', 'lite', 'files']) assert.ok(count(metricsLive, job) >= 3, `${job}: ${count(metricsLive, job)}`);
  await w.writeConfig(`version: 1\nstate_dir: ${state}\nrepositories:\n  main: { location: ${w.repo}, password_file: ${w.passwordFile} }\n` +
    `jobs:\n  pg: { source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${db}] }, repositories: [main] }\n` +
    `  lite: { source: { type: sqlite, path: ${sqlite} }, repositories: [main] }\n  files: { source: { type: files, paths: [${join(w.dir, 'files')}] }, repositories: [main] }\n`);
  const again = await startDaemon(w.dir);
  const metrics = await (await again.fetch('/metrics')).text();
  await again.stop();
  for (const job of ['pg', 'lite', 'files']) {
    assert.equal(count(metrics, job), rows.filter((r) => r.job === job && r.status === 'succeeded').length, `${job} after restart`);
    assert.match(metrics, new RegExp(`lifeboat_job_last_success_timestamp_seconds\\{job="${job}"\\} \\d`));
  }
});
