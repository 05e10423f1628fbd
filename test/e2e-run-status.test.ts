// `lifeboat run` (backup, retention per repository, prune/check where due) and `lifeboat status`
// (the history the CLI records, against each job's RPO), as a cron user drives them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, workspace } from './e2e-support.ts';

test('run applies per-repository retention and runs a due check once; status reads the recorded history', async () => {
  await using w = await workspace();
  const second = join(w.dir, 'second');
  const env = { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } };
  assert.equal((await w.cli(['init', '--repo', second], env)).code, 0);
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile}, check: { schedule: "0 3 * * *" } }
  second: { location: ${second}, password_file: ${w.passwordFile} }
jobs:
  notes:
    source: { type: command, command: [sh, -c, "date +%s%N"], filename: notes.txt }
    repositories: [main, { name: second, retention: { keep_last: 1 } }]
    retention: { keep_last: 2 }
    schedule: "0 * * * *"
    rpo: 1h
  never:
    source: { type: command, command: [sh, -c, "echo x"], filename: x.txt }
    repositories: [main]
    schedule: { every: 10m }
`);
  for (let i = 0; i < 3; i++) {
    const r = await w.cli(['run', '--job', 'notes']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /job notes: retention in main: kept \d snapshots?, removed \d/);
    if (i === 0) assert.match(r.stdout, /repository main: check: no errors were found/);
    else assert.doesNotMatch(r.stdout, /check:/, 'the check is not due again within its period');
  }
  const inMain = (await w.snapshots()).filter((s) => s.tags?.includes('job=notes'));
  assert.equal(inMain.length, 2, 'main keeps the job\'s keep_last 2');
  const listed = await runCli(['snapshots', '--repo', second, '--json'], w.dir, env);
  assert.equal(JSON.parse(listed.stdout).length, 1, 'second keeps its own keep_last 1');

  const status = await w.cli(['status', '--json']);
  assert.equal(status.code, 1, 'a job that never ran is behind its RPO: non-zero, like a monitoring check');
  const report = JSON.parse(status.stdout);
  const notes = report.jobs.find((j: { name: string }) => j.name === 'notes');
  assert.equal(notes.last_success.status, 'succeeded');
  assert.equal(notes.rpo_seconds, 3600);
  assert.equal(notes.rpo_breached, false);
  assert.equal(notes.snapshots, 2);
  assert.ok(notes.next_run);
  const never = report.jobs.find((j: { name: string }) => j.name === 'never');
  assert.equal(never.rpo_breached, true);
  assert.equal(never.rpo_seconds, 1200, 'default RPO: twice the schedule\'s period');
  const main = report.repositories.find((r: { name: string }) => r.name === 'main');
  assert.equal(main.last_check.status, 'succeeded');
  assert.ok(main.size_bytes > 0 && main.free_bytes > 0);
  const text = await w.cli(['status']);
  assert.match(text.stdout, /notes\s+command/);
  assert.match(text.stderr, /job never: RPO BREACHED: no successful backup/);
});
