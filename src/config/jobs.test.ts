// The job-level options of lifeboat.yaml: schedules (cron or interval) and their time zone,
// rpo/rto, extra_args of the dump tools, the mariadb alias. Problems carry file:line:col.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.ts';
import { parseConfigText } from './index.ts';
import { loadRestorer } from '../sources/registry.ts';

const HEAD = `repositories:
  local: { location: /tmp/repo, password: pw }
`;

async function problems(text: string): Promise<string[]> {
  const err = await parseConfigText(text, 'lifeboat.yaml', {}).then(() => assert.fail('expected a ConfigError'), (e: unknown) => e);
  assert.ok(err instanceof ConfigError, String(err));
  return err.issues;
}

test('schedule: cron with 5 or 6 fields, or {every: DURATION}; cron runs in defaults.timezone', async () => {
  const c = await parseConfigText(`defaults: { timezone: Europe/Berlin }
${HEAD}jobs:
  a: { source: { type: sqlite, path: /a.db }, repositories: [local], schedule: "15 2 * * *", rpo: 26h, rto: 30m }
  b: { source: { type: sqlite, path: /b.db }, repositories: [local], schedule: "*/30 * * * * *" }
  c: { source: { type: sqlite, path: /c.db }, repositories: [local], schedule: { every: 6h } }
  d: { source: { type: sqlite, path: /d.db }, repositories: [local] }
`, 'x.yaml', {});
  assert.equal(c.defaults.timezone, 'Europe/Berlin');
  assert.deepEqual(c.jobs.map((j) => j.schedule), [
    { kind: 'cron', expression: '15 2 * * *', timezone: 'Europe/Berlin' },
    { kind: 'cron', expression: '*/30 * * * * *', timezone: 'Europe/Berlin' },
    { kind: 'interval', everyMs: 6 * 3_600_000 },
    undefined,
  ]);
  assert.equal(c.jobs[0]!.rpo, 26 * 3_600_000);
  assert.equal(c.jobs[0]!.rto, 30 * 60_000);
  assert.ok(!('rpo' in c.jobs[1]!), 'absent options stay absent');
});

test('a bad schedule or time zone is a config problem with its line and column', async () => {
  const issues = await problems(`defaults:
  timezone: Mars/Olympus_Mons
${HEAD}jobs:
  a:
    source: { type: sqlite, path: /a.db }
    repositories: [local]
    schedule: "61 * * * *"
  b:
    source: { type: sqlite, path: /b.db }
    repositories: [local]
    schedule: "* * * *"
  c:
    source: { type: sqlite, path: /c.db }
    repositories: [local]
    schedule: { every: 0s }
  d:
    source: { type: sqlite, path: /d.db }
    repositories: [local]
    schedule: 5
  e:
    source: { type: sqlite, path: /e.db }
    repositories: [local]
    schedule: { evry: 5m }
    rpo: a day
  f:
    source: { type: sqlite, path: /f.db }
    repositories: [local]
    schedule: "0 0 30 2 *"
`);
  assert.deepEqual(issues, [
    'lifeboat.yaml:2:3 defaults.timezone: unknown time zone (expected an IANA name such as UTC or Europe/Berlin)',
    'lifeboat.yaml:9:5 jobs.a.schedule: invalid cron expression: Invalid value for minute: 61',
    'lifeboat.yaml:13:5 jobs.b.schedule: expected a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 4',
    'lifeboat.yaml:17:17 jobs.c.schedule.every: must be at least 1s',
    'lifeboat.yaml:21:5 jobs.d.schedule: expected a cron expression such as "0 3 * * *", or {every: DURATION}',
    'lifeboat.yaml:25:5 jobs.e.schedule: expected a cron expression such as "0 3 * * *", or {every: DURATION}',
    'lifeboat.yaml:26:5 jobs.e.rpo: expected a duration such as 30s, 5m, 1h30m or 7d',
    'lifeboat.yaml:30:5 jobs.f.schedule: the cron expression never matches a date',
  ]);
});

test('type: mariadb is the mysql engine: the loaded config and the restorer say mysql', async () => {
  const c = await parseConfigText(`${HEAD}jobs:
  shop: { source: { type: mariadb, host: db, user: backup, databases: [shop] }, repositories: [local] }
`, 'x.yaml', {});
  assert.deepEqual(c.jobs[0]!.source, { type: 'mysql', host: 'db', port: 3306, user: 'backup', databases: ['shop'], extraArgs: [] });
  const r = await loadRestorer(c.jobs[0]!.source);
  assert.equal(r.engine, 'mysql');
  assert.equal(r.dumpPath('shop'), 'mysql/shop.sql');
});

