// Needs: the restic binary — not part of npm run test:unit.
// checkRepository against real repositories, with the real restic binary as the oracle:
// clean repos (ours and restic's, v1 and v2) pass both; a flipped byte, a deleted pack and a
// deleted index are reported with the snapshots and paths they affect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalStore } from '../../storage/local/local-store.ts';
import { type ResticRepository } from '../../repo/repository.ts';
import { initRepository, openRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../../test/support/repo.ts';
import type { BlobId, SnapshotId } from '../../repo/types.ts';
import { backupPaths } from '../archiver/archiver.ts';
import { checkRepository } from './checker.ts';

const PW = 'check-me';

interface Fixture {
  base: string;
  repoDir: string;
  snaps: SnapshotId[];
  second: SnapshotId;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Two snapshots by our archiver; big.bin is in both, changing.txt differs. Small packs. */
async function ourRepo(): Promise<Fixture> {
  const dir = await tempDir('lifeboat-check-');
  const base = dir.path;
  const fx = join(base, 'fixture');
  await mkdir(join(fx, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(fx, 'big.bin'), randomBytes(1_500_000));
  await writeFile(join(fx, 'sub', 'deeper', 'copy.bin'), randomBytes(300_000));
  await writeFile(join(fx, 'sub', 'text.txt'), 'lifeboat check\n'.repeat(2000));
  await writeFile(join(fx, 'empty'), '');
  await writeFile(join(fx, 'changing.txt'), randomBytes(200_000));
  const repoDir = join(base, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), PW, { scrypt: FAST_SCRYPT, packSize: 256 * 1024 });
  const s1 = await backupPaths(repo, ['fixture'], { cwd: base, host: 'h' });
  await writeFile(join(fx, 'changing.txt'), randomBytes(200_000));
  const s2 = await backupPaths(repo, ['fixture'], { cwd: base, host: 'h' });
  await repo.close();
  return { base, repoDir, snaps: [s1.snapshotId, s2.snapshotId].sort(), second: s2.snapshotId, [Symbol.asyncDispose]: dir[Symbol.asyncDispose] };
}

async function open(repoDir: string): Promise<ResticRepository> {
  const repo = await openRepository(new LocalStore(repoDir), PW);
  await repo.loadIndex();
  return repo;
}

/** The index location of the first content blob of a file, found by walking the latest tree. */
async function blobOf(repoDir: string, path: string[]): Promise<{ id: BlobId; pack: string; offset: number; length: number }> {
  const repo = await open(repoDir);
  try {
    const latest = await repo.findSnapshot('latest');
    let tree = await repo.loadTree(latest.snapshot.tree);
    for (const name of path.slice(0, -1)) tree = await repo.loadTree(tree.nodes.find((n) => n.name === name)!.subtree!);
    const id = tree.nodes.find((n) => n.name === path.at(-1))!.content![0]!;
    return repo.lookupBlob('data', id)!;
  } finally {
    await repo.close();
  }
}

const packPath = (repoDir: string, pack: string) => join(repoDir, 'data', pack.slice(0, 2), pack);

test('a repository written by our archiver checks clean, by us and by restic --read-data', async () => {
  await using f = await ourRepo();
  const repo = await open(f.repoDir);
  const structure = await checkRepository(repo);
  assert.deepEqual(structure.errors, []);
  assert.deepEqual(structure.hints, []);
  assert.equal(structure.stats.snapshots, 2);
  assert.ok(structure.stats.packs >= 5, `several packs (${structure.stats.packs})`);
  assert.ok(structure.stats.trees >= 4);
  assert.equal(structure.stats.packsRead, 0);

  const full = await checkRepository(repo, { readData: true });
  assert.deepEqual(full.errors, []);
  assert.equal(full.stats.packsRead, full.stats.packs);
  const onDisk = (await Promise.all((await readdir(join(f.repoDir, 'data'))).map((d) => readdir(join(f.repoDir, 'data', d))))).flat();
  assert.equal(full.stats.packs, onDisk.length);
  await repo.close();
  await resticOk(f.repoDir, PW, ['check', '--read-data']);
});

test('one flipped byte in a pack: read-data names the blob, pack, snapshots and path; restic agrees', async () => {
  await using f = await ourRepo();
  const loc = await blobOf(f.repoDir, ['fixture', 'big.bin']);
  const file = packPath(f.repoDir, loc.pack);
  const bytes = await readFile(file);
  bytes[loc.offset + 40]! ^= 0x20;
  await chmod(file, 0o600); // packs are written read-only, as restic does
  await writeFile(file, bytes);

  const repo = await open(f.repoDir);
  // Without reading data the damage is invisible to us and to restic alike.
  assert.deepEqual((await checkRepository(repo)).errors, []);
  assert.equal((await restic(f.repoDir, PW, ['check'])).code, 0);

  const r = await checkRepository(repo, { readData: true });
  await repo.close();
  const blob = r.errors.find((e) => e.kind === 'blob-corrupt');
  assert.ok(blob, JSON.stringify(r.errors));
  assert.equal(blob.blob, loc.id);
  assert.equal(blob.pack, loc.pack);
  assert.match(blob.message, /MAC/);
  assert.deepEqual(blob.snapshots, f.snaps, 'big.bin is unchanged, so both snapshots use the blob');
  assert.deepEqual(blob.paths, ['/fixture/big.bin']);
  const pack = r.errors.find((e) => e.kind === 'pack-corrupt');
  assert.ok(pack);
  assert.equal(pack.pack, loc.pack);
  assert.deepEqual(pack.snapshots, f.snaps);
  assert.deepEqual(r.errors.map((e) => e.kind).sort(), ['blob-corrupt', 'pack-corrupt']);

  const oracle = await restic(f.repoDir, PW, ['check', '--read-data']);
  assert.notEqual(oracle.code, 0);
  assert.match(oracle.stdout + oracle.stderr, new RegExp(loc.pack));
});

test('a deleted data pack: structure check reports it with the snapshots and files that need it', async () => {
  await using f = await ourRepo();
  const loc = await blobOf(f.repoDir, ['fixture', 'sub', 'deeper', 'copy.bin']);
  await rm(packPath(f.repoDir, loc.pack), { force: true });
  const repo = await open(f.repoDir);
  const r = await checkRepository(repo);
  await repo.close();
  assert.equal(r.errors.length, 1, JSON.stringify(r.errors, null, 1));
  const e = r.errors[0]!;
  assert.equal(e.kind, 'pack-missing');
  assert.equal(e.pack, loc.pack);
  assert.deepEqual(e.snapshots, f.snaps);
  assert.ok(e.paths!.includes('/fixture/sub/deeper/copy.bin'), String(e.paths));
  assert.notEqual((await restic(f.repoDir, PW, ['check'])).code, 0);
});

test('a deleted index file: its packs are read from their headers; a warning names the snapshot that needs them', async () => {
  await using f = await ourRepo();
  // The newest index file lists the packs of the second backup (its trees and changed file).
  const dir = join(f.repoDir, 'index');
  const files = await Promise.all((await readdir(dir)).map(async (n) => ({ n, t: (await stat(join(dir, n))).mtimeMs })));
  assert.ok(files.length >= 2, 'one index file per backup');
  const newest = files.sort((a, b) => a.t - b.t).at(-1)!.n;
  const repo = await open(f.repoDir);
  const lost = new Set<string>(repo.listIndexedPacks());
  const listed = new Set<string>();
  for (const p of ((await repo.loadJson('index', newest)) as { packs: Array<{ id: string }> }).packs) listed.add(p.id);
  assert.ok(listed.size >= 1 && [...listed].every((p) => lost.has(p)));
  await rm(join(dir, newest));

  const r = await checkRepository(repo);
  await repo.close();
  const orphans = r.hints.filter((h) => /not referenced in any index/.test(h));
  assert.equal(orphans.length, listed.size);
  for (const p of listed) assert.ok(orphans.some((h) => h.includes(p.slice(0, 8))));
  // No data is lost: the packs are checked from their own headers. restic cannot use them
  // until `repair index`, which the warnings say.
  assert.deepEqual(r.errors, []);
  const unindexed = r.warnings.filter((w) => w.kind === 'pack-unindexed');
  assert.equal(unindexed.length, listed.size, JSON.stringify(r.warnings));
  assert.deepEqual([...new Set(unindexed.flatMap((e) => e.snapshots ?? []))], [f.second], 'only the second snapshot needs those packs');
  assert.ok(unindexed.some((e) => e.paths?.includes('/')), 'its root tree is among them');
  assert.notEqual((await restic(f.repoDir, PW, ['check'])).code, 0);
});

test('--read-data-subset: 50% reads about half the packs; n/t parts cover each pack once', async () => {
  await using f = await ourRepo();
  const repo = await open(f.repoDir);
  const all = (await checkRepository(repo, { readData: true })).stats.packsRead;
  const half = await checkRepository(repo, { readDataSubset: { kind: 'percent', value: 50 } });
  assert.deepEqual(half.errors, []);
  assert.equal(half.stats.packsRead, Math.round(all / 2));
  let sum = 0;
  for (let n = 1; n <= 3; n++) sum += (await checkRepository(repo, { readDataSubset: { kind: 'fraction', n, of: 3 } })).stats.packsRead;
  assert.equal(sum, all);
  await repo.close();
});

for (const version of [1, 2] as const) {
  test(`a restic-written v${version} repository checks clean with ours`, async () => {
    await using dir = await tempDir('lifeboat-check-restic-');
    await mkdir(join(dir.path, 'src', 'sub'), { recursive: true });
    await writeFile(join(dir.path, 'src', 'big.bin'), randomBytes(1_200_000));
    await writeFile(join(dir.path, 'src', 'sub', 'a.txt'), 'a\n'.repeat(1000));
    await writeFile(join(dir.path, 'src', 'empty'), '');
    const repoDir = join(dir.path, 'repo');
    await resticOk(repoDir, PW, ['init', '--repository-version', String(version)]);
    await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });
    await writeFile(join(dir.path, 'src', 'sub', 'b.txt'), 'b');
    await resticOk(repoDir, PW, ['backup', 'src'], { cwd: dir.path });
    const repo = await open(repoDir);
    const r = await checkRepository(repo, { readData: true });
    await repo.close();
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.hints, []);
    assert.equal(r.stats.snapshots, 2);
    assert.equal(r.stats.packsRead, r.stats.packs);
    assert.ok(r.stats.trees >= 4);
  });
}
