// Needs: the restic binary — not part of npm run test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStore } from '../storage/local/local-store.ts';
import { MemoryStore } from '../storage/memory/memory-store.ts';
import { LockedError } from '../errors.ts';
import { initRepository } from './open-repository.ts';
import { acquireLock, isStale, listLocks, removeAllLocks, removeStaleLocks } from './lock.ts';
import { formatRfc3339 } from './time.ts';
import { FAST_SCRYPT, restic, resticOk, tempDir } from '../../test/support/repo.ts';

const PW = 'lock-test';

async function memRepo() {
  return initRepository(new MemoryStore(), PW, { scrypt: FAST_SCRYPT });
}

test('non-exclusive locks coexist; exclusive excludes both ways', async () => {
  const repo = await memRepo();
  const a = await acquireLock(repo, { exclusive: false });
  const b = await acquireLock(repo, { exclusive: false });
  assert.equal((await listLocks(repo)).length, 2);
  await assert.rejects(acquireLock(repo, { exclusive: true }), (e: unknown) => {
    assert.ok(e instanceof LockedError);
    assert.match(e.message, new RegExp(`PID ${process.pid}`));
    assert.match(e.message, /non-exclusive/);
    return true;
  });
  await a.release();
  await b.release();
  assert.equal((await listLocks(repo)).length, 0);
  const x = await acquireLock(repo, { exclusive: true });
  await assert.rejects(acquireLock(repo, { exclusive: false }), (e: unknown) => e instanceof LockedError && /exclusive lock/.test(e.message));
  await x.release();
  await x.release(); // twice is fine
});

test('retry window: waits for a release, and gives up with LockedError after it', async () => {
  const repo = await memRepo();
  const x = await acquireLock(repo, { exclusive: true });
  const t0 = Date.now();
  await assert.rejects(acquireLock(repo, { exclusive: false, retryLockMs: 600 }), LockedError);
  assert.ok(Date.now() - t0 >= 550, 'kept retrying for the window');
  setTimeout(() => void x.release(), 300);
  const y = await acquireLock(repo, { exclusive: false, retryLockMs: 5000 });
  await y.release();
});

test('stale by age (injected clock) and by dead PID on this host', async () => {
  const repo = await memRepo();
  const past = new Date(Date.now() - 31 * 60 * 1000);
  await repo.saveJson('lock', { time: formatRfc3339(past), exclusive: true, hostname: 'elsewhere', username: 'x', pid: 1 });
  // A lock from a process that is gone (this host). PID 2^22+ is beyond pid_max on most systems.
  await repo.saveJson('lock', { time: formatRfc3339(new Date()), exclusive: true, hostname: 'thishost', username: 'x', pid: 4_194_399 });
  const locks = await listLocks(repo);
  assert.equal(locks.length, 2);
  for (const l of locks) assert.equal(isStale(l, { hostname: 'thishost' }), true);
  // Not stale: fresh, other host.
  assert.equal(isStale({ time: formatRfc3339(new Date()), exclusive: true, hostname: 'elsewhere', username: 'x', pid: 1 }, { hostname: 'thishost' }), false);
  // With a clock 31 minutes ahead a fresh lock is stale.
  const fresh = { time: formatRfc3339(new Date()), exclusive: true, hostname: 'elsewhere', username: 'x', pid: 1 };
  assert.equal(isStale(fresh, { now: () => new Date(Date.now() + 31 * 60 * 1000), hostname: 'thishost' }), true);

  // Stale locks are ignored (not deleted) by acquire.
  const l = await acquireLock(repo, { exclusive: true, hostname: 'thishost' });
  assert.equal((await listLocks(repo)).length, 3);
  await l.release();
  assert.equal(await removeStaleLocks(repo, { hostname: 'thishost' }), 2);
  assert.equal((await listLocks(repo)).length, 0);
  // A live PID on this host is not stale.
  await repo.saveJson('lock', { time: formatRfc3339(new Date()), exclusive: true, hostname: 'thishost', username: 'x', pid: process.pid });
  await assert.rejects(acquireLock(repo, { exclusive: false, hostname: 'thishost' }), LockedError);
  assert.equal(await removeAllLocks(repo), 1);
});

