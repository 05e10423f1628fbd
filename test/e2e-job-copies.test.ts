// A job with two repositories: the backup goes to the primary and is copied to the second.
// When the copy fails, the snapshot stays in the primary, the failure is reported and the job
// exits 3 (partial); the next run copies whatever is still missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { workspace } from './e2e-support.ts';

test('a failed copy keeps the primary snapshot, exits 3, and the next run catches up', async () => {
  await using ws = await workspace();
  const second = join(ws.dir, 'second');
  await ws.writeConfig(`version: 1
repositories:
  main: { location: ${ws.repo}, password_file: ${ws.passwordFile} }
  second: { location: ${second}, password_file: ${ws.passwordFile} }
jobs:
  cmd:
    source: { type: command, command: [sh, -c, "echo important data"], filename: export.txt }
    repositories: [main, second]
`);
  // The second repository does not exist yet: the copy fails.
  const first = await ws.cli(['backup', '--job', 'cmd']);
  assert.equal(first.code, 3, first.stderr);
  assert.match(first.stderr, /copy to second failed/);
  assert.match(first.stderr, /safe in the primary/);
  assert.equal((await ws.snapshots()).length, 1);

  const init = await ws.cli(['init', '--repo', second], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(init.code, 0, init.stderr);
  const next = await ws.cli(['backup', '--job', 'cmd', '--json']);
  assert.equal(next.code, 0, next.stderr);
  const summary = JSON.parse(next.stdout.trim().split('\n').pop()!);
  assert.deepEqual(summary.copies.map((c: { repository: string; ok: boolean; snapshots_copied: number }) => [c.repository, c.ok, c.snapshots_copied]),
    [['second', true, 2]], 'the snapshot the first run failed to copy is caught up');

  const restored = join(ws.dir, 'restored');
  const r = await ws.cli(['restore', 'latest', '--repo', second, '--target', restored], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(r.code, 0, r.stderr);
  const dumped = await ws.cli(['dump', '--repo', second, 'latest', 'export.txt'], { env: { LIFEBOAT_PASSWORD_FILE: ws.passwordFile } });
  assert.equal(dumped.stdout, 'important data\n');
});
