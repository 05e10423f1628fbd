import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { findJob, findRepository, jobRepositories, loadConfig, parseConfigText } from './index.ts';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/lifeboat.yaml');

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-config-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function problemsOf(text: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const err = await parseConfigText(text, 'lifeboat.yaml', env).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  assert.equal(err.code, 'config');
  return err;
}

const MINIMAL = (extra = '') => `repositories:
  local:
    location: /tmp/repo
    password: pw
jobs:
  db:
    source: { type: sqlite, path: /tmp/a.db }
    repositories: [local]
${extra}`;

test('the example config loads, with defaults applied and secrets resolved', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'repo-local'), 'local-repo-pw\n');
    await writeFile(join(dir, 'aws-secret'), 'aws-secret-key\n');
    await writeFile(join(dir, 'pg-backup'), 'pg-password\r\n');
    await writeFile(join(dir, 'pg-drill'), 'drill-password\n');
    const env = { LIFEBOAT_SECRETS: dir, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', MINIO_REPO_PASSWORD: 'minio-pw' };
    const c = await loadConfig(EXAMPLE, env);
    assert.equal(c.file, EXAMPLE);
    assert.deepEqual(c.defaults, { retryLock: 600_000, timeout: 6 * 3_600_000, timezone: 'Europe/Berlin', concurrency: 2, stopTimeout: 60_000, notify: [] });
    assert.deepEqual(c.repositories.map((r) => r.name), ['local', 'offsite', 'minio']);
    assert.deepEqual(findRepository(c, 'local')?.password, { kind: 'value', value: 'local-repo-pw' });
    assert.deepEqual(findRepository(c, 'offsite')?.password, { kind: 'command', argv: ['pass', 'show', 'backups/offsite'] });
    assert.deepEqual(findRepository(c, 'offsite')?.s3, {
      region: 'eu-central-1', storageClass: 'STANDARD_IA', sse: 'AES256',
      accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'aws-secret-key',
    });
    assert.deepEqual(c.jobs.map((j) => j.name), ['orders-db', 'shop-mysql', 'app-sqlite', 'cache', 'uploads', 'ldap-export']);

    const orders = findJob(c, 'orders-db')!;
    assert.deepEqual(orders.source, {
      type: 'postgres', host: 'db.internal', port: 5432, user: 'backup', password: 'pg-password',
      databases: ['orders', 'billing'], globals: true, extraArgs: ['--exclude-table-data=audit_log'],
    });
    assert.deepEqual(jobRepositories(c, orders).map((r) => r.name), ['local', 'offsite', 'minio']);
    assert.equal(orders.timeout, 2 * 3_600_000);
    assert.deepEqual(orders.schedule, { kind: 'cron', expression: '15 2 * * *', timezone: 'Europe/Berlin' });
    assert.equal(orders.rpo, 26 * 3_600_000);
    assert.equal(orders.drill?.server?.password, 'drill-password');
    assert.deepEqual(c.restoreOrder, ['orders-db', 'shop-mysql']);
    assert.deepEqual(orders.retention, { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 });
    assert.deepEqual(findJob(c, 'uploads')!.retention, { keepDaily: 14, keepTags: [['keep'], ['monthly', 'audit']] });
    assert.deepEqual(findJob(c, 'app-sqlite')!.retention, { keepLast: 48, keepDaily: 30, keepYearly: -1 });

    const mysql = findJob(c, 'shop-mysql')!;
    assert.deepEqual(mysql.source, { type: 'mysql', host: '127.0.0.1', port: 3306, user: 'root', databases: 'all', extraArgs: [] });
    assert.equal(mysql.timeout, 6 * 3_600_000, 'defaults.timeout applies');
    assert.deepEqual(mysql.schedule, { kind: 'interval', everyMs: 3_600_000 });
    assert.deepEqual(mysql.retention?.keepWithin, { years: 0, months: 0, days: 30, hours: 0 });
    assert.deepEqual(findJob(c, 'cache')!.source, { type: 'redis', host: '127.0.0.1', port: 6379 });
    assert.deepEqual(findJob(c, 'uploads')!.hooks, {
      before: ['systemctl', 'stop', 'app-worker'], after: ['systemctl', 'start', 'app-worker'], timeout: 120_000,
    });
    assert.deepEqual(findJob(c, 'ldap-export')!.source, { type: 'command', command: ['slapcat', '-n', '1'], filename: 'ldap.ldif' });

    assert.deepEqual(new Set(c.secrets), new Set(['local-repo-pw', 'aws-secret-key', 'minio-pw', 'pg-password', 'drill-password']));
  });
});

