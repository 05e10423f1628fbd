// `lifeboat snapshots --json | head -c 300` and `lifeboat dump … | head -c 10`: the reader goes
// away; Lifeboat stops quietly (exit 0, no stack trace, no lock left behind).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pseudoRandom } from './support/random-data.ts';
import { MAIN, workspace, type Workspace } from './e2e-support.ts';

/** Runs lifeboat with stdout into a pipe whose reader closes after `keep` bytes. */
function runClosingAfter(ws: Workspace, args: string[], keep: number): Promise<{ code: number | null; signal: string | null; got: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, '--repo', ws.repo, ...args], {
      cwd: ws.dir, env: { ...process.env, LIFEBOAT_PASSWORD_FILE: ws.passwordFile }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let got = 0;
    let stderr = '';
    if (keep === 0) child.stdout.destroy(); // gone before the first byte, like a fast `head`
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= keep) child.stdout.destroy();
    });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('close', (code, signal) => resolve({ code, signal, got, stderr }));
  });
}

test('a reader that goes away ends snapshots --json and dump quietly', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'big.bin'), pseudoRandom(40 << 20, 3));
  for (let i = 0; i < 3; i++) {
    const r = await ws.cli(['--repo', ws.repo, 'backup', data, '--tag', `t${i}`], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
    assert.equal(r.code, 0, r.stderr);
  }
  const s = await runClosingAfter(ws, ['snapshots', '--json'], 0);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stderr, '');
  const d = await runClosingAfter(ws, ['dump', 'latest', `${data}/big.bin`], 10);
  assert.equal(d.code, 0, d.stderr);
  // Only the line saying which snapshot it chose; no EPIPE stack trace, no error.
  assert.equal(d.stderr.replace(/^using snapshot [0-9a-f]{8} of .*\n/, ''), '');
  assert.ok(d.got < 40 << 20);
  assert.deepEqual(await readdir(join(ws.repo, 'locks')), [], 'the dump released its lock');
});
