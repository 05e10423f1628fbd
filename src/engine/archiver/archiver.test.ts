// Archiver behaviour on an in-memory repository: missing targets are partial (exit 3), not fatal
// unless all are missing; an abort leaves no snapshot; tree layout follows the given paths.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbortedError, NotFoundError } from '../../errors.ts';
import { initRepository } from '../../repo/open-repository.ts';
import { FAST_SCRYPT, tempDir } from '../../../test/support/repo.ts';
import { MemoryStore } from '../../storage/memory/memory-store.ts';
import { buildFixture } from '../../../test/support/engine-fixture.ts';
import { listSnapshot } from '../restorer/snapshot-walk.ts';
import { backupPaths } from './archiver.ts';

test('a missing target is recorded as an error and the rest is backed up; all missing throws', async () => {
  await using tmp = await tempDir('lifeboat-arch-missing-');
  buildFixture(tmp.path);
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const seen: string[] = [];
  const r = await backupPaths(repo, ['fixture/one', 'nope'], { cwd: tmp.path, onError: (e) => seen.push(e.path) });
  assert.equal(r.stats.errors, 1);
  assert.deepEqual(seen, [join(tmp.path, 'nope')]);
  assert.equal(r.stats.files, 1);
  await assert.rejects(backupPaths(repo, ['nope', 'nada'], { cwd: tmp.path }), NotFoundError);
  await repo.close();
});

test('tree layout follows the paths as given, like restic', async () => {
  await using tmp = await tempDir('lifeboat-arch-layout-');
  mkdirSync(join(tmp.path, 'a/b'), { recursive: true });
  mkdirSync(join(tmp.path, 'c'));
  writeFileSync(join(tmp.path, 'a/b/f'), 'x');
  writeFileSync(join(tmp.path, 'c/g'), 'y');
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const list = async (paths: string[], cwd: string) => {
    const r = await backupPaths(repo, paths, { cwd });
    const out: string[] = [];
    for await (const e of listSnapshot(repo, r.snapshotId)) out.push(e.path);
    return { out, paths: r.snapshot.paths };
  };
  assert.deepEqual((await list(['a/b'], tmp.path)).out, ['/a', '/a/b', '/a/b/f']);
  const abs = await list([join(tmp.path, 'c')], '/');
  assert.deepEqual(abs.out.slice(-2), [`${join(tmp.path, 'c')}`, `${join(tmp.path, 'c/g')}`]);
  assert.deepEqual(abs.paths, [join(tmp.path, 'c')]);
  const dot = await list(['.', '../c'], join(tmp.path, 'a'));
  assert.deepEqual(dot.out, ['/b', '/b/f', '/c', '/c/g']);
  assert.deepEqual(dot.paths, [join(tmp.path, 'a'), join(tmp.path, 'c')]);
  await repo.close();
});

test('an abort stops a path backup without a snapshot', async () => {
  await using tmp = await tempDir('lifeboat-arch-abort-');
  buildFixture(tmp.path);
  const repo = await initRepository(new MemoryStore(), 'pw', { scrypt: FAST_SCRYPT });
  const ac = new AbortController();
  const p = backupPaths(repo, ['fixture'], { cwd: tmp.path, signal: ac.signal, onProgress: () => ac.abort() });
  await assert.rejects(p, AbortedError);
  assert.deepEqual(await repo.listSnapshots(), []);
  await repo.close();
});
