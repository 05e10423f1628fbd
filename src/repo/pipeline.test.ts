// The save pipeline: concurrency, dedup of blobs in flight, background uploads with
// backpressure, loading blobs not yet flushed, failures surfacing at flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import type { FileType, Storage } from '../storage/types.ts';
import { StorageError } from '../errors.ts';
import { initRepository, openRepository } from './open-repository.ts';
import { readPackHeader } from './pack.ts';
import { FAST_SCRYPT } from '../../test/support/repo.ts';
import type { BlobId } from './types.ts';

const PW = 'pipe';

async function countFiles(s: Storage, type: FileType): Promise<number> {
  let n = 0;
  for await (const _ of s.list(type)) n++;
  return n;
}

/** Delegates to a MemoryStore; pack saves are slow and counted, and can be made to fail. */
function slowStore(inner: MemoryStore, delayMs: number) {
  const stats = { inFlight: 0, maxInFlight: 0, packs: 0, fail: false };
  const s: Storage = {
    location: inner.location,
    capabilities: inner.capabilities,
    create: () => inner.create(),
    async save(h, data, signal) {
      if (h.type !== 'data') return inner.save(h, data, signal);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        await new Promise((r) => setTimeout(r, delayMs));
        if (stats.fail) throw new StorageError(`save data/${h.name.slice(0, 8)}: injected failure`, true);
        stats.packs++;
        return await inner.save(h, data, signal);
      } finally {
        stats.inFlight--;
      }
    },
    load: (h, r, sig) => inner.load(h, r, sig),
    stat: (h) => inner.stat(h),
    list: (t, sig) => inner.list(t, sig),
    remove: (h) => inner.remove(h),
    close: () => inner.close(),
  };
  return { s, stats };
}

test('concurrent saves: dedup in flight, bounded uploads, every blob readable after reopen', async () => {
  const mem = new MemoryStore();
  const { s, stats } = slowStore(mem, 20);
  const repo = await initRepository(s, PW, { scrypt: FAST_SCRYPT, packSize: 40_000, maxUploads: 2 });
  const blobs = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? Buffer.alloc(5000 + i, i) : randomBytes(3000 + i)));
  // Each blob saved twice, concurrently: exactly one copy is stored.
  const results = await Promise.all([...blobs, ...blobs].map((b) => repo.saveBlob('data', b)));
  const stored = results.filter((r) => !r.known);
  assert.equal(stored.length, blobs.length);
  const tree = await repo.saveTree({ nodes: [] });
  await repo.flush();
  assert.ok(stats.packs >= 5, `several packs (${stats.packs})`);
  assert.ok(stats.maxInFlight <= 2, `uploads bounded (${stats.maxInFlight})`);

  const again = await openRepository(mem, PW);
  await again.loadIndex();
  assert.equal([...again.listBlobs()].length, blobs.length + 1);
  for (const b of blobs) {
    const id = (await again.saveBlob('data', b)).id;
    assert.deepEqual(Buffer.from(await again.loadBlob('data', id)), b);
  }
  assert.deepEqual((await again.loadTree(tree)).nodes, []);
  // Data and tree blobs never share a pack; headers agree with the index.
  for (const p of again.listIndexedPacks()) {
    const hdr = await readPackHeader(mem, again.masterKey, p);
    assert.equal(new Set(hdr.map((b) => b.type)).size, 1);
    for (const b of hdr) assert.equal(again.lookupBlob(b.type, b.id)?.offset, b.offset);
  }
  // Compressible blobs were stored compressed (v2), random ones as plain blobs.
  assert.ok([...again.listBlobs()].some((b) => b.uncompressedLength !== undefined));
  assert.ok([...again.listBlobs()].some((b) => b.type === 'data' && b.uncompressedLength === undefined));
});

test('a blob saved in this session loads before flush', async () => {
  const repo = await initRepository(new MemoryStore(), PW, { scrypt: FAST_SCRYPT });
  const b = randomBytes(1000);
  const { id } = await repo.saveBlob('data', b);
  assert.deepEqual(Buffer.from(await repo.loadBlob('data', id)), b);
  await repo.flush();
  assert.deepEqual(Buffer.from(await repo.loadBlob('data', id)), b);
});

test('an upload failure surfaces at flush and blocks the snapshot', async () => {
  const mem = new MemoryStore();
  const { s, stats } = slowStore(mem, 1);
  const repo = await initRepository(s, PW, { scrypt: FAST_SCRYPT });
  stats.fail = true;
  const tree = await repo.saveTree({ nodes: [] });
  await assert.rejects(repo.flush(), /upload failed|injected failure/);
  await assert.rejects(repo.saveSnapshot({ time: new Date().toISOString(), tree, paths: ['/'] }));
  assert.equal((await countFiles(mem, 'snapshot')), 0);
  assert.equal((await countFiles(mem, 'index')), 0);
  await repo.close();
});

test('close discards unfinished packs: nothing is written', async () => {
  const mem = new MemoryStore();
  const repo = await initRepository(mem, PW, { scrypt: FAST_SCRYPT });
  await repo.saveBlob('data', randomBytes(100));
  await repo.close();
  assert.equal((await countFiles(mem, 'data')), 0);
  await assert.rejects(repo.saveBlob('data', randomBytes(10)), /closed/);
});

test('unknown blob is NotFound; snapshot needs a flushed, indexed tree', async () => {
  const repo = await initRepository(new MemoryStore(), PW, { scrypt: FAST_SCRYPT });
  await assert.rejects(repo.loadBlob('data', 'ab'.repeat(32) as BlobId), /not in index/);
  const tree = await repo.saveTree({ nodes: [] });
  await assert.rejects(repo.saveSnapshot({ time: new Date().toISOString(), tree, paths: ['/'] }), /flush/);
  await repo.flush();
  const id = await repo.saveSnapshot({ time: new Date().toISOString(), tree, paths: ['/'], future_field: { a: 1 } });
  const snap = await repo.loadSnapshot(id);
  assert.deepEqual(snap.future_field, { a: 1 });
  assert.equal((await repo.findSnapshot(id.slice(0, 1))).id, id);
  await assert.rejects(repo.findSnapshot('ffff' === id.slice(0, 4) ? '0000' : 'ffff'), /no such snapshot/);
  await repo.removeSnapshot(id);
  await assert.rejects(repo.findSnapshot('latest'), /no snapshots/);
});

test('init refuses an existing repository; a damaged key file does not block the good one', async () => {
  const mem = new MemoryStore();
  const repo = await initRepository(mem, PW, { scrypt: FAST_SCRYPT });
  await assert.rejects(initRepository(mem, PW, { scrypt: FAST_SCRYPT }), /already exists/);
  await mem.save({ type: 'key', name: '00'.repeat(32) }, new TextEncoder().encode('not json'));
  const again = await openRepository(mem, PW, {});
  assert.equal(again.keyId, repo.keyId);
  await assert.rejects(openRepository(mem, 'wrong'), /unreadable key files: 00000000/);
});

test('listPackBlobs reads a pack header and matches the index', async () => {
  const repo = await initRepository(new MemoryStore(), PW, { scrypt: FAST_SCRYPT });
  for (let i = 0; i < 400; i++) await repo.saveBlob('data', Buffer.from(`blob ${i}`)); // header > first ranged read
  await repo.flush();
  const packs = [...repo.listIndexedPacks()];
  assert.equal(packs.length, 1);
  const blobs = await repo.listPackBlobs(packs[0]!);
  assert.equal(blobs.length, 400);
  for (const b of blobs) assert.deepEqual(repo.lookupBlob(b.type, b.id), b);
});
