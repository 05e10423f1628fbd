// Acceptance: forget + prune through the CLI on a repository with partly shared packs. restic
// is the oracle: `check --read-data` must be clean and every kept snapshot must restore
// byte-identical; the repository must shrink by the data only the removed snapshots held.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { markUsedBlobs } from '../src/engine/pruner/mark.ts';
import { planPrune } from '../src/engine/pruner/plan.ts';
import { listPackFiles } from '../src/repo/repack.ts';
import type { SnapshotEntry } from '../src/repo/types.ts';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pseudoRandom } from './support/engine-fixture.ts';
import { cheapenKey } from './retention-restic-helpers.ts';
import { PW, buildHistory, hashDir, lifeboat, makeFixture, repoSize, restic, resticOk, resticRestoreHash, resticSnapshots } from './support/prune-helpers.ts';

/** Stored bytes of blobs that only `removed` snapshots reference (each blob counted once). */
async function bytesOnlyIn(repoDir: string, removed: Set<string>): Promise<{ bytes: number; blobs: number }> {
  const repo = await openRepository(new LocalStore(repoDir), PW);
  try {
    await repo.loadIndex();
    const all = await repo.listSnapshots();
    const keep = (l: SnapshotEntry[]) => l.filter((s) => !removed.has(s.id));
    const usedAll = await markUsedBlobs(repo, all);
    const usedKept = await markUsedBlobs(repo, keep(all));
    let bytes = 0;
    let blobs = 0;
    for (const [type, set, kept] of [['tree', usedAll.trees, usedKept.trees], ['data', usedAll.data, usedKept.data]] as const) {
      for (const id of set) {
        if (kept.has(id)) continue;
        bytes += repo.lookupBlob(type, id)!.length;
        blobs++;
      }
    }
    return { bytes, blobs };
  } finally {
    await repo.close();
  }
}

for (const maxUnused of ['0', '5%'] as const) {
  test(`forget --keep-last 3 --prune --max-unused ${maxUnused}: check --read-data clean, kept snapshots restore, repo shrinks by the removed snapshots' own data`, async () => {
    await using f = await makeFixture();
    const ids = await buildHistory(f, { generations: 8, pool: 40, fileSize: 24_000, packSize: 96 * 1024, seed: 7 });
    const kept = ids.slice(-3);
    const removed = new Set(ids.slice(0, -3));
    const only = await bytesOnlyIn(f.repo, removed);
    const before = repoSize(f.repo);

    const r = await lifeboat(f, ['forget', '--keep-last', '3', '--prune', '--max-unused', maxUnused, '--pack-size', '96k']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /remove 5 snapshots/);
    assert.match(r.stdout, /reclaimed /);
    const after = repoSize(f.repo);

    const check = await restic(f.repo, PW, ['check', '--read-data']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /no errors were found/);
    assert.doesNotMatch(check.stdout + check.stderr, /not referenced|additional files/);
    assert.deepEqual(await resticSnapshots(f), [...kept].sort());
    for (const id of kept) assert.equal(await resticRestoreHash(f, id), f.expected.get(id), `snapshot ${id.slice(0, 8)} restores identically`);

    const repo = await openRepository(new LocalStore(f.repo), PW);
    const plan = await planPrune(repo, { maxUnused: { kind: 'unlimited' } });
    await repo.close();
    assert.equal(plan.unreferenced.length, 0);
    assert.equal(plan.remove.length, 0, 'no fully unused pack is left');
    const shrink = before - after;
    const unusedLeft = plan.stats.unusedBytes + plan.stats.duplicateBytes;
    console.log(`max-unused ${maxUnused}: repo ${before} -> ${after} bytes, shrank ${shrink}; blobs only in removed snapshots: ${only.blobs} (${only.bytes} bytes); unused left ${unusedLeft}`);
    // Everything the removed snapshots alone held is gone, except what the max-unused limit lets
    // stay; the rest of the difference is pack headers, index and snapshot files (small).
    const slack = 16 * 1024;
    assert.ok(shrink >= only.bytes - unusedLeft - slack, `shrank ${shrink}, expected about ${only.bytes - unusedLeft}`);
    assert.ok(shrink <= only.bytes + slack, `shrank ${shrink}, more than the ${only.bytes} only removed snapshots held`);
    if (maxUnused === '0') assert.equal(unusedLeft, 0);
    else assert.ok(unusedLeft <= plan.stats.usedBytes * 0.05 / 0.95 + 1);

    // A second prune has nothing left to do.
    const again = await lifeboat(f, ['prune']);
    assert.equal(again.code, 0, again.stderr);
    if (maxUnused === '0') assert.match(again.stdout, /nothing to do/);
  });
}

