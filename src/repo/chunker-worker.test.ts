import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Chunker, chunkerTables } from './chunker.ts';
import { ChunkerWorker } from './chunker-worker.ts';
import { prng } from '../../test/support/prng.ts';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function* pieces(data: Uint8Array, step: number) {
  for (let off = 0; off < data.length; off += step) yield data.subarray(off, off + step);
}

test('worker chunks equal in-thread chunks, across reused streams, breaks and aborts', async () => {
  const tables = chunkerTables(0x3da3358b4dc173n);
  // Seeded, so the cut points (and the chunk count asserted below) are the same on every run.
  const next = prng(7);
  const data = Uint8Array.from({ length: 6 * MiB + 99 }, () => (next() * 256) | 0);
  const c = new Chunker(tables);
  const expected = [...c.push(data), c.finish()!].map(sha);
  assert.ok(expected.length >= 3);

  const w = new ChunkerWorker(tables);
  try {
    for (const step of [7777, 64 * 1024, 3 * MiB]) {
      const got: string[] = [];
      for await (const chunk of w.chunk(pieces(data, step))) got.push(sha(chunk));
      assert.deepEqual(got, expected, `step ${step}`);
    }
    // Leaving a stream early must not leak its chunks into the next one.
    for await (const _ of w.chunk(pieces(data, 100_000))) break;
    const ac = new AbortController();
    await assert.rejects(async () => {
      let n = 0;
      for await (const _ of w.chunk(pieces(data, 100_000), ac.signal)) if (++n === 1) ac.abort();
    }, { code: 'aborted' });
    const again: string[] = [];
    for await (const chunk of w.chunk(pieces(data, 1 * MiB))) again.push(sha(chunk));
    assert.deepEqual(again, expected);
    // An empty stream yields nothing.
    const none: Uint8Array[] = [];
    for await (const chunk of w.chunk(pieces(new Uint8Array(0), 1))) none.push(chunk);
    assert.deepEqual(none, []);
  } finally {
    await w.close();
  }
});
