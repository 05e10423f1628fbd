// On a terminal, without a password flag or variable, Lifeboat asks as restic does: twice for a
// new repository (init) and a new key, once to open one; nothing typed is echoed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MAIN } from './e2e-support.ts';

const PTY = resolve(import.meta.dirname, 'support/pty-run.py');

function onTerminal(answers: string[], args: string[]): { code: number; screen: string } {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
  const r = spawnSync('python3', [PTY, JSON.stringify(answers), process.execPath, MAIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, screen: r.stdout };
}

test('init asks twice, opening asks once, key add asks twice; nothing is echoed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-prompt-'));
  try {
    const repo = join(dir, 'repo');
    const mismatch = onTerminal(['one-secret', 'another'], ['init', '--repo', repo]);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.screen, /passwords do not match/);
    const init = onTerminal(['typed-secret', 'typed-secret'], ['init', '--repo', repo]);
    assert.equal(init.code, 0, init.screen);
    assert.match(init.screen, /enter password for new repository: [\s\S]*enter password again: [\s\S]*created lifeboat repository/);
    assert.doesNotMatch(init.screen, /typed-secret/);
    const list = onTerminal(['typed-secret'], ['snapshots', '--repo', repo]);
    assert.equal(list.code, 0, list.screen);
    assert.match(list.screen, /enter password for repository: [\s\S]*0 snapshots/);
    assert.equal(onTerminal(['wrong'], ['snapshots', '--repo', repo]).code, 12);
    const key = onTerminal(['typed-secret', 'second-key', 'second-key'], ['key', 'add', '--repo', repo]);
    assert.equal(key.code, 0, key.screen);
    assert.equal(onTerminal(['second-key'], ['snapshots', '--repo', repo]).code, 0);
    const restic = spawnSync('restic', ['-r', repo, '--no-cache', 'snapshots'], { env: { ...process.env, RESTIC_PASSWORD: 'second-key' } });
    assert.equal(restic.status, 0, String(restic.stderr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