test('a config with many mistakes reports every one, with line:col and path', async () => {
  const text = `repositories:
  local:
    location: /tmp/repo
    pasword: hunter2-typo
  Bad_Repo:
    location: 12
    password: x
jobs:
  orders-db:
    source:
      type: postgres
      host: db
      port: abc
      usr: backup
    repositories: [local, nope]
    timeout: 5 minutes
  'My Job':
    source: { type: mongo }
    repositories: []
  ok:
    source: { type: files, paths: [/a] }
    repositories: [local]
    retention: { keep_daily: 1.5, keep_within: 5x }
    hooks: { before: [] }
    schedual: daily
  pg:
    source: { type: postgres, host: h, user: u, databases: some }
    repositories: [local]
`;
  const err = await problemsOf(text);
  const expected = [
    'lifeboat.yaml:2:3 repositories.local: needs a password: set one of password, password_file, password_command',
    'lifeboat.yaml:4:5 repositories.local.pasword: unknown key (did you mean password?)',
    'lifeboat.yaml:5:3 repositories.Bad_Repo: invalid repository name "Bad_Repo": use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
    'lifeboat.yaml:6:5 repositories.Bad_Repo.location: expected a string, got a whole number',
    'lifeboat.yaml:10:5 jobs.orders-db.source.user: required',
    'lifeboat.yaml:13:7 jobs.orders-db.source.port: expected a number, got a string',
    'lifeboat.yaml:14:7 jobs.orders-db.source.usr: unknown key (did you mean user?)',
    'lifeboat.yaml:15:27 jobs.orders-db.repositories[1]: unknown repository "nope" (defined: local, Bad_Repo)',
    'lifeboat.yaml:16:5 jobs.orders-db.timeout: expected a duration such as 30s, 5m, 1h30m or 7d',
    'lifeboat.yaml:17:3 jobs["My Job"]: invalid job name "My Job": use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit',
    'lifeboat.yaml:18:15 jobs["My Job"].source.type: unknown type "mongo" (expected one of postgres, mysql, mariadb, sqlite, redis, files, command)',
    'lifeboat.yaml:19:5 jobs["My Job"].repositories: must name at least one repository',
    'lifeboat.yaml:23:18 jobs.ok.retention.keep_daily: expected a whole number (-1 = all) or "unlimited"',
    'lifeboat.yaml:23:35 jobs.ok.retention.keep_within: expected a span such as 30d, 1y6m or 2d12h (m = months)',
    'lifeboat.yaml:24:14 jobs.ok.hooks.before: must list the program and its arguments',
    'lifeboat.yaml:25:5 jobs.ok.schedual: unknown key (did you mean schedule?)',
    'lifeboat.yaml:27:49 jobs.pg.source.databases: expected "all" or a list of database names',
  ];
  assert.deepEqual(err.issues, expected);
  assert.equal(err.message, `load config lifeboat.yaml: ${expected.length} problems\n${expected.join('\n')}`);
  const problems = err.context.problems as Array<{ path: string; line: number; col: number }>;
  assert.deepEqual(problems[5], {
    path: 'jobs.orders-db.source.port', line: 13, col: 7,
    message: 'expected a number, got a string', text: expected[5],
  });
});

test('YAML syntax errors are located; duplicate keys are errors', async () => {
  const err = await problemsOf('repositories:\n  a: [1, 2\njobs: {}\n');
  assert.equal(err.issues.length >= 1, true);
  assert.match(err.issues[0]!, /^lifeboat\.yaml:\d+:\d+ YAML syntax: /);
  const leaky = await problemsOf('repositories:\n  a: { password: x } sekrit-token-value\n');
  assert.equal(leaky.issues.length, 1);
  assert.ok(!leaky.message.includes('sekrit-token-value'), leaky.message);
  const dup = await problemsOf(MINIMAL('    tags: [a]\n    tags: [b]\n'));
  assert.match(dup.issues[0]!, /^lifeboat\.yaml:10:5 YAML syntax: Map keys must be unique/);
});

test('an empty file reports the missing sections', async () => {
  const err = await problemsOf('');
  assert.deepEqual(err.issues, ['lifeboat.yaml:1:1 repositories: required']);
});

