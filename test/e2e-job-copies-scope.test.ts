// A repository shared by several jobs receives exactly the snapshots of the jobs that list it:
// three jobs on the local repository, one of them also on an S3 repository. After two runs of
// `backup --all`, the S3 repository holds that job's two snapshots and nothing else.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useTestBucket } from './storage-s3-helpers.ts';
import { runCli, workspace, type Workspace } from './e2e-support.ts';

const s3 = useTestBucket('job-scope');
let ws: Workspace;
before(async () => { ws = await workspace(); });
after(async () => { await ws?.[Symbol.asyncDispose](); });

test('backup --all copies only a job\'s own snapshots to its other repository', async () => {
  const { env, bucket } = s3;
  const second = `s3:${env.endpoint}/${bucket}/second`;
  const s3Env = { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey, AWS_REGION: env.region };
  const init = await runCli(['init', '--repo', second], ws.dir, { env: { ...s3Env, LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(init.code, 0, init.stderr);
  await ws.writeConfig(`version: 1
repositories:
  local: { location: ${ws.repo}, password_file: ${ws.passwordFile} }
  second: { location: ${second}, password_file: ${ws.passwordFile}, s3: { path_style: true } }
jobs:
  orders:
    source: { type: command, command: [sh, -c, "seq 1 1000"], filename: orders.csv }
    repositories: [local]
  uploads:
    source: { type: command, command: [sh, -c, "echo pictures"], filename: uploads.txt }
    repositories: [local]
  notes:
    source: { type: command, command: [sh, -c, "echo meeting notes"], filename: notes.txt }
    repositories: [local, second]
`);
  for (let run = 0; run < 2; run++) {
    const r = await ws.cli(['backup', '--all'], { env: s3Env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /job notes: copied to second: 1 snapshot\b/);
  }
  const listed = await runCli(['snapshots', '--repo', second, '--json'], ws.dir, { env: { ...s3Env, LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(listed.code, 0, listed.stderr);
  const snaps = JSON.parse(listed.stdout) as Array<{ tags?: string[] }>;
  assert.equal(snaps.length, 2, `second holds ${snaps.length} snapshots: ${JSON.stringify(snaps.map((s) => s.tags))}`);
  assert.ok(snaps.every((s) => s.tags?.includes('job=notes')));
  assert.equal((await ws.snapshots()).length, 6, 'the local repository holds every job\'s snapshots');
});
