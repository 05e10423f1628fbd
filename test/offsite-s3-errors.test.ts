// S3 failures through the CLI (`node src/main.ts`): wrong secret, unknown access key, missing
// bucket, unreachable endpoint, and a permanent 403 in the middle of a backup (a proxy denies
// pack uploads). Each fails fast with a message naming the bucket (never the secret), a
// non-zero exit, no new snapshot, no lock left behind, and `restic check --read-data` clean.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tempDir } from './support/repo.ts';
import { runCli } from './e2e-support.ts';
import { startFaultProxy } from './support/fault-proxy.ts';
import { createBucket, emptyBucket, resticS3Env, startS3, uniqueBucket, type S3Env } from './storage-s3-helpers.ts';

const bucket = uniqueBucket('errors');
let env: S3Env | undefined;
after(async () => {
  if (env) for (const b of [bucket, `${bucket}-created`]) await emptyBucket(env, b).catch(() => {});
});

const PW = 'errors-pw';

function restic(s3: S3Env, repo: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('restic', ['-r', repo, '--no-cache', ...args], { env: resticS3Env(s3, PW) }, (err, stdout, stderr) =>
      (err ? reject(new Error(`restic ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`)) : resolve(String(stdout))));
  });
}

test('S3 errors: clear messages, non-zero exits, nothing half-written', { timeout: 240_000 }, async () => {
  env = await startS3();
  const s3 = env;
  await createBucket(s3, bucket);
  await using tmp = await tempDir('lifeboat-s3-errors-');
  const good = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region, LIFEBOAT_PASSWORD: PW };
  const cli = async (args: string[], extra: Record<string, string> = {}, input?: string) => {
    const t0 = Date.now();
    const r = await runCli(args, tmp.path, { env: { ...good, ...extra }, input });
    return { ...r, ms: Date.now() - t0 };
  };
  const repo = `s3:${s3.endpoint}/${bucket}/repo`;
  assert.equal((await cli(['init', '--repo', repo])).code, 0);
  assert.equal((await cli(['backup', '--stdin', '--repo', repo], {}, 'first snapshot\n')).code, 0);
  const snapshotCount = async () => (JSON.parse(await restic(s3, repo, ['snapshots', '--json'])) as unknown[]).length;

  const failures: Array<[string, Awaited<ReturnType<typeof cli>>, RegExp]> = [];
  // Wrong secret and unknown key: 403 is permanent, never retried.
  failures.push(['wrong secret', await cli(['backup', '--stdin', '--repo', repo], { AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123' }, 'x\n'),
    new RegExp(`access to bucket "${bucket}" at .* denied`)]);
  failures.push(['unknown key', await cli(['backup', '--stdin', '--repo', repo], { AWS_ACCESS_KEY_ID: 'NOSUCHKEY0000000' }, 'x\n'),
    new RegExp(`access to bucket "${bucket}" at .* denied`)]);
  failures.push(['wrong secret at init', await cli(['init', '--repo', `s3:${s3.endpoint}/${bucket}/other`], { AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123' }),
    new RegExp(`bucket "${bucket}" .*denied`)]);
  failures.push(['missing bucket', await cli(['backup', '--stdin', '--repo', `s3:${s3.endpoint}/${bucket}-missing/repo`], {}, 'x\n'),
    new RegExp(`no repository found \\(bucket "${bucket}-missing" does not exist\\)`)]);
  failures.push(['missing bucket, snapshots', await cli(['snapshots', '--repo', `s3:${s3.endpoint}/${bucket}-missing/repo`]),
    new RegExp(`no repository found \\(bucket "${bucket}-missing" does not exist\\)`)]);
  failures.push(['unreachable endpoint', await cli(['snapshots', '--repo', `s3:http://127.0.0.1:1/${bucket}/repo`]),
    new RegExp(`cannot reach bucket "${bucket}" at http://127.0.0.1:1 \\(ECONNREFUSED\\)`)]);

  // A permanent 403 in the middle of a backup: the repository opens and locks, then every pack
  // upload is denied (as a bucket policy or an expired key would).
  const target = `s3:${s3.endpoint}/${bucket}/copy-target`;
  assert.equal((await cli(['init', '--repo', target])).code, 0);
  const proxy = await startFaultProxy(s3.endpoint, 1, 0, {
    noFaults: true, deny: (m, path) => m === 'PUT' && (path.includes('/repo/data/') || path.includes('/copy-target/data/')),
  });
  try {
    const viaProxy = `s3:${proxy.url}/${bucket}/repo`;
    failures.push(['403 mid-backup', await cli(['backup', '--stdin', '--repo', viaProxy], {}, randomBytes(20 << 20).toString('base64')),
      new RegExp(`bucket "${bucket}" at ${proxy.url} denied`)]);
    assert.ok((proxy.counts.denied ?? 0) >= 1, 'a pack upload was denied');
    // A copy whose target denies pack uploads: fails, and leaves no snapshot in the target.
    failures.push(['403 mid-copy', await cli(['copy', '--repo', `s3:${proxy.url}/${bucket}/copy-target`, '--from-repo', repo], { LIFEBOAT_FROM_PASSWORD: PW }),
      new RegExp(`bucket "${bucket}" at ${proxy.url} denied`)]);
  } finally {
    await proxy.close();
  }

  for (const [what, r, pattern] of failures) {
    console.log(`${what}: exit ${r.code} in ${r.ms} ms: ${r.stderr.trim().split('\n')[0]}`);
    assert.notEqual(r.code, 0, `${what}: non-zero exit`);
    assert.match(r.stderr, pattern, what);
    assert.doesNotMatch(r.stderr + r.stdout, /not-the-secret|s3local-secret/, `${what}: no secret in the output`);
    assert.ok(r.ms < (what === 'unreachable endpoint' ? 60_000 : 10_000), `${what}: fails fast (${r.ms} ms)`);
  }

  assert.equal(await snapshotCount(), 1, 'no snapshot from any failed run');
  assert.equal((await restic(s3, repo, ['list', 'locks'])).trim(), '', 'no lock left behind');
  assert.match(await restic(s3, repo, ['check', '--read-data']), /no errors were found/);
  assert.equal((JSON.parse(await restic(s3, target, ['snapshots', '--json'])) as unknown[]).length, 0, 'the failed copy saved no snapshot');
  assert.match(await restic(s3, target, ['check', '--read-data']), /no errors were found/);
  // The next copy (storage healthy again) catches up.
  const retry = await cli(['copy', '--json', '--repo', target, '--from-repo', repo], { LIFEBOAT_FROM_PASSWORD: PW });
  assert.equal(retry.code, 0, retry.stderr);
  assert.equal(JSON.parse(retry.stdout).snapshots_copied, 1);
  assert.match(await restic(s3, target, ['check', '--read-data']), /no errors were found/);
  // A missing bucket is an error for every verb but init, which creates it (as restic's does).
  const created = await cli(['init', '--repo', `s3:${s3.endpoint}/${bucket}-created/repo`]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(await restic(s3, `s3:${s3.endpoint}/${bucket}-created/repo`, ['check']), /no errors were found/);
  await assert.rejects(restic(s3, `s3:${s3.endpoint}/${bucket}/other`, ['cat', 'config']), 'init with a wrong secret created nothing');
});
