// The storage contract on the real S3 server, error mapping for wrong credentials, missing
// buckets and dead endpoints, and interop with restic's s3 backend in both directions.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { storageContractSuite } from './support/storage-contract.ts';
import { S3Store } from '../src/storage/s3/s3-store.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { RetryStore } from '../src/storage/retry-store.ts';
import { openStorage } from '../src/storage/location.ts';
import { NotFoundError, StorageError } from '../src/errors.ts';
import { adminClient, createBucket, emptyBucket, resticS3Env, startS3, uniqueBucket } from './storage-s3-helpers.ts';
import type { S3Env } from './storage-s3-helpers.ts';

const run = promisify(execFile);
const bucket = uniqueBucket('contract');
let ready: Promise<S3Env> | undefined;
function s3(): Promise<S3Env> {
  ready ??= startS3().then(async (env) => {
    await createBucket(env, bucket);
    return env;
  });
  return ready;
}
after(async () => {
  if (ready) await emptyBucket(await ready, bucket).catch(() => {});
});

function store(env: S3Env, prefix: string, extra: Partial<ConstructorParameters<typeof S3Store>[0]> = {}): S3Store {
  return new S3Store({
    endpoint: env.endpoint, region: env.region, bucket, prefix,
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    // Small enough that the 20 MiB contract file goes through lib-storage's multipart Upload.
    multipartThreshold: 8 * 1024 * 1024, partSize: 5 * 1024 * 1024,
    ...extra,
  });
}

storageContractSuite('s3', async () => {
  const env = await s3();
  const prefix = `contract/${randomBytes(6).toString('hex')}`;
  return { store: store(env, prefix), cleanup: () => emptyBucket(env, bucket, `${prefix}/`) };
}, { timeout: 120_000 });

test('s3: objects use restic keys under the prefix', async () => {
  const env = await s3();
  const s = store(env, 'layout/p');
  try {
    assert.equal(s.location, `s3:${env.endpoint}/${bucket}/layout/p`);
    assert.equal(s.key({ type: 'config', name: '' }), 'layout/p/config');
    assert.equal(s.key({ type: 'data', name: 'ab12' }), 'layout/p/data/ab/ab12');
    assert.equal(s.key({ type: 'key', name: 'k1' }), 'layout/p/keys/k1');
    assert.equal(s.key({ type: 'snapshot', name: 's1' }), 'layout/p/snapshots/s1');
    assert.equal(new S3Store({ bucket: 'b', endpoint: env.endpoint }).key({ type: 'lock', name: 'l' }), 'locks/l');
    await s.create();
    await s.save({ type: 'index', name: 'aa' }, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await s.load({ type: 'index', name: 'aa' }))], [1, 2, 3]);
  } finally {
    await s.close();
    await emptyBucket(env, bucket, 'layout/');
  }
});

test('s3: storage class and server-side encryption reach the request headers', async () => {
  const env = await s3();
  // Ceph RGW here has no SSE configured (it answers 400 InvalidArgument), so check the headers
  // we send, and that the server's refusal is a clear permanent error.
  const seen: Record<string, string>[] = [];
  const client = adminClient(env);
  client.middlewareStack.add((next) => async (args) => {
    seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
    return next(args);
  }, { step: 'finalizeRequest', name: 'captureHeaders' });
  const kms = store(env, 'sse', { client, storageClass: 'STANDARD_IA', sse: { type: 'aws:kms', kmsKeyId: 'key-1' } });
  await assert.rejects(kms.save({ type: 'key', name: 'k' }, new Uint8Array(4)), (e: unknown) =>
    e instanceof StorageError && e.permanent && e.message.includes(`bucket "${bucket}"`));
  const aes = store(env, 'sse', { client, sse: { type: 'AES256' } });
  await aes.save({ type: 'key', name: 'k2' }, new Uint8Array(4)).catch(() => {});
  const plain = store(env, 'sse', { client, storageClass: 'STANDARD' });
  await plain.save({ type: 'key', name: 'k3' }, new Uint8Array(4));
  assert.equal(seen[0]['x-amz-storage-class'], 'STANDARD_IA');
  assert.equal(seen[0]['x-amz-server-side-encryption'], 'aws:kms');
  assert.equal(seen[0]['x-amz-server-side-encryption-aws-kms-key-id'], 'key-1');
  assert.equal(seen[1]['x-amz-server-side-encryption'], 'AES256');
  assert.equal(seen[2]['x-amz-storage-class'], 'STANDARD');
  assert.ok(seen[2]['content-md5'], 'single PUTs carry Content-MD5');
  assert.deepEqual([...(await plain.load({ type: 'key', name: 'k3' }))], [0, 0, 0, 0]);
  client.destroy();
  await emptyBucket(env, bucket, 'sse/');
});

