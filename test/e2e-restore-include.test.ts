// An include that matches nothing is a mistake the user must hear about: a warning naming the
// pattern, exit 1 when nothing at all was restored, 3 when other includes did restore files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { workspace } from './e2e-support.ts';

test('restore --include that matches nothing warns and exits non-zero', async () => {
  await using w = await workspace();
  const src = join(w.dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'a.txt'), 'alpha\n');
  const env = { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } };
  assert.equal((await w.cli(['backup', '--repo', w.repo, src], env)).code, 0);

  const none = await w.cli(['restore', '--repo', w.repo, 'latest', '--target', join(w.dir, 'r1'), '--include', '/nonexistent'], env);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /--include \/nonexistent matched nothing/);

  const some = await w.cli(['restore', '--repo', w.repo, 'latest', '--target', join(w.dir, 'r2'), '--include', join(src, 'a.txt'), '--include', '*.nothing'], env);
  assert.equal(some.code, 3, some.stderr);
  assert.match(some.stderr, /--include \*\.nothing matched nothing/);
  assert.doesNotMatch(some.stderr, /a\.txt matched nothing/);
  assert.ok(existsSync(join(w.dir, 'r2', src, 'a.txt')));
});
