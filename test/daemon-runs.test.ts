// The daemon's rules, against a real process: never two runs of a job at once (overlaps are
// recorded as skipped), prune beside backups, catch-up once after downtime, SIGTERM in the
// middle of a backup, SIGHUP with a broken config, and no open port without a token.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, workspace, type Workspace } from './e2e-support.ts';
import { finishedRuns, startDaemon } from './support/daemon.ts';

interface Row { error_message: string | null; id: string; job: string | null; repository: string | null; kind: string; status: string; trigger: string; started_at: number; ended_at: number | null; snapshot_id: string | null }

function runs(state: string): Row[] {
  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  try {
    return h.prepare('SELECT * FROM runs ORDER BY started_at').all() as unknown as Row[];
  } finally {
    h.close();
  }
}

function config(w: Workspace, state: string, body: string, extra = ''): Promise<void> {
  return w.writeConfig(`version: 1\nstate_dir: ${state}\ndefaults: { timezone: UTC${extra} }\nrepositories:\n  main:\n    location: ${w.repo}\n    password_file: ${w.passwordFile}\n${body}`);
}

test('a job slower than its period never runs twice at once; overlaps are skipped; a prune among backups succeeds', { timeout: 180_000 }, async () => {
  await using w = await workspace();
  const state = join(w.dir, 'state');
  await config(w, state, `    prune: { schedule: { every: 3s }, max_unused: 0% }
jobs:
  slow:
    source: { type: command, command: [sh, -c, "sleep 2.5; date +%s%N"], filename: slow.txt }
    repositories: [main]
    schedule: { every: 1s }
    retention: { keep_last: 2 }
  quick:
    source: { type: command, command: [sh, -c, "date +%s%N"], filename: quick.txt }
    repositories: [main]
    schedule: { every: 1s }
    retention: { keep_last: 2 }
`, ', concurrency: 3');
  const d = await startDaemon(w.dir);
  // Run until enough has happened (at least 12 s), not for a fixed time: on a loaded machine a
  // prune can take longer than its 3 s period, and its overlapping slots are then skipped.
  const enough = (rs: Row[]) => rs.filter((r) => r.kind === 'prune' && r.status === 'succeeded').length >= 2 &&
    rs.filter((r) => r.job === 'slow' && r.kind === 'backup' && r.status === 'succeeded').length >= 2 &&
    rs.some((r) => r.job === 'slow' && r.kind === 'backup' && r.status === 'skipped') &&
    rs.some((r) => r.kind === 'forget' && r.status === 'succeeded');
  const started = Date.now();
  while (Date.now() - started < 12_000 || (!enough(runs(state)) && Date.now() - started < 120_000)) await sleep(1000);
  assert.equal((await d.stop()).code, 0);
  const all = runs(state);
  const slow = all.filter((r) => r.job === 'slow' && r.kind === 'backup');
  assert.ok(slow.some((r) => r.status === 'skipped'), 'overlapping slots are recorded as skipped');
  const ran = slow.filter((r) => r.status === 'succeeded');
  assert.ok(ran.length >= 2, JSON.stringify(slow));
  for (let i = 1; i < ran.length; i++) assert.ok(ran[i]!.started_at >= ran[i - 1]!.ended_at!, 'runs of one job never overlap');
  // Fine outcomes: done, skipped (an overlap), or dropped while queued when the daemon stopped.
  const fine = (r: Row) => r.status === 'succeeded' || r.status === 'skipped' || (r.status === 'aborted' && /^aborted before it started/.test(r.error_message ?? ''));
  const prunes = all.filter((r) => r.kind === 'prune');
  assert.ok(prunes.filter((r) => r.status === 'succeeded').length >= 2 && prunes.every(fine), JSON.stringify(prunes));
  assert.ok(all.filter((r) => r.kind === 'backup').every(fine), 'no backup failed on the prune\'s lock');
  assert.ok(all.some((r) => r.kind === 'forget' && r.status === 'succeeded'), 'retention ran after backups');
  assert.match(await w.restic(['check']), /no errors were found/);
});