test('refresh writes a new lock file and removes the old one', async () => {
  const repo = await memRepo();
  const l = await acquireLock(repo, { exclusive: false, refreshMs: 50 });
  const first = l.id;
  await new Promise((r) => setTimeout(r, 180));
  assert.notEqual(l.id, first);
  const ids = (await listLocks(repo)).map((x) => x.id);
  assert.deepEqual(ids, [l.id]);
  await l.release();
  assert.equal((await listLocks(repo)).length, 0);
});

test('restic sees our lock: lists it, and its check refuses to run against our exclusive lock', async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), PW, { scrypt: FAST_SCRYPT });
  const l = await acquireLock(repo, { exclusive: true });
  const listed = (await resticOk(repoDir, PW, ['list', 'locks', '--no-lock'])).trim().split('\n');
  assert.deepEqual(listed, [l.id]);
  const cat = JSON.parse(await resticOk(repoDir, PW, ['cat', 'lock', l.id, '--no-lock']));
  assert.equal(cat.pid, process.pid);
  assert.equal(cat.exclusive, true);
  const r = await restic(repoDir, PW, ['check']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /locked/);
  await l.release();
  await resticOk(repoDir, PW, ['check']);
});

test("we see restic's lock: a running `restic backup --stdin` blocks our exclusive lock", async () => {
  await using dir = await tempDir();
  const repoDir = join(dir.path, 'repo');
  const repo = await initRepository(new LocalStore(repoDir), PW, { scrypt: FAST_SCRYPT });
  const { spawn } = await import('node:child_process');
  const child = spawn('restic', ['-r', repoDir, '--no-cache', 'backup', '--stdin', '--stdin-filename', 'x'], {
    env: { ...process.env, RESTIC_PASSWORD: PW },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  try {
    let locks = await listLocks(repo);
    for (let i = 0; i < 100 && locks.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      locks = await listLocks(repo);
    }
    assert.equal(locks.length, 1);
    assert.equal(locks[0]!.pid, child.pid);
    assert.equal(locks[0]!.exclusive, false);
    await assert.rejects(acquireLock(repo, { exclusive: true }), (e: unknown) => e instanceof LockedError && e.message.includes(`PID ${child.pid}`));
    const shared = await acquireLock(repo, { exclusive: false });
    await shared.release();
  } finally {
    child.stdin.end('data from stdin');
    await new Promise((r) => child.on('exit', r));
  }
  assert.equal((await listLocks(repo)).length, 0);
});

test('withLock releases after success and after failure', async () => {
  const { withLock } = await import('./lock.ts');
  const repo = await memRepo();
  assert.equal(await withLock(repo, { exclusive: true }, async () => (await listLocks(repo)).length), 1);
  await assert.rejects(withLock(repo, { exclusive: true }, async () => { throw new Error('boom'); }), /boom/);
  assert.equal((await listLocks(repo)).length, 0);
});

test('a lock that cannot be refreshed for lostAfterMs reports itself lost, once', async () => {
  const repo = await memRepo();
  let failing = false;
  const flaky = {
    storage: repo.storage,
    loadJson: repo.loadJson.bind(repo),
    saveJson: (type: 'lock', value: unknown) => (failing ? Promise.reject(new Error('disk full')) : repo.saveJson(type, value)),
  } as unknown as typeof repo;
  const lost: LockedError[] = [];
  const lock = await acquireLock(flaky, { exclusive: true, refreshMs: 20, lostAfterMs: 400, onLost: (e) => lost.push(e) });
  await new Promise((r) => setTimeout(r, 70));
  assert.deepEqual(lost, [], 'good refreshes keep it held');
  failing = true;
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(lost, [], 'failures within lostAfterMs are tolerated');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(lost.length, 1);
  // (deepEqual above narrowed `lost` to never[] for the type checker)
  const first = lost[0] as LockedError | undefined;
  assert.ok(first instanceof LockedError);
  assert.match(first.message, /not refreshed for \d+ s \(disk full\)/);
  failing = false;
  await lock.release();
  assert.equal((await listLocks(repo)).length, 0);
});
