// Needs: the restic binary — not part of npm run test:unit.
// The archiver and restorer against the real restic 0.14 binary, both ways, in one local
// repository: our backup passes `restic check --read-data` and `restic restore` gives the same
// tree; restic's backup of the same tree adds no data blobs and restores identically with our
// restorer; our backup after restic's reuses everything; parent snapshots avoid re-reading.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, resticOk, tempDir } from '../../../test/support/repo.ts';
import { LocalStore } from '../../storage/local/local-store.ts';
import { buildFixture, diffTrees } from '../../../test/support/engine-fixture.ts';
import { restoreSnapshot } from '../restorer/restorer.ts';
import { backupPaths } from './archiver.ts';

const PW = 'interop-pw';

test('archiver and restorer interoperate with restic 0.14 on a tricky tree', async () => {
  await using tmp = await tempDir('lifeboat-archiver-');
  const base = tmp.path;
  const fixture = buildFixture(base);
  const repoPath = join(base, 'repo');
  const repo = await initRepository(new LocalStore(repoPath, { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  try {
    // 1. Our backup; restic checks every byte and restores it identically (exact nanoseconds).
    const ours = await backupPaths(repo, ['fixture'], { cwd: base, tags: ['t1'], host: 'testhost' });
    assert.equal(ours.stats.errors, 0, JSON.stringify(ours.errors));
    assert.equal(ours.snapshot.paths[0], fixture);
    assert.ok(ours.stats.files === 11 && ours.stats.bytesRead > 12 * 1024 * 1024, JSON.stringify(ours.stats));
    await resticOk(repoPath, PW, ['check', '--read-data']);
    await resticOk(repoPath, PW, ['restore', ours.snapshotId, '--target', join(base, 'restic-restore')]);
    assert.deepEqual(diffTrees(fixture, join(base, 'restic-restore/fixture')), []);

    // 2. restic backs up the same tree into the same repository: every data blob is known.
    const summary = (await resticOk(repoPath, PW, ['backup', '--json', '--host', 'testhost', 'fixture'], { cwd: base }))
      .trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((m) => m.message_type === 'summary')!;
    assert.equal(summary.data_blobs, 0, 'restic stored no new data blob');
    assert.ok(summary.files_unmodified as number >= 11, 'restic found our snapshot as its parent and saw files unmodified');
    const resticId = summary.snapshot_id as string;

    // 3. Our restorer restores restic's snapshot (µs mtimes: Node's utimes takes float seconds).
    await repo.loadIndex();
    const res = await restoreSnapshot(repo, resticId, join(base, 'our-restore'));
    assert.equal(res.stats.errors, 0, JSON.stringify(res.errors));
    assert.equal(res.stats.hardLinks, 1);
    assert.deepEqual(diffTrees(fixture, join(base, 'our-restore/fixture'), 1000n), []);

    // 4. Our backup after restic's, with the parent found automatically: nothing is read.
    const again = await backupPaths(repo, ['fixture'], { cwd: base, host: 'testhost', parent: 'auto' });
    assert.ok(again.snapshot.parent?.startsWith(resticId), 'parent is the restic snapshot');
    assert.equal(again.stats.bytesRead, 0);
    assert.equal(again.stats.filesUnchanged, again.stats.files);
    assert.equal(again.stats.blobsNew, 0);

    // 5. A changed file is read again, the rest is not; a new file is added.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(fixture, 'one'), 'X'); // changes the hard-linked pair
    writeFileSync(join(fixture, 'new-file'), 'fresh content');
    const third = await backupPaths(repo, ['fixture'], { cwd: base, host: 'testhost', parent: 'auto' });
    assert.equal(third.stats.bytesRead, 1 + 'fresh content'.length);
    assert.equal(third.stats.blobsNew, 2);
    await resticOk(repoPath, PW, ['check', '--read-data']);
    await resticOk(repoPath, PW, ['restore', third.snapshotId, '--target', join(base, 'restic-restore-3')]);
    assert.deepEqual(diffTrees(fixture, join(base, 'restic-restore-3/fixture')), []);
  } finally {
    await repo.close();
  }
});

test('excludes follow restic: relative patterns float, absolute ones are anchored', async () => {
  await using tmp = await tempDir('lifeboat-exclude-');
  const base = tmp.path;
  const fixture = buildFixture(base);
  const repo = await initRepository(new LocalStore(join(base, 'repo'), { noSync: true }), PW, { scrypt: FAST_SCRYPT });
  try {
    const r = await backupPaths(repo, ['fixture'], { cwd: base, excludes: ['*-min', 'nested/deeper', `${fixture}/big`] });
    const out = await resticOk(join(base, 'repo'), PW, ['ls', r.snapshotId]);
    const listed = out.trim().split('\n').slice(1);
    assert.ok(listed.includes('/fixture/one'));
    assert.ok(listed.includes('/fixture/nested/mid'));
    for (const gone of ['/fixture/at-min', '/fixture/below-min', '/fixture/above-min', '/fixture/big', '/fixture/nested/deeper']) {
      assert.ok(!listed.includes(gone), `${gone} excluded`);
    }
    assert.deepEqual(r.snapshot.excludes, ['*-min', 'nested/deeper', `${fixture}/big`]);
  } finally {
    await repo.close();
  }
});