test('catch-up after downtime runs a job once, not once per missed slot', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const state = join(w.dir, 'state');
  await config(w, state, `jobs:\n  hourly:\n    source: { type: command, command: [echo, x], filename: x.txt }\n    repositories: [main]\n    schedule: "0 * * * *"\n`);
  let d = await startDaemon(w.dir);
  await d.waitFor((l) => l.msg === 'backup succeeded', 30_000, 'the first catch-up run');
  await sleep(1500);
  await d.stop();
  assert.deepEqual(runs(state).map((r) => [r.kind, r.trigger, r.status]), [['backup', 'catch-up', 'succeeded']], 'no success yet: one run at start');

  d = await startDaemon(w.dir);
  await sleep(2500);
  await d.stop();
  assert.equal(runs(state).length, 1, 'a recent success: nothing to catch up');

  // Three days down: 72 missed hourly slots, one catch-up run.
  const h = new DatabaseSync(join(state, 'history.db'));
  h.prepare('UPDATE runs SET started_at = started_at - ?, ended_at = ended_at - ?').run(3 * 86_400_000, 3 * 86_400_000);
  h.close();
  d = await startDaemon(w.dir);
  await d.waitFor((l) => l.msg === 'backup succeeded', 30_000, 'the catch-up run');
  await sleep(2500);
  await d.stop();
  assert.deepEqual(runs(state).map((r) => r.trigger), ['catch-up', 'catch-up']);
});

test('SIGTERM in the middle of a large backup: exits within stop_timeout, run aborted, no snapshot, restic check clean', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const state = join(w.dir, 'state');
  await config(w, state, `jobs:\n  big:\n    source: { type: command, command: [sh, -c, "while :; do head -c 4194304 /dev/urandom; done"], filename: big.bin }\n` +
    '    repositories: [main]\n    schedule: "0 0 1 1 *"\n', ', stop_timeout: 2s');
  const d = await startDaemon(w.dir);
  await d.waitFor((l) => l.msg === 'backup started', 30_000, 'the backup to start');
  await sleep(3000);
  const stopped = await d.stop('SIGTERM');
  assert.equal(stopped.code, 0);
  assert.ok(stopped.ms < 2000 + 8000, `exited after ${stopped.ms} ms`);
  assert.deepEqual(runs(state).map((r) => [r.kind, r.status]), [['backup', 'aborted']]);
  assert.deepEqual(finishedRuns(d.lines).map((r) => r.status), ['aborted']);
  assert.equal((await w.snapshots()).length, 0);
  assert.match(await w.restic(['check']), /no errors were found/);
});

test('SIGHUP with a broken config keeps the running schedule and logs every problem with line:col', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  const state = join(w.dir, 'state');
  await config(w, state, `jobs:\n  tick:\n    source: { type: command, command: [echo, x], filename: x.txt }\n    repositories: [main]\n    schedule: { every: 1s }\n`);
  const d = await startDaemon(w.dir);
  await d.waitFor((l) => l.msg === 'backup succeeded', 30_000, 'a first run');
  await config(w, state, `jobs:\n  tick:\n    source: { type: command, command: [echo, x], filename: x.txt }\n    repositories: [mian]\n    schedule: "61 * * * *"\n`);
  d.proc.kill('SIGHUP');
  const failed = await d.waitFor((l) => l.msg.startsWith('config reload failed'), 10_000, 'the reload error');
  const problems = d.lines.filter((l) => l.msg.startsWith('config reload failed')).map((l) => String(l.problem));
  assert.ok(problems.some((p) => /lifeboat\.yaml:\d+:\d+ .*repositories.*unknown repository "mian"/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /lifeboat\.yaml:\d+:\d+ jobs\.tick\.schedule/.test(p)), problems.join('\n'));
  const at = d.lines.indexOf(failed);
  await sleep(3000);
  assert.ok(d.lines.slice(at).some((l) => l.msg === 'backup succeeded'), 'the old schedule goes on');
  assert.equal((await d.stop()).code, 0);
});

test('a listen address that is not loopback is refused without a token', { timeout: 30_000 }, async () => {
  await using w = await workspace();
  await config(w, join(w.dir, 'state'), 'jobs: {}\n');
  const r = await runCli(['daemon', '--listen', '0.0.0.0:0'], w.dir);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /token/);
});
