import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, readFile, writeFile, readdir, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { DatabaseSync } from 'node:sqlite';
import { LockedError, SourceError } from '../../errors.ts';
import type { StreamEntry } from '../types.ts';
import { sqliteSource } from './sqlite-source.ts';
import { restoreSqlite } from './sqlite-restore.ts';

// A separate process inserting rows id = start, start+1, … each in its own transaction, and
// printing the last committed id now and then. Another process, because that is the real
// situation (and what the backup's consistency guarantee is about).
const WRITER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { timeout: 5000 });
db.exec('PRAGMA journal_mode=WAL');
const ins = db.prepare('INSERT INTO t (id, payload) VALUES (?, randomblob(512))');
let id = Number(process.argv[2]);
for (;;) { db.exec('BEGIN'); ins.run(id); db.exec('COMMIT'); if (id % 50 === 0) process.stdout.write(id + '\\n'); id++; }
`;

// Holds the database open (idle) until killed.
const HOLDER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1]);
db.prepare('SELECT count(*) FROM sqlite_schema').get();
process.stdout.write('open\\n');
setInterval(() => {}, 1000);
`;

function startChild(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function waitForOutput(child: ChildProcess, pred: (line: string) => boolean): Promise<void> {
  let buf = '';
  for await (const chunk of child.stdout!) {
    buf += String(chunk);
    const lines = buf.split('\n');
    buf = lines.pop()!;
    if (lines.some(pred)) return;
  }
  throw new Error('child exited before it was ready');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function collect(entries: AsyncIterable<StreamEntry>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of entries) {
    const parts: Buffer[] = [];
    for await (const c of e.stream) parts.push(Buffer.from(c));
    await e.done;
    out.set(e.path, Buffer.concat(parts));
  }
  return out;
}

async function* once1(buf: Buffer): AsyncGenerator<Uint8Array> { yield buf; }

function makeDb(path: string, rows: number, wal = true): void {
  const db = new DatabaseSync(path);
  if (wal) db.exec('PRAGMA journal_mode=WAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB); CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)');
  db.exec('CREATE INDEX kv_v ON kv(v)');
  db.exec('BEGIN');
  const ins = db.prepare('INSERT INTO t (id, payload) VALUES (?, randomblob(512))');
  for (let i = 1; i <= rows; i++) ins.run(i);
  db.exec('COMMIT');
  db.close();
}

function prefixOf(path: string): { count: number; max: number; integrity: string } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const integrity = String((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check);
    const r = db.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS m, coalesce(min(id), 0) AS lo FROM t').get() as { n: number; m: number; lo: number };
    if (r.n > 0) assert.equal(r.lo, 1);
    return { count: Number(r.n), max: Number(r.m), integrity };
  } finally {
    db.close();
  }
}

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-sqlite-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function leftoverTemps(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => n.startsWith('lifeboat-sqlite-') && !n.startsWith('lifeboat-sqlite-test-'));
}

test('sqlite: backup under concurrent inserts restores a consistent prefix', async () => {
  await withTmp(async (dir) => {
    const live = join(dir, 'app.db');
    makeDb(live, 5000);
    const writer = startChild(WRITER, [live, '5001']);
    try {
      await waitForOutput(writer, (l) => Number(l) >= 5200);
      const seen: number[] = [];
      for (let round = 0; round < 3; round++) {
        const privateTmp = join(dir, `tmp${round}`);
        await import('node:fs/promises').then((fs) => fs.mkdir(privateTmp));
        const source = sqliteSource({ path: live, tmpDir: privateTmp });
        const files = await collect(source.entries(new AbortController().signal));
        assert.deepEqual([...files.keys()], ['sqlite/app.db', 'sqlite/lifeboat-meta.json']);
        const meta = JSON.parse(files.get('sqlite/lifeboat-meta.json')!.toString());
        assert.equal(meta.engine, 'sqlite');
        assert.equal(meta.integrity, 'ok');
        assert.equal(meta.size, files.get('sqlite/app.db')!.length);
        assert.equal(meta.pageSize * meta.pageCount, meta.size);
        assert.ok(source.tags!().includes('engine=sqlite'));
        // The copy's temp dir is gone once the entries are done.
        assert.deepEqual(await readdir(privateTmp), []);

        const restored = join(dir, `restored${round}.db`);
        const result = await restoreSqlite(once1(files.get('sqlite/app.db')!), { path: restored });
        assert.equal(result.bytes, meta.size);
        const p = prefixOf(restored);
        assert.equal(p.integrity, 'ok');
        assert.equal(p.count, p.max, 'rows 1..k without gaps');
        assert.ok(p.max >= 5200, `k=${p.max}`);
        seen.push(p.max);
      }
      // The writer really was writing during the backups.
      assert.ok(seen[2]! > seen[0]!, `prefixes grew: ${seen.join(', ')}`);
      await stop(writer);
      assert.ok(prefixOf(live).max > seen[2]!);
    } finally {
      await stop(writer);
    }
  });
});

