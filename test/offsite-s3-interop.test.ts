// Lifeboat and restic 0.14 on the real S3 server (Ceph RGW), driven through the CLI:
// - our backup to S3 passes `restic check --read-data` and restic restores it byte-identical;
// - we restore an S3 repository restic wrote;
// - `lifeboat copy` S3 → S3 re-encrypts for a target with another password: restic checks every
//   byte of the target and restores from it.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { buildFixture, diffTrees } from './support/engine-fixture.ts';
import { tempDir } from './support/repo.ts';
import { runCli } from './e2e-support.ts';
import { createBucket, emptyBucket, resticS3Env, startS3, uniqueBucket, type S3Env } from './storage-s3-helpers.ts';

const bucket = uniqueBucket('interop');
let env: S3Env | undefined;
after(async () => { if (env) await emptyBucket(env, bucket).catch(() => {}); });

function resticS3(s3: S3Env, repo: string, password: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('restic', ['-r', repo, '--no-cache', ...args], { cwd, env: resticS3Env(s3, password), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`restic ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(String(stdout));
    });
  });
}

test('S3 interop with restic 0.14: both directions, and copy re-encrypts', { timeout: 240_000 }, async () => {
  env = await startS3();
  const s3 = env;
  await createBucket(s3, bucket);
  await using tmp = await tempDir('lifeboat-s3-interop-');
  const fixture = buildFixture(tmp.path);
  const cliEnv = (password: string) => ({
    AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region, LIFEBOAT_PASSWORD: password,
  });
  const cli = async (args: string[], password: string) => {
    const r = await runCli(args, tmp.path, { env: cliEnv(password) });
    assert.equal(r.code, 0, `lifeboat ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ours = `s3:${s3.endpoint}/${bucket}/ours`;
  const theirs = `s3:${s3.endpoint}/${bucket}/theirs`;
  const copied = `s3:${s3.endpoint}/${bucket}/copied`;

  // 1. Lifeboat writes, restic reads every byte and restores.
  await cli(['init', '--repo', ours], 'pw-ours');
  await cli(['backup', '--repo', ours, '--host', 'h', 'fixture'], 'pw-ours');
  const check = await resticS3(s3, ours, 'pw-ours', ['check', '--read-data']);
  assert.match(check, /no errors were found/);
  await resticS3(s3, ours, 'pw-ours', ['restore', 'latest', '--target', join(tmp.path, 'restic-out')]);
  assert.deepEqual(diffTrees(fixture, join(tmp.path, 'restic-out', 'fixture')), []);

  // 2. restic writes, Lifeboat restores.
  await resticS3(s3, theirs, 'pw-theirs', ['init']);
  await resticS3(s3, theirs, 'pw-theirs', ['backup', '--host', 'h', 'fixture'], tmp.path);
  await cli(['restore', 'latest', '--repo', theirs, '--target', join(tmp.path, 'our-out')], 'pw-theirs');
  assert.deepEqual(diffTrees(fixture, join(tmp.path, 'our-out', 'fixture'), 1000n), []);

  // 3. Copy restic's repository into a new one with another password: new keys, same data.
  await cli(['init', '--repo', copied], 'pw-copied');
  const out = JSON.parse(await runCli(['copy', '--json', '--repo', copied, '--from-repo', theirs], tmp.path, {
    env: { ...cliEnv('pw-copied'), LIFEBOAT_FROM_PASSWORD: 'pw-theirs' },
  }).then((r) => { assert.equal(r.code, 0, r.stderr); return r.stdout; })) as Record<string, number>;
  assert.equal(out.snapshots_copied, 1);
  assert.ok(out.bytes_added > 12 * 1024 * 1024);
  assert.match(await resticS3(s3, copied, 'pw-copied', ['check', '--read-data']), /no errors were found/);
  await assert.rejects(resticS3(s3, copied, 'pw-theirs', ['cat', 'config']), 'the source password does not open the copy');
  await resticS3(s3, copied, 'pw-copied', ['restore', 'latest', '--target', join(tmp.path, 'copy-out')]);
  assert.deepEqual(diffTrees(fixture, join(tmp.path, 'copy-out', 'fixture'), 1000n), []);
});
