// One password rule, restic's: a password file or a password command's output is trimmed of
// surrounding whitespace, a command string is split into words without a shell. Proven against
// restic itself: a repository restic made with a whitespace-padded password file opens with
// Lifeboat from that file, from the same command string (flag and variable) and from a config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from './e2e-support.ts';

const run = promisify(execFile);
const PASSWORD = 'pass phrase with spaces';

test('a restic repository opens with the same password file, command string and config as restic uses', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-pw-e2e-'));
  try {
    const repo = join(dir, 'repo');
    const pwFile = join(dir, 'pw');
    await writeFile(pwFile, `  ${PASSWORD} \r\n\n`);
    await run('restic', ['init', '-r', repo, '--password-file', pwFile], { env: { ...process.env, RESTIC_PASSWORD: '' } });
    const command = `sh -c 'printf "\\t${PASSWORD}\\n\\n"'`;
    // restic accepts the command string too: both programs split it into the same argv.
    await run('restic', ['-r', repo, '--no-cache', '--password-command', command, 'snapshots']);

    const ok = async (args: string[], env: Record<string, string> = {}) => {
      const r = await runCli(args, dir, { env: { RESTIC_PASSWORD: '', LIFEBOAT_PASSWORD: '', ...env } });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    await ok(['snapshots', '--repo', repo, '--password-file', pwFile]);
    await ok(['snapshots', '--repo', repo, '--password-command', command]);
    await ok(['snapshots', '--repo', repo], { LIFEBOAT_PASSWORD_COMMAND: command });
    await ok(['snapshots', '--repo', repo], { RESTIC_PASSWORD_COMMAND: command });
    await ok(['snapshots', '--repo', repo], { LIFEBOAT_PASSWORD: PASSWORD });

    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'a.txt'), 'a\n');
    await writeFile(join(dir, 'lifeboat.yaml'), `repositories:
  byfile: { location: ${repo}, password_file: ${pwFile} }
  bycommand: { location: ${repo}, password_command: [sh, -c, "printf '  ${PASSWORD}\\n'"] }
jobs:
  a: { source: { type: files, paths: [${dir}/data] }, repositories: [byfile] }
  b: { source: { type: files, paths: [${dir}/data] }, repositories: [bycommand] }
`);
    await ok(['backup', '--job', 'a']);
    await ok(['backup', '--job', 'b']);
    const { stdout } = await run('restic', ['-r', repo, '--no-cache', '--password-file', pwFile, 'snapshots', '--json']);
    assert.equal((JSON.parse(stdout) as unknown[]).length, 2);

    // A failing command: its name and stderr, never its stdout; a missing file: its path.
    const bad = await runCli(['snapshots', '--repo', repo, '--password-command', `sh -c 'echo ${PASSWORD}; echo locked >&2; exit 2'`], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /run password command sh: exit code 2: locked/);
    assert.ok(!bad.stderr.includes(PASSWORD) && !bad.stdout.includes(PASSWORD));
    const missing = await runCli(['snapshots', '--repo', repo, '--password-file', join(dir, 'nope')], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`read password file ${join(dir, 'nope')}: does not exist`));
    await writeFile(join(dir, 'blank'), ' \n');
    const empty = await runCli(['snapshots', '--repo', repo, '--password-file', join(dir, 'blank')], dir);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, new RegExp(`password file ${join(dir, 'blank')} is empty`));
    const unterminated = await runCli(['snapshots', '--repo', repo, '--password-command', 'pass show "x'], dir);
    assert.equal(unterminated.code, 1);
    assert.match(unterminated.stderr, /double-quoted string not terminated/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