test('forget refuses an empty policy, names the fix, and changes nothing', async () => {
  await using f = await makeFixture();
  const ids = await buildHistory(f, { generations: 2, pool: 4, fileSize: 1000, packSize: 64 * 1024, seed: 3 });
  const r = await lifeboat(f, ['forget']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no policy given/);
  assert.match(r.stderr, /--keep-/);
  assert.deepEqual(await resticSnapshots(f), [...ids].sort());
});

test('forget --dry-run --json shows restic-shaped groups with reasons and removes nothing; forget ID removes one', async () => {
  await using f = await makeFixture();
  const ids = await buildHistory(f, { generations: 4, pool: 4, fileSize: 1000, packSize: 64 * 1024, seed: 4 });
  const r = await lifeboat(f, ['--json', 'forget', '--keep-last', '1', '--keep-tag', 'none', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  const groups = JSON.parse(r.stdout.trim().split('\n')[0]!) as Array<{ host: string; paths: string[]; keep: Array<{ id: string }>; remove: Array<{ id: string }>; reasons: Array<{ snapshot: { id: string }; matches: string[] }> }>;
  assert.equal(groups.length, 1);
  assert.equal(groups[0]!.host, 'prune-host');
  assert.deepEqual(groups[0]!.paths, [f.src]);
  assert.deepEqual(groups[0]!.keep.map((s) => s.id), [ids[3]]);
  assert.deepEqual(groups[0]!.reasons[0]!.matches, ['last snapshot']);
  assert.deepEqual(groups[0]!.remove.map((s) => s.id).sort(), ids.slice(0, 3).sort());
  assert.deepEqual(await resticSnapshots(f), [...ids].sort());

  const one = await lifeboat(f, ['forget', ids[0]!.slice(0, 10)]);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(await resticSnapshots(f), ids.slice(1).sort());
  // Removing snapshots alone leaves their data unreferenced but the repository consistent.
  const check = await restic(f.repo, PW, ['check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const files = await listPackFiles(new LocalStore(f.repo));
  assert.ok(files.size > 0);
});

test('prune on a repository restic wrote (compressed blobs, its own packs and index): restic check --read-data clean, kept snapshot restores', async () => {
  await using f = await makeFixture('lifeboat-prune-restic-');
  await resticOk(f.repo, PW, ['init']);
  await cheapenKey(f.repo, PW);
  const hashes: string[] = [];
  for (let g = 0; g < 3; g++) {
    rmSync(f.src, { recursive: true, force: true });
    mkdirSync(f.src);
    writeFileSync(join(f.src, 'text'), `generation ${g}\n`.repeat(20_000)); // compressible
    writeFileSync(join(f.src, 'random'), pseudoRandom(300_000, 40 + g));
    writeFileSync(join(f.src, 'same'), pseudoRandom(100_000, 99));
    await resticOk(f.repo, PW, ['backup', '--host', 'prune-host', f.src]);
    hashes.push(hashDir(f.src));
  }
  const before = repoSize(f.repo);
  const r = await lifeboat(f, ['forget', '--keep-last', '1', '--prune', '--max-unused', '0']);
  assert.equal(r.code, 0, r.stderr);
  const after = repoSize(f.repo);
  console.log(`restic-made repo: ${before} -> ${after} bytes`);
  assert.ok(before - after > 500_000, `shrank by ${before - after}`);
  const check = await restic(f.repo, PW, ['check', '--read-data']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const [id] = await resticSnapshots(f);
  assert.equal(await resticRestoreHash(f, id!), hashes[2]);
  // And restic's own prune finds nothing of ours to object to.
  const rp = await restic(f.repo, PW, ['prune', '--dry-run']);
  assert.equal(rp.code, 0, rp.stdout + rp.stderr);
});


test("forget --job NAME applies the job's retention from the config to the job's snapshots only", async () => {
  await using f = await makeFixture('lifeboat-forget-job-');
  // Even generations belong to job "web", odd ones were made by hand.
  const ids = await buildHistory(f, { generations: 6, pool: 4, fileSize: 2000, packSize: 64 * 1024, seed: 5, tags: (g) => (g % 2 === 0 ? ['job=web'] : ['manual']) });
  const config = join(f.dir, 'lifeboat.yaml');
  writeFileSync(config, [
    'version: 1',
    'repositories:',
    `  main: { location: ${f.repo}, password_file: ${f.pwFile} }`,
    'jobs:',
    '  web:',
    `    source: { type: files, paths: [${f.src}] }`,
    '    repositories: [main]',
    '    retention: { keep_last: 1 }',
    '',
  ].join('\n'));
  const env = { LIFEBOAT_REPOSITORY: '', LIFEBOAT_PASSWORD_FILE: '' };
  const r = await lifeboat(f, ['--config', config, 'forget', '--job', 'web'], env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /keep 1 latest snapshots/);
  // Kept: the newest web snapshot and every manual one.
  assert.deepEqual(await resticSnapshots(f), [ids[1], ids[3], ids[4], ids[5]].map(String).sort());
});
