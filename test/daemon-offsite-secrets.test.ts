// Per-repository retention applied after each run (local keeps its count, the S3 offsite copy
// its span), and secrets: a job whose database password is wrong and a repository whose S3
// secret is wrong — neither value appears in the logs, the API, the metrics or the history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { useTestBucket } from './storage-s3-helpers.ts';
import { runCli, workspace } from './e2e-support.ts';
import { startDaemon } from './support/daemon.ts';

const s3 = useTestBucket('daemon');

test('after each run, local keeps its count and the S3 repository its span', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const { env, bucket } = s3;
  const offsite = `s3:${env.endpoint}/${bucket}/offsite`;
  const s3env = { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey, AWS_REGION: env.region };
  assert.equal((await runCli(['init', '--repo', offsite], w.dir, { env: { ...s3env, LIFEBOAT_PASSWORD_FILE: w.passwordFile } })).code, 0);
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
repositories:
  local: { location: ${w.repo}, password_file: ${w.passwordFile} }
  offsite: { location: ${offsite}, password_file: ${w.passwordFile}, s3: { path_style: true } }
jobs:
  notes:
    source: { type: command, command: [sh, -c, "date +%s%N"], filename: notes.txt }
    repositories: [local, { name: offsite, retention: { keep_within: 30d } }]
    retention: { keep_last: 2 }
    schedule: { every: 2s }
`);
  const d = await startDaemon(w.dir, { env: s3env });
  for (let n = 0; n < 4; n++) await d.waitFor(() => d.lines.filter((l) => l.msg === 'forget succeeded' && l.repository === 'offsite').length > n, 60_000, `retention run ${n + 1}`);
  assert.equal((await d.stop()).code, 0);
  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  const cycles = (h.prepare("SELECT count(*) AS n FROM runs WHERE kind = 'backup' AND status = 'succeeded'").get() as { n: number }).n;
  h.close();
  assert.equal((await w.snapshots()).length, 2, 'local: keep_last 2');
  const listed = await runCli(['snapshots', '--repo', offsite, '--json'], w.dir, { env: { ...s3env, LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(JSON.parse(listed.stdout).length, cycles, 'offsite: every snapshot of the last 30 days');
});

test('a wrong database password and a wrong S3 secret appear nowhere: logs, API, metrics, history', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const { env, bucket } = s3;
  const dbPassword = 'Wrong-Db-Passw0rd-7319';
  const s3Secret = 'Wrong-S3-Secret-Key-4242';
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
repositories:
  local: { location: ${w.repo}, password_file: ${w.passwordFile} }
  offsite:
    location: s3:${env.endpoint}/${bucket}/wrong
    password: also-a-secret-repo-pw
    s3: { path_style: true, region: ${env.region}, access_key_id: ${env.accessKeyId}, secret_access_key: ${s3Secret} }
jobs:
  pg:
    source: { type: postgres, host: 127.0.0.1, user: lifeboat_nobody, password: ${dbPassword}, databases: [postgres] }
    repositories: [local]
    schedule: { every: 2s }
  copy:
    source: { type: command, command: [echo, x], filename: x.txt }
    repositories: [offsite]
    schedule: { every: 2s }
`);
  const d = await startDaemon(w.dir);
  await d.waitFor((l) => l.msg === 'backup failed' && l.job === 'pg', 60_000, 'the database job to fail');
  await d.waitFor((l) => l.msg === 'backup failed' && l.job === 'copy', 60_000, 'the S3 job to fail');
  const answers = [
    await (await d.fetch('/api/v1/runs?limit=50')).text(),
    await (await d.fetch('/api/v1/jobs')).text(),
    await (await d.fetch('/api/v1/repositories')).text(),
    await (await d.fetch('/metrics')).text(),
  ].join('\n');
  await d.stop();
  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  const history = JSON.stringify(h.prepare('SELECT * FROM runs').all());
  h.close();
  assert.match(history, /lifeboat_nobody|password authentication|role/, 'the database failure is recorded');
  for (const [where, text] of [['logs', d.output()], ['API and metrics', answers], ['history', history], ['history file', readFileSync(join(state, 'history.db'), 'latin1')]] as const) {
    for (const secret of [dbPassword, s3Secret, 'also-a-secret-repo-pw']) assert.ok(!text.includes(secret), `${secret} in ${where}`);
  }
});
