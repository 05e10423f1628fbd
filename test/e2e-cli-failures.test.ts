// Issue 2's failure paths, driven through the real CLI as a user would: wrong password, no
// repository, a stream command that dies half-way, SIGINT mid-backup, and a backup that meets
// an exclusive lock. After each: the right exit code, no snapshot, and `restic check` clean.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAIN, workspace, type Workspace } from './e2e-support.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { acquireLock } from '../src/repo/lock.ts';

function env(ws: Workspace, extra: Record<string, string> = {}): Record<string, string> {
  return { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD_FILE: ws.passwordFile, ...extra };
}

async function packCount(repo: string): Promise<number> {
  let n = 0;
  for (const sub of await readdir(join(repo, 'data'))) n += (await readdir(join(repo, 'data', sub))).length;
  return n;
}

async function resticCheckClean(ws: Workspace): Promise<void> {
  const out = await ws.restic(['check']);
  assert.match(out, /no errors were found/);
}

test('wrong password exits 12 with a clear message; a missing repository exits 10', async () => {
  await using ws = await workspace();
  const wrong = await ws.cli(['snapshots'], { env: { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD: 'not-the-password' } });
  assert.equal(wrong.code, 12);
  assert.match(wrong.stderr, /wrong password/);
  assert.doesNotMatch(wrong.stderr, /not-the-password/);

  const missing = await ws.cli(['snapshots'], { env: env(ws, { LIFEBOAT_REPOSITORY: join(ws.dir, 'nowhere') }) });
  assert.equal(missing.code, 10);
  assert.match(missing.stderr, /nowhere/);
  assert.match(missing.stderr, /no repository/);
});

test('a stream command that exits 1 half-way fails the backup: no snapshot, restic check clean', async () => {
  await using ws = await workspace();
  const r = await ws.cli(['backup', '--stdin-from-command', '--stdin-filename', 'db.dump', '--',
    'sh', '-c', 'head -c 3000000 /dev/urandom; echo "dump: connection lost" >&2; exit 1'], { env: env(ws) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exited with code 1/);
  assert.match(r.stderr, /connection lost/);
  assert.deepEqual(await ws.snapshots(), []);
  await resticCheckClean(ws);
});

test('SIGINT half-way through a backup exits 130, writes no snapshot, and restic check accepts the repository', async () => {
  await using ws = await workspace();
  const child = spawn(process.execPath, [MAIN, 'backup', '--stdin', '--stdin-filename', 'big.bin'], {
    cwd: ws.dir, env: { ...process.env, ...env(ws) }, stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += String(d); });
  const closed = once(child, 'close');
  // Feed 40 MiB (several packs' worth of chunks), then keep the stream open and interrupt.
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < 40; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ j) >>> 0, j);
    if (!child.stdin.write(block)) await Promise.race([once(child.stdin, 'drain'), closed]);
    assert.equal(child.exitCode, null, `backup ended before the interrupt: ${stderr}`);
  }
  child.kill('SIGINT');
  const [code] = await closed;
  child.stdin.destroy();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /backup interrupted: no snapshot was saved\nhint: .*lifeboat prune. reclaims what stays unused/);
  assert.deepEqual(await ws.snapshots(), []);
  await resticCheckClean(ws);
  // The lock is gone: a new backup works at once.
  const again = await ws.cli(['backup', '--stdin', '--stdin-filename', 'small.txt'], { env: env(ws), input: 'after the interrupt\n' });
  assert.equal(again.code, 0, again.stderr);
});

test('a backup meeting an exclusive lock waits up to --retry-lock, exits 11, and writes nothing', async () => {
  await using ws = await workspace();
  const storage = new LocalStore(ws.repo);
  const repo = await openRepository(storage, 'e2e-secret-pw');
  const lock = await acquireLock(repo, { exclusive: true });
  try {
    const packsBefore = await packCount(ws.repo);
    const started = Date.now();
    const r = await ws.cli(['backup', '--retry-lock', '2s', '--stdin', '--stdin-filename', 'x.txt'], { env: env(ws), input: 'data\n' });
    const waited = Date.now() - started;
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /lock/i);
    assert.ok(waited >= 2000, `gave up after ${waited} ms, before --retry-lock ran out`);
    assert.equal(await packCount(ws.repo), packsBefore);
    assert.deepEqual(await readdir(join(ws.repo, 'snapshots')), []);
  } finally {
    await lock.release();
    await repo.close();
    await storage.close();
  }
});

test('a backup waiting on a lock goes ahead once the lock is released', async () => {
  await using ws = await workspace();
  const storage = new LocalStore(ws.repo);
  const repo = await openRepository(storage, 'e2e-secret-pw');
  const lock = await acquireLock(repo, { exclusive: true });
  const release = setTimeout(() => { void lock.release(); }, 1500);
  try {
    const r = await ws.cli(['backup', '--retry-lock', '30s', '--stdin', '--stdin-filename', 'x.txt'], { env: env(ws), input: 'data\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ws.snapshots()).length, 1);
  } finally {
    clearTimeout(release);
    await lock.release();
    await repo.close();
    await storage.close();
  }
});
