// Batch file names (ordering, selection, checking without opening) and their continuity rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchFileName, continuityProblems, decodeBatch, encodeBatch, newGeneration, parseBatchFileName, type BatchInfo } from './batch-file.ts';

const gen = newGeneration(new Date(1764621234567));
const b = (seq: number, salt1: number, first: number, last: number): BatchInfo => ({ generation: gen, seq, salt1, firstFrame: first, lastFrame: last, observedMs: 1764621299000 + seq });

test('a batch name round-trips and sorts by generation, then sequence', () => {
  const info = b(42, 0x9c2e01d7, 1201, 1264);
  const name = batchFileName(info);
  assert.match(name, /^1764621234567-[0-9a-f]{6}\.0000000042\.9c2e01d7\.1201-1264\.1764621299042$/);
  assert.deepEqual(parseBatchFileName(name), info);
  assert.equal(parseBatchFileName('000000010000000000000001'), undefined, 'a PostgreSQL segment is not a batch');
  assert.ok(batchFileName(b(9, 1, 1, 2)) < batchFileName(b(10, 1, 3, 4)));
});

test('continuity: next frame of the same WAL, or frame 1 of the WAL with salt-1 + 1; gaps and jumps are named', () => {
  assert.deepEqual(continuityProblems([b(0, 7, 5, 9), b(1, 7, 10, 30), b(2, 8, 1, 4), b(3, 8, 5, 5)]), []);
  assert.deepEqual(continuityProblems([b(0, 0xffffffff, 1, 3), b(1, 0, 1, 2)]), [], 'salt-1 wraps around');
  const gap = continuityProblems([b(0, 7, 1, 3), b(3, 7, 10, 12)]);
  assert.equal(gap.length, 1);
  assert.match(gap[0]!, /batches 1–2 missing/);
  assert.match(continuityProblems([b(0, 7, 1, 3), b(1, 7, 5, 6)])[0]!, /batch 1 does not follow batch 0 \(frames 3 → 5\)/);
  assert.match(continuityProblems([b(0, 7, 1, 3), b(1, 9, 1, 6)])[0]!, /does not follow/);
});

test('batch content: header and frames back as written', () => {
  const frames = new Uint8Array([1, 2, 3, 4]);
  const header = { format: 'lifeboat-sqlite-wal-1' as const, ...b(3, 7, 1, 1), salt2: 99, pageSize: 4096, dbPages: 2 };
  const back = decodeBatch('app/x', encodeBatch(header, frames));
  assert.deepEqual(back.header, header);
  assert.deepEqual([...back.frames], [1, 2, 3, 4]);
  assert.throws(() => decodeBatch('app/x', new Uint8Array([0, 0, 0, 2, 123, 125])), /unknown batch format/);
});