test('s3: listings page through continuation tokens', async () => {
  const env = await s3();
  const s = store(env, 'paging', { listPageSize: 7 });
  try {
    const want = new Set<string>();
    await Promise.all(Array.from({ length: 23 }, (_, i) => {
      const name = createHash('sha256').update(String(i)).digest('hex');
      want.add(name);
      return Promise.all([s.save({ type: 'data', name }, new Uint8Array(i)), s.save({ type: 'index', name }, new Uint8Array(i))]);
    }));
    for (const t of ['data', 'index'] as const) {
      const got = new Set<string>();
      for await (const f of s.list(t)) got.add(f.name);
      assert.deepEqual(got, want, t);
    }
  } finally {
    await s.close();
    await emptyBucket(env, bucket, 'paging/');
  }
});

test('s3: wrong secret fails fast and permanently, naming the bucket and not the secret', async () => {
  const env = await s3();
  const secret = 'definitely-wrong-secret-value-123';
  let retries = 0;
  const s = new RetryStore(store(env, 'denied', { credentials: { accessKeyId: env.accessKeyId, secretAccessKey: secret } }), {
    onRetry: () => { retries++; },
  });
  const t0 = Date.now();
  for (const op of [
    () => s.save({ type: 'data', name: 'cafe' }, new Uint8Array(10)),
    () => s.load({ type: 'config', name: '' }),
  ]) {
    await assert.rejects(op(), (e: unknown) => {
      assert.ok(e instanceof StorageError, String(e));
      assert.equal(e.permanent, true);
      assert.match(e.message, new RegExp(`bucket "${bucket}"`));
      assert.match(e.message, /denied/);
      assert.ok(!e.message.includes(secret) && !JSON.stringify(e.context).includes(secret));
      return true;
    });
  }
  assert.equal(retries, 0);
  assert.ok(Date.now() - t0 < 5000, 'no backoff on permanent errors');
  await s.close();
});

