// Restorer safety and selection on an in-memory repository: hostile node names never write
// outside the target, --include restores only what matches, a pre-existing symlink in the
// target is replaced rather than followed, and a missing blob fails the restore.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError } from '../../errors.ts';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, tempDir } from '../../../test/support/repo.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, SnapshotId, TreeNode } from '../../repo/types.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { backupPaths } from '../archiver/archiver.ts';
import { buildFixture } from '../../../test/support/engine-fixture.ts';
import { restoreSnapshot } from './restorer.ts';

async function snapshotOf(repo: Repository, nodes: TreeNode[]): Promise<SnapshotId> {
  const tree = await repo.saveTree({ nodes });
  await repo.flush();
  return repo.saveSnapshot({ time: '2024-01-01T00:00:00Z', tree, paths: ['/x'], hostname: 'h', username: 'u' });
}

async function fileNode(repo: Repository, name: string, data: string): Promise<TreeNode> {
  const { id } = await repo.saveBlob('data', Buffer.from(data));
  return { name, type: 'file', mode: 0o644, mtime: '2024-01-01T00:00:00Z', uid: 0, gid: 0, size: data.length, content: [id] };
}

test('hostile names are refused with IntegrityError and nothing lands outside the target', async () => {
  await using tmp = await tempDir('lifeboat-restore-evil-');
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  for (const name of ['../evil', '..', '.', 'a/b', '', 'nul\\x00']) {
    const id = await snapshotOf(repo, [await fileNode(repo, name, 'pwned')]);
    const target = join(tmp.path, 'target');
    await assert.rejects(restoreSnapshot(repo, id, target), IntegrityError, `name ${JSON.stringify(name)}`);
    assert.ok(!existsSync(join(tmp.path, 'evil')));
  }
  const dup = await snapshotOf(repo, [await fileNode(repo, 'same', 'a'), await fileNode(repo, 'same', 'b')]);
  await assert.rejects(restoreSnapshot(repo, dup, join(tmp.path, 'dup')), IntegrityError);
  await repo.close();
});

test('a symlink already in the target is replaced, never written through', async () => {
  await using tmp = await tempDir('lifeboat-restore-link-');
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const outside = join(tmp.path, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'original');
  const target = join(tmp.path, 'target');
  mkdirSync(target);
  symlinkSync(join(outside, 'victim'), join(target, 'f')); // file restored over a symlink
  symlinkSync(outside, join(target, 'd')); // dir restored where a symlink to a dir is
  const inner = await fileNode(repo, 'victim', 'restored inner');
  const sub = await repo.saveTree({ nodes: [inner] });
  const dirNode: TreeNode = { name: 'd', type: 'dir', mode: 2 ** 31 + 0o755, mtime: '2024-01-01T00:00:00Z', uid: 0, gid: 0, content: null, subtree: sub };
  const id = await snapshotOf(repo, [dirNode, await fileNode(repo, 'f', 'restored')]);
  await restoreSnapshot(repo, id, target);
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'original');
  assert.equal(readFileSync(join(target, 'f'), 'utf8'), 'restored');
  assert.ok(lstatSync(join(target, 'd')).isDirectory());
  assert.equal(readFileSync(join(target, 'd/victim'), 'utf8'), 'restored inner');
  await repo.close();
});

test('a blob missing from the repository fails the restore and leaves no partial file', async () => {
  await using tmp = await tempDir('lifeboat-restore-bad-');
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const node = await fileNode(repo, 'f', 'data');
  node.content = ['0'.repeat(64) as BlobId];
  const id = await snapshotOf(repo, [node]);
  await assert.rejects(restoreSnapshot(repo, id, join(tmp.path, 't')));
  assert.deepEqual(readdirSync(join(tmp.path, 't')), [], 'no partial file left behind');
  await repo.close();
});

test('--include restores matching paths and the directories leading to them', async () => {
  await using tmp = await tempDir('lifeboat-restore-include-');
  buildFixture(tmp.path);
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const b = await backupPaths(repo, ['fixture'], { cwd: tmp.path });
  const target = join(tmp.path, 'out');
  const r = await restoreSnapshot(repo, b.snapshotId, target, { include: ['/fixture/nested/deeper', '*.txt'] });
  assert.equal(r.stats.errors, 0);
  assert.deepEqual(readdirSync(join(target, 'fixture')).sort(), ['nested', 'text.txt']);
  assert.deepEqual(readdirSync(join(target, 'fixture/nested')), ['deeper']);
  assert.equal(readFileSync(join(target, 'fixture/nested/deeper/deepest/small')).length, 100);
  await repo.close();
});
