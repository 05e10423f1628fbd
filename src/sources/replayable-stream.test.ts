import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceError } from '../errors.ts';
import { replayable } from './replayable-stream.ts';

function source(n: number, log: string[]): AsyncGenerator<Uint8Array> {
  return (async function* () {
    try {
      for (let i = 0; i < n; i++) { log.push(`read ${i}`); yield new Uint8Array([i]); }
    } finally {
      log.push('closed');
    }
  })();
}

async function take(it: AsyncIterable<Uint8Array>, n: number): Promise<number[]> {
  const out: number[] = [];
  for await (const c of it) { out.push(c[0]!); if (out.length === n) break; }
  return out;
}

test('peek reads the start once; replay gives it again and then the rest, reading each chunk once', async () => {
  const log: string[] = [];
  const r = replayable(source(5, log), 100, 'test');
  assert.deepEqual(await take(r.peek, 2), [0, 1]);
  assert.deepEqual(log, ['read 0', 'read 1'], 'leaving peek early does not close the source');
  assert.deepEqual(await take(r.replay(), 99), [0, 1, 2, 3, 4]);
  assert.deepEqual(log, ['read 0', 'read 1', 'read 2', 'read 3', 'read 4', 'closed']);
});

test('leaving the replay early, or close() without replaying, closes the source', async () => {
  const log: string[] = [];
  const r = replayable(source(5, log), 100, 'test');
  await take(r.peek, 1);
  assert.deepEqual(await take(r.replay(), 3), [0, 1, 2]);
  assert.equal(log.at(-1), 'closed');
  const log2: string[] = [];
  const r2 = replayable(source(5, log2), 100, 'test');
  await take(r2.peek, 1);
  await r2.close();
  assert.deepEqual(log2, ['read 0', 'closed']);
});

test('peeking past the bound fails instead of holding the stream in memory', async () => {
  const r = replayable(source(10, []), 3, 'pg_restore --list');
  await assert.rejects(take(r.peek, 10), (e: unknown) => e instanceof SourceError && /more than 3 bytes/.test(e.message));
  await r.close();
});
