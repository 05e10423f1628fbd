// Read-only repositories and locks left by crashed processes:
// - a repository on a read-only bind mount (mount --bind, then remount,ro,bind; needs root,
//   else the test is skipped): snapshots, restore --no-lock and check --no-lock work; without
//   the flag, readers notice the read-only repository and read it unlocked; writers fail;
// - a lock left by a dead Lifeboat process of this host is removed by the next command, so
//   restic 0.14 (which would refuse until `unlock`) works again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspace, type Workspace } from './e2e-support.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { formatRfc3339 } from '../src/repo/time.ts';

async function lb(ws: Workspace, repo: string, args: string[]) {
  return ws.cli(['--repo', repo, ...args], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
}

async function deadPid(): Promise<number> {
  return new Promise((res) => {
    const c = execFile('true');
    c.on('exit', () => res(c.pid!));
  });
}

async function leaveDeadLock(repoPath: string, pid: number): Promise<string> {
  const repo = await openRepository(new LocalStore(repoPath), 'e2e-secret-pw');
  const id = await repo.saveJson('lock', { time: formatRfc3339(new Date()), exclusive: false, hostname: hostname(), username: 'someone', pid });
  await repo.close();
  return id;
}

test('a repository on a read-only mount: snapshots, restore --no-lock and check --no-lock work; readers detect it without the flag', async (t) => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'hello.txt'), 'hello read-only world\n');
  const b = await lb(ws, ws.repo, ['backup', data]);
  assert.equal(b.code, 0, b.stderr);
  // A crashed writer's lock stays behind: nobody can remove it on a read-only mount.
  await leaveDeadLock(ws.repo, await deadPid());

  const ro = join(ws.dir, 'ro');
  await mkdir(ro);
  try {
    execFileSync('mount', ['--bind', ws.repo, ro], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`bind mounts are not possible here: ${(err as Error).message.split('\n')[0]}`);
    return;
  }
  try {
    execFileSync('mount', ['-o', 'remount,ro,bind', ro], { stdio: 'pipe' });
    await assert.rejects(writeFile(join(ro, 'probe'), 'x'), { code: 'EROFS' });

    const snaps = await lb(ws, ro, ['snapshots']);
    assert.equal(snaps.code, 0, snaps.stderr);
    assert.match(snaps.stdout, /1 snapshot\b/);

    const target = join(ws.dir, 'restored');
    const r = await lb(ws, ro, ['restore', 'latest', '--no-lock', '--target', target]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(target, data, 'hello.txt'), 'utf8'), 'hello read-only world\n');

    const c = await lb(ws, ro, ['check', '--no-lock', '--read-data']);
    assert.equal(c.code, 0, c.stdout + c.stderr);
    assert.match(c.stdout, /no errors were found/);

    const d = await lb(ws, ro, ['dump', '--no-lock', 'latest', `${data}/hello.txt`]);
    assert.equal(d.stdout, 'hello read-only world\n');

    // Without --no-lock: the lock cannot be written, so readers go on unlocked, with a notice.
    const target2 = join(ws.dir, 'restored2');
    const r2 = await lb(ws, ro, ['restore', 'latest', '--target', target2]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /is read-only: reading it without a lock/);
    const c2 = await lb(ws, ro, ['check']);
    assert.equal(c2.code, 0, c2.stderr);

    // Writers fail, and --no-lock is refused for them.
    const w = await lb(ws, ro, ['backup', data]);
    assert.notEqual(w.code, 0);
    const w2 = await lb(ws, ro, ['backup', '--no-lock', data]);
    assert.notEqual(w2.code, 0);
    assert.match(w2.stderr, /unknown option|--no-lock/);
  } finally {
    execFileSync('umount', [ro]);
  }
});

test('the next command removes a lock left by a dead process of this host, so restic is not blocked', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'x.txt'), 'x\n');
  assert.equal((await lb(ws, ws.repo, ['backup', data])).code, 0);
  const id = await leaveDeadLock(ws.repo, await deadPid());
  // restic 0.14 refuses an exclusive operation while the lock is there.
  await assert.rejects(ws.restic(['check']), /locked|lock/);

  const s = await lb(ws, ws.repo, ['snapshots']);
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, new RegExp(`removed the non-exclusive lock ${id.slice(0, 8)} .*its process is gone`));
  assert.deepEqual(await readdir(join(ws.repo, 'locks')), []);
  await ws.restic(['check']);
});