test('sqlite: restore refuses a database in use unless forced; atomic replace', async () => {
  await withTmp(async (dir) => {
    const src = join(dir, 'src.db');
    makeDb(src, 300, false);
    const files = await collect(sqliteSource({ path: src }).entries(new AbortController().signal));
    const image = files.get('sqlite/src.db')!;

    // Not in use: replaced atomically, old -wal/-shm leftovers removed.
    const target = join(dir, 'target.db');
    makeDb(target, 10, false);
    const r1 = await restoreSqlite(once1(image), { path: target });
    assert.equal(r1.replaced, true);
    assert.equal(prefixOf(target).count, 300);

    // In use (WAL database held open by another process): refused, target untouched.
    const busy = join(dir, 'busy.db');
    makeDb(busy, 7, true);
    const holder = startChild(HOLDER, [busy]);
    try {
      await waitForOutput(holder, (l) => l === 'open');
      await assert.rejects(restoreSqlite(once1(image), { path: busy }), (err: unknown) => {
        assert.ok(err instanceof LockedError);
        assert.match(err.message, /in use/);
        return true;
      });
      await stop(holder);
      assert.equal(prefixOf(busy).count, 7);
      // No temp file left beside the target.
      assert.deepEqual((await readdir(dir)).filter((n) => n.includes('lifeboat')), []);
    } finally {
      await stop(holder);
    }

    // Same with --force: replaced; stale -wal/-shm of the old database removed.
    const holder2 = startChild(HOLDER, [busy]);
    try {
      await waitForOutput(holder2, (l) => l === 'open');
      const r2 = await restoreSqlite(once1(image), { path: busy, force: true });
      assert.equal(r2.replaced, true);
      await assert.rejects(access(busy + '-wal'));
      await assert.rejects(access(busy + '-shm'));
    } finally {
      await stop(holder2);
    }
    assert.equal(prefixOf(busy).count, 300);

    // Data that is not a SQLite database never replaces the target.
    await assert.rejects(restoreSqlite(once1(Buffer.from('not a database at all')), { path: target }), SourceError);
    assert.equal(prefixOf(target).count, 300);
    const truncated = image.subarray(0, image.length - 4096 * 2);
    await assert.rejects(restoreSqlite(once1(truncated), { path: target }), SourceError);
    assert.equal(prefixOf(target).count, 300);
    assert.deepEqual((await readdir(dir)).filter((n) => n.includes('lifeboat')), []);
  });
});

test('sqlite: missing, garbage and corrupt databases fail clearly and yield nothing', async () => {
  await withTmp(async (dir) => {
    const before = await leftoverTemps();
    async function fails(path: string, pattern: RegExp): Promise<void> {
      const yielded: string[] = [];
      await assert.rejects(
        (async () => { for await (const e of sqliteSource({ path }).entries(new AbortController().signal)) yielded.push(e.path); })(),
        (err: unknown) => {
          assert.ok(err instanceof SourceError, String(err));
          assert.match(err.message, pattern);
          assert.ok(err.message.includes(path));
          return true;
        },
      );
      assert.deepEqual(yielded, []);
    }

    await fails(join(dir, 'missing.db'), /database file not found/);

    const garbage = join(dir, 'garbage.db');
    await writeFile(garbage, Buffer.alloc(8192, 0x41));
    await fails(garbage, /not a database/);

    // An index that disagrees with its table: readable, but integrity_check reports it.
    const corrupt = join(dir, 'corrupt.db');
    const db = new DatabaseSync(corrupt);
    db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); CREATE INDEX kv_v ON kv(v)');
    const ins = db.prepare('INSERT INTO kv VALUES (?, ?)');
    db.exec('BEGIN');
    for (let i = 0; i < 20; i++) ins.run(`key${i}`, `value-${String(i).padStart(6, '0')}`);
    db.exec('COMMIT');
    // Few rows: the table and its index each fit in their root page, so the value appears
    // exactly once in the table's page.
    const root = Number((db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'kv'").get() as { rootpage: number }).rootpage);
    const pageSize = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size);
    db.close();
    const bytes = await readFile(corrupt);
    const at = bytes.indexOf(Buffer.from('value-000013'), (root - 1) * pageSize);
    assert.ok(at >= 0 && at < root * pageSize);
    bytes.write('value-999999', at, 'latin1');
    await writeFile(corrupt, bytes);
    await fails(corrupt, /integrity_check failed/);

    assert.deepEqual(await leftoverTemps(), before, 'temp copies removed after failures');
  });
});
