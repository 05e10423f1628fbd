// Needs: the restic binary — not part of npm run test:unit.
// copySnapshots between local repositories, with restic 0.14 as the oracle: the copy passes
// `restic check --read-data` in a target with another password (re-encrypted) and another format
// version, restores byte-identical, copies only what is missing, and agrees with `restic copy`
// about which snapshots are already copied (both directions).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initRepository, openRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../../test/support/repo.ts';
import { LocalStore } from '../../storage/local/local-store.ts';
import { backupPaths } from '../archiver/archiver.ts';
import { buildFixture, diffTrees, pseudoRandom } from '../../../test/support/engine-fixture.ts';
import { copySnapshots, similarSnapshots } from './copier.ts';

const SRC_PW = 'source-password';
const DST_PW = 'a-different-target-password';

async function resticCopy(dst: string, from: string): Promise<string> {
  const r = await restic(dst, DST_PW, ['copy', '--from-repo', from], { env: { RESTIC_FROM_PASSWORD: SRC_PW } });
  if (r.code !== 0) throw new Error(`restic copy exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

test('copy re-encrypts into v1 and v2 targets, is incremental and idempotent, and matches restic copy', async () => {
  await using tmp = await tempDir('lifeboat-copier-');
  const base = tmp.path;
  const fixture = buildFixture(base);
  const srcPath = join(base, 'src');
  const src = await initRepository(new LocalStore(srcPath, { noSync: true }), SRC_PW, { scrypt: FAST_SCRYPT });
  const first = await backupPaths(src, ['fixture'], { cwd: base, host: 'h1', tags: ['a', 'b'] });
  await src.flush();

  for (const version of [2, 1] as const) {
    const dstPath = join(base, `dst-v${version}`);
    const dst = await initRepository(new LocalStore(dstPath, { noSync: true }), DST_PW, { scrypt: FAST_SCRYPT, version, packSize: 1 << 20 });
    const progress: number[] = [];
    const r1 = await copySnapshots(src, dst, { onProgress: (p) => progress.push(p.blobsCopied) });
    assert.equal(r1.stats.snapshotsCopied, 1);
    assert.equal(r1.stats.snapshotsSkipped, 0);
    assert.ok(r1.stats.blobsCopied >= 10 && r1.stats.bytesAdded > 12 * 1024 * 1024, JSON.stringify(r1.stats));
    assert.ok(progress.length > 0);
    const copied = await dst.loadSnapshot(r1.snapshots[0]!.target);
    assert.equal(copied.original, first.snapshotId);
    assert.equal(copied.tree, first.snapshot.tree, 'trees are copied byte for byte: same IDs');
    assert.deepEqual(copied.tags, ['a', 'b']);
    assert.equal(copied.hostname, 'h1');
    assert.ok(similarSnapshots(copied, first.snapshot));

    // The target's key opens it; the source's does not (different master keys, not just passwords).
    await resticOk(dstPath, DST_PW, ['check', '--read-data']);
    assert.notEqual((await restic(dstPath, SRC_PW, ['cat', 'config'])).code, 0);
    await resticOk(dstPath, DST_PW, ['restore', 'latest', '--target', join(base, `restore-v${version}`)]);
    assert.deepEqual(diffTrees(fixture, join(base, `restore-v${version}`, "fixture")), []);

    // Idempotent: nothing is read or written the second time.
    const r2 = await copySnapshots(src, dst);
    assert.deepEqual([r2.stats.snapshotsCopied, r2.stats.snapshotsSkipped, r2.stats.blobsCopied, r2.stats.bytesAdded], [0, 1, 0, 0]);
    assert.equal(r2.snapshots[0]!.target, r1.snapshots[0]!.target);
    await dst.close();
  }

  // Incremental: a second backup with one changed file copies just its new blobs (+ trees).
  writeFileSync(join(fixture, 'nested/mid'), pseudoRandom(300_000, 99));
  const second = await backupPaths(src, ['fixture'], { cwd: base, host: 'h1', parent: 'auto' });
  const dst = await openRepository(new LocalStore(join(base, 'dst-v2'), { noSync: true }), DST_PW);
  await dst.loadIndex();
  const r3 = await copySnapshots(src, dst);
  assert.equal(r3.stats.snapshotsCopied, 1);
  assert.equal(r3.stats.snapshotsSkipped, 1);
  assert.ok(r3.stats.blobsCopied >= 2 && r3.stats.blobsCopied <= 6, `only the new blobs: ${JSON.stringify(r3.stats)}`);
  assert.ok(r3.stats.blobsSkipped > 5);
  const latest = await dst.findSnapshot('latest');
  assert.equal(latest.snapshot.original, second.snapshotId);
  assert.equal(latest.snapshot.parent, undefined, 'the parent ID means nothing in the target (as restic copy)');
  await dst.close();
  await resticOk(join(base, 'dst-v2'), DST_PW, ['check', '--read-data']);

  // restic copy agrees that our copies are copies: it copies nothing more.
  const out = await resticCopy(join(base, 'dst-v2'), srcPath);
  assert.match(out, /skipping source snapshot/);
  assert.doesNotMatch(out, /will be copied|^snapshot [0-9a-f]{8} saved/m);
  assert.equal((await resticOk(join(base, 'dst-v2'), DST_PW, ['snapshots', '--json']).then(JSON.parse)).length, 2);

  // And the other way: restic copies into a fresh repository; our copy then skips both.
  const viaRestic = join(base, 'via-restic');
  await resticOk(viaRestic, DST_PW, ['init']);
  await resticCopy(viaRestic, srcPath);
  const vr = await openRepository(new LocalStore(viaRestic), DST_PW);
  await vr.loadIndex();
  const r4 = await copySnapshots(src, vr);
  assert.deepEqual([r4.stats.snapshotsCopied, r4.stats.snapshotsSkipped, r4.stats.blobsCopied], [0, 2, 0]);
  await vr.close();
  await src.close();
});