test('${VAR} interpolation: values, defaults, escapes, typed plain values, missing variables', async () => {
  const text = `repositories:
  local:
    location: \${BACKUP_ROOT}/repo
    password: \${REPO_PW}
jobs:
  pg:
    source:
      type: postgres
      host: \${PGHOST:-localhost}
      port: \${PGPORT}
      user: "\${PGUSER}"
      globals: \${GLOBALS}
      extra_args: ["--exclude-table=$\${NOT_A_VAR}", "--exclude-table-data=cost: $5"]
    repositories: [local]
`;
  const c = await parseConfigText(text, 'x.yaml', {
    BACKUP_ROOT: '/srv', REPO_PW: 'from-env', PGPORT: '6543', PGUSER: '1234', GLOBALS: 'false',
  });
  assert.equal(c.repositories[0]!.location, '/srv/repo');
  assert.deepEqual(c.repositories[0]!.password, { kind: 'value', value: 'from-env' });
  assert.deepEqual(c.jobs[0]!.source, {
    type: 'postgres', host: 'localhost', port: 6543, user: '1234', globals: false,
    databases: 'all', extraArgs: ['--exclude-table=${NOT_A_VAR}', '--exclude-table-data=cost: $5'],
  });
  assert.deepEqual(c.secrets, ['from-env']);

  // A numeric-looking variable stays a string where a string is expected (passwords!).
  const numeric = await parseConfigText(MINIMAL().replace('password: pw', 'password: ${PW}'), 'x.yaml', { PW: '12345' });
  assert.deepEqual(numeric.repositories[0]!.password, { kind: 'value', value: '12345' });

  const err = await problemsOf(text, { PGPORT: 'not-a-port', GLOBALS: 'false' });
  assert.deepEqual(err.issues, [
    'lifeboat.yaml:3:5 repositories.local.location: environment variable BACKUP_ROOT is not set',
    'lifeboat.yaml:4:5 repositories.local.password: environment variable REPO_PW is not set',
    'lifeboat.yaml:10:7 jobs.pg.source.port: expected a number, got a string',
    'lifeboat.yaml:11:7 jobs.pg.source.user: environment variable PGUSER is not set',
  ]);
  const bad = await problemsOf(MINIMAL('    tags: ["${oops", "${a-b}"]\n'));
  assert.deepEqual(bad.issues, [
    'lifeboat.yaml:9:12 jobs.db.tags[0]: unterminated ${ (write $${ for a literal ${)',
    'lifeboat.yaml:9:22 jobs.db.tags[1]: invalid variable reference ${a-b} (names are letters, digits and _)',
  ]);
});

test('secret files: read and trimmed of surrounding whitespace (as restic), missing or empty files and double settings reported', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'repo'), 'repo secret with spaces \n\n');
    await writeFile(join(dir, 'redis'), 'redis-secret');
    await writeFile(join(dir, 'empty'), '\n');
    const text = `repositories:
  local:
    location: /tmp/repo
    password_file: ${dir}/repo
jobs:
  cache:
    source: { type: redis, host: 127.0.0.1, password_file: ${dir}/redis }
    repositories: [local]
`;
    const c = await parseConfigText(text, 'x.yaml', {});
    assert.deepEqual(c.repositories[0]!.password, { kind: 'value', value: 'repo secret with spaces' });
    assert.equal((c.jobs[0]!.source as { password?: string }).password, 'redis-secret');
    assert.deepEqual(c.secrets, ['repo secret with spaces', 'redis-secret']);

    const broken = text
      .replace(`${dir}/repo`, `${dir}/missing`)
      .replace(`password_file: ${dir}/redis`, `password: x, password_file: ${dir}/redis`)
      + `  other:\n    source: { type: mysql, host: h, user: u, password_file: ${dir}/empty }\n    repositories: [local]\n`;
    const err = await problemsOf(broken);
    assert.deepEqual(err.issues, [
      `lifeboat.yaml:4:5 repositories.local.password_file: cannot read secret file ${dir}/missing (ENOENT)`,
      'lifeboat.yaml:7:58 jobs.cache.source.password_file: set only one of password, password_file',
      `lifeboat.yaml:10:46 jobs.other.source.password_file: secret file ${dir}/empty is empty`,
    ]);
  });
});

test('secret values never appear in errors, even when their fields are wrong', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'pw'), 'file-secret-value\n');
    const text = `repositories:
  local:
    location: /tmp/repo
    password: literal-secret-value
    password_command: [echo, hi]
    s3: { secret_access_key: "\${AWS_SECRET}", bogus: 1 }
jobs:
  db:
    source: { type: postgres, host: h, port: 99999, user: u, sslmode: require, password_file: ${dir}/pw }
    repositories: [local]
  db2:
    source: { type: mysql, host: h, user: u, password: [env-secret-value] }
    repositories: [local]
`;
    const err = await problemsOf(text, { AWS_SECRET: 'env-secret-value' });
    assert.deepEqual(err.issues, [
      'lifeboat.yaml:5:5 repositories.local.password_command: set only one of password, password_file, password_command',
      'lifeboat.yaml:6:5 repositories.local.s3: s3 options need an s3: location',
      'lifeboat.yaml:6:47 repositories.local.s3.bogus: unknown key (allowed: endpoint, region, path_style, storage_class, sse, kms_key_id, access_key_id, secret_access_key, secret_access_key_file)',
      'lifeboat.yaml:9:40 jobs.db.source.port: must be at most 65535',
      'lifeboat.yaml:9:62 jobs.db.source.sslmode: unknown key (allowed: type, host, port, user, password, password_file, databases, globals, pg_dump_path, pg_dumpall_path, pg_basebackup_path, wal, extra_args)',
      'lifeboat.yaml:12:46 jobs.db2.source.password: expected a string, got a list',
    ]);
    const everything = `${err.message}\n${JSON.stringify(err.context)}\n${err.hint}\n${err.stack}`;
    for (const secret of ['literal-secret-value', 'file-secret-value', 'env-secret-value']) {
      assert.ok(!everything.includes(secret), `${secret} leaked`);
    }
  });
});

