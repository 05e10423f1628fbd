// Needs: nothing beyond Node (a local repository; no PostgreSQL)
// wal-push's pushing ahead, through the real CLI on a pg_wal-shaped folder: one call stores the
// other ready files too and records them in the spool; a later call for one of them answers
// from the spool only while the file is unchanged — changed bytes go the ordinary way and meet
// put-once (a conflict, non-zero), never a silent acknowledgement.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { workspace, repoBlock, type Workspace } from './e2e-support.ts';

let ws: Workspace;
after(async () => { await ws?.[Symbol.asyncDispose](); });

test('one call pushes the ready files ahead; the spool answers only for unchanged files', async () => {
  ws = await workspace();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  pg:\n    source: { type: postgres, host: h, user: u, wal: { enabled: true } }\n    repositories: [main]\n`);
  const pgWal = join(ws.dir, 'pg_wal');
  await mkdir(join(pgWal, 'archive_status'), { recursive: true });
  const names = ['000000010000000000000011', '000000010000000000000012', '000000010000000000000013', '000000010000000000000014', '00000002.history'];
  for (const n of names) {
    await writeFile(join(pgWal, n), randomBytes(256 * 1024));
    await writeFile(join(pgWal, 'archive_status', `${n}.ready`), '');
  }
  const state = join(ws.dir, 'state');
  const env = { LIFEBOAT_STATE_DIR: state };

  const first = await ws.cli(['wal-push', '--job', 'pg', '--json', join(pgWal, names[0]!)], { env });
  assert.equal(first.code, 0, first.stderr);
  const out = JSON.parse(first.stdout);
  assert.equal(out.how, 'pushed');
  assert.deepEqual(out.ahead, names.slice(1).sort());
  assert.deepEqual((await readdir(join(state, 'wal-spool', 'pg'))).sort(), names.slice(1).sort());
  const stored = await readdir(join(ws.repo, 'wal', 'pg'));
  for (const n of names) assert.ok(stored.includes(n), n);

  const spooled = await ws.cli(['wal-push', '--job', 'pg', '--json', join(pgWal, names[1]!)], { env });
  assert.equal(spooled.code, 0, spooled.stderr);
  assert.equal(JSON.parse(spooled.stdout).how, 'spooled');
  assert.ok(!(await readdir(join(state, 'wal-spool', 'pg'))).includes(names[1]!), 'a record is used once');

  // The file changed after it was pushed ahead: no acknowledgement from the spool.
  const changed = join(pgWal, names[2]!);
  const bytes = await readFile(changed);
  bytes[0] = bytes[0]! ^ 0xff;
  await writeFile(changed, bytes);
  const bad = await ws.cli(['wal-push', '--job', 'pg', changed], { env });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, new RegExp(`wal/pg/${names[2]} .* already holds different content`));

  // What was pushed ahead comes back identical.
  const dest = join(ws.dir, 'back');
  assert.equal((await ws.cli(['wal-fetch', '--job', 'pg', names[3]!, dest])).code, 0);
  assert.ok((await readFile(dest)).equals(await readFile(join(pgWal, names[3]!))));
});
