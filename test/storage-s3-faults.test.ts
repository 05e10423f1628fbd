// Fault injection through the proxy of test/support/fault-proxy.ts (resets, 500/503, cut replies,
// stalls for a deterministic share of requests). Through it, the S3 store wrapped in retry + limit moves 62 MiB byte-identically.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { S3Store } from '../src/storage/s3/s3-store.ts';
import { RetryStore } from '../src/storage/retry-store.ts';
import { LimitedStore } from '../src/storage/limit-store.ts';
import type { Handle } from '../src/storage/types.ts';
import { StorageError } from '../src/errors.ts';
import { createBucket, emptyBucket, startS3, uniqueBucket } from './storage-s3-helpers.ts';
import { startFaultProxy } from './support/fault-proxy.ts';

const bucket = uniqueBucket('faults');
let cleanup: (() => Promise<void>) | undefined;
after(async () => { await cleanup?.(); });

test('s3 faults: resets, 5xx, cut replies and stalls are retried; 62 MiB round-trips byte-identically', { timeout: 300_000 }, async () => {
  const env = await startS3();
  await createBucket(env, bucket);
  cleanup = () => emptyBucket(env, bucket).catch(() => {});
  const proxy = await startFaultProxy(env.endpoint, 20240611, 6);
  let retries = 0;
  const reasons = new Map<string, number>();
  const s3 = new S3Store({
    endpoint: proxy.url, region: env.region, bucket, prefix: 'faulty',
    credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
    multipartThreshold: 8 * 1024 * 1024, partSize: 5 * 1024 * 1024,
  });
  const store = new LimitedStore(new RetryStore(s3, {
    maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 500, requestTimeoutMs: 1500, minBytesPerSecond: 8 * 1024 * 1024,
    onRetry: ({ error }) => {
      retries++;
      const k = String(error.context.net ?? error.context.s3Code ?? (/no answer/.test(error.message) ? 'deadline' : 'other'));
      reasons.set(k, (reasons.get(k) ?? 0) + 1);
    },
  }), 4);
  try {
    await store.create();
    const files: { h: Handle; data: Uint8Array }[] = [];
    for (let i = 0; i < 20; i++) {
      const data = new Uint8Array(randomBytes(2.5 * 1024 * 1024));
      files.push({ h: { type: 'data', name: createHash('sha256').update(data).digest('hex') }, data });
    }
    const big = new Uint8Array(randomBytes(12 * 1024 * 1024)); // multipart through faults
    files.push({ h: { type: 'data', name: createHash('sha256').update(big).digest('hex') }, data: big });
    await Promise.all(files.map((f) => store.save(f.h, f.data)));

    const listed = new Map<string, number>();
    for await (const f of store.list('data')) listed.set(f.name, f.size);
    assert.equal(listed.size, files.length);
    for (const f of files) assert.equal(listed.get(f.h.name), f.data.length);

    await Promise.all(files.map(async (f) => {
      const got = await store.load(f.h);
      assert.equal(createHash('sha256').update(got).digest('hex'), f.h.name, 'whole load is byte-identical');
      const off = 1000 + (f.data.length >> 2);
      const part = await store.load(f.h, { offset: off, length: 300_000 });
      assert.ok(Buffer.compare(Buffer.from(part), Buffer.from(f.data.subarray(off, off + 300_000))) === 0, 'ranged load');
    }));
    const total = files.reduce((n, f) => n + f.data.length, 0);
    console.log(`moved ${(total / 1e6).toFixed(1)} MB each way; faults ${JSON.stringify(proxy.counts)}; retries ${retries} ${JSON.stringify(Object.fromEntries(reasons))}`);
    for (const f of ['reset', '500', '503', 'cut', 'stall'] as const) assert.ok(proxy.counts[f] > 0, `proxy injected ${f}`);
    assert.ok(retries >= proxy.counts.reset, 'faults were seen and retried');
  } finally {
    await store.close();
    await proxy.close();
  }
});

test('s3 faults: a 403 through the proxy is not retried', async () => {
  const env = await startS3();
  const proxy = await startFaultProxy(env.endpoint, 1, 0);
  let retries = 0;
  // Seed 1's first requests pass; a wrong secret must then fail on the first answer.
  const s = new RetryStore(new S3Store({
    endpoint: proxy.url, bucket, prefix: 'x', credentials: { accessKeyId: env.accessKeyId, secretAccessKey: 'wrong-secret' },
  }), { onRetry: () => { retries++; }, baseDelayMs: 1 });
  try {
    await assert.rejects(s.save({ type: 'key', name: 'k' }, new Uint8Array(3)), (e: unknown) =>
      e instanceof StorageError && e.permanent && e.message.includes(`bucket "${bucket}"`) && !e.message.includes('wrong-secret'));
    assert.ok(retries <= proxy.counts.reset + proxy.counts['500'] + proxy.counts['503'] + proxy.counts.cut, 'only injected faults were retried');
  } finally {
    await s.close();
    await proxy.close();
  }
});

test('s3 faults: a server that never answers a stat is dropped by the idle timeout as transient', async () => {
  const sockets = new Set<Socket>();
  const server = createServer(() => { /* never answer */ });
  server.on('connection', (c) => sockets.add(c));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const s = new S3Store({ endpoint: `http://127.0.0.1:${port}`, bucket: 'b', idleTimeoutMs: 300, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const t0 = Date.now();
  try {
    await assert.rejects(s.stat({ type: 'config', name: '' }), (e: unknown) =>
      e instanceof StorageError && !e.permanent && e.message.includes('bucket "b"'));
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    await s.close();
    for (const c of sockets) c.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
