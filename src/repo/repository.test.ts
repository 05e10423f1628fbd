// Needs: the restic binary — not part of npm run test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../storage/local/local-store.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { IntegrityError, NoRepositoryError, NotFoundError, WrongPasswordError } from '../errors.ts';
import { initRepository, openRepository } from './open-repository.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../test/support/repo.ts';
import type { BlobId, Tree } from './types.ts';

const PW = 'correct horse battery staple';

function fileNode(name: string, content: BlobId[], size: number) {
  return {
    name, type: 'file' as const, mode: 0o644, mtime: '2024-05-01T10:20:30.123456789+02:00',
    atime: '2024-05-01T10:20:30.123456789+02:00', ctime: '2024-05-01T10:20:30.123456789+02:00',
    uid: 1000, gid: 1000, user: 'u', group: 'g', inode: 12345, device_id: 2049, size, links: 1, content,
  };
}

for (const version of [2, 1] as const) {
  test(`v${version}: init + blobs + snapshot by us pass restic check --read-data and restore`, async () => {
    await using dir = await tempDir();
    const repoDir = join(dir.path, 'repo');
    const repo = await initRepository(new LocalStore(repoDir), PW, { version, scrypt: FAST_SCRYPT, packSize: 64 * 1024 });
    await resticOk(repoDir, PW, ['check']);

    const big = Buffer.concat([randomBytes(100_000), Buffer.alloc(200_000, 'a')]);
    const parts = [big.subarray(0, 150_000), big.subarray(150_000)];
    const ids: BlobId[] = [];
    for (const p of parts) ids.push((await repo.saveBlob('data', p)).id);
    assert.equal((await repo.saveBlob('data', parts[0]!)).known, true);
    const small = Buffer.from('hello <world> & friends\n');
    const smallId = (await repo.saveBlob('data', small)).id;
    const tree: Tree = {
      nodes: [fileNode('big.bin', ids, big.length), fileNode('empty', [], 0), fileNode('small.txt', [smallId], small.length)],
    };
    delete tree.nodes[1]!.size;
    const treeId = await repo.saveTree(tree);
    await repo.flush();
    const snapId = await repo.saveSnapshot({ time: '2024-05-01T10:20:30.123456789+02:00', tree: treeId, paths: ['/data'], hostname: 'h', username: 'u' });
    await repo.close();

    await resticOk(repoDir, PW, ['check', '--read-data']);
    const out = join(dir.path, 'out');
    await resticOk(repoDir, PW, ['restore', snapId.slice(0, 8), '--target', out]);
    assert.deepEqual(await readFile(join(out, 'big.bin')), big);
    assert.deepEqual(await readFile(join(out, 'small.txt')), small);
    assert.equal((await readFile(join(out, 'empty'))).length, 0);

    // And we read it back ourselves.
    const again = await openRepository(new LocalStore(repoDir), PW);
    assert.equal(again.config.version, version);
    await again.loadIndex();
    const latest = await again.findSnapshot('latest');
    assert.equal(latest.id, snapId);
    const t = await again.loadTree(latest.snapshot.tree);
    assert.deepEqual(t, tree);
    assert.deepEqual(Buffer.from(await again.loadBlob('data', smallId)), small);
  });
}

test('wrong password, missing repository', async () => {
  const store = new MemoryStore();
  const repo = await initRepository(store, PW, { scrypt: FAST_SCRYPT });
  await repo.close();
  await assert.rejects(openRepository(store, 'nope'), WrongPasswordError);
  await assert.rejects(openRepository(new MemoryStore(), PW), NoRepositoryError);
  await using dir = await tempDir();
  await assert.rejects(openRepository(new LocalStore(join(dir.path, 'none')), PW), (e: unknown) => {
    assert.ok(e instanceof NoRepositoryError);
    assert.match(e.message, /none/);
    return true;
  });
});

test('v2, default 16 MiB packs: 24 MiB of blobs pass restic check --read-data', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), PW, { scrypt: FAST_SCRYPT });
  const content: BlobId[] = [];
  const hashes: Buffer[] = [];
  for (let i = 0; i < 24; i++) {
    // Half random, half repetitive: both stored kinds (plain and compressed) in one pack.
    const b = i % 6 ? randomBytes(1 << 20) : Buffer.alloc(1 << 20, `chunk ${i} `);
    hashes.push(b);
    content.push((await repo.saveBlob('data', b)).id);
  }
  const treeId = await repo.saveTree({ nodes: [fileNode('f', content, 24 << 20)] });
  await repo.flush();
  const snap = await repo.saveSnapshot({ time: '2024-05-01T10:20:30Z', tree: treeId, paths: ['/x'] });
  await repo.close();
  const { readdir, stat } = await import('node:fs/promises');
  const sizes: number[] = [];
  for (const sub of await readdir(join(repoDir, 'data'))) {
    for (const f of await readdir(join(repoDir, 'data', sub))) sizes.push((await stat(join(repoDir, 'data', sub, f))).size);
  }
  assert.equal(sizes.length, 3, `packs: ${sizes}`); // data ~16 MiB + rest, tree
  // A pack is finished before a blob would overfill it: just under 16 MiB.
  assert.ok(Math.max(...sizes) >= 15 << 20 && Math.max(...sizes) <= (16 << 20) + 4096, `packs: ${sizes}`);
  await resticOk(repoDir, PW, ['check', '--read-data']);
  const out = join(dir.path, 'out');
  await resticOk(repoDir, PW, ['restore', snap, '--target', out]);
  assert.ok((await readFile(join(out, 'f'))).equals(Buffer.concat(hashes)));
});
