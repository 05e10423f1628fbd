// The command line's own surface, in-process: version, help COMMAND, unknown flags, JSON errors
// and the shell completion (run through a real bash).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from './run.ts';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => new Writable({ write(c, _e, cb) { add(String(c)); cb(); } });
  const code = await runCli(args, {
    stdout: sink((s) => { stdout += s; }), stderr: sink((s) => { stderr += s; }), stdin: new PassThrough(), env: {},
  }, new AbortController().signal);
  return { code, stdout, stderr };
}

test('version and --version name Lifeboat, Node and the repository formats', async () => {
  const text = await cli(['version']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^lifeboat \d+\.\d+\.\d+ \(Node\.js v\d+.*repository format versions 1 and 2/);
  assert.equal((await cli(['--version'])).stdout, text.stdout);
  const json = JSON.parse((await cli(['--version', '--json'])).stdout);
  assert.deepEqual(json.repository_versions, [1, 2]);
  assert.equal(json.node_version, process.versions.node);
});

test('help COMMAND prints the command\'s usage and the global flags, --config among them', async () => {
  const r = await cli(['help', 'snapshots']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: lifeboat snapshots/);
  assert.match(r.stdout, /--config FILE/);
  assert.equal(r.stdout, (await cli(['snapshots', '--help'])).stdout);
  assert.match((await cli(['help'])).stdout, /Global flags:[\s\S]*--config FILE/);
});

test('an unknown flag names the flag, the command and where to look; with --json as JSON', async () => {
  const r = await cli(['snapshots', '--bogus']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'lifeboat: unknown flag --bogus for "snapshots" (see lifeboat snapshots --help)\n');
  const j = await cli(['--json', 'snapshots', '--bogus']);
  assert.deepEqual(JSON.parse(j.stderr), { message_type: 'error', code: 'usage', message: 'unknown flag --bogus for "snapshots" (see lifeboat snapshots --help)' });
  assert.match((await cli(['snapshots', '--repo'])).stderr, /flag --repo of "snapshots" needs a value/);
  const unknown = await cli(['nope', '--json']);
  assert.equal(unknown.code, 1);
  assert.equal(JSON.parse(unknown.stderr).message, 'unknown command "nope"');
});

test('bash completion completes commands, flags of a command and sub-commands', async () => {
  const script = (await cli(['completion', 'bash'])).stdout;
  const complete = (words: string[]) => {
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _lifeboat; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split('\n');
  };
  assert.deepEqual(complete(['lifeboat', 'sn']), ['snapshots']);
  assert.ok(complete(['lifeboat', 'stats', '--mo']).includes('--mode'));
  assert.ok(complete(['lifeboat', '--repo', '/r', 'backup', '--exclude-i']).includes('--exclude-if-present'));
  assert.ok(complete(['lifeboat', 'backup', '--con']).includes('--config'), 'global flags too');
  assert.deepEqual(complete(['lifeboat', 'cat', 'sn']), ['snapshot']);
  const zsh = (await cli(['completion', 'zsh'])).stdout;
  assert.match(zsh, /^#compdef lifeboat/);
  assert.match(zsh, /'snapshots:list snapshots'/);
  assert.equal((await cli(['completion', 'fish'])).code, 1);
});

test('config generate writes a commented starter config that config check accepts, without the URL\'s password', async () => {
  const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-generate-'));
  try {
    const file = join(dir, 'lifeboat.yaml');
    const r = await cli(['config', 'generate', '--postgres', 'postgres://backup:s3cret@db.internal:6543/orders', '--path', '/srv/app',
      '--repository', join(dir, 'repo'), '--output', file]);
    assert.equal(r.code, 0, r.stderr);
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /s3cret/);
    assert.match(text, /^# /m);
    assert.match(text, /port: 6543/);
    assert.match(text, /databases: \["orders"\]/);
    await writeFile(file, text.replace('/etc/lifeboat/repo-password', join(dir, 'pw')));
    await writeFile(join(dir, 'pw'), 'x\n');
    const check = await cli(['--config', file, 'config', 'check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /ok \(1 repository, 2 jobs\)/);
    assert.equal((await cli(['config', 'generate', '--output', file])).code, 1, 'never over an existing file');
    assert.match((await cli(['config', 'generate'])).stdout, /type: files/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;

test('zsh completion parses and completes flags, commands and files (with zsh on the machine)', { skip: !hasZsh && 'no zsh here' }, async () => {
  const script = (await cli(['completion', 'zsh'])).stdout;
  const harness = [
    'compdef() { :; }',
    script,
    'compadd() { shift; print -l -- "$@"; }',
    '_describe() { print "describe $1"; }',
    '_files() { print files; }',
    'words=(lifeboat stats --mo); CURRENT=3; PREFIX=--mo; _lifeboat',
    'words=(lifeboat sn); CURRENT=2; PREFIX=sn; _lifeboat',
    'words=(lifeboat --repo /r backup x); CURRENT=5; PREFIX=x; _lifeboat',
  ].join('\n');
  const r = spawnSync('zsh', ['-c', harness], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('--mode'));
  assert.ok(lines.includes('describe command'));
  assert.equal(lines.filter((l) => l === 'files').length, 1);
});
