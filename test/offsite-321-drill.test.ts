// The 3-2-1 drill: a job with one local and two S3 repositories (two buckets, three passwords).
// The job backs up to the local primary and its afterBackup copies to both buckets. Each
// repository restores on its own, byte-identical. `snapshots --all-repos` shows every copy.
// Copying again copies nothing. Then the local repository is deleted entirely: the S3 copies
// alone give the data back, restic checks every byte of each, and S3 → S3 copy is a no-op.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { replicateJobSnapshot } from '../src/app/replicate.ts';
import { buildFixture, diffTrees } from './support/engine-fixture.ts';
import { tempDir } from './support/repo.ts';
import { runCli } from './e2e-support.ts';
import { createBucket, emptyBucket, resticS3Env, startS3, uniqueBucket, type S3Env } from './storage-s3-helpers.ts';

const buckets = [uniqueBucket('drill-a'), uniqueBucket('drill-b')];
let env: S3Env | undefined;
after(async () => { if (env) for (const b of buckets) await emptyBucket(env, b).catch(() => {}); });

function resticCheck(s3: S3Env, repo: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('restic', ['-r', repo, '--no-cache', 'check', '--read-data'], { env: resticS3Env(s3, password) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`restic check ${repo}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

test('3-2-1 drill: local + two S3 buckets; each restores alone; S3 alone after the local repo is gone', { timeout: 300_000 }, async () => {
  env = await startS3();
  const s3 = env;
  for (const b of buckets) await createBucket(s3, b);
  await using tmp = await tempDir('lifeboat-drill-');
  const fixture = buildFixture(tmp.path);
  const local = join(tmp.path, 'local-repo');
  const remote = buckets.map((b) => `s3:${s3.endpoint}/${b}/lifeboat`);
  const passwords = { local: 'pw-local', a: 'pw-offsite-a', b: 'pw-offsite-b' };
  const s3Block = `    s3: { access_key_id: ${s3.accessKeyId}, secret_access_key: ${s3.secretAccessKey}, path_style: true }\n`;
  const configFile = join(tmp.path, 'lifeboat.yaml');
  await writeFile(configFile, [
    'repositories:',
    `  local: { location: ${local}, password: ${passwords.local} }`,
    '  offsite-a:',
    `    location: ${remote[0]}`, `    password: ${passwords.a}`, s3Block.trimEnd(),
    '  offsite-b:',
    `    location: ${remote[1]}`, `    password: ${passwords.b}`, s3Block.trimEnd(),
    'jobs:',
    '  app:',
    `    source: { type: files, paths: [${fixture}] }`,
    '    repositories: [local, offsite-a, offsite-b]',
    '',
  ].join('\n'));
  // The CLI gets S3 credentials from the environment only where no config is involved.
  const awsEnv = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region };
  const cli = async (args: string[], extra: Record<string, string> = {}, expect = 0) => {
    const r = await runCli(args, tmp.path, { env: { ...awsEnv, ...extra } });
    assert.equal(r.code, expect, `lifeboat ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  for (const [loc, pw] of [[local, passwords.local], [remote[0]!, passwords.a], [remote[1]!, passwords.b]] as const) {
    await cli(['init', '--repo', loc], { LIFEBOAT_PASSWORD: pw });
  }

  const config = await loadConfig(configFile);
  const signal = new AbortController().signal;
  const t0 = Date.now();
  // As a user runs it: the job backs up to its primary and copies to its other repositories.
  const run = JSON.parse((await cli(['backup', '--job', 'app', '--config', configFile, '--json'])).stdout.trim().split('\n').pop()!);
  console.log(`job + copy to two buckets: ${Date.now() - t0} ms`);
  const job = { snapshotId: run.snapshot_id as string };
  assert.deepEqual(run.copies.map((r: { repository: string; ok: boolean }) => [r.repository, r.ok]), [['offsite-a', true], ['offsite-b', true]]);
  for (const r of run.copies) assert.equal(r.snapshots_copied, 1);

  // Every repository holds the snapshot, under its own ID, linked by `original`.
  const loc = JSON.parse((await cli(['snapshots', '--all-repos', '--job', 'app', '--json', '--config', configFile])).stdout);
  assert.equal(loc.snapshots.length, 1);
  assert.equal(loc.snapshots[0].id, job.snapshotId);
  const holders = loc.snapshots[0].repositories as Record<string, string>;
  assert.deepEqual(Object.keys(holders), ['local', 'offsite-a', 'offsite-b']);
  assert.ok(Object.values(holders).every((id) => typeof id === 'string'));
  const table = (await cli(['snapshots', '--all-repos', '--job', 'app', '--config', configFile])).stdout;
  assert.match(table, /local\s+offsite-a\s+offsite-b/);

  // Each restores on its own.
  for (const [name, repo, pw] of [['local', local, passwords.local], ['a', remote[0]!, passwords.a], ['b', remote[1]!, passwords.b]] as const) {
    const out = join(tmp.path, `restore-${name}`);
    await cli(['restore', 'latest', '--repo', repo, '--target', out], { LIFEBOAT_PASSWORD: pw });
    assert.deepEqual(diffTrees(fixture, join(out, fixture), 1000n), [], `restore from ${name}`);
  }

  // Idempotent: the next run copies nothing.
  const again = await replicateJobSnapshot({ config, job: config.jobs[0]!, repositories: config.repositories, signal });
  for (const r of again) {
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.deepEqual([r.result.stats.snapshotsCopied, r.result.stats.blobsCopied, r.result.stats.bytesAdded], [0, 0, 0]);
  }

  // Disaster: the local repository is gone.
  await rm(local, { recursive: true, force: true });
  const gone = await cli(['snapshots', '--all-repos', '--job', 'app', '--config', configFile], {}, 3);
  assert.match(gone.stderr, /repository local: .*no repository found/);
  assert.match(gone.stdout, /offsite-a: .*1 snapshot\b/);
  const out = join(tmp.path, 'restore-after-disaster');
  await cli(['restore', 'latest', '--repo', remote[0]!, '--target', out], { LIFEBOAT_PASSWORD: passwords.a });
  assert.deepEqual(diffTrees(fixture, join(out, fixture), 1000n), []);
  assert.match(await resticCheck(s3, remote[0]!, passwords.a), /no errors were found/);
  assert.match(await resticCheck(s3, remote[1]!, passwords.b), /no errors were found/);

  // The two offsite copies already hold the same snapshot: copying between them is a no-op.
  const between = JSON.parse((await cli(['copy', '--json', '--repo', remote[1]!, '--from-repo', remote[0]!],
    { LIFEBOAT_PASSWORD: passwords.b, LIFEBOAT_FROM_PASSWORD: passwords.a })).stdout);
  assert.deepEqual([between.snapshots_copied, between.snapshots_skipped, between.blobs_copied], [0, 1, 0]);
});
