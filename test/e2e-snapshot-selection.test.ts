// Every snapshot-selecting command honours --host, --tag and --path (and --job), says which
// snapshot it chose, and treats a filter that matches nothing as an error — never a fall-back
// to the newest snapshot. Two backups of one SQLite job, tagged day1 and day2 by the config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { repoBlock, workspace } from './e2e-support.ts';

test('restore, dump and ls pick the snapshot the filter names, and a filter matching nothing fails', async () => {
  await using w = await workspace();
  const db = join(w.dir, 'app.db');
  const conn = new DatabaseSync(db);
  conn.exec('CREATE TABLE t (v TEXT); INSERT INTO t VALUES (\'monday\');');
  const config = (day: string) => `${repoBlock(w)}jobs:\n  app:\n    source: { type: sqlite, path: ${db} }\n    repositories: [main]\n    tags: [${day}]\n` +
    `  notes:\n    source: { type: command, command: [sh, -c, "echo ${day} notes"], filename: notes.txt }\n    repositories: [main]\n    tags: [${day}]\n`;
  await w.writeConfig(config('day1'));
  assert.equal((await w.cli(['backup', '--all'])).code, 0);
  conn.exec('UPDATE t SET v = \'tuesday\'');
  conn.close();
  await w.writeConfig(config('day2'));
  assert.equal((await w.cli(['backup', '--all'])).code, 0);
  const snaps = await w.snapshots();
  const day1 = snaps.find((s) => s.tags?.includes('job=app') && s.tags.includes('day1'))!;

  // A database restore: --tag day1 gives Monday's data, and says which snapshot it used.
  await mkdir(join(w.dir, 'out'));
  const into = join(w.dir, 'out', 'monday.db');
  const r = await w.cli(['restore', 'latest', '--job', 'app', '--tag', 'day1', '--into', into]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`using snapshot ${day1.id.slice(0, 8)} of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`));
  const restored = new DatabaseSync(into, { readOnly: true });
  assert.deepEqual(restored.prepare('SELECT v FROM t').all().map((row) => row.v), ['monday']);
  restored.close();

  // A tag no snapshot has: an error, nothing restored.
  const none = join(w.dir, 'out', 'none.db');
  const miss = await w.cli(['restore', 'latest', '--job', 'app', '--tag', 'day9', '--into', none]);
  assert.equal(miss.code, 1, miss.stdout);
  assert.match(miss.stderr, /no snapshot matches .*day9/);
  // An explicit ID that does not match the filter is refused too.
  const wrong = await w.cli(['restore', day1.id.slice(0, 8), '--job', 'app', '--host', 'another-host', '--into', none]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /does not match host another-host/);

  // Files of a job: --tag picks the day; --host of another machine matches nothing.
  const target = join(w.dir, 'files');
  const f = await w.cli(['restore', 'latest', '--job', 'notes', '--tag', 'day1', '--target', target]);
  assert.equal(f.code, 0, f.stderr);
  const dump = await w.cli(['dump', '--repo', w.repo, 'latest', 'notes.txt', '--tag', 'day1'], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(dump.stdout, 'day1 notes\n');
  const dumpMiss = await w.cli(['dump', '--repo', w.repo, 'latest', 'notes.txt', '--host', 'nowhere'], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(dumpMiss.code, 1);
  assert.equal(dumpMiss.stdout, '');
  const ls = await w.cli(['ls', '--repo', w.repo, 'latest', '--tag', 'day9'], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(ls.code, 1);
  assert.match(ls.stderr, /no snapshot matches/);
});

test('-q drops progress and summaries, never the listing asked for', async () => {
  await using w = await workspace();
  const env = { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } };
  const b = await w.cli(['backup', '--repo', w.repo, '--stdin', '--stdin-filename', 'x.txt'], { ...env, input: 'hello\n' });
  assert.equal(b.code, 0, b.stderr);
  const snaps = await w.cli(['snapshots', '-q', '--repo', w.repo], env);
  assert.match(snaps.stdout, /x\.txt/);
  assert.doesNotMatch(snaps.stdout, /1 snapshot$/m, 'the count is a summary: quiet drops it');
  const ls = await w.cli(['ls', '-q', '--repo', w.repo, 'latest'], env);
  assert.match(ls.stdout, /^\/x\.txt$/m);
  const keys = await w.cli(['key', 'list', '-q', '--repo', w.repo], env);
  assert.match(keys.stdout, /^\*/m);
});
