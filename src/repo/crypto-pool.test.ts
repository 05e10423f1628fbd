// The worker pool must produce and accept exactly what the in-thread path does, name damage as
// an IntegrityError, bound its slots, and not keep the process alive when idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { IntegrityError } from '../errors.ts';
import { openBlob, sealBlob, worthCompressing } from './blob-codec.ts';
import { CryptoPool } from './crypto-pool.ts';
import { newRandomKey, sha256Hex } from './crypto.ts';

const MiB = 1 << 20;

test('pool: hash, seal and open agree with the in-thread codec; damage is an IntegrityError', async () => {
  const key = newRandomKey();
  const pool = new CryptoPool(key, { threads: 2, slots: 3, slotSize: 2 * MiB });
  try {
    const blobs = [randomBytes(MiB), Buffer.alloc(MiB + 7, 'compressible '), randomBytes(100_000)];
    await Promise.all(blobs.map(async (plain) => {
      const slot = await pool.acquire();
      try {
        slot.bytes.set(plain);
        assert.equal(await pool.hash(slot, plain.length), sha256Hex(plain));
        const r = await pool.seal(slot, plain.length, true);
        const sealed = slot.bytes.slice(0, r.len);
        // Sealed in a worker, opened here; and the other way round.
        assert.deepEqual(Buffer.from(openBlob(key, sealed, sha256Hex(plain), r.uncompressedLength, 'blob x')), plain);
        const local = sealBlob(key, plain, true);
        slot.bytes.set(local.bytes);
        const n = await pool.open(slot, local.bytes.length, sha256Hex(plain), local.uncompressedLength, 'blob y');
        assert.deepEqual(Buffer.from(slot.bytes.subarray(0, n)), plain);
        // Compressible data is stored compressed, random data is not.
        assert.equal(r.uncompressedLength !== undefined, plain[0] === 'c'.charCodeAt(0));
        // One flipped bit: the MAC check in the worker refuses it, naming the blob.
        const bad = Uint8Array.from(local.bytes);
        bad[40]! ^= 1;
        slot.bytes.set(bad);
        await assert.rejects(pool.open(slot, bad.length, sha256Hex(plain), local.uncompressedLength, 'blob zz12'),
          (e: unknown) => e instanceof IntegrityError && /blob zz12/.test(e.message));
      } finally {
        slot.release();
      }
    }));
  } finally {
    await pool.close();
  }
});

test('pool: slots are the bounded queue; an aborted wait rejects', async () => {
  const pool = new CryptoPool(newRandomKey(), { threads: 1, slots: 1, slotSize: 1024 });
  try {
    const a = await pool.acquire();
    const ac = new AbortController();
    const waiting = pool.acquire(ac.signal);
    ac.abort();
    await assert.rejects(waiting, /aborted/);
    const next = pool.acquire();
    a.release();
    (await next).release();
  } finally {
    await pool.close();
  }
});

test('codec: large incompressible blobs skip zstd by sampling; mixed ones are still compressed', () => {
  const key = newRandomKey();
  const random = randomBytes(MiB);
  // Random first and last parts, text in the middle: the middle sample finds it compressible.
  const mixed = Buffer.concat([randomBytes(300_000), Buffer.alloc(400_000, 'log line '), randomBytes(300_000)]);
  const text = Buffer.alloc(MiB, 'abc ');
  assert.equal(worthCompressing(random), false);
  assert.equal(worthCompressing(mixed), true);
  assert.equal(worthCompressing(randomBytes(1000)), true); // small: just try
  for (const plain of [random, mixed, text]) {
    const s = sealBlob(key, plain, true);
    assert.equal(s.uncompressedLength === undefined, plain === random);
    assert.deepEqual(Buffer.from(openBlob(key, s.bytes, sha256Hex(plain), s.uncompressedLength, 'blob')), plain);
  }
});