test('s3: missing bucket and unreachable endpoint give clear messages', async () => {
  const env = await s3();
  const missing = uniqueBucket('missing');
  const s = new S3Store({ endpoint: env.endpoint, bucket: missing, prefix: 'x', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
  await assert.rejects(s.load({ type: 'config', name: '' }), (e: unknown) =>
    e instanceof StorageError && e.permanent && e.message.includes(`bucket "${missing}"`) && /does not exist/.test(e.message));
  await assert.rejects(s.save({ type: 'key', name: 'k' }, new Uint8Array(1)), (e: unknown) =>
    e instanceof StorageError && e.permanent && /does not exist/.test(e.message));
  await s.close();

  const dead = new RetryStore(new S3Store({ endpoint: 'http://127.0.0.1:1', bucket: 'b', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), {
    maxAttempts: 3, baseDelayMs: 1,
  });
  await assert.rejects(dead.load({ type: 'config', name: '' }), (e: unknown) =>
    e instanceof StorageError && /cannot reach bucket "b" at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/.test(e.message) && /gave up after 3 attempts/.test(e.message));
  await dead.close();
});

test('s3: create() makes a missing bucket (as restic init does) and refuses an existing repository', async () => {
  const env = await s3();
  const fresh = uniqueBucket('create');
  const s = new S3Store({ endpoint: env.endpoint, bucket: fresh, prefix: 'r', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } });
  try {
    await s.create();
    await s.save({ type: 'config', name: '' }, new Uint8Array(8));
    await assert.rejects(s.create(), /config file already exists/);
  } finally {
    await s.close();
    await emptyBucket(env, fresh).catch(() => {});
  }
});

test('s3: restic-made repository reads through our store; our copy of it passes restic check --read-data', async () => {
  const env = await s3();
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-s3-interop-'));
  const renv = resticS3Env(env, 'interop-password');
  const resticUrl = `s3:${env.endpoint}/${bucket}/restic-made`;
  try {
    const src = join(dir, 'src');
    await mkdir(src);
    const payload = randomBytes(3 * 1024 * 1024);
    await writeFile(join(src, 'blob.bin'), payload);
    await run('restic', ['init', '--repo', resticUrl], { env: renv });
    await run('restic', ['backup', '--repo', resticUrl, '--host', 'h', src], { env: renv });

    const theirs = await openStorage(resticUrl, { s3: { credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey } } });
    const ours = store(env, 'lifeboat-copy');
    await ours.create();
    const counts: Record<string, number> = {};
    for (const t of ['config', 'key', 'snapshot', 'index', 'data'] as const) {
      counts[t] = 0;
      for await (const f of theirs.list(t)) {
        const b = await theirs.load({ type: t, name: f.name });
        assert.equal(b.length, f.size);
        if (t !== 'config') assert.equal(createHash('sha256').update(b).digest('hex'), f.name);
        await ours.save({ type: t, name: f.name }, b);
        counts[t]++;
      }
    }
    assert.deepEqual({ config: counts.config, key: counts.key, snapshot: counts.snapshot }, { config: 1, key: 1, snapshot: 1 });
    assert.ok(counts.data >= 1 && counts.index >= 1);
    await theirs.close();
    await ours.close();

    const ourUrl = `s3:${env.endpoint}/${bucket}/lifeboat-copy`;
    const check = await run('restic', ['check', '--read-data', '--repo', ourUrl], { env: renv });
    assert.match(check.stdout, /no errors were found/);
    const dump = await run('restic', ['dump', '--repo', ourUrl, 'latest', join(src, 'blob.bin')],
      { env: renv, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
    assert.ok(Buffer.compare(dump.stdout, payload) === 0, 'restic restores our copy byte-identically');

    // Missing objects under a real repository are NotFound, not a bucket problem.
    const again = store(env, 'lifeboat-copy');
    await assert.rejects(again.load({ type: 'data', name: 'ff'.repeat(32) }), NotFoundError);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
    await emptyBucket(env, bucket, 'restic-made/').catch(() => {});
    await emptyBucket(env, bucket, 'lifeboat-copy/').catch(() => {});
  }
});

test('s3: credentials come from the default AWS chain: env vars, or a profile in the shared files', async () => {
  const env = await s3();
  const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_PROFILE'];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-s3-creds-'));
  const url = `s3:${env.endpoint}/${bucket}/chain`;
  try {
    for (const k of keys) delete process.env[k];
    process.env.AWS_ACCESS_KEY_ID = env.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = env.secretAccessKey;
    const a = await openStorage(url);
    await a.create();
    await a.save({ type: 'snapshot', name: 's1' }, new Uint8Array([4, 2]));
    await a.close();

    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    await writeFile(join(dir, 'credentials'), `[lifeboat-test]\naws_access_key_id = ${env.accessKeyId}\naws_secret_access_key = ${env.secretAccessKey}\n`);
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config-missing');
    const b = await openStorage(url, { s3: { profile: 'lifeboat-test' } });
    assert.deepEqual([...(await b.load({ type: 'snapshot', name: 's1' }))], [4, 2]);
    await b.close();
  } finally {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await rm(dir, { recursive: true, force: true });
    await emptyBucket(env, bucket, 'chain/');
  }
});
