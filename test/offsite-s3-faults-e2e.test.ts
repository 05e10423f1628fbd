// Faults end to end: a generated stream (500 MB by default; LIFEBOAT_FAULT_E2E_MB overrides)
// backs up to S3 through the fault proxy (connection resets, 500/503, replies cut short,
// stalls), then restores through the same proxy, compared by streaming sha256. restic then
// checks the repository's structure directly against the server.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { initRepositoryAt } from '../src/app/init.ts';
import { runStreamBackup } from '../src/app/backup.ts';
import { runDump } from '../src/app/restore.ts';
import type { RepositoryAccess } from '../src/app/repository-access.ts';
import type { StreamEntry } from '../src/sources/types.ts';
import { startFaultProxy } from './support/fault-proxy.ts';
import { createBucket, emptyBucket, resticS3Env, startS3, uniqueBucket, type S3Env } from './storage-s3-helpers.ts';

const MB = Number(process.env.LIFEBOAT_FAULT_E2E_MB ?? 500);
const SIZE = Math.round(MB * 1e6);
const bucket = uniqueBucket('faults-e2e');
let env: S3Env | undefined;
after(async () => { if (env) await emptyBucket(env, bucket).catch(() => {}); });

/** Deterministic incompressible bytes (AES-CTR keystream), hashed as they are produced. */
function generated(size: number, hash: ReturnType<typeof createHash>): AsyncIterable<Uint8Array> {
  return (async function* () {
    const c = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
    const zero = Buffer.alloc(1 << 20);
    for (let left = size; left > 0; left -= zero.length) {
      const chunk = c.update(left >= zero.length ? zero : zero.subarray(0, left));
      hash.update(chunk);
      yield chunk;
    }
  })();
}

test(`faults end to end: ${MB} MB stream backs up and restores identically through the fault proxy`, { timeout: 900_000 }, async () => {
  env = await startS3();
  const s3 = env;
  await createBucket(s3, bucket);
  const proxy = await startFaultProxy(s3.endpoint, 4242, 4);
  const retries = new Map<string, number>();
  const access: RepositoryAccess = {
    location: `s3:${proxy.url}/${bucket}/faulty`,
    password: { kind: 'value', value: 'fault-e2e-pw' },
    storageOptions: {
      s3: { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, region: s3.region },
      // Short deadlines so a stalled request costs seconds, not the default minute.
      retry: {
        maxAttempts: 12, baseDelayMs: 20, maxDelayMs: 1000, requestTimeoutMs: 3000, minBytesPerSecond: 4 * 1024 * 1024,
        onRetry: ({ error }) => {
          const k = String(error.context.net ?? error.context.s3Code ?? (/no answer/.test(error.message) ? 'deadline' : 'other'));
          retries.set(k, (retries.get(k) ?? 0) + 1);
        },
      },
      maxInFlight: 4,
    },
  };
  const signal = new AbortController().signal;
  try {
    await initRepositoryAt(access, 2, signal);
    const inHash = createHash('sha256');
    const entry: StreamEntry = { kind: 'stream', path: 'big.bin', stream: generated(SIZE, inHash), done: Promise.resolve() };
    const t0 = performance.now();
    const backup = await runStreamBackup(access, (async function* () { yield entry; })(), { host: 'faults' }, signal);
    const backupS = (performance.now() - t0) / 1000;
    assert.equal(backup.stats.bytesRead, SIZE);

    const outHash = createHash('sha256');
    let restored = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) { outHash.update(chunk); restored += chunk.length; cb(); },
    });
    const t1 = performance.now();
    await runDump(access, 'latest', '/big.bin', sink, signal);
    const restoreS = (performance.now() - t1) / 1000;
    assert.equal(restored, SIZE);
    assert.equal(outHash.digest('hex'), inHash.digest('hex'), 'restored bytes are identical');

    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`${MB} MB: backup ${backupS.toFixed(1)} s (${(MB / backupS).toFixed(1)} MB/s), restore ${restoreS.toFixed(1)} s ` +
      `(${(MB / restoreS).toFixed(1)} MB/s), peak RSS ${rss.toFixed(0)} MiB; faults ${JSON.stringify(proxy.counts)}; ` +
      `retries ${JSON.stringify(Object.fromEntries(retries))}`);
    for (const f of ['reset', '500', '503', 'cut', 'stall'] as const) assert.ok(proxy.counts[f] > 0, `proxy injected ${f}`);

    // restic, straight to the server: the structure (index ↔ packs, trees) is sound.
    const check = await new Promise<string>((resolve, reject) => {
      execFile('restic', ['-r', `s3:${s3.endpoint}/${bucket}/faulty`, '--no-cache', 'check'], { env: resticS3Env(s3, 'fault-e2e-pw') },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(String(stdout))));
    });
    assert.match(check, /no errors were found/);
  } finally {
    await proxy.close();
  }
});
