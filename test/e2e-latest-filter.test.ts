// `latest` narrowed by restic's filter flags: the newest snapshot with the given tags/host.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspace } from './e2e-support.ts';

test('dump, ls and restore pick the newest snapshot matching --tag and --host', async () => {
  await using ws = await workspace();
  const env = { LIFEBOAT_REPOSITORY: ws.repo, LIFEBOAT_PASSWORD_FILE: ws.passwordFile };
  for (const [tag, host, text] of [['db', 'h1', 'old db'], ['db', 'h2', 'db on h2'], ['web', 'h1', 'web']]) {
    const r = await ws.cli(['backup', '--stdin', '--stdin-filename', 'x.txt', '--tag', tag!, '--host', host!], { env, input: `${text}\n` });
    assert.equal(r.code, 0, r.stderr);
  }
  const dump = (args: string[]) => ws.cli(['dump', 'latest', 'x.txt', ...args], { env });
  assert.equal((await dump([])).stdout, 'web\n');
  assert.equal((await dump(['--tag', 'db'])).stdout, 'db on h2\n');
  assert.equal((await dump(['--tag', 'db', '--host', 'h1'])).stdout, 'old db\n');
  const none = await dump(['--tag', 'nope']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no snapshot matches/);

  const target = join(ws.dir, 'out');
  const r = await ws.cli(['restore', 'latest', '--tag', 'db', '--host', 'h1', '--target', target], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await readFile(join(target, 'x.txt'), 'utf8'), 'old db\n');
  const ls = await ws.cli(['ls', 'latest', '--tag', 'web', '--json'], { env });
  assert.equal(JSON.parse(ls.stdout.split('\n')[0]!).hostname, 'h1');
});
