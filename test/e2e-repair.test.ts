// Recovering from a damaged repository as a user would, with restic as the judge:
// - a truncated and a deleted index file: snapshots, restore and check still work (with a
//   warning); `repair index` gives back a repository `restic check --read-data` accepts;
// - one flipped byte in a pack: `repair snapshots --read-data --forget` salvages the rest, cuts
//   the damaged blob out of the one file that used it, and restic check --read-data passes;
// - a pack deleted, then a backup of the same data: the new snapshot is complete.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { pseudoRandom } from './support/random-data.ts';
import { workspace, type Workspace } from './e2e-support.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import type { BlobId, TreeNode } from '../src/repo/types.ts';

const PW = 'e2e-secret-pw';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function lb(ws: Workspace, args: string[]) {
  return ws.cli(['--repo', ws.repo, ...args], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
}

async function ok(ws: Workspace, args: string[]) {
  const r = await lb(ws, args);
  assert.equal(r.code, 0, `lifeboat ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Files of a directory (relative path → sha256). */
async function hashes(dir: string, rel = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await hashes(dir, r)) out.set(k, v);
    else out.set(r, sha(await readFile(join(dir, r))));
  }
  return out;
}

async function writeData(dir: string, seed: number): Promise<void> {
  await mkdir(join(dir, 'sub'), { recursive: true });
  await writeFile(join(dir, 'big.bin'), pseudoRandom(6 * 1024 * 1024 + 777, seed));
  await writeFile(join(dir, 'a.txt'), `a file ${seed}\n`.repeat(100));
  await writeFile(join(dir, 'sub/b.bin'), pseudoRandom(200_000, seed + 1));
}

async function indexFiles(ws: Workspace): Promise<Array<{ name: string; mtime: number }>> {
  const dir = join(ws.repo, 'index');
  const names = await readdir(dir);
  return (await Promise.all(names.map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })))).sort((a, b) => a.mtime - b.mtime);
}

test('a truncated and a deleted index file: snapshots, restore and check work with a warning; repair index satisfies restic check --read-data', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  const expected: Array<Map<string, string>> = [];
  for (const seed of [1, 2, 3]) {
    await writeData(data, seed);
    await ok(ws, ['backup', data]);
    expected.push(await hashes(data));
  }
  const idx = await indexFiles(ws);
  assert.ok(idx.length >= 3, 'one index file per backup');
  // The first backup's index file is truncated, the second one's deleted.
  const truncated = join(ws.repo, 'index', idx[0]!.name);
  await chmod(truncated, 0o600);
  await truncate(truncated, Math.floor((await stat(truncated)).size / 2));
  await rm(join(ws.repo, 'index', idx[1]!.name));
  await assert.rejects(ws.restic(['check']), 'restic sees the damage');

  const snaps = await ok(ws, ['--json', 'snapshots']);
  const list = JSON.parse(snaps.stdout) as Array<{ id: string; time: string }>;
  assert.equal(list.length, 3);

  for (const [i, s] of list.entries()) {
    const target = join(ws.dir, `restore-${i}`);
    const r = await ok(ws, ['restore', s.id, '--target', target]);
    assert.match(r.stderr, /warning: index [0-9a-f]{8} skipped/, r.stderr);
    assert.deepEqual(await hashes(join(target, data)), expected[i], `snapshot ${i} restores whole`);
  }
  const dump = await ok(ws, ['dump', list[0]!.id, `${data}/a.txt`]);
  assert.equal(dump.stdout, 'a file 1\n'.repeat(100));

  const check = await lb(ws, ['check', '--read-data']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stderr, /warning: index [0-9a-f]{8}: skipped/);
  assert.match(check.stderr, /warning: pack [0-9a-f]{8}: in no index file/);
  assert.match(check.stdout, /repair index/);

  // Backups are not blocked either: the damaged index file is skipped (its blobs stored again).
  const b = await ok(ws, ['backup', data]);
  assert.match(b.stderr, /warning: index [0-9a-f]{8} skipped/);

  const repair = await ok(ws, ['repair', 'index']);
  assert.match(repair.stdout, /removing invalid index/);
  assert.match(repair.stdout, /adding pack file/);
  await ws.restic(['check', '--read-data']);
  const clean = await ok(ws, ['check']);
  assert.doesNotMatch(clean.stderr, /warning/);
  // restic itself restores the oldest snapshot now.
  const rt = join(ws.dir, 'restic-restore');
  await ws.restic(['restore', list[0]!.id, '--target', rt]);
  assert.deepEqual(await hashes(join(rt, data)), expected[0]);
});

test('one flipped byte in a pack: repair snapshots --read-data --forget cuts the damaged blob out and restic check --read-data passes', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await writeData(data, 7);
  const before = await hashes(data);
  await ok(ws, ['backup', data]);

  // Find big.bin's blobs and damage the second one inside its pack.
  const repo = await openRepository(new LocalStore(ws.repo), PW);
  await repo.loadIndex();
  const [snap] = await repo.listSnapshots();
  let tree = await repo.loadTree(snap!.snapshot.tree);
  for (const part of data.split('/').filter(Boolean)) tree = await repo.loadTree(tree.nodes.find((n) => n.name === part)!.subtree!);
  const big = tree.nodes.find((n) => n.name === 'big.bin') as TreeNode & { content: BlobId[] };
  assert.ok(big.content.length >= 2, `big.bin has ${big.content.length} blobs`);
  const blobs = await Promise.all(big.content.map((id) => repo.loadBlob('data', id)));
  const victim = repo.lookupBlob('data', big.content[1]!)!;
  await repo.close();
  const packPath = join(ws.repo, 'data', victim.pack.slice(0, 2), victim.pack);
  const bytes = await readFile(packPath);
  bytes[victim.offset + 100]! ^= 0x40;
  await chmod(packPath, 0o600);
  await writeFile(packPath, bytes);

  const damaged = await lb(ws, ['check', '--read-data']);
  assert.equal(damaged.code, 1);
  assert.match(damaged.stderr, new RegExp(`data blob ${big.content[1]!.slice(0, 8)} in pack ${victim.pack.slice(0, 8)}`));

  const dry = await ok(ws, ['repair', 'snapshots', '--read-data', '--dry-run']);
  assert.match(dry.stdout, /big\.bin.*removed 1 missing or damaged blob/);
  assert.equal((await readdir(join(ws.repo, 'snapshots'))).length, 1, 'a dry run writes nothing');

  const r = await ok(ws, ['repair', 'snapshots', '--read-data', '--forget']);
  assert.match(r.stdout, new RegExp(`pack ${victim.pack.slice(0, 8)}: damaged`));
  assert.match(r.stdout, /file ".*big\.bin": removed 1 missing or damaged blob\(s\) of \d+/);
  await ws.restic(['check', '--read-data']);

  const snaps = await ws.snapshots();
  assert.equal(snaps.length, 1, 'the original is forgotten');
  const target = join(ws.dir, 'restored');
  await ws.restic(['restore', 'latest', '--target', target]);
  const after = await hashes(join(target, data));
  // Everything else is intact; big.bin is its other blobs joined (restic's repair rule).
  for (const [k, v] of before) if (k !== 'big.bin') assert.equal(after.get(k), v, k);
  const cut = Buffer.concat(blobs.filter((_, i) => i !== 1));
  assert.equal(after.get('big.bin'), sha(cut));
  const ours = join(ws.dir, 'restored-ours');
  await ok(ws, ['restore', 'latest', '--target', ours]);
  assert.deepEqual(await hashes(join(ours, data)), after);
});

test('a pack deleted, then a backup of the same data: the new snapshot restores completely', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await writeData(data, 11);
  const expected = await hashes(data);
  await ok(ws, ['backup', data]);
  // Delete the data pack holding big.bin (the largest pack).
  const packs: Array<{ path: string; size: number }> = [];
  for (const sub of await readdir(join(ws.repo, 'data'))) {
    for (const name of await readdir(join(ws.repo, 'data', sub))) {
      const path = join(ws.repo, 'data', sub, name);
      packs.push({ path, size: (await stat(path)).size });
    }
  }
  const victim = packs.sort((a, b) => b.size - a.size)[0]!;
  await rm(victim.path);

  const second = await ok(ws, ['backup', data]);
  assert.match(second.stderr, /missing from storage; blobs they held are stored again/);
  const snaps = await ws.snapshots();
  const target = join(ws.dir, 'restored');
  await ok(ws, ['restore', snaps.at(-1)!.id, '--target', target]);
  assert.deepEqual(await hashes(join(target, data)), expected);

  // The old snapshot is broken; the repair tools bring the repository back to what restic accepts.
  await ok(ws, ['repair', 'index']);
  await ok(ws, ['repair', 'snapshots', '--forget']);
  await ws.restic(['check', '--read-data']);
  const rt = join(ws.dir, 'restic-restored');
  await ws.restic(['restore', snaps.at(-1)!.id, '--target', rt]);
  assert.deepEqual(await hashes(join(rt, data)), expected);
});
