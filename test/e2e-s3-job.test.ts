// A job whose repository is on S3 (the local Ceph RGW), with the credentials in lifeboat.yaml
// (access_key_id + secret_access_key_file) and none in the environment: the config's s3 block
// reaches the store. restic reads the snapshot back from the bucket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBucket, emptyBucket, startS3, uniqueBucket, adminClient, type S3Env } from './storage-s3-helpers.ts';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { runCli, workspace, type Workspace } from './e2e-support.ts';

const run = promisify(execFile);
let env: S3Env;
let bucket: string;
let ws: Workspace;

before(async () => {
  env = await startS3();
  bucket = uniqueBucket('e2e-job');
  await createBucket(env, bucket);
  ws = await workspace();
});

after(async () => {
  await emptyBucket(env, bucket).catch(() => {});
  await adminClient(env).send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

test('backup --job into an S3 repository configured with credentials from the config file', async () => {
  const location = `s3:${env.endpoint}/${bucket}/lifeboat`;
  const noAws = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };
  const init = await runCli(['init', '--repo', location], ws.dir,
    { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile, AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey, AWS_REGION: env.region } });
  assert.equal(init.code, 0, init.stderr);
  await writeFile(join(ws.dir, 'aws-secret'), `${env.secretAccessKey}\n`);
  await ws.writeConfig(`version: 1
repositories:
  offsite:
    location: ${location}
    password_file: ${ws.passwordFile}
    s3: { region: ${env.region}, path_style: true, access_key_id: ${env.accessKeyId}, secret_access_key_file: ${join(ws.dir, 'aws-secret')} }
jobs:
  export:
    source: { type: command, command: [sh, -c, "seq 1 100000"], filename: numbers.txt }
    repositories: [offsite]
`);
  const b = await ws.cli(['backup', '--job', 'export'], { env: noAws });
  assert.equal(b.code, 0, b.stderr);
  assert.ok(!b.stdout.includes(env.secretAccessKey) && !b.stderr.includes(env.secretAccessKey));
  const list = await ws.cli(['snapshots', '--job', 'export', '--json'], { env: noAws });
  assert.equal(list.code, 0, list.stderr);
  assert.equal((JSON.parse(list.stdout) as unknown[]).length, 1);
  const { stdout } = await run('restic', ['-r', location, '--password-file', ws.passwordFile, '--no-cache', 'dump', 'latest', '/numbers.txt'],
    { env: { ...process.env, AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey }, maxBuffer: 16 << 20 });
  assert.equal(stdout.split('\n').length, 100001);
  assert.equal(stdout.split('\n')[99999], '100000');
});
