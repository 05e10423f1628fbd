// End to end, as a user: a PostgreSQL job in lifeboat.yaml backed up with `lifeboat backup
// --job`, restored with `lifeboat restore --job --into` into a new database and compared table
// by table and by schema; restic's own `dump` piped into pg_restore (the escape hatch); and bad
// input — each failure a clear message, a non-zero exit, no snapshot, a repository restic checks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { dropPgDatabases, PG, pgFingerprint, pgQuery, pgSchemaDump, repoBlock, workspace, type Workspace } from './e2e-support.ts';

const suffix = `${process.pid}_${Date.now().toString(36)}`;
const SRC = `lb_e2e_src_${suffix}`;
const dbs = [SRC];
let ws: Workspace;

function newDb(tag: string): string {
  const name = `lb_e2e_${tag}_${suffix}`;
  dbs.push(name);
  return name;
}

function pgJob(name: string, extra: Record<string, string> = {}): string {
  const src = { host: PG.host, port: String(PG.port), user: PG.user, databases: `[${SRC}]`, ...extra };
  return `  ${name}:\n    source:\n      type: postgres\n${Object.entries(src).map(([k, v]) => `      ${k}: ${v}`).join('\n')}\n` +
    `    repositories: [main]\n    tags: [e2e]\n`;
}

before(async () => {
  await pgQuery('postgres', `CREATE DATABASE ${SRC}`);
  await pgQuery(SRC, await readFile(new URL('../src/sources/postgres/fixture.sql', import.meta.url), 'utf8'));
  ws = await workspace();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n${pgJob('orders')}` +
    pgJob('slim', { extra_args: '["--exclude-table-data=audit", "-Nother"]' }));
});

after(async () => {
  await dropPgDatabases(dbs);
  await ws?.[Symbol.asyncDispose]();
});

test('round trip: backup --job, snapshots, restore --into a new database: same tables (count + hash) and same schema', async () => {
  const b = await ws.cli(['backup', '--job', 'orders']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /job orders: snapshot [0-9a-f]{8} saved to main/);

  const list = await ws.cli(['snapshots', '--job', 'orders', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const [snap] = JSON.parse(list.stdout) as Array<{ id: string; tags: string[]; paths: string[]; lifeboat: { job: string; engine: string; databases: string[]; size: number; duration: string; versions: Record<string, string> } }>;
  assert.equal(snap!.lifeboat.job, 'orders');
  assert.equal(snap!.lifeboat.engine, 'postgres');
  assert.deepEqual(snap!.lifeboat.databases, [SRC]);
  assert.ok(snap!.lifeboat.size > 100_000, `size ${snap!.lifeboat.size}`);
  assert.match(snap!.lifeboat.duration, /^\d+\.\ds$/);
  // Versions are per run: in the dump's meta file, not in the tags.
  const meta = JSON.parse(await ws.restic(['dump', 'latest', '/postgres/lifeboat-meta.json']));
  assert.match(meta.server.version, /^\d+/);
  assert.ok(meta.pgDumpVersion);
  assert.ok(snap!.tags.includes('e2e') && snap!.tags.includes('engine=postgres'));
  assert.deepEqual(snap!.paths, ['/postgres/globals.sql', `/postgres/${SRC}.dump`, '/postgres/lifeboat-meta.json']);
  const table = await ws.cli(['snapshots', '--job', 'orders']);
  assert.match(table.stdout, /Job\s+Engine\s+Database\s+Size\s+Duration/);
  assert.match(table.stdout, new RegExp(`orders\\s+postgres\\s+${SRC}\\s+\\d`));

  const target = newDb('rt');
  const r = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(created\)/);
  const [a, c] = [await pgFingerprint(SRC), await pgFingerprint(target)];
  assert.equal(a['public.items']!.split(' ')[0], '3000');
  assert.equal(a['<large objects>']!.split(' ')[0], '6');
  assert.deepEqual(c, a);
  assert.equal(await pgSchemaDump(target), await pgSchemaDump(SRC));

  // --list reads the dump's table of contents from the repository.
  const l = await ws.cli(['restore', 'latest', '--job', 'orders', '--list']);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /TABLE public items postgres/);
  assert.match(l.stdout, /EXTENSION - pgcrypto/);

  // The target now holds data: refused without --force; --force without a TTY needs --yes.
  const again = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /not empty .*relations/);
  assert.match(again.stderr, /hint: .*--force/);
  const noYes = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target, '--force']);
  assert.equal(noYes.code, 1);
  assert.match(noYes.stderr, /needs confirmation/);
  assert.match(noYes.stderr, /--yes/);
  await pgQuery(target, `UPDATE items SET name = 'changed' WHERE id <= 10`);
  const forced = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target, '--force', '--yes']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(await pgFingerprint(target), a);
});

test('on a TTY, --force asks for the target name: a wrong answer changes nothing, the right one restores', async () => {
  const target = newDb('tty');
  assert.equal((await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target])).code, 0);
  await pgQuery(target, `UPDATE items SET name = 'changed'`);
  const changed = async () => (await pgQuery<{ n: string }>(target, `SELECT count(*) AS n FROM items WHERE name = 'changed'`))[0]!.n;
  // script(1) gives the CLI a pseudo-terminal; the answer is typed on its stdin.
  const viaTty = (answer: string) => new Promise<{ code: number; out: string }>((resolve) => {
    const cmd = `${process.execPath} ${join(import.meta.dirname, '../src/main.ts')} restore latest --job orders --into ${target} --force`;
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ws.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); if (/to confirm:/.test(out) && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`); });
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
  const wrong = await viaTty('nope');
  assert.equal(wrong.code, 1, wrong.out);
  assert.match(wrong.out, /not confirmed, nothing changed/);
  assert.equal(await changed(), '3000');
  const right = await viaTty(target);
  assert.equal(right.code, 0, right.out);
  assert.equal(await changed(), '0');
  assert.deepEqual(await pgFingerprint(target), await pgFingerprint(SRC));
});

