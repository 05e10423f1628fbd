// Relative paths in a config are relative to the config file's folder: cron runs
// `lifeboat --config /etc/lifeboat/lifeboat.yaml` from `/`, and must find the same files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, workspace } from './e2e-support.ts';

test('--config from another directory resolves the config\'s relative paths against its folder', async () => {
  await using w = await workspace();
  const etc = join(w.dir, 'etc');
  await mkdir(join(etc, 'secrets'), { recursive: true });
  await mkdir(join(etc, 'data'));
  await copyFile(w.passwordFile, join(etc, 'secrets', 'repo'));
  await writeFile(join(etc, 'data', 'a.txt'), 'alpha\n');
  const config = join(etc, 'lifeboat.yaml');
  await writeFile(config, `version: 1
repositories:
  main: { location: ../repo, password_file: secrets/repo }
jobs:
  files:
    source: { type: files, paths: [data] }
    repositories: [main]
`);
  const b = await runCli(['backup', '--job', 'files', '--config', config], '/');
  assert.equal(b.code, 0, b.stderr);
  const snaps = await w.snapshots();
  assert.deepEqual(snaps[0]!.paths, [join(etc, 'data')], 'the files job\'s path is resolved against the config\'s folder');

  // A missing secret file is named by its resolved path.
  await writeFile(config, `version: 1\nrepositories:\n  main: { location: ../repo, password_file: secrets/missing }\n`);
  const bad = await runCli(['config', 'check', '--config', config], '/');
  assert.equal(bad.code, 1);
  assert.ok(bad.stderr.includes(`cannot read secret file ${join(etc, 'secrets', 'missing')} (ENOENT)`), bad.stderr);
});
