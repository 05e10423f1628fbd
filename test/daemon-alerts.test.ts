// Alerts in the daemon, which also evaluates its rules between runs: a job with rpo 10s and no
// schedule goes stale once and resolves after a backup, with no duplicate across a restart; a
// channel answering 500 is retried and recorded while backups go on; a small tmpfs repository
// fires disk_low before a backup fills it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpReceiver } from './support/notify-receivers.ts';
import { runCli, workspace } from './e2e-support.ts';
import { startDaemon } from './support/daemon.ts';

const FAST = { LIFEBOAT_ALERT_INTERVAL: '500' };

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('stale past the RPO fires once (not again after a restart) and resolves after a backup', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  await using http = await httpReceiver();
  await w.writeConfig(`version: 1
state_dir: ${join(w.dir, 'state')}
defaults: { notify: [hook] }
notifications:
  hook: { type: webhook, url: "${http.url}/hook" }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  paused:
    source: { type: command, command: [echo, data], filename: data.txt }
    repositories: [main]
    rpo: 10s
`);
  assert.equal((await w.cli(['backup', '--job', 'paused'])).code, 0);
  let d = await startDaemon(w.dir, { env: FAST });
  const alerts = () => http.requests.map((r) => JSON.parse(r.body)).filter((n) => n.type === 'alert' && n.alert.name === 'stale');
  await until(() => alerts().length >= 1, 30_000, 'the stale alert');
  assert.deepEqual(alerts().map((n) => n.alert.state), ['firing']);
  assert.match(alerts()[0].alert.message, /newest backup of job paused is \d+s old, over its RPO of 10s/);
  await d.stop();
  d = await startDaemon(w.dir, { env: FAST });
  await sleep(2000);
  assert.equal(alerts().length, 1, 'a restart while it fires sends nothing again');
  assert.equal((await w.cli(['backup', '--job', 'paused'])).code, 0);
  await until(() => alerts().length >= 2, 30_000, 'the resolved message');
  await d.stop();
  assert.deepEqual(alerts().map((n) => n.alert.state), ['firing', 'resolved']);
});

test('a channel answering 500 is retried and recorded; backups go on unaffected', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  await using http = await httpReceiver();
  http.mode = 'transient';
  const state = join(w.dir, 'state');
  await w.writeConfig(`version: 1
state_dir: ${state}
notifications:
  hook: { type: webhook, url: "${http.url}/hook", retries: 1, events: [success, failure] }
repositories:
  main: { location: ${w.repo}, password_file: ${w.passwordFile} }
jobs:
  often:
    source: { type: command, command: [sh, -c, "date +%s%N"], filename: t.txt }
    repositories: [main]
    schedule: { every: 1s }
    notify: [hook]
`);
  const d = await startDaemon(w.dir, { env: FAST });
  await until(() => http.requests.length >= 4, 30_000, 'retried deliveries');
  await d.stop();
  const h = new DatabaseSync(join(state, 'history.db'), { readOnly: true });
  const attempts = h.prepare("SELECT attempt, ok, status FROM deliveries WHERE channel = 'hook'").all() as Array<{ attempt: number; ok: number; status: number }>;
  const backups = h.prepare("SELECT status FROM runs WHERE kind = 'backup'").all() as Array<{ status: string }>;
  h.close();
  assert.ok(attempts.some((a) => a.attempt === 2 && a.status === 500), JSON.stringify(attempts));
  assert.ok(attempts.every((a) => a.ok === 0));
  assert.ok(backups.filter((b) => b.status === 'succeeded').length >= 2, 'backups went on');
  assert.ok(backups.every((b) => b.status === 'succeeded' || b.status === 'skipped'));
});

test('disk low on a small tmpfs repository fires before the backup fills it', { timeout: 120_000 }, async () => {
  await using w = await workspace();
  await using http = await httpReceiver();
  const mnt = join(w.dir, 'tmpfs');
  await mkdir(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mnt]);
  } catch (err) {
    // Mounting needs root (CI runs as root). Say so loudly rather than pass silently.
    assert.fail(`cannot mount a tmpfs for the disk_low test: ${(err as Error).message}`);
  }
  // Unmounted before the workspace is removed (the `await using` above disposes after this).
  await using _unmount = { [Symbol.asyncDispose]: async () => { execFileSync('umount', ['-l', mnt]); } };
  const repo = join(mnt, 'repo');
  assert.equal((await runCli(['init', '--repo', repo], w.dir, { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } })).code, 0);
  await writeFile(join(mnt, 'other-data.bin'), Buffer.alloc(20 << 20)); // something else filling the disk
  await w.writeConfig(`version: 1
state_dir: ${join(w.dir, 'state')}
defaults: { notify: [hook] }
alerts: { disk_low: { min_free: 50% } }
notifications:
  hook: { type: webhook, url: "${http.url}/hook" }
repositories:
  small: { location: ${repo}, password_file: ${w.passwordFile} }
jobs:
  big:
    source: { type: command, command: [head, -c, "50000000", /dev/urandom], filename: big.bin }
    repositories: [small]
`);
  const r = await w.cli(['backup', '--job', 'big']);
  assert.notEqual(r.code, 0, 'the backup cannot fit');
  const notes = http.requests.map((q) => JSON.parse(q.body));
  const low = notes.find((n) => n.alert?.name === 'disk_low');
  assert.ok(low, JSON.stringify(notes));
  assert.match(low.alert.message, /repository small: .* free of .*, below 16\.0 MiB/);
  // Fired when the backup started, before its failure was evaluated.
  assert.equal(notes.findIndex((n) => n.alert?.name === 'disk_low'), 0);
});
