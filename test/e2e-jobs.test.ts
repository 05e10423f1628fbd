// Jobs of every other kind through the CLI: a files job with before/after hooks, a command job,
// a job that times out and one whose before hook fails (no snapshot either way), `backup --all`,
// and `config schema`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoBlock, workspace, type Workspace } from './e2e-support.ts';

let ws: Workspace;

before(async () => {
  ws = await workspace();
  const data = join(ws.dir, 'data');
  await mkdir(join(data, 'sub'), { recursive: true });
  await writeFile(join(data, 'a.txt'), 'alpha\n');
  await writeFile(join(data, 'sub', 'b.txt'), 'beta\n');
  await writeFile(join(data, 'skip.tmp'), 'no\n');
  const m = (name: string) => join(ws.dir, name);
  await ws.writeConfig(`${repoBlock(ws)}jobs:
  files:
    source: { type: files, paths: [${data}], exclude: ["*.tmp"] }
    repositories: [main]
    hooks: { before: [touch, ${m('before-ran')}], after: [touch, ${m('after-ran')}] }
  cmd:
    source: { type: command, command: [sh, -c, "echo exported data"], filename: export.txt }
    repositories: [main]
    tags: [nightly]
  slow:
    source: { type: command, command: [sleep, "30"], filename: never.txt }
    repositories: [main]
    timeout: 1s
  badhook:
    source: { type: command, command: [echo, hi], filename: hi.txt }
    repositories: [main]
    hooks: { before: [sh, -c, "echo app refuses to stop >&2; exit 3"], after: [touch, ${m('badhook-after-ran')}] }
`);
});

after(async () => { await ws?.[Symbol.asyncDispose](); });

test('files job with hooks and excludes, command job with tags; restorable', async () => {
  const f = await ws.cli(['backup', '--job', 'files']);
  assert.equal(f.code, 0, f.stderr);
  assert.ok(existsSync(join(ws.dir, 'before-ran')) && existsSync(join(ws.dir, 'after-ran')));
  const c = await ws.cli(['backup', '--job', 'cmd']);
  assert.equal(c.code, 0, c.stderr);
  const snaps = await ws.snapshots();
  // Tags hold stable identifiers only; the run's figures are in restic's summary object.
  assert.deepEqual(snaps.map((s) => s.tags), [['job=files', 'engine=files'], ['job=cmd', 'nightly', 'engine=command']]);
  // (restic 0.14 drops fields it does not know when it prints a snapshot; ours shows it whole.)
  const listed = await ws.cli(['snapshots', '--job', 'cmd', '--json']);
  const summary = JSON.parse(listed.stdout)[0].summary;
  assert.equal(summary.total_bytes_processed, 14);
  assert.equal(summary.total_files_processed, 1);
  assert.ok(Date.parse(summary.backup_end) >= Date.parse(summary.backup_start));
  const out = join(ws.dir, 'out');
  await ws.restic(['restore', snaps[0]!.id, '--target', out]);
  assert.equal(readFileSync(join(out, ws.dir, 'data', 'sub', 'b.txt'), 'utf8'), 'beta\n');
  assert.ok(!existsSync(join(out, ws.dir, 'data', 'skip.tmp')));
  assert.equal(await ws.restic(['dump', snaps[1]!.id, '/export.txt']), 'exported data\n');
});

test('a job that times out and one whose before hook fails leave no snapshot; --all reports each', async () => {
  const before = (await ws.snapshots()).length;
  const slow = await ws.cli(['backup', '--job', 'slow']);
  assert.equal(slow.code, 1);
  assert.match(slow.stderr, /job slow: timed out after 1000 ms/);
  const hook = await ws.cli(['backup', '--job', 'badhook']);
  assert.equal(hook.code, 1);
  assert.match(hook.stderr, /before hook sh[\s\S]*app refuses to stop/);
  assert.ok(existsSync(join(ws.dir, 'badhook-after-ran')), 'the after hook runs even when the before hook failed');
  assert.equal((await ws.snapshots()).length, before);

  const all = await ws.cli(['--json', 'backup', '--all']);
  assert.equal(all.code, 1);
  const summaries = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { job: string });
  assert.deepEqual(summaries.map((s) => s.job), ['files', 'cmd']);
  const errors = all.stderr.trim().split('\n').map((l) => JSON.parse(l) as { job: string; exit_code: number });
  assert.deepEqual(errors.map((e) => [e.job, e.exit_code]), [['slow', 1], ['badhook', 1]]);
  assert.equal((await ws.snapshots()).length, before + 2);
  await ws.restic(['check']);
});

test('config schema prints the JSON Schema; unknown job is a clear error', async () => {
  const s = await ws.cli(['config', 'schema']);
  assert.equal(s.code, 0);
  const schema = JSON.parse(s.stdout) as { title: string; properties: Record<string, unknown> };
  assert.equal(schema.title, 'Lifeboat configuration');
  assert.ok(schema.properties.jobs && schema.properties.repositories);
  const u = await ws.cli(['backup', '--job', 'nope']);
  assert.equal(u.code, 1);
  assert.match(u.stderr, /job nope: no such job in the config/);
  assert.match(u.stderr, /hint: jobs: files, cmd, slow, badhook/);
  const ok = await ws.cli(['config', 'check']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /lifeboat\.yaml: ok \(1 repository, 4 jobs\)/);
});
