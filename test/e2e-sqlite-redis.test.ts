// End to end, as a user: a SQLite job backed up while another process keeps inserting, restored
// to a new path (integrity_check ok, a consistent prefix of the inserts); a Redis job restored
// into a new server's dir and started (keys of every type, values, TTLs).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { RespError, type RespConnection, type RespValue } from '../src/sources/redis/resp.ts';
import { startRedis, type TestRedis } from './support/redis-server.ts';
import { repoBlock, workspace, type Workspace } from './e2e-support.ts';

const cleanups: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

async function ws(): Promise<Workspace> {
  const w = await workspace();
  cleanups.push(() => w[Symbol.asyncDispose]());
  return w;
}

test('SQLite under load: the restored copy passes integrity_check and holds a consistent prefix of the inserts', async () => {
  const w = await ws();
  const db = join(w.dir, 'app.db');
  const setup = new DatabaseSync(db);
  setup.exec(`PRAGMA journal_mode=WAL; CREATE TABLE ev (id INTEGER PRIMARY KEY, v TEXT NOT NULL, pad BLOB);
    CREATE TABLE totals (n INTEGER NOT NULL); INSERT INTO totals VALUES (0);`);
  setup.close();
  // The writer: each transaction inserts one row and bumps totals.n, so in any consistent view
  // ids are exactly 1..n, every v matches its id, and totals.n = count.
  const writerJs = `const {DatabaseSync}=require('node:sqlite');const d=new DatabaseSync(${JSON.stringify(db)});
    d.exec('PRAGMA busy_timeout=5000');const ins=d.prepare('INSERT INTO ev(id,v,pad) VALUES (?,?,randomblob(2000))');
    const up=d.prepare('UPDATE totals SET n=n+1');let i=0;
    for(;;){d.exec('BEGIN IMMEDIATE');i++;ins.run(i,'row-'+i);up.run();d.exec('COMMIT');if(i%500===0)process.stdout.write(i+'\\n');}`;
  const writer = spawn(process.execPath, ['-e', writerJs], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => { writer.kill('SIGKILL'); });
  let written = 0;
  writer.stdout.on('data', (d) => { written = Number(String(d).trim().split('\n').at(-1)); });
  while (written < 2000) await sleep(20);

  await w.writeConfig(`${repoBlock(w)}jobs:\n  app:\n    source:\n      type: sqlite\n      path: ${db}\n    repositories: [main]\n`);
  const b = await w.cli(['backup', '--job', 'app']);
  const atEnd = written;
  assert.equal(b.code, 0, b.stderr);

  // Restoring over the live database is refused (it holds data and is in use).
  const live = await w.cli(['restore', 'latest', '--job', 'app', '--into', db]);
  assert.equal(live.code, 1);
  assert.match(live.stderr, /not empty .*in use/);
  writer.kill('SIGKILL');

  const copy = join(w.dir, 'restored', 'app.db');
  await mkdir(join(w.dir, 'restored'));
  const r = await w.cli(['restore', 'latest', '--job', 'app', '--into', copy]);
  assert.equal(r.code, 0, r.stderr);
  const c = new DatabaseSync(copy, { readOnly: true });
  try {
    assert.equal((c.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const s = c.prepare(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi, sum(v = 'row-' || id) AS good FROM ev`).get() as Record<string, number>;
    const total = (c.prepare('SELECT n FROM totals').get() as { n: number }).n;
    assert.ok(s.n! >= 2000, `rows ${s.n}`);
    assert.equal(s.lo, 1);
    assert.equal(s.hi, s.n, 'no gaps: a prefix of the inserts');
    assert.equal(s.good, s.n);
    assert.equal(total, s.n, 'totals agrees with the rows: one consistent transaction view');
    console.log(`sqlite under load: ${s.n} rows in the snapshot; the writer had reached ≥ ${atEnd} when the backup ended`);
  } finally {
    c.close();
  }
});

async function ok(c: RespConnection, args: (string | Buffer)[]): Promise<RespValue> {
  const r = await c.command(args);
  if (r instanceof RespError) throw new Error(`${args[0]}: ${r.message}`);
  return r;
}

async function state(c: RespConnection): Promise<Record<string, { type: string; value: unknown; pttl: number }>> {
  const out: Record<string, { type: string; value: unknown; pttl: number }> = {};
  const keys = ((await ok(c, ['KEYS', '*'])) as Buffer[]).map(String).sort();
  const str = (v: RespValue): unknown => (Buffer.isBuffer(v) ? v.toString('hex') : Array.isArray(v) ? v.map(str) : v);
  for (const k of keys) {
    const type = String(await ok(c, ['TYPE', k]));
    const cmd: Record<string, string[]> = {
      string: ['GET', k], list: ['LRANGE', k, '0', '-1'], set: ['SMEMBERS', k], zset: ['ZRANGE', k, '0', '-1', 'WITHSCORES'],
      hash: ['HGETALL', k], stream: ['XRANGE', k, '-', '+'],
    };
    let value = str(await ok(c, cmd[type]!));
    if (type === 'set') value = (value as string[]).sort();
    if (type === 'hash') value = (value as string[]).reduce<string[]>((acc, v, i, all) => (i % 2 ? acc : [...acc, `${v}=${all[i + 1]}`]), []).sort();
    out[k] = { type, value, pttl: Number(await ok(c, ['PTTL', k])) };
  }
  return out;
}

test('Redis through the repository: keys of every type with values and TTLs, restored into a new server', async () => {
  const w = await ws();
  const dirA = join(w.dir, 'redis-a');
  const dirB = join(w.dir, 'redis-b');
  await mkdir(dirA);
  await mkdir(dirB);
  const password = `redis-pw-${process.pid}`;
  const a: TestRedis = await startRedis({ dir: dirA, password });
  cleanups.push(() => a.stop());
  const c = await a.client();
  const bin = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
  await ok(c, ['SET', 'str', 'hello']);
  await ok(c, ['SET', 'bin', bin]);
  await ok(c, ['RPUSH', 'list', 'a', 'b', bin]);
  await ok(c, ['SADD', 'set', 'x', 'y', 'z']);
  await ok(c, ['ZADD', 'zset', '1.5', 'one', '-2', 'minus']);
  await ok(c, ['HSET', 'hash', 'f1', 'v1', 'f2', bin]);
  await ok(c, ['XADD', 'stream', '1-1', 'a', '1']);
  await ok(c, ['SET', 'ttl:str', 'expiring', 'PX', '600000']);
  await ok(c, ['HSET', 'ttl:hash', 'a', 'b']);
  await ok(c, ['PEXPIRE', 'ttl:hash', '300000']);
  const t0 = Date.now();
  const before = await state(c);
  c.close();

  await writeFile(join(w.dir, 'redis-pw'), `${password}\n`);
  await w.writeConfig(`${repoBlock(w)}jobs:\n  cache:\n    source:\n      type: redis\n      host: 127.0.0.1\n      port: ${a.port}\n` +
    `      password_file: ${join(w.dir, 'redis-pw')}\n    repositories: [main]\n`);
  const b = await w.cli(['backup', '--job', 'cache']);
  assert.equal(b.code, 0, b.stderr);
  assert.ok(!b.stdout.includes(password) && !b.stderr.includes(password));
  const [snap] = JSON.parse((await w.cli(['snapshots', '--job', 'cache', '--json'])).stdout) as Array<{ paths: string[]; lifeboat: { engine: string; size: number } }>;
  assert.equal(snap!.lifeboat.engine, 'redis');
  assert.ok(snap!.lifeboat.size > 100);
  assert.ok(snap!.paths.includes('/redis/dump.rdb'));

  const r = await w.cli(['restore', 'latest', '--job', 'cache', '--into', dirB]);
  assert.equal(r.code, 0, r.stderr);
  const again = await w.cli(['restore', 'latest', '--job', 'cache', '--into', dirB]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /dump\.rdb: the target is not empty/);

  const bsrv = await startRedis({ dir: dirB });
  cleanups.push(() => bsrv.stop());
  const cb = await bsrv.client();
  const afterState = await state(cb);
  cb.close();
  const elapsed = Date.now() - t0;
  assert.deepEqual(Object.keys(afterState), Object.keys(before));
  assert.deepEqual(new Set(Object.values(before).map((s) => s.type)), new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']));
  for (const [k, s] of Object.entries(before)) {
    assert.equal(afterState[k]!.type, s.type, k);
    assert.deepEqual(afterState[k]!.value, s.value, k);
    if (s.pttl < 0) assert.equal(afterState[k]!.pttl, s.pttl, k);
    else assert.ok(afterState[k]!.pttl <= s.pttl && afterState[k]!.pttl > s.pttl - elapsed - 1000, `${k}: ttl ${s.pttl} → ${afterState[k]!.pttl}`);
  }
});

test('a SQLite restore into a folder that does not exist names the folder', async () => {
  await using ws = await workspace();
  const db = join(ws.dir, 'app.db');
  const d = new DatabaseSync(db);
  d.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
  d.close();
  await ws.writeConfig(`${repoBlock(ws)}jobs:\n  app: { source: { type: sqlite, path: ${db} }, repositories: [main] }\n`);
  assert.equal((await ws.cli(['backup', '--job', 'app'])).code, 0);
  const missing = join(ws.dir, 'no', 'such', 'folder');
  const r = await ws.cli(['restore', 'latest', '--job', 'app', '--into', join(missing, 'app.db')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`folder ${missing} does not exist`));
  assert.doesNotMatch(r.stderr, /ENOENT|\.tmp/);
});
