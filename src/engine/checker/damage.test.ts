// Damage the checker must find without read-data or with it, on an in-memory repository
// built blob by blob (fast; restic is the oracle in checker.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { type ResticRepository } from '../../repo/repository.ts';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT } from '../../../test/support/repo.ts';
import type { BlobId, SnapshotId, TreeNode } from '../../repo/types.ts';
import { checkRepository } from './checker.ts';

const file = (name: string, content: BlobId[] | null): TreeNode => ({ name, type: 'file', mode: 0o644, content });
const dir = (name: string, subtree: BlobId): TreeNode => ({ name, type: 'dir', mode: 2147484141, subtree });

/** / → etc/ → {a.conf, b.conf}, twice (two snapshots share etc/). */
async function build(nodesOfEtc?: (a: BlobId, b: BlobId) => TreeNode[]) {
  const storage = new MemoryStore();
  const repo = await initRepository(storage, 'pw', { scrypt: FAST_SCRYPT, packSize: 4096 });
  const a = (await repo.saveBlob('data', randomBytes(3000))).id;
  const b = (await repo.saveBlob('data', randomBytes(3000))).id;
  const etc = await repo.saveTree({ nodes: nodesOfEtc ? nodesOfEtc(a, b) : [file('a.conf', [a]), file('b.conf', [b])] });
  const root = await repo.saveTree({ nodes: [dir('etc', etc)] });
  await repo.flush();
  const snaps: SnapshotId[] = [];
  for (const h of ['x', 'y']) snaps.push(await repo.saveSnapshot({ time: new Date().toISOString(), tree: root, paths: ['/etc'], hostname: h }));
  return { storage, repo, a, b, etc, root, snaps: snaps.sort() };
}

async function flip(repo: ResticRepository, type: 'data' | 'tree', id: BlobId, delta = 10): Promise<string> {
  const loc = repo.lookupBlob(type, id)!;
  const h = { type: 'data' as const, name: loc.pack };
  const bytes = await repo.storage.load(h);
  bytes[loc.offset + delta]! ^= 0x01;
  await repo.storage.save(h, bytes);
  return loc.pack;
}

test('a damaged tree blob: visible without read-data (the walk loads it) and named with read-data', async () => {
  const t = await build();
  const pack = await flip(t.repo, 'tree', t.etc);
  const s = await checkRepository(t.repo);
  assert.deepEqual(s.errors.map((e) => e.kind), ['tree-unreadable']);
  assert.deepEqual(s.errors[0]!.snapshots, t.snaps);
  assert.deepEqual(s.errors[0]!.paths, ['/etc']);
  const r = await checkRepository(t.repo, { readData: true });
  const blob = r.errors.find((e) => e.kind === 'blob-corrupt')!;
  assert.equal(blob.blob, t.etc);
  assert.equal(blob.pack, pack);
  assert.deepEqual(blob.paths, ['/etc']);
  assert.deepEqual(blob.snapshots, t.snaps);
  assert.ok(!r.errors.some((e) => e.kind === 'tree-unreadable'), 'the blob problem already explains the unreadable tree');
});

test('a file with a nil blob list and a blob missing from the index are named by path', async () => {
  const ghost = 'ab'.repeat(32) as BlobId;
  const t = await build((a) => [file('a.conf', [a]), file('nil', null), file('ghost', [a, ghost])]);
  const r = await checkRepository(t.repo);
  assert.deepEqual(r.errors.map((e) => e.kind), ['blob-missing', 'node-invalid']);
  assert.equal(r.errors[0]!.blob, ghost);
  assert.deepEqual(r.errors[0]!.paths, ['/etc/ghost']);
  assert.match(r.errors[1]!.message, /file "nil" has nil blob list/);
  assert.deepEqual(r.errors[1]!.paths, ['/etc/nil']);
  assert.deepEqual(r.errors[1]!.snapshots, t.snaps);
});

test('a pack with extra bytes is a size mismatch; a damaged header is found without read-data', async () => {
  const t = await build();
  const loc = t.repo.lookupBlob('data', t.a)!;
  const h = { type: 'data' as const, name: loc.pack };
  const orig = await t.storage.load(h);
  const longer = new Uint8Array(orig.length + 1);
  longer.set(orig, 1); // shifts everything: the length says nothing sensible anymore
  await t.storage.save(h, longer);
  const r = await checkRepository(t.repo);
  const kinds = r.errors.map((e) => e.kind);
  assert.ok(kinds.includes('size-mismatch'), kinds.join());
  const size = r.errors.find((e) => e.kind === 'size-mismatch')!;
  assert.equal(size.pack, loc.pack);
  assert.ok(size.paths!.includes('/etc/a.conf'));
  // Damage in the header region shows up as an unreadable header.
  await t.storage.save(h, orig.map((x, i) => (i === orig.length - 10 ? x ^ 1 : x)));
  const r2 = await checkRepository(t.repo);
  assert.deepEqual(r2.errors.map((e) => e.kind), ['pack-header-unreadable']);
});

test('an unreadable index file and an unreadable snapshot do not stop the check', async () => {
  const t = await build();
  let indexName = '';
  for await (const f of t.storage.list('index')) indexName = f.name;
  await t.storage.save({ type: 'index', name: indexName }, randomBytes(200));
  await t.storage.save({ type: 'snapshot', name: 'cd'.repeat(32) }, randomBytes(100));
  const r = await checkRepository(t.repo);
  // The index file is a warning: its packs are read from their headers, so no data is missing.
  assert.deepEqual(r.errors.map((e) => e.kind), ['snapshot-unreadable']);
  const warned = new Set(r.warnings.map((w) => w.kind));
  assert.ok(warned.has('index-unreadable'));
  assert.ok(warned.has('pack-unindexed'));
  assert.ok(r.hints.some((h) => /not referenced in any index/.test(h)));
  assert.equal(r.stats.snapshots, 2, 'the two good snapshots were still walked');
  assert.deepEqual(r.errors.find((e) => e.kind === 'snapshot-unreadable')!.snapshots, ['cd'.repeat(32)]);
});

test('abort stops the check', async () => {
  const t = await build();
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(checkRepository(t.repo, { readData: true, signal: ac.signal }), { code: 'aborted' });
});
