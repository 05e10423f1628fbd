// The config as the repository's address: init --all, then ls, dump, stats, find, check, prune
// and forget by --job or --repository instead of a location and a password; `run --stats`; and
// backup --job and --all exiting with the same code for the same failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspace } from './e2e-support.ts';

test('init --all, then every command by --job or --repository; run --stats', async () => {
  await using ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'notes.txt'), 'remember\n');
  const offsite = join(ws.dir, 'offsite');
  await ws.writeConfig(`version: 1
repositories:
  main: { location: ${ws.repo}, password_file: ${ws.passwordFile} }
  offsite: { location: ${offsite}, password_file: ${ws.passwordFile} }
jobs:
  notes:
    source: { type: files, paths: [${data}] }
    repositories: [main, offsite]
    retention: { keep_last: 1 }
`);
  const lb = async (args: string[], code = 0) => {
    const r = await ws.cli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const init = await lb(['init', '--all']);
  assert.match(init, /repository main: exists already/);
  assert.match(init, /repository offsite: created lifeboat repository/);
  assert.match(await lb(['init', '--all']), /0 repositories created, 2 existed already/);

  await lb(['backup', '--all']);
  await writeFile(join(data, 'notes.txt'), 'remember more\n');
  const run = await lb(['run', '--stats']);
  assert.match(run, /job notes: snapshot [0-9a-f]{8} in main/);
  assert.match(run, /Files: +0 new, 1 changed, 0 unchanged, 0 errors/);

  assert.match(await lb(['ls', 'latest', '--job', 'notes']), /notes\.txt/);
  assert.equal(await lb(['dump', 'latest', `${data}/notes.txt`, '--job', 'notes']), 'remember more\n');
  assert.equal(await lb(['dump', 'latest', `${data}/notes.txt`, '--repository', 'offsite']), 'remember more\n');
  assert.equal(JSON.parse(await lb(['stats', '--job', 'notes', '--json'])).snapshots_count, 1, 'retention kept one');
  assert.match(await lb(['find', 'notes.txt', '--repository', 'offsite']), /notes\.txt/);
  assert.match(await lb(['check', '--repository', 'offsite']), /no errors were found/);
  assert.equal(JSON.parse(await lb(['snapshots', '--repository', 'offsite', '--json'])).length, 1, 'retention applies there too');
  await lb(['forget', '--repository', 'offsite', '--keep-last', '1', '--prune']);
  await lb(['prune', '--job', 'notes']);
  assert.equal(JSON.parse(await lb(['snapshots', '--repo', offsite, '--password-file', ws.passwordFile, '--json'])).length, 1);
  const typo = await ws.cli(['check', '--repository', 'ofsite']);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /repository ofsite: no such repository.*\nhint: repositories: main, offsite/);
});

test('backup --job and --all exit with the same code for the same failure', async () => {
  await using ws = await workspace();
  await writeFile(join(ws.dir, 'wrong'), 'not the password\n');
  await ws.writeConfig(`version: 1
repositories:
  main: { location: ${ws.repo}, password_file: ${join(ws.dir, 'wrong')} }
jobs:
  one: { source: { type: files, paths: [${ws.dir}/repo-password] }, repositories: [main] }
`);
  const job = await ws.cli(['backup', '--job', 'one']);
  const all = await ws.cli(['backup', '--all']);
  assert.equal(job.code, 12, job.stderr);
  assert.equal(all.code, job.code);
});
