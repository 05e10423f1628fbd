// The daemon drills on its own: a SQLite job whose drill.schedule fires every 3 s passes each
// time; a job whose check cannot hold fails and raises drill_failed; "drill now" through the
// API runs one more; /metrics shows the drill's last success and RTO; state_dir holds the
// runbook copy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { workspace } from './e2e-support.ts';
import { startDaemon, finishedRuns } from './support/daemon.ts';

test('scheduled drills, drill_failed, drill now, metrics and the runbook copy', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const db = join(w.dir, 'app.db');
  const conn = new DatabaseSync(db);
  conn.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x'), ('y');");
  conn.close();
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
defaults: { timezone: UTC }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  lite:
    source: { type: sqlite, path: ${db} }
    repositories: [main]
    rto: 10m
    drill: { schedule: "*/3 * * * * *", checks: [{ query: "select count(*) from t", min_rows: 2 }] }
  bad:
    source: { type: sqlite, path: ${db} }
    repositories: [main]
    drill: { schedule: "*/3 * * * * *", checks: [{ name: at least a million, query: "select count(*) from t", min_rows: 1000000 }] }
`);
  for (const job of ['lite', 'bad']) assert.equal((await w.cli(['backup', '--job', job])).code, 0);
  const d = await startDaemon(w.dir, { env: { LIFEBOAT_ALERT_INTERVAL: '1000', LIFEBOAT_RUNBOOK_DELAY: '500' } });
  await d.waitFor((l) => finishedRuns([l]).some((r) => r.job === 'lite' && r.kind === 'drill'), 20_000, 'a scheduled drill of lite');
  const now = await d.fetch('/api/v1/jobs/lite/drill', { method: 'POST' });
  assert.ok(now.status === 202 || now.status === 409, String(now.status));
  await sleep(4000);
  const metrics = await (await d.fetch('/metrics')).text();
  const job = await (await d.fetch('/api/v1/jobs/lite')).json() as { last_drill?: { passed: boolean; rto_seconds: number }; rto_seconds: number };
  const alerts = await (await d.fetch('/api/v1/alerts')).json() as { alerts: Array<{ name: string; job?: string; message: string }> };
  const stopped = await d.stop('SIGTERM');
  assert.equal(stopped.code, 0, d.output().slice(-2000));

  const drills = finishedRuns(d.lines).filter((r) => r.kind === 'drill');
  assert.ok(drills.filter((r) => r.job === 'lite' && r.status === 'succeeded').length >= 2, JSON.stringify(drills));
  assert.ok(drills.some((r) => r.job === 'bad' && r.status === 'failed'));
  assert.equal(job.last_drill?.passed, true);
  assert.ok(job.last_drill!.rto_seconds > 0 && job.rto_seconds === 600);
  assert.match(metrics, /^lifeboat_drill_last_success_timestamp_seconds\{job="lite"\} \d/m);
  assert.match(metrics, /^lifeboat_drill_rto_seconds\{job="lite"\} [\d.]+/m);
  assert.ok(!/lifeboat_drill_last_success_timestamp_seconds\{job="bad"\}/.test(metrics));
  const failed = alerts.alerts.find((a) => a.name === 'drill_failed' && a.job === 'bad');
  assert.ok(failed, JSON.stringify(alerts));
  assert.match(failed.message, /check "at least a million" failed/);
  const runbook = await readFile(join(state, 'runbook.md'), 'utf8');
  assert.match(runbook, /## Job lite \(sqlite\)/);
  assert.match(runbook, /last drill .*: passed, RTO/);
});
