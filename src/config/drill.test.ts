// The `drill:` block of a job, `contacts:` and `restore_order:`, and where each secret came from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseConfigText } from './index.ts';

const HEAD = `defaults: { timezone: UTC }
repositories:
  local: { location: /tmp/repo, password: pw }
`;

test('a drill block: schedule in defaults.timezone, checks with their expectations, sizes in bytes', async () => {
  const c = await parseConfigText(`${HEAD}jobs:
  orders:
    source: { type: postgres, host: db1, user: backup, databases: [orders] }
    repositories: [local]
    rto: 30m
    drill:
      schedule: "0 4 1 * *"
      server: { host: scratch-db, user: drill }
      checks:
        - { query: "select count(*) from orders", min_rows: 1000 }
        - { query: "select max(created_at) from orders", max_age: 6h, name: fresh }
  models:
    source: { type: files, paths: [/srv/ml] }
    repositories: [local]
    drill: { checks: [{ path: models/current.pt, min_size: 1MB }] }
contacts:
  - { name: Ada, role: DBA, phone: "+49 30 1234", email: ada@example.com }
restore_order: [models]
`, 'x.yaml', {});
  const [orders, models] = c.jobs;
  assert.deepEqual(orders!.drill!.schedule, { kind: 'cron', expression: '0 4 1 * *', timezone: 'UTC' });
  assert.deepEqual(orders!.drill!.server, { host: 'scratch-db', user: 'drill' });
  assert.deepEqual(orders!.drill!.checks, [
    { query: 'select count(*) from orders', minRows: 1000 },
    { query: 'select max(created_at) from orders', maxAge: 6 * 3_600_000, name: 'fresh' },
  ]);
  assert.equal(orders!.drill!.sampleKeys, 10);
  assert.deepEqual(models!.drill!.checks, [{ path: 'models/current.pt', minSize: 1024 * 1024 }]);
  assert.deepEqual(c.contacts, [{ name: 'Ada', role: 'DBA', phone: '+49 30 1234', email: 'ada@example.com' }]);
  assert.deepEqual(c.restoreOrder, ['models']);
});

test('drill settings that do not fit the engine, checks without expectation, unknown jobs in restore_order', async () => {
  const err = await parseConfigText(`${HEAD}jobs:
  lite:
    source: { type: sqlite, path: /a.db }
    repositories: [local]
    drill:
      server: { host: x }
      checks: [{ path: /a }, { query: "select 1" }]
  files:
    source: { type: files, paths: [/srv] }
    repositories: [local]
    drill: { checks: [{ query: "select 1", min_rows: 1 }] }
restore_order: [nope]
`, 'x.yaml', {}).then(() => assert.fail('expected problems'), (e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const text = err.issues.join('\n');
  assert.match(text, /jobs\.lite\.drill\.server: a sqlite job restores its drill locally/);
  assert.match(text, /jobs\.lite\.drill\.checks\[0\]: path checks apply to files jobs/);
  assert.match(text, /jobs\.lite\.drill\.checks\[1\]: .*(expectation|min_rows)/);
  assert.match(text, /jobs\.files\.drill\.checks\[0\]: a files job takes path checks/);
  assert.match(text, /restore_order\[0\]: unknown job "nope"/);
});

test('secret origins: a file, environment variables or the config itself; never the value', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-origins-'));
  await writeFile(join(dir, 'pg-pw'), 'from-a-file\n');
  const c = await parseConfigText(`repositories:
  local: { location: /tmp/repo, password: "\${REPO_PW}" }
  other: { location: /tmp/other, password: inline-pw }
jobs:
  pg:
    source: { type: postgres, host: db, user: u, password_file: pg-pw }
    repositories: [local]
`, join(dir, 'lifeboat.yaml'), { REPO_PW: 'from-env' });
  assert.deepEqual(c.secretOrigins, {
    'repositories.local.password': { kind: 'env', variables: ['REPO_PW'] },
    'repositories.other.password': { kind: 'inline' },
    'jobs.pg.source.password': { kind: 'file', file: join(dir, 'pg-pw') },
  });
  assert.ok(!JSON.stringify(c.secretOrigins).includes('from-'));
});
