// The runbook as a person at 3 a.m. uses it: its "Restore without Lifeboat" commands for a
// PostgreSQL and a MariaDB job, copied out of the generated Markdown and run verbatim in bash
// (restic and the databases' own tools only), restore the dropped databases. The repository
// password comes from an environment variable, so the runbook names the variable, never the
// value; the daemon's services keep a copy in state_dir; HTML renders the same text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { MY, dropPgDatabases, pgFingerprint, pgQuery, workspace, type Workspace } from './e2e-support.ts';
import { mysqlFingerprint } from './support/mysql-fingerprint.ts';
import { Services } from '../src/app/services.ts';
import { createLogger } from '../src/app/logger.ts';
import { Writable } from 'node:stream';

const run = promisify(execFile);
const suffix = `${process.pid}_${Date.now().toString(36)}`;
const PGDB = `lb_rb_pg_${suffix}`;
const MYDB = `lb_rb_my_${suffix}`;
const REPO_PW = 'e2e-secret-pw';
let ws: Workspace;
let stateDir: string;
let markdown: string;

async function my<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const c = await mysql.createConnection({ ...MY });
  try { return (await c.query(text, params))[0] as T[]; } finally { await c.end(); }
}

before(async () => {
  ws = await workspace();
  stateDir = await mkdtemp(join(tmpdir(), 'lifeboat-rb-state-'));
  await pgQuery('postgres', `CREATE DATABASE ${PGDB}`);
  await pgQuery(PGDB, `CREATE TABLE orders (id int PRIMARY KEY, note text); INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(1, 700) g;
    CREATE VIEW big AS SELECT * FROM orders WHERE id > 600`);
  await my(`CREATE DATABASE ${MYDB}`);
  await my(`CREATE TABLE ${MYDB}.items (id int PRIMARY KEY, name varchar(40))`);
  await my(`INSERT INTO ${MYDB}.items SELECT seq, concat('item-', seq) FROM ${MYDB}.seq_1_to_400`);
  await ws.writeConfig(`version: 1
state_dir: ${stateDir}
repositories:
  main: { location: ${ws.repo}, password: "\${LB_REPO_PW}" }
jobs:
  orders: { source: { type: postgres, host: 127.0.0.1, user: postgres, databases: [${PGDB}], globals: false }, repositories: [main], rpo: 6h, rto: 30m }
  shop: { source: { type: mariadb, host: ${MY.host}, port: ${MY.port}, user: ${MY.user}, databases: [${MYDB}] }, repositories: [main] }
contacts:
  - { name: Ada Lovelace, role: on-call DBA, phone: "+44 20 7946 0000", email: ada@example.com }
`);
  const env = { LB_REPO_PW: REPO_PW };
  assert.equal((await ws.cli(['backup', '--all'], { env })).code, 0);
  assert.equal((await ws.cli(['drill', '--job', 'orders'], { env })).code, 0);
  const rb = await ws.cli(['runbook'], { env });
  assert.equal(rb.code, 0, rb.stderr);
  markdown = rb.stdout;
});

after(async () => {
  await dropPgDatabases([PGDB]);
  await my(`DROP DATABASE IF EXISTS ${MYDB}`).catch(() => {});
  await rm(stateDir, { recursive: true, force: true });
  await ws?.[Symbol.asyncDispose]();
});

/** The bash block under "### Restore without Lifeboat" of `## Job NAME`. */
function withoutLifeboat(md: string, job: string): string {
  const section = md.split(/^## /m).find((s) => s.startsWith(`Job ${job} `))!;
  assert.ok(section, `no section for job ${job}`);
  const m = /### Restore without Lifeboat\n[\s\S]*?```bash\n([\s\S]*?)```/.exec(section);
  assert.ok(m, `no commands for job ${job}`);
  return m[1]!;
}

async function bash(script: string): Promise<void> {
  // As a person would: a shell with the variables the runbook names, not Lifeboat's.
  await run('bash', ['-euo', 'pipefail', '-c', script], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LB_REPO_PW: REPO_PW }, maxBuffer: 64 << 20 });
}

test('the runbook names where things are and where credentials come from, never a secret', () => {
  assert.ok(!markdown.includes(REPO_PW));
  assert.match(markdown, /\| Ada Lovelace \| on-call DBA \| \+44 20 7946 0000 \| ada@example\.com \|/);
  assert.match(markdown, new RegExp(`PostgreSQL on 127\\.0\\.0\\.1:5432, ${PGDB}, as user postgres`));
  assert.match(markdown, /password of repository main from the environment variable LB_REPO_PW/);
  assert.match(markdown, /\*\*RTO:\*\* target 30m0s; last drill .*: passed, RTO /);
  assert.match(markdown, /\*\*RPO:\*\* target 6h0m; achieved: newest backup .* old, largest gap over 30 days /);
});

test('PostgreSQL: the "without Lifeboat" commands, run verbatim, restore the dropped database', async () => {
  const before = await pgFingerprint(PGDB);
  const script = withoutLifeboat(markdown, 'orders');
  assert.match(script, /restic dump --tag job=orders latest \/postgres\/.*\.dump \| pg_restore/);
  await dropPgDatabases([PGDB]);
  await bash(script);
  assert.deepEqual(await pgFingerprint(PGDB), before);
});

test('MariaDB: the "without Lifeboat" commands, run verbatim, restore the dropped database', async () => {
  const before = await mysqlFingerprint(my, MYDB);
  const script = withoutLifeboat(markdown, 'shop');
  await my(`DROP DATABASE ${MYDB}`);
  await bash(script);
  assert.deepEqual(await mysqlFingerprint(my, MYDB), before);
});

test('HTML renders the same runbook; the daemon\'s services keep a copy in state_dir', async () => {
  const html = await ws.cli(['runbook', '--format', 'html'], { env: { LB_REPO_PW: REPO_PW } });
  assert.equal(html.code, 0, html.stderr);
  assert.match(html.stdout, /^<!doctype html>/);
  assert.match(html.stdout, /<h2>Job orders \(postgres\)<\/h2>/);
  assert.ok(!html.stdout.includes(REPO_PW));
  const services = await Services.create({ configFile: join(ws.dir, 'lifeboat.yaml'), env: { ...process.env, LB_REPO_PW: REPO_PW }, makeLogger: (redactor) => createLogger({ redactor, out: new Writable({ write: (_c, _e, done) => done() }), pretty: false }) });
  try {
    const file = await services.writeRunbook(AbortSignal.timeout(30_000));
    assert.equal(file, join(stateDir, 'runbook.md'));
    const copy = await readFile(file, 'utf8');
    assert.equal(withoutLifeboat(copy, 'orders'), withoutLifeboat(markdown, 'orders'));
  } finally {
    await services.close();
  }
});
