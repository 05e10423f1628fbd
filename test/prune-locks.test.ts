// Locks in practice: a backup started while prune runs waits (--retry-lock) and then succeeds,
// a prune started while a backup runs waits for it, and unlock removes only stale locks unless
// told --remove-all. Everything runs against real repositories; restic checks the result.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPrune } from '../src/app/prune.ts';
import { runStreamBackup } from '../src/app/backup.ts';
import type { RepositoryAccess } from '../src/app/repository-access.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { listLocks } from '../src/repo/lock.ts';
import { formatRfc3339 } from '../src/repo/time.ts';
import { hostname } from 'node:os';
import { pseudoRandom } from './support/engine-fixture.ts';
import {
  PW, buildHistory, hashDir, lifeboat, makeFixture, restic, resticOk, resticRestoreHash, resticSnapshots, startLifeboat, type Fixture,
} from './support/prune-helpers.ts';

const access = (f: Fixture): RepositoryAccess => ({ location: f.repo, password: { kind: 'file', path: f.pwFile } });

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('a backup started while prune runs waits with --retry-lock, then succeeds; nothing is lost', async () => {
  await using f = await makeFixture('lifeboat-prune-lock-');
  const ids = await buildHistory(f, { generations: 5, pool: 30, fileSize: 16_000, packSize: 48 * 1024, seed: 21, changeRate: 0.3 });
  const forget = await lifeboat(f, ['forget', '--keep-last', '2']);
  assert.equal(forget.code, 0, forget.stderr);
  const kept = ids.slice(-2);

  // New data for the backup, in its own folder.
  const newSrc = join(f.dir, 'new-data');
  mkdirSync(newSrc);
  for (let i = 0; i < 5; i++) writeFileSync(join(newSrc, `n${i}`), pseudoRandom(30_000, 500 + i));
  const newHash = hashDir(newSrc);

  // A real prune, held in the middle of its work (after planning, before repacking).
  const paused = Promise.withResolvers<void>();
  const reachedRepack = Promise.withResolvers<void>();
  const ac = new AbortController();
  const prune = runPrune(access(f), {
    maxUnused: { kind: 'bytes', value: 0 },
    packSize: 48 * 1024,
    onProgress: async (p) => {
      if (p.phase === 'repack' && p.done === 0) {
        reachedRepack.resolve();
        await paused.promise;
      }
    },
  }, ac.signal);
  await reachedRepack.promise;

  // Without --retry-lock a backup fails at once with "locked" (exit 11) and writes nothing.
  const refused = await lifeboat(f, ['backup', newSrc]);
  assert.equal(refused.code, 11, refused.stderr);
  assert.match(refused.stderr, /locked/);

  const child = startLifeboat(f, ['--retry-lock', '2m', '--json', 'backup', newSrc]);
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => { out += b; });
  child.stderr!.on('data', (b: Buffer) => { err += b; });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let backupDone = false;
  void exited.then(() => { backupDone = true; });
  await sleep(2500);
  assert.equal(backupDone, false, `backup did not wait for prune: ${err}`);
  assert.equal(readdirSync(join(f.repo, 'snapshots')).length, 2, 'no snapshot written while prune holds the lock');

  paused.resolve();
  const pruned = await prune;
  assert.ok(pruned.result && pruned.result.bytesReclaimed > 0);
  assert.equal(await exited, 0, err);
  const summary = JSON.parse(out.trim().split('\n').at(-1)!) as { snapshot_id: string };
  console.log(`prune reclaimed ${pruned.result!.bytesReclaimed} bytes while the backup waited; backup ${summary.snapshot_id.slice(0, 8)} then succeeded`);

  const check = await restic(f.repo, PW, ['check', '--read-data']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.deepEqual(await resticSnapshots(f), [...kept, summary.snapshot_id].sort());
  for (const id of kept) assert.equal(await resticRestoreHash(f, id), f.expected.get(id));
  const target = join(f.dir, 'restore-new');
  await resticOk(f.repo, PW, ['restore', summary.snapshot_id, '--target', target]);
  assert.equal(hashDir(join(target, newSrc)), newHash);
});

