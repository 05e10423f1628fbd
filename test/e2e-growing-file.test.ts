// A file that grows while it is read (a busy log): the backup stores it as it was when stat'ed
// (a consistent prefix, its node size matching), names it in a warning and exits 3.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pseudoRandom } from './support/random-data.ts';
import { workspace } from './e2e-support.ts';

test('a file growing while it is read: stored up to its size at stat, with a warning naming it and exit 3', async () => {
  await using ws = await workspace();
  const dir = join(ws.dir, 'logs');
  await mkdir(dir);
  const log = join(dir, 'app.log');
  await writeFile(log, pseudoRandom(20 << 20, 5));
  await writeFile(join(dir, 'calm.txt'), 'calm\n');
  // Appends 1 MiB every few milliseconds until killed.
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const b=Buffer.alloc(1<<20,120);setInterval(()=>fs.appendFileSync(${JSON.stringify(log)},b),3);`]);
  try {
    await sleep(100);
    const r = await ws.cli(['--repo', ws.repo, 'backup', dir], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
    writer.kill('SIGKILL');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`${log}: file changed while it was read`));
    const target = join(ws.dir, 'restored');
    const rr = await ws.cli(['--repo', ws.repo, 'restore', 'latest', '--target', target], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
    assert.equal(rr.code, 0, rr.stderr);
    const stored = await readFile(join(target, log));
    const now = await readFile(log);
    assert.ok(stored.length >= 20 << 20 && stored.length < now.length, `stored ${stored.length} of ${now.length} bytes`);
    assert.ok(now.subarray(0, stored.length).equals(stored), 'a prefix of the file');
    assert.equal((await stat(join(target, dir, 'calm.txt'))).size, 5);
    await ws.restic(['check', '--read-data']);
  } finally {
    writer.kill('SIGKILL');
  }
});

test('job mode: every path that could not be read is named on stderr, and the backup exits 3', async () => {
  await using ws = await workspace();
  const dir = join(ws.dir, 'logs');
  await mkdir(dir);
  const logs = [join(dir, 'a.log'), join(dir, 'b.log')];
  for (const [i, log] of logs.entries()) await writeFile(log, pseudoRandom(12 << 20, 7 + i));
  await ws.writeConfig(`version: 1\nrepositories:\n  main: { location: ${ws.repo}, password_file: ${ws.passwordFile} }\njobs:\n  logs: { source: { type: files, paths: [${dir}] }, repositories: [main] }\n`);
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const b=Buffer.alloc(1<<20,120);setInterval(()=>{for(const f of ${JSON.stringify(logs)})fs.appendFileSync(f,b)},3);`]);
  try {
    await sleep(100);
    const r = await ws.cli(['backup', '--job', 'logs', '--quiet']);
    writer.kill('SIGKILL');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    for (const log of logs) assert.match(r.stderr, new RegExp(`job logs: cannot read ${log}: file changed while it was read`));
    assert.match(r.stderr, /job logs: 2 items could not be read \(listed above\); the snapshot is incomplete/);
  } finally {
    writer.kill('SIGKILL');
  }
});
