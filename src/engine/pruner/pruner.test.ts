// Needs: the restic binary — not part of npm run test:unit.
// Unit tests of the pruner over small repositories: duplicates, unreferenced packs, damage
// that makes prune refuse, max-unused parsing and the repack primitives. restic checks results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalStore } from '../../storage/local/local-store.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { type ResticRepository } from '../../repo/repository.ts';
import { initRepository, openRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, resticOk, tempDir } from '../../../test/support/repo.ts';
import { PackCopier, listPackFiles, loadStoredBlobs, verifyStoredBlob, writeIndexFiles } from '../../repo/repack.ts';
import { backupStreams } from '../archiver/stream-archiver.ts';
import { pseudoRandom } from '../../../test/support/engine-fixture.ts';
import { IntegrityError, UsageError } from '../../errors.ts';
import type { BlobLocation } from '../../repo/types.ts';
import { executePrune, maxUnusedBytes, parseByteSize, parseMaxUnused, planPrune } from './pruner.ts';

const PW = 'pruner-unit';

async function streamSnapshot(repo: ResticRepository, parts: Buffer[], name: string) {
  async function* gen() { for (const p of parts) yield p; }
  const entries = (async function* () { yield { kind: 'stream' as const, path: name, stream: gen(), done: Promise.resolve() }; })();
  return backupStreams(repo, entries, { host: 'unit' });
}

async function reopen(repo: ResticRepository, dir?: string): Promise<ResticRepository> {
  await repo.close();
  const r = await openRepository(dir ? new LocalStore(dir) : repo.storage, PW, { packSize: 64 * 1024 });
  await r.loadIndex();
  return r;
}

test('max-unused and sizes parse like restic; percent means share of the repository after prune', () => {
  assert.deepEqual(parseMaxUnused('5%'), { kind: 'percent', value: 5 });
  assert.deepEqual(parseMaxUnused('unlimited'), { kind: 'unlimited' });
  assert.deepEqual(parseMaxUnused('10M'), { kind: 'bytes', value: 10 * 1024 * 1024 });
  assert.deepEqual(parseMaxUnused('0'), { kind: 'bytes', value: 0 });
  assert.throws(() => parseMaxUnused('five'), UsageError);
  assert.throws(() => parseMaxUnused('101%'), UsageError);
  assert.equal(parseByteSize('16k'), 16384);
  assert.equal(parseByteSize('2GiB'), 2 * 1024 ** 3);
  assert.equal(maxUnusedBytes({ kind: 'percent', value: 20 }, 800), 200); // 200 / (800 + 200) = 20%
  assert.equal(maxUnusedBytes({ kind: 'unlimited' }, 1), Number.POSITIVE_INFINITY);
});

test('duplicate blobs (same blob in two packs) count once; max-unused 0 leaves one copy; restic check --read-data clean', async () => {
  await using dir = await tempDir();
  let repo = await initRepository(new LocalStore(dir.path), PW, { scrypt: FAST_SCRYPT, packSize: 64 * 1024 });
  const a = pseudoRandom(50_000, 1);
  const b = pseudoRandom(50_000, 2);
  await streamSnapshot(repo, [a, b], 'x');
  repo = await reopen(repo, dir.path);
  // Copy every data blob into a second pack, as a prune that crashed after repacking leaves it.
  const blobs = [...repo.listBlobs()].filter((l) => l.type === 'data');
  const copier = new PackCopier(repo, { packSize: 1 << 20 });
  for (const l of blobs) {
    const [bytes] = await loadStoredBlobs(repo.storage, l.pack, [l]);
    await copier.add(l, bytes!);
  }
  await writeIndexFiles(repo, await copier.finish(), []);
  await resticOk(dir.path, PW, ['check', '--read-data']);
  repo = await reopen(repo, dir.path);

  const plan = await planPrune(repo, { maxUnused: { kind: 'bytes', value: 0 } });
  assert.equal(plan.stats.duplicateBlobs, blobs.length);
  assert.equal(plan.stats.unusedBlobs, 0);
  assert.equal(plan.stats.usedBlobs, blobs.length + 1 /* root tree */ + 0);
  const result = await executePrune(repo, plan, { packSize: 64 * 1024 });
  assert.ok(result.bytesReclaimed > 90_000, `reclaimed ${result.bytesReclaimed}`);
  repo = await reopen(repo, dir.path);
  const counts = new Map<string, number>();
  for (const l of repo.listBlobs()) counts.set(l.id, (counts.get(l.id) ?? 0) + 1);
  assert.ok([...counts.values()].every((n) => n === 1), 'one copy of each blob');
  await resticOk(dir.path, PW, ['check', '--read-data']);
  const out = await resticOk(dir.path, PW, ['dump', 'latest', '/x']);
  assert.equal(out.length > 0, true);
  await repo.close();
});