test('partial restore: one table, then one schema', async () => {
  const target = newDb('part');
  const r = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target, '--table', 'audit', '--no-owner']);
  assert.equal(r.code, 0, r.stderr);
  // The summary says what came along, and what did not and why.
  assert.match(r.stdout, /^ {2}restored 1 TABLE$/m);
  assert.match(r.stdout, /^ {2}restored 1 CONSTRAINT$/m);
  assert.match(r.stdout, /^ {2}not restored: FK CONSTRAINT public audit audit_item_id_fkey: needs TABLE public items, which is neither restored nor in the target database$/m);
  const tables = async () => (await pgQuery<{ t: string }>(target,
    `SELECT schemaname || '.' || tablename AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema') ORDER BY 1`)).map((t) => t.t);
  assert.deepEqual(await tables(), ['public.audit']);
  const a = await pgFingerprint(SRC);
  assert.equal((await pgFingerprint(target))['public.audit'], a['public.audit']);
  // Adding a schema to a non-empty database is a --force restore.
  const s = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target, '--schema', 'other', '--force', '--yes']);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(await tables(), ['other.notes', 'public.audit']);
  assert.equal((await pgFingerprint(target))['other.notes'], a['other.notes']);
  const bad = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', newDb('part2'), '--table', 'no_such_table']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no table "no_such_table" in the dump/);
});

