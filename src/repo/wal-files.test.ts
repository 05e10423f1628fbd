import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { newRandomKey } from './crypto.ts';
import { IntegrityError, NotFoundError } from '../errors.ts';
import { WalConflictError, listWalFiles, loadWalFile, putWalFileOnce, removeWalFile, saveWalFile } from './wal-files.ts';

function repo() {
  return { storage: new MemoryStore(), masterKey: newRandomKey() };
}

test('wal files round-trip, compress, and list per group in name order', async () => {
  const r = repo();
  const seg = new Uint8Array(16 * 1024 * 1024); // a mostly empty segment, as after a switch
  seg.set([1, 2, 3], 100);
  await saveWalFile(r, 'pg/000000010000000000000002', seg);
  await saveWalFile(r, 'pg/000000010000000000000001', new Uint8Array([9]));
  await saveWalFile(r, 'other/x', new Uint8Array([7]));
  assert.deepEqual(await loadWalFile(r, 'pg/000000010000000000000002'), seg);
  const listed = await listWalFiles(r, 'pg');
  assert.deepEqual(listed.map((f) => f.name), ['pg/000000010000000000000001', 'pg/000000010000000000000002']);
  assert.ok(listed[1]!.size < 100_000, `compressed: ${listed[1]!.size} bytes`);
  await removeWalFile(r, 'pg/000000010000000000000001');
  await assert.rejects(loadWalFile(r, 'pg/000000010000000000000001'), NotFoundError);
});

test('putWalFileOnce: same content is accepted, different content is refused loudly', async () => {
  const r = repo();
  assert.equal(await putWalFileOnce(r, 'pg/seg', new Uint8Array([1, 2, 3])), 'stored');
  assert.equal(await putWalFileOnce(r, 'pg/seg', new Uint8Array([1, 2, 3])), 'same');
  await assert.rejects(putWalFileOnce(r, 'pg/seg', new Uint8Array([1, 2, 4])), (e: unknown) =>
    e instanceof WalConflictError && /already holds different content/.test((e as Error).message));
  assert.deepEqual(await loadWalFile(r, 'pg/seg'), new Uint8Array([1, 2, 3]));
});

test('a file swapped for another name, tampered with, or read with another key fails to load', async () => {
  const r = repo();
  await saveWalFile(r, 'pg/a', new Uint8Array([1]));
  const bytes = await r.storage.load({ type: 'wal', name: 'pg/a' });
  await r.storage.save({ type: 'wal', name: 'pg/b' }, bytes);
  await assert.rejects(loadWalFile(r, 'pg/b'), (e: unknown) => e instanceof IntegrityError && /renamed or swapped/.test((e as Error).message));
  const tampered = bytes.slice();
  tampered[20] = tampered[20]! ^ 1;
  await r.storage.save({ type: 'wal', name: 'pg/a' }, tampered);
  await assert.rejects(loadWalFile(r, 'pg/a'), IntegrityError);
  await saveWalFile(r, 'pg/c', new Uint8Array([1]));
  await assert.rejects(loadWalFile({ storage: r.storage, masterKey: newRandomKey() }, 'pg/c'), IntegrityError);
});