test('prune started while a backup runs waits for it (--retry-lock), then prunes without touching the new snapshot', async () => {
  await using f = await makeFixture('lifeboat-prune-lock-');
  const ids = await buildHistory(f, { generations: 4, pool: 20, fileSize: 16_000, packSize: 48 * 1024, seed: 22, changeRate: 0.3 });
  assert.equal((await lifeboat(f, ['forget', '--keep-last', '1'])).code, 0);

  // A real stream backup that is still receiving data: it holds a shared lock.
  const chunks = [pseudoRandom(200_000, 1), pseudoRandom(200_000, 2)];
  const gate = Promise.withResolvers<void>();
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield chunks[0]!;
    await gate.promise;
    yield chunks[1]!;
  }
  const backup = runStreamBackup(access(f), (async function* () {
    yield { kind: 'stream' as const, path: 'db.dump', stream: slow(), done: Promise.resolve() };
  })(), { host: 'prune-host' }, new AbortController().signal);
  const observer = await openRepository(new LocalStore(f.repo), PW);
  await waitFor(async () => (await listLocks(observer)).length > 0, 'the backup lock');
  await observer.close();

  const child = startLifeboat(f, ['--retry-lock', '2m', 'prune', '--max-unused', '0']);
  let err = '';
  let out = '';
  child.stderr!.on('data', (b: Buffer) => { err += b; });
  child.stdout!.on('data', (b: Buffer) => { out += b; });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let pruneDone = false;
  void exited.then(() => { pruneDone = true; });
  await sleep(2500);
  assert.equal(pruneDone, false, `prune did not wait for the backup: ${err}`);

  gate.resolve();
  const b = await backup;
  assert.equal(await exited, 0, err);
  assert.match(out, /reclaimed/);
  const check = await restic(f.repo, PW, ['check', '--read-data']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const restored = join(f.dir, 'r');
  await resticOk(f.repo, PW, ['restore', b.snapshotId, '--target', restored]);
  assert.ok(Buffer.concat(chunks).equals(readFileSync(join(restored, 'db.dump'))));
  assert.equal(await resticRestoreHash(f, ids.at(-1)!), f.expected.get(ids.at(-1)!));
});

test('unlock removes stale locks only (dead process, older than 30 minutes); --remove-all removes every lock; any command removes this host\'s dead locks', async () => {
  await using f = await makeFixture('lifeboat-unlock-');
  await buildHistory(f, { generations: 1, pool: 2, fileSize: 1000, packSize: 64 * 1024, seed: 23 });
  const repo = await openRepository(new LocalStore(f.repo), PW);
  const deadPid = await new Promise<number>((res) => {
    const c = execFile('true');
    c.on('exit', () => res(c.pid!));
  });
  // Lock files as other processes leave them (written directly, as those processes would).
  const lockFile = (o: { exclusive: boolean; hostname: string; pid: number; ageMs: number }) =>
    repo.saveJson('lock', { time: formatRfc3339(new Date(Date.now() - o.ageMs)), exclusive: o.exclusive, hostname: o.hostname, username: 'someone', pid: o.pid });
  const dead = { id: await lockFile({ exclusive: true, hostname: hostname(), pid: deadPid, ageMs: 1000 }) };
  // Another host, an hour ago: stale by age (no PID check is possible for a remote host).
  const old = { id: await lockFile({ exclusive: false, hostname: 'elsewhere', pid: 1, ageMs: 3_600_000 }) };
  const live = { id: await lockFile({ exclusive: false, hostname: hostname(), pid: process.pid, ageMs: 1000 }) };
  const remote = { id: await lockFile({ exclusive: false, hostname: 'elsewhere', pid: 1, ageMs: 1000 }) };
  assert.equal((await listLocks(repo)).length, 4);

  // A stale exclusive lock does not block our operations (a dry run takes a shared lock), and
  // the dead process's lock of this host is removed by it, so that restic is not blocked.
  const dry = await lifeboat(f, ['prune', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stderr, new RegExp(`removed the exclusive lock ${dead.id.slice(0, 8)}`));
  assert.ok(!(await listLocks(repo)).some((l) => l.id === dead.id));

  const r = await lifeboat(f, ['unlock']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^1 locks removed/m);
  const left = (await listLocks(repo)).map((l) => l.id).sort();
  assert.deepEqual(left, [live.id, remote.id].sort());
  assert.ok(!left.includes(dead.id) && !left.includes(old.id));

  // A live non-exclusive lock blocks prune (exclusive) without --retry-lock: exit 11.
  const blocked = await lifeboat(f, ['prune']);
  assert.equal(blocked.code, 11, blocked.stderr);

  const all = await lifeboat(f, ['unlock', '--remove-all']);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^2 locks removed/m);
  assert.deepEqual(await listLocks(repo), []);
  await repo.close();
});