test('repository locations: unsupported restic backends and misplaced s3 options', async () => {
  const err = await problemsOf(MINIMAL().replace('location: /tmp/repo', 'location: sftp:host:/srv/repo'));
  assert.deepEqual(err.issues, ['lifeboat.yaml:3:5 repositories.local.location: the sftp: backend is not supported (use a local path or s3:)']);
  const dup = await problemsOf(MINIMAL().replace('[local]', '[local, local]'));
  assert.deepEqual(dup.issues, ['lifeboat.yaml:8:27 jobs.db.repositories[1]: repository "local" listed twice']);
});

test('anchors and merge keys work; top-level x- keys hold shared blocks; problems in merges are located', async () => {
  const text = `x-pg: &pg { type: postgres, host: db, user: backup }
repositories:
  local: &repo { location: /tmp/repo, password: pw }
  copy: { <<: *repo, location: /tmp/copy }
jobs:
  a: { source: { <<: *pg, databases: [a] }, repositories: [local, copy] }
  b: { source: { <<: *pg, port: x }, repositories: [local] }
`;
  const err = await problemsOf(text);
  assert.deepEqual(err.issues, ['lifeboat.yaml:7:27 jobs.b.source.port: expected a number, got a string']);
  const c = await parseConfigText(text.replace('port: x', 'port: 5433'), 'x', {});
  assert.deepEqual(c.repositories.map((r) => [r.name, r.location]), [['local', '/tmp/repo'], ['copy', '/tmp/copy']]);
  assert.deepEqual(c.jobs.map((j) => [j.name, (j.source as { host: string }).host, (j.source as { port: number }).port]), [['a', 'db', 5432], ['b', 'db', 5433]]);
  // Other unknown top-level keys are still errors.
  const typo = await problemsOf(MINIMAL().replace('jobs:', 'job:'));
  assert.match(typo.issues.join('\n'), /lifeboat\.yaml:5:1 job: unknown key \(did you mean jobs\?\)/);
});

test('a self-referencing anchor and an alias bomb are refused with their position, quickly', async () => {
  const cycle = await problemsOf(`repositories:\n  main: &a\n    location: /tmp/x\n    password: x\n    s3: *a\n`);
  assert.deepEqual(cycle.issues, ['lifeboat.yaml:5:9 YAML: alias *a refers to a node that contains it (a cycle)']);
  const loop = await problemsOf(`x-loop: &l [*l]\n${MINIMAL()}`);
  assert.match(loop.issues[0]!, /alias \*l refers to a node that contains it/);
  let bomb = 'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 9; i++) bomb += `x-${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]\n`;
  const started = Date.now();
  const b = await problemsOf(bomb + MINIMAL());
  assert.match(b.issues[0]!, /^lifeboat\.yaml:\d+:\d+ YAML: aliases expand the config to more than 100000 values/);
  assert.ok(Date.now() - started < 2000);
});

test('loadConfig on a missing file names the file', async () => {
  await assert.rejects(loadConfig('/nonexistent/lifeboat.yaml', {}), (e: unknown) =>
    e instanceof ConfigError && e.message === 'load config /nonexistent/lifeboat.yaml: cannot read file (ENOENT)');
});

test('a postgres job\'s wal block: enabled parses; a wrong value or unknown key is located', async () => {
  const job = (wal: string) => `repositories:
  local:
    location: /tmp/repo
    password: pw
jobs:
  pg:
    source:
      type: postgres
      host: h
      user: u
      wal: ${wal}
    repositories: [local]
`;
  const ok = await parseConfigText(job('{ enabled: true }'), 'lifeboat.yaml', {});
  const src = findJob(ok, 'pg')!.source;
  assert.ok(src.type === 'postgres' && src.wal?.enabled === true);
  const err = await problemsOf(job('{ enabled: "yes", keep: 3 }'));
  assert.deepEqual(err.issues, [
    'lifeboat.yaml:11:14 jobs.pg.source.wal.enabled: expected true or false, got a string',
    'lifeboat.yaml:11:30 jobs.pg.source.wal.keep: unknown key (allowed: enabled)',
  ]);
});
