// Descriptors are light: loading the config (as `config check` does) loads no database driver,
// and a SQLite backup never loads pg or mysql2. Observed with a module resolve hook, so this
// file imports the project only after the hook is in place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const loaded: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const r = nextResolve(specifier, context);
    loaded.push(r.url);
    return r;
  },
});

const DRIVERS = /\/node_modules\/(pg|mysql2)\/|^node:sqlite$|\/sources\/(postgres|mysql|sqlite|redis)\/(source|restore|connection|sqlite-source|sqlite-restore|in-use|redis-source)\.ts$/;
const drivers = () => [...new Set(loaded.filter((u) => DRIVERS.test(u)))];

test('config check loads no driver; a SQLite backup loads node:sqlite and the SQLite engine only', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-lazy-'));
  try {
    const db = join(dir, 'app.db');
    const config = join(dir, 'lifeboat.yaml');
    await writeFile(config, `repositories:
  local: { location: ${dir}/repo, password: pw }
jobs:
  pg: { source: { type: postgres, host: h, user: u, extra_args: [--no-comments] }, repositories: [local], schedule: "0 3 * * *" }
  my: { source: { type: mariadb, host: h, user: u }, repositories: [local] }
  rd: { source: { type: redis, host: h }, repositories: [local] }
  app: { source: { type: sqlite, path: ${db} }, repositories: [local] }
`);
    const { checkConfigFile } = await import('../app/config-file.ts');
    const summary = await checkConfigFile(config, {});
    assert.deepEqual(summary.jobs.map((j) => j.type), ['postgres', 'mysql', 'redis', 'sqlite']);
    assert.deepEqual(drivers(), [], 'config check loaded a driver');

    const { loadConfig } = await import('../config/index.ts');
    const { createSource } = await import('./registry.ts');
    const c = await loadConfig(config, {});
    // Creating every job's source (as a run does before its hooks) loads nothing either.
    const sources = c.jobs.map((j) => createSource(j.source));
    assert.deepEqual(drivers(), []);

    const { DatabaseSync } = await import('node:sqlite');
    const handle = new DatabaseSync(db);
    handle.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    handle.close();
    const paths: string[] = [];
    for await (const entry of sources[3]!.entries(AbortSignal.timeout(30_000))) {
      for await (const _ of entry.stream) { /* drain */ }
      await entry.done;
      paths.push(entry.path);
    }
    assert.deepEqual(paths, ['sqlite/app.db', 'sqlite/lifeboat-meta.json']);
    const after = drivers();
    assert.ok(after.some((u) => u.endsWith('/sources/sqlite/sqlite-source.ts')), after.join('\n'));
    assert.ok(!after.some((u) => /\/(pg|mysql2)\/|\/sources\/(postgres|mysql|redis)\//.test(u)), after.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