test('extra_args: allowed options pass through; refused ones are problems at the item, naming the option but never its value', async () => {
  const c = await parseConfigText(`${HEAD}jobs:
  pg:
    source:
      type: postgres
      host: db
      user: u
      extra_args: [--exclude-table-data=audit, -Nother, -xO, --lock-wait-timeout=10s, --filter=/etc/f]
    repositories: [local]
  my:
    source: { type: mysql, host: db, user: u, extra_args: [--ignore-table=shop.t, --skip-triggers, -Q, --where=id>0, --tables] }
    repositories: [local]
`, 'x.yaml', {});
  assert.deepEqual((c.jobs[0]!.source as { extraArgs: string[] }).extraArgs,
    ['--exclude-table-data=audit', '-Nother', '-xO', '--lock-wait-timeout=10s', '--filter=/etc/f']);
  assert.deepEqual((c.jobs[1]!.source as { extraArgs: string[] }).extraArgs,
    ['--ignore-table=shop.t', '--skip-triggers', '-Q', '--where=id>0', '--tables']);

  const issues = await problems(`${HEAD}jobs:
  pg:
    source:
      type: postgres
      host: db
      user: u
      extra_args:
        - --format=plain
        - --form=d
        - -vf/tmp/out
        - -Fp
        - --host=elsewhere
        - -W
        - --exclude-table
        - audit
        - -T-f
    repositories: [local]
  my:
    source:
      type: mariadb
      host: db
      user: u
      extra_args:
        - -pS3cr3t-value
        - --password=S3cr3t-value
        - --loose-skip-comments
        - --result_file=/tmp/x
        - --defaults-extra-file=/tmp/my.cnf
        - --all-databases
        - -B
        - --print-defaults
    repositories: [local]
`);
  assert.deepEqual(issues, [
    "lifeboat.yaml:10:11 jobs.pg.source.extra_args[0]: pg_dump option --format is not allowed in extra_args: Lifeboat streams pg_dump's custom format, uncompressed, itself",
    "lifeboat.yaml:11:11 jobs.pg.source.extra_args[1]: pg_dump option --format is not allowed in extra_args: Lifeboat streams pg_dump's custom format, uncompressed, itself",
    "lifeboat.yaml:12:11 jobs.pg.source.extra_args[2]: pg_dump option -f is not allowed in extra_args: Lifeboat streams pg_dump's custom format, uncompressed, itself",
    "lifeboat.yaml:13:11 jobs.pg.source.extra_args[3]: pg_dump option -F is not allowed in extra_args: Lifeboat streams pg_dump's custom format, uncompressed, itself",
    "lifeboat.yaml:14:11 jobs.pg.source.extra_args[4]: pg_dump option --host is not allowed in extra_args: set the connection and password with the source's host, port, user and password(_file)",
    "lifeboat.yaml:15:11 jobs.pg.source.extra_args[5]: pg_dump option -W is not allowed in extra_args: set the connection and password with the source's host, port, user and password(_file)",
    'lifeboat.yaml:17:11 jobs.pg.source.extra_args[7]: expected one option per item, starting with - (write a value in the same item: --option=value or -Xvalue)',
    "lifeboat.yaml:26:11 jobs.my.source.extra_args[0]: mariadb-dump option -p is not allowed in extra_args: set the connection and password with the source's host, port, user and password(_file)",
    "lifeboat.yaml:27:11 jobs.my.source.extra_args[1]: mariadb-dump option --password is not allowed in extra_args: set the connection and password with the source's host, port, user and password(_file)",
    'lifeboat.yaml:28:11 jobs.my.source.extra_args[2]: mariadb-dump option --comments is not allowed in extra_args: Lifeboat reads the SQL dump from stdout, with the comments its table restore relies on',
    'lifeboat.yaml:29:11 jobs.my.source.extra_args[3]: mariadb-dump option --result-file is not allowed in extra_args: Lifeboat reads the SQL dump from stdout, with the comments its table restore relies on',
    "lifeboat.yaml:30:11 jobs.my.source.extra_args[4]: mariadb-dump option --defaults-extra-file is not allowed in extra_args: set the connection and password with the source's host, port, user and password(_file)",
    "lifeboat.yaml:31:11 jobs.my.source.extra_args[5]: mariadb-dump option --all-databases is not allowed in extra_args: choose databases with the source's databases",
    "lifeboat.yaml:32:11 jobs.my.source.extra_args[6]: mariadb-dump option -B is not allowed in extra_args: choose databases with the source's databases",
    'lifeboat.yaml:33:11 jobs.my.source.extra_args[7]: mariadb-dump option --print-defaults is not allowed in extra_args: it prints information instead of a dump',
  ]);
  assert.ok(!issues.join('\n').includes('S3cr3t'), 'a refused value is never echoed');
});
