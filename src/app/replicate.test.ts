// Needs: the restic binary — not part of npm run test:unit.
// replicateToRepositories and locateSnapshots on local repositories: a failing target gets an
// error result while the others get their copy, the primary is untouched, the next run catches
// up, and the locations view shows which repository holds which snapshot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initRepository } from '../repo/open-repository.ts';
import { FAST_SCRYPT, resticOk, tempDir } from '../../test/support/repo.ts';
import { LocalStore } from '../storage/local/local-store.ts';
import { pseudoRandom } from '../../test/support/engine-fixture.ts';
import { runPathsBackup } from './backup.ts';
import { replicateToRepositories } from './replicate.ts';
import { locateSnapshots } from './snapshot-locations.ts';
import type { RepositoryAccess } from './repository-access.ts';

const access = (location: string, password: string): RepositoryAccess => ({ location, password: { kind: 'value', value: password } });

test('replicate: per-target results, failing target reported, next run catches up; locations view', async () => {
  await using tmp = await tempDir('lifeboat-replicate-');
  const p = (n: string) => join(tmp.path, n);
  for (const [name, pw] of [['primary', 'pw-p'], ['copy-a', 'pw-a'], ['copy-b', 'pw-b']] as const) {
    await (await initRepository(new LocalStore(p(name)), pw, { scrypt: FAST_SCRYPT })).close();
  }
  writeFileSync(p('data.bin'), pseudoRandom(1_500_000, 7));
  const primary = access(p('primary'), 'pw-p');
  const signal = new AbortController().signal;
  const b1 = await runPathsBackup(primary, { paths: [p('data.bin')], host: 'h' }, signal);

  // copy-b has the wrong password this time: a's copy still happens.
  const targets = [{ name: 'a', ...access(p('copy-a'), 'pw-a') }, { name: 'b', ...access(p('copy-b'), 'wrong') }];
  const r1 = await replicateToRepositories(primary, targets, { snapshots: [b1.snapshotId] }, signal);
  assert.equal(r1.length, 2);
  assert.ok(r1[0]!.ok && r1[0]!.result.stats.snapshotsCopied === 1);
  assert.ok(!r1[1]!.ok);
  assert.match(r1[1]!.message, /copy to b: target repository .*copy-b: wrong password/);

  // An unreachable primary: every target gets an error result, nothing throws.
  const r0 = await replicateToRepositories(access(p('missing'), 'x'), targets, {}, signal);
  assert.deepEqual(r0.map((r) => r.ok), [false, false]);
  assert.match(r0[0]!.ok ? '' : r0[0]!.message, /no repository found/);

  const b2 = await runPathsBackup(primary, { paths: [p('data.bin')], host: 'h', parent: 'none' }, signal);
  const fixed = [targets[0]!, { name: 'b', ...access(p('copy-b'), 'pw-b') }];
  // Next run with no IDs: everything missing is copied (b catches up on both snapshots).
  const r2 = await replicateToRepositories(primary, fixed, {}, signal);
  assert.ok(r2[0]!.ok && r2[1]!.ok);
  assert.deepEqual([r2[0]!.result.stats.snapshotsCopied, r2[0]!.result.stats.snapshotsSkipped], [1, 1]);
  assert.deepEqual([r2[1]!.result.stats.snapshotsCopied, r2[1]!.result.stats.snapshotsSkipped], [2, 0]);
  assert.ok(r2[0]!.result.stats.bytesAdded < 100_000, 'the data blob was already in a: at most trees were copied');
  for (const n of ['copy-a', 'copy-b']) await resticOk(p(n), n === 'copy-a' ? 'pw-a' : 'pw-b', ['check', '--read-data']);

  const loc = await locateSnapshots([
    { name: 'primary', access: primary }, { name: 'a', access: fixed[0]! }, { name: 'b', access: fixed[1]! },
    { name: 'gone', access: access(p('gone'), 'x') },
  ], {}, signal);
  assert.deepEqual(loc.repositories.map((r) => [r.name, r.ok, r.count]), [['primary', true, 2], ['a', true, 2], ['b', true, 2], ['gone', false, 0]]);
  assert.equal(loc.repositories[3]!.errorCode, 'no-repository');
  assert.deepEqual(loc.snapshots.map((s) => s.id), [b1.snapshotId, b2.snapshotId]);
  for (const s of loc.snapshots) {
    assert.deepEqual(Object.keys(s.holders), ['primary', 'a', 'b']);
    assert.equal(s.holders.primary, s.id);
    assert.notEqual(s.holders.a, s.id, 'a copy has its own ID');
  }
});
