// Needs: the restic binary — not part of npm run test:unit.
// Repositories written by the real restic (v1 and v2): we open them, list snapshots, walk the
// trees and reassemble every file, comparing with the source bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../storage/local/local-store.ts';
import { IntegrityError } from '../errors.ts';
import { openRepository } from './open-repository.ts';
import { isIrreducible } from './polynomial.ts';
import { sha256Hex } from './crypto.ts';
import { parseJsonBytes, stringifyJson } from './json.ts';
import { readPackHeader } from './pack.ts';
import { resticOk, tempDir } from '../../test/support/repo.ts';
import type { BlobId, Tree } from './types.ts';
import type { ResticRepository } from './repository.ts';

const PW = 'restic-made';

async function collect(repo: ResticRepository, treeId: BlobId, prefix: string, out: Map<string, Buffer | string>): Promise<void> {
  const tree: Tree = await repo.loadTree(treeId);
  // Re-encoding restic's tree must give identical bytes (Go escaping, big ints, key order).
  const raw = await repo.loadBlob('tree', treeId);
  assert.equal(sha256Hex(new TextEncoder().encode(stringifyJson(parseJsonBytes(raw)) + '\n')), treeId, `tree ${treeId} re-encodes identically`);
  for (const n of tree.nodes) {
    const p = prefix + '/' + n.name;
    if (n.type === 'dir') await collect(repo, n.subtree as BlobId, p, out);
    else if (n.type === 'symlink') out.set(p, `-> ${n.linktarget}`);
    else if (n.type === 'file') {
      assert.ok(Array.isArray(n.content), `${p}: content must be a list`);
      const parts: Buffer[] = [];
      for (const id of n.content) parts.push(Buffer.from(await repo.loadBlob('data', id)));
      out.set(p, Buffer.concat(parts));
    }
  }
}

for (const version of [1, 2] as const) {
  test(`read a restic-made v${version} repository`, async () => {
    await using dir = await tempDir();
    const repoDir = join(dir.path, 'repo');
    const src = join(dir.path, 'src');
    await mkdir(join(src, 'sub'), { recursive: true });
    const files = new Map<string, Buffer | string>([
      ['/src/big.bin', randomBytes(1_800_000)], // several chunks
      ['/src/text.txt', Buffer.from('restic <&> lifeboat\n'.repeat(5000))],
      ['/src/empty', Buffer.alloc(0)],
      ['/src/sub/nested.txt', Buffer.from('nested')],
    ['/src/sub/a<b>&c é.txt', Buffer.from('escaped name')],
    ]);
    for (const [p, b] of files) await writeFile(join(dir.path, p), b as Buffer);
    await symlink('text.txt', join(src, 'link'));
    files.set('/src/link', '-> text.txt');

    await resticOk(repoDir, PW, ['init', '--repository-version', String(version)]);
    await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });
    await resticOk(repoDir, PW, ['backup', 'src', '--tag', 'second'], { cwd: dir.path });

    const repo = await openRepository(new LocalStore(repoDir), PW);
    assert.equal(repo.config.version, version);
    assert.ok(isIrreducible(repo.config.chunkerPolynomial), 'restic polynomial must test irreducible');
    await repo.loadIndex();
    const snaps = await repo.listSnapshots();
    assert.equal(snaps.length, 2);
    const latest = await repo.findSnapshot('latest');
    assert.deepEqual(latest.snapshot.tags, ['second']);
    assert.equal((await repo.findSnapshot(snaps[0]!.id.slice(0, 5))).id, snaps[0]!.id);

    const got = new Map<string, Buffer | string>();
    await collect(repo, latest.snapshot.tree, '', got);
    assert.deepEqual([...got.keys()].sort(), [...files.keys()].sort());
    for (const [p, want] of files) assert.deepEqual(got.get(p), want, p);

    // Pack headers parse and agree with the index.
    let checked = 0;
    for (const pack of repo.listIndexedPacks()) {
      const blobs = await readPackHeader(repo.storage, repo.masterKey, pack);
      for (const b of blobs) {
        const loc = repo.lookupBlob(b.type, b.id)!;
        assert.equal(loc.offset, b.offset);
        assert.equal(loc.length, b.length);
        assert.equal(loc.uncompressedLength, b.uncompressedLength);
        checked++;
      }
    }
    assert.ok(checked >= 5);
    await repo.close();
  });
}

test('a flipped byte in a pack makes loadBlob throw IntegrityError', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  await mkdir(join(dir.path, 'src'));
  await writeFile(join(dir.path, 'src', 'f'), randomBytes(5000));
  await resticOk(repoDir, PW, ['init']);
  await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });
  const repo = await openRepository(new LocalStore(repoDir), PW);
  await repo.loadIndex();
  const loc = [...repo.listBlobs()].find((b) => b.type === 'data')!;
  const path = join(repoDir, 'data', loc.pack.slice(0, 2), loc.pack);
  const bytes = await readFile(path);
  bytes[loc.offset + 20] ^= 0x01;
  const { chmod } = await import('node:fs/promises');
  await chmod(path, 0o600);
  await writeFile(path, bytes);
  await assert.rejects(repo.loadBlob('data', loc.id), (e: unknown) => {
    assert.ok(e instanceof IntegrityError);
    assert.match(e.message, new RegExp(loc.id.slice(0, 8)));
    assert.match(e.message, new RegExp(loc.pack.slice(0, 8)));
    return true;
  });
});

test('mixed repository: restic v1 backup, upgrade to v2, restic v2 backup, our write; restic checks, we read all', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  await mkdir(join(dir.path, 'src'));
  const a = randomBytes(30_000);
  const b = Buffer.from('compressible '.repeat(20_000));
  await writeFile(join(dir.path, 'src', 'a'), a);
  await resticOk(repoDir, PW, ['init', '--repository-version', '1']);
  await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });
  await resticOk(repoDir, PW, ['migrate', 'upgrade_repo_v2']);
  await writeFile(join(dir.path, 'src', 'b'), b);
  await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });

  const repo = await openRepository(new LocalStore(repoDir), PW);
  assert.equal(repo.config.version, 2);
  await repo.loadIndex();
  const blobs = [...repo.listBlobs()];
  assert.ok(blobs.some((x) => x.uncompressedLength === undefined) && blobs.some((x) => x.uncompressedLength !== undefined));
  const got = new Map<string, Buffer | string>();
  await collect(repo, (await repo.findSnapshot('latest')).snapshot.tree, '', got);
  assert.deepEqual(got.get('/src/a'), a);
  assert.deepEqual(got.get('/src/b'), b);

  // Add a snapshot of our own that reuses restic's data blobs, then restic checks everything.
  const root = await repo.loadTree((await repo.findSnapshot('latest')).snapshot.tree);
  const treeId = await repo.saveTree({ nodes: root.nodes });
  await repo.flush();
  const ours = await repo.saveSnapshot({ time: '2030-01-01T00:00:00Z', tree: treeId, paths: ['src'], hostname: 'lifeboat' });
  await repo.close();
  await resticOk(repoDir, PW, ['check', '--read-data']);
  const out = join(dir.path, 'out');
  await resticOk(repoDir, PW, ['restore', ours, '--target', out]);
  assert.deepEqual(await readFile(join(out, 'src', 'b')), b);
});
