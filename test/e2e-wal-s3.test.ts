// Needs: PostgreSQL 15 binaries, restic, root (the cluster runs as the postgres user), S3 (LIFEBOAT_S3_START)
// A WAL job with two repositories, the second on the S3 server: PostgreSQL's archive_command
// (wal-push, as the postgres user) acknowledges a segment only once both hold it; the base
// backup is copied there too; restic check --read-data passes on the S3 repository with the
// wal/ folder beside its own; wal-fetch falls back to S3 when the local copy is gone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createBucket, emptyBucket, startS3, uniqueBucket, adminClient, type S3Env } from './storage-s3-helpers.ts';
import { runCli, workspace, repoBlock, TEST_STATE_DIR, type Workspace } from './e2e-support.ts';
import { grantToPostgres, startPgCluster, switchWalAndWaitArchived, type PgCluster } from './support/pg-cluster.ts';
import { selfCommandLine } from '../src/app/self-command.ts';

const run = promisify(execFile);
let env: S3Env;
let bucket: string;
let ws: Workspace;
let pg: PgCluster | undefined;

before(async () => {
  env = await startS3();
  bucket = uniqueBucket('e2e-wal');
  await createBucket(env, bucket);
  ws = await workspace();
});

after(async () => {
  await pg?.[Symbol.asyncDispose]();
  await emptyBucket(env, bucket).catch(() => {});
  await adminClient(env).send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  await ws?.[Symbol.asyncDispose]();
});

test('archive to a local and an S3 repository: both hold every acknowledged segment; restic check --read-data passes on S3; wal-fetch falls back to S3', async () => {
  const location = `s3:${env.endpoint}/${bucket}/lifeboat`;
  const awsEnv = { AWS_ACCESS_KEY_ID: env.accessKeyId, AWS_SECRET_ACCESS_KEY: env.secretAccessKey, AWS_REGION: env.region };
  const init = await runCli(['init', '--repo', location], ws.dir, { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile, ...awsEnv } });
  assert.equal(init.code, 0, init.stderr);
  await writeFile(join(ws.dir, 'aws-secret'), `${env.secretAccessKey}\n`);
  const cfg = join(ws.dir, 'lifeboat.yaml');
  await mkdir(TEST_STATE_DIR, { recursive: true });
  await grantToPostgres(TEST_STATE_DIR);
  pg = await startPgCluster({
    noStart: true,
    archiveCommand: selfCommandLine(['--config', cfg, 'wal-push', '--job', 'pg', '%p']),
    settings: { wal_keep_size: "'1GB'" },
    env: { LIFEBOAT_STATE_DIR: TEST_STATE_DIR },
  });
  await ws.writeConfig(`${repoBlock(ws)}  offsite:
    location: ${location}
    password_file: ${ws.passwordFile}
    s3: { region: ${env.region}, path_style: true, access_key_id: ${env.accessKeyId}, secret_access_key_file: ${join(ws.dir, 'aws-secret')} }
jobs:
  pg:
    source: { type: postgres, host: 127.0.0.1, port: ${pg.port}, user: postgres, wal: { enabled: true } }
    repositories: [main, offsite]
`);
  await grantToPostgres(ws.dir);
  await pg.start();

  await pg.query(`CREATE TABLE t AS SELECT g AS id, repeat('s3', 300) AS pad FROM generate_series(1, 30000) g`);
  await switchWalAndWaitArchived(pg);
  const b = await ws.cli(['backup', '--job', 'pg']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /copied|offsite/, b.stdout);
  // Committed after the base backup: only replaying the archive brings these back.
  await pg.query(`INSERT INTO t SELECT g, 'after' FROM generate_series(30001, 31234) g`);
  const last = await switchWalAndWaitArchived(pg);

  const listed = await adminClient(env).send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'lifeboat/wal/pg/' }));
  const inS3 = (listed.Contents ?? []).map((o) => o.Key!.slice('lifeboat/wal/pg/'.length));
  const local = (await run('ls', [join(ws.repo, 'wal', 'pg')])).stdout.split('\n').filter(Boolean);
  assert.ok(local.includes(last) && inS3.includes(last), `${last} in both: ${inS3.join(' ')}`);
  for (const f of local) assert.ok(inS3.includes(f), `${f} acknowledged, so also in S3`);

  const resticS3 = (args: string[]) => run('restic', ['-r', location, '--password-file', ws.passwordFile, '--no-cache', ...args],
    { env: { ...process.env, ...awsEnv }, maxBuffer: 64 << 20 });
  await resticS3(['check', '--read-data']);
  const snaps = JSON.parse((await resticS3(['snapshots', '--json'])).stdout) as Array<{ tags: string[] }>;
  assert.ok(snaps.some((s) => s.tags.includes('kind=base-backup')), 'the base backup was copied to S3');

  // The local copy of a segment is lost: wal-fetch gets it from S3, byte-identical.
  await rm(join(ws.repo, 'wal', 'pg', last));
  const dest = join(ws.dir, 'fetched');
  const f = await ws.cli(['wal-fetch', '--job', 'pg', last, dest]);
  assert.equal(f.code, 0, f.stderr);
  assert.ok((await readFile(join(pg.dataDir, 'pg_wal', last))).equals(await readFile(dest)));
  const c = await ws.cli(['check', '--repository', 'offsite', '--read-data']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /WAL of job pg: .*every file read: no gaps/);

  // Restorable: the base backup from S3 plus the archive replayed by PostgreSQL itself
  // (restore_command = wal-fetch, which finds the segment removed above in S3) give every row.
  const dataDir = join(ws.dir, 'restored');
  await mkdir(dataDir);
  await run('sh', ['-c', `restic -r '${location}' --password-file '${ws.passwordFile}' --no-cache dump latest /postgres/base.tar | tar -x -C '${dataDir}'`],
    { env: { ...process.env, ...awsEnv }, maxBuffer: 64 << 20 });
  await writeFile(join(dataDir, 'recovery.signal'), '');
  const restored = await startPgCluster({
    dataDir,
    settings: {
      archive_mode: 'off',
      restore_command: `'${selfCommandLine(['--config', cfg, 'wal-fetch', '--job', 'pg', '%f', '%p']).replaceAll("'", "''")}'`,
    },
    env: { LIFEBOAT_STATE_DIR: TEST_STATE_DIR },
  });
  try {
    for (let i = 0; (await restored.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]!.r; i++) {
      assert.ok(i < 300, 'recovery finished');
      await new Promise((r) => setTimeout(r, 100));
    }
    const [row] = await restored.query<{ n: string; after: string }>(`SELECT count(*) AS n, count(*) FILTER (WHERE pad = 'after') AS after FROM t`);
    assert.deepEqual(row, { n: '31234', after: '1234' });
    assert.match(await restored.log(), new RegExp(`restored log file "${last}" from archive`));
  } finally {
    await restored[Symbol.asyncDispose]();
  }
});