test('table restore with everything it needs: same definition as the source, objects listed in --json', async () => {
  const target = newDb('items');
  const r = await ws.cli(['restore', 'latest', '--job', 'orders', '--into', target, '--table', 'items', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    objects_restored: Array<{ type: string; name: string }>; objects_skipped: unknown[]; bytes_restored: number;
  };
  const names = summary.objects_restored.map((o) => `${o.type} ${o.name}`);
  for (const o of ['TABLE public items', 'INDEX public items_email', 'TRIGGER public items items_touch', 'FUNCTION public touch()',
    'TYPE public mood', 'EXTENSION - hstore', 'SEQUENCE SET public items_id_seq', 'CONSTRAINT public items items_pkey']) {
    assert.ok(names.includes(o), `${o} in ${names.join(', ')}`);
  }
  assert.deepEqual(summary.objects_skipped, []);
  assert.ok(summary.bytes_restored > 0);
  const ddl = async (db: string) => (await pgSchemaDump(db, ['-t', 'public.items'])).replace(/^-- Dumped .*$/gm, '');
  assert.equal(await ddl(target), await ddl(SRC));
  const rows = async (db: string) => (await pgQuery<{ h: string }>(db, `SELECT md5(string_agg(x::text, ',' ORDER BY id)) AS h FROM items x`))[0]!.h;
  assert.equal(await rows(target), await rows(SRC));
  const [row] = await pgQuery<{ id: number }>(target, `INSERT INTO items (name) VALUES ('new') RETURNING id`);
  assert.equal(row!.id, 3001);
});

test('extra_args reach pg_dump: --exclude-table-data leaves the table empty, -N drops a schema', async () => {
  const b = await ws.cli(['backup', '--job', 'slim']);
  assert.equal(b.code, 0, b.stderr);
  const target = newDb('slim');
  const r = await ws.cli(['restore', 'latest', '--job', 'slim', '--into', target, '--no-owner']);
  assert.equal(r.code, 0, r.stderr);
  const count = async (db: string) => Number((await pgQuery<{ n: string }>(db, 'SELECT count(*) AS n FROM audit'))[0]!.n);
  assert.ok(await count(SRC) > 0);
  assert.equal(await count(target), 0, 'audit exists, without its rows');
  const schemas = await pgQuery<{ n: string }>(target, `SELECT nspname AS n FROM pg_namespace WHERE nspname = 'other'`);
  assert.deepEqual(schemas, []);
  const [src, dst] = [await pgFingerprint(SRC), await pgFingerprint(target)];
  assert.equal(dst['public.items'], src['public.items'], 'everything else as before');
});

test('escape hatch: restic dump of the snapshot piped into pg_restore restores without Lifeboat', async () => {
  const target = newDb('hatch');
  await pgQuery('postgres', `CREATE DATABASE ${target}`);
  const code = await new Promise<number>((resolve, reject) => {
    const dump = spawn('restic', ['-r', ws.repo, '--password-file', ws.passwordFile, '--no-cache', 'dump', '--tag', 'job=orders', 'latest', `/postgres/${SRC}.dump`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const restore = spawn('pg_restore', ['-h', PG.host, '-U', PG.user, '-d', target, '--exit-on-error'], { stdio: ['pipe', 'inherit', 'inherit'] });
    dump.stdout.pipe(restore.stdin);
    dump.on('error', reject);
    restore.on('error', reject);
    let dumpCode = -1;
    dump.on('close', (c) => { dumpCode = c ?? -1; });
    restore.on('close', (c) => resolve(dumpCode !== 0 && dumpCode !== -1 ? 100 + dumpCode : c ?? -1));
  });
  assert.equal(code, 0);
  assert.deepEqual(await pgFingerprint(target), await pgFingerprint(SRC));
});

test('bad input: missing database, unknown role, unreachable port, pg_dump killed mid-stream, config typos — clear error, exit 1, no snapshot', async () => {
  const before = (await ws.snapshots()).length;
  // Kills the real pg_dump with SIGKILL after it wrote 20 000 bytes, and dies the same way.
  const killer = join(ws.dir, 'pg_dump_killed');
  await writeFile(killer, `#!/bin/sh\n[ "$1" = --version ] && exec pg_dump --version\nexec ${process.execPath} -e '` +
    `const c=require("child_process").spawn("pg_dump",process.argv.slice(1),{stdio:["ignore","pipe","inherit"]});let n=0;` +
    `c.stdout.on("data",(d)=>{process.stdout.write(d);n+=d.length;if(n>20000)c.kill("SIGKILL")});` +
    `c.on("exit",(code,sig)=>{process.stderr.write("pg_dump: terminated by "+sig+"\\n");process.kill(process.pid,"SIGKILL")})' -- "$@"\n`);
  await chmod(killer, 0o755);
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n${pgJob('orders')}` +
    pgJob('nodb', { databases: '[no_such_db_here]' }) +
    pgJob('norole', { user: 'no_such_role_lb' }) +
    pgJob('noport', { port: '1' }) +
    pgJob('killed', { pg_dump_path: killer, pg_dumpall_path: 'pg_dumpall' }) +
    pgJob('notool', { pg_dump_path: killer }));

  const cases: Array<[string, RegExp]> = [
    ['nodb', /job nodb: postgres backup of 127\.0\.0\.1:5432: database "no_such_db_here" does not exist/],
    ['norole', /role "no_such_role_lb" does not exist/],
    ['noport', /127\.0\.0\.1:1.*ECONNREFUSED|ECONNREFUSED.*127\.0\.0\.1:1/],
    ['killed', /pg_dump of database "[^"]+" on 127\.0\.0\.1:5432[^\n]*(SIGKILL|signal|killed)[\s\S]*terminated by SIGKILL/],
    // pg_dumpall is looked up beside pg_dump_path: not there.
    ['notool', /pg_dumpall --globals-only of 127\.0\.0\.1:5432: cannot run \S+\/pg_dumpall: not found/],
  ];
  for (const [job, message] of cases) {
    const r = await ws.cli(['backup', '--job', job]);
    assert.equal(r.code, 1, `${job}: ${r.stderr}`);
    assert.match(r.stderr, message, job);
    assert.ok(!r.stderr.includes('at '), `${job}: no stack trace:\n${r.stderr}`);
  }
  // --all keeps going past failures and says which ones failed.
  const all = await ws.cli(['backup', '--all']);
  assert.equal(all.code, 1);
  for (const job of ['nodb', 'norole', 'noport', 'killed', 'notool']) assert.match(all.stderr, new RegExp(`job ${job} failed`));
  assert.match(all.stdout, /1 of 6 jobs succeeded/);
  assert.equal((await ws.snapshots()).length, before + 1, 'only the good job of --all left a snapshot');

  // A config with typos: every problem with its line and path, nothing runs.
  await ws.writeConfig(`${repoBlock(ws)}    pasword_file: x\njobs:\n  orders:\n    source:\n      type: postgres\n` +
    `      host: 127.0.0.1\n      prot: 5432\n      port: fivefourthreetwo\n      user: postgres\n      databases: [${SRC}]\n` +
    `    repositories: [main, backup2]\n    tagz: [x]\n`);
  const check = await ws.cli(['config', 'check']);
  assert.equal(check.code, 1);
  for (const p of [/lifeboat\.yaml:6:\d+ repositories\.main\.pasword_file: unknown key/, /jobs\.orders\.source\.prot/, /jobs\.orders\.source\.port: .*number/,
    /jobs\.orders\.repositories\[1\]: unknown repository "backup2"/, /jobs\.orders\.tagz/]) {
    assert.match(check.stderr, p);
  }
  const typo = await ws.cli(['backup', '--job', 'orders']);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /jobs\.orders\.source\.prot/);

  assert.equal((await ws.snapshots()).length, before + 1);
  await ws.restic(['check', '--read-data']);
});