test('pack files no index lists are deleted; with nothing else to do the index is not rewritten', async () => {
  const store = new MemoryStore();
  let repo = await initRepository(store, PW, { scrypt: FAST_SCRYPT, packSize: 64 * 1024 });
  await streamSnapshot(repo, [pseudoRandom(10_000, 3)], 'y');
  repo = await reopen(repo);
  const [first] = [...repo.listBlobs()];
  const copier = new PackCopier(repo);
  await copier.add(first!, (await loadStoredBlobs(store, first!.pack, [first!]))[0]!);
  await copier.finish(); // a pack with no index: an orphan
  const indexBefore = [];
  for await (const f of store.list('index')) indexBefore.push(f.name);
  const plan = await planPrune(repo, {});
  assert.equal(plan.unreferenced.length, 1);
  assert.equal(plan.remove.length + plan.repack.length, 0);
  const r = await executePrune(repo, plan);
  assert.equal(r.packsDeleted, 1);
  assert.equal(r.indexFilesWritten, 0);
  const indexAfter = [];
  for await (const f of store.list('index')) indexAfter.push(f.name);
  assert.deepEqual(indexAfter.sort(), indexBefore.sort());
  assert.equal((await listPackFiles(store)).size, [...repo.listIndexedPacks()].length);
  await repo.close();
});

test('prune refuses when a used blob is missing from the index or an indexed pack is missing', async () => {
  const store = new MemoryStore();
  let repo = await initRepository(store, PW, { scrypt: FAST_SCRYPT, packSize: 64 * 1024 });
  await streamSnapshot(repo, [pseudoRandom(10_000, 4)], 'z');
  repo = await reopen(repo);
  const dataPack = [...repo.listBlobs()].find((l) => l.type === 'data')!.pack;
  await store.remove({ type: 'data', name: dataPack });
  await assert.rejects(planPrune(await reopen(repo)), (e: unknown) => e instanceof IntegrityError && /missing from storage/.test(e.message));
  // Drop the index entry too: now a snapshot references a blob no index knows.
  for await (const f of store.list('index')) await store.remove({ type: 'index', name: f.name });
  repo = await reopen(repo);
  await assert.rejects(planPrune(repo), (e: unknown) => e instanceof IntegrityError && /not in the index/.test(e.message));
  await repo.close();
});

test('repacking verifies blobs: a damaged blob stops prune before anything is deleted', async () => {
  const store = new MemoryStore();
  let repo = await initRepository(store, PW, { scrypt: FAST_SCRYPT, packSize: 1 << 20 });
  const a = pseudoRandom(20_000, 5);
  const b = pseudoRandom(20_000, 6);
  async function* two() {
    yield { kind: 'stream' as const, path: 'a', stream: (async function* () { yield a; })(), done: Promise.resolve() };
    yield { kind: 'stream' as const, path: 'b', stream: (async function* () { yield b; })(), done: Promise.resolve() };
  }
  const first = await backupStreams(repo, two(), { host: 'unit' }); // a and b share one data pack
  await streamSnapshot(repo, [a], 'a'); // still uses a
  repo = await reopen(repo);
  await store.remove({ type: 'snapshot', name: first.snapshotId });

  const plan = await planPrune(repo, { maxUnused: { kind: 'bytes', value: 0 } });
  const victim = plan.repack.find((p) => p.copy.some((l) => l.type === 'data'))!;
  assert.ok(victim, 'the shared data pack is repacked');
  const loc = victim.copy.find((l) => l.type === 'data')!;
  const [bytes] = await loadStoredBlobs(store, loc.pack, [loc]);
  await verifyStoredBlob(repo.masterKey, loc, bytes!);
  const pack = Uint8Array.from(await store.load({ type: 'data', name: loc.pack }));
  pack[loc.offset + 40]! ^= 1;
  await store.remove({ type: 'data', name: loc.pack });
  await store.save({ type: 'data', name: loc.pack }, pack);

  const names = async () => {
    const out: string[] = [];
    for (const t of ['data', 'index', 'snapshot'] as const) for await (const f of store.list(t)) out.push(`${t}/${f.name}`);
    return out.sort();
  };
  const before = await names();
  await assert.rejects(executePrune(repo, plan), (e: unknown) => e instanceof IntegrityError && /MAC/.test(e.message));
  assert.deepEqual(await names(), before, 'nothing written or deleted');
  await repo.close();
});
