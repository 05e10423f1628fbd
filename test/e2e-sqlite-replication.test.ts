// Needs: restic
// SQLite continuous replication end to end, as a user runs it: an application process commits
// 10,000 timestamped transactions (WAL mode, default autocheckpoint, a few forced TRUNCATE
// checkpoints) while `lifeboat replicate` ships its WAL; replication is stopped and restarted
// once mid-run (the writer truncates the WAL meanwhile: a new generation). Then `restore --at`:
// inside the writer's pauses the result is exactly the rows with timestamp ≤ T; mid-burst it is
// a contiguous committed prefix holding everything committed before T − interval − slack and
// nothing after T. integrity_check ok every time; `check` reports a deleted batch file.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { MAIN, TEST_STATE_DIR, repoBlock, workspace } from './e2e-support.ts';

const INTERVAL_MS = 250;
const cleanups: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanups.reverse()) await c().catch(() => {}); });

/** The application: its own connection; on "go N" commits N transactions, then says "done <ms>". */
const WRITER = `
const { DatabaseSync } = require('node:sqlite');
const d = new DatabaseSync(process.argv[1]);
d.exec('PRAGMA busy_timeout=5000; PRAGMA synchronous=NORMAL');
const ins = d.prepare('INSERT INTO ev(ts, v, pad) VALUES (?, ?, randomblob(200 + abs(random() % 600)))');
const bump = d.prepare('UPDATE totals SET n = n + 1');
let i = 0, truncs = 0;
const nap = new Int32Array(new SharedArrayBuffer(4));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'go') {
    for (let k = 0; k < Number(arg); k++) {
      d.exec('BEGIN IMMEDIATE'); i++;
      ins.run(Date.now(), 'row-' + i); bump.run();
      d.exec('COMMIT');
      // About 1,200 commits a second: each burst spans several replication rounds.
      if (k % 10 === 9) Atomics.wait(nap, 0, 0, 8);
      if (i % 900 === 0) { d.exec('PRAGMA busy_timeout=50'); const r = d.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get(); d.exec('PRAGMA busy_timeout=5000'); truncs += r.busy ? 0 : 1; }
    }
    process.stdout.write('done ' + Date.now() + ' ' + i + ' ' + truncs + '\\n');
  } else if (cmd === 'truncate') {
    const r = d.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    process.stdout.write('truncated ' + r.busy + '\\n');
  } else if (cmd === 'quit') { d.close(); process.exit(0); }
});`;

function lines(child: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => { const w = waiters.shift(); if (w) w(l); else queue.push(l); });
  return () => new Promise((res) => { const l = queue.shift(); if (l !== undefined) res(l); else waiters.push(res); });
}

async function freshness(): Promise<number> {
  try {
    return Date.parse(JSON.parse(await readFile(join(TEST_STATE_DIR, 'sqlite-replication', 'app.json'), 'utf8')).shipped_at);
  } catch { return 0; }
}

/** Waits until replication has shipped everything committed up to `ms`. */
async function shippedPast(ms: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (await freshness() <= ms) {
    if (Date.now() > deadline) throw new Error('replication did not catch up within 20 s');
    await sleep(50);
  }
}

test('SQLite replication: 10,000 transactions, restores at any moment match the committed prefix', { timeout: 150_000 }, async () => {
  const w = await workspace();
  cleanups.push(() => w[Symbol.asyncDispose]());
  const db = join(w.dir, 'app.db');
  const setup = new DatabaseSync(db);
  setup.exec(`PRAGMA journal_mode=WAL; CREATE TABLE ev (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, v TEXT NOT NULL, pad BLOB);
    CREATE TABLE totals (n INTEGER NOT NULL); INSERT INTO totals VALUES (0);`);
  setup.close();
  await w.writeConfig(`${repoBlock(w)}jobs:\n  app:\n    source:\n      type: sqlite\n      path: ${db}\n` +
    `      replicate: {interval: ${INTERVAL_MS}ms, snapshot_interval: 6s}\n    repositories: [main]\n`);

  const writer = spawn(process.execPath, ['-e', WRITER, db], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(async () => { writer.kill('SIGKILL'); });
  const fromWriter = lines(writer);
  const startReplication = async () => {
    const r = spawn(process.execPath, [MAIN, 'replicate', '--job', 'app'], {
      cwd: w.dir, env: { ...process.env, LIFEBOAT_STATE_DIR: TEST_STATE_DIR }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    r.stderr!.on('data', (d) => { log += String(d); });
    r.stdout!.resume();
    cleanups.push(async () => { r.kill('SIGKILL'); });
    const since = Date.now();
    while (!/snapshot of generation .* stored/.test(log)) {
      if (r.exitCode !== null || Date.now() - since > 30_000) throw new Error(`replicate did not start: ${log}`);
      await sleep(50);
    }
    return { child: r, log: () => log };
  };
  const stop = async (r: ChildProcess) => {
    const exited = new Promise((res) => r.once('exit', res));
    r.kill('SIGTERM');
    await exited;
  };

  const startedAt = Date.now();
  let repl = await startReplication();
  const paused: number[] = [];   // restore times inside the writer's pauses
  const midBurst: number[] = []; // restore times while it writes
  const segment = async (n: number) => {
    writer.stdin!.write(`go ${n}\n`);
    // Somewhere in the middle of the burst.
    setTimeout(() => midBurst.push(Date.now()), 300 + Math.random() * 900);
    const [, doneAt] = (await fromWriter()).split(' ');
    await shippedPast(Number(doneAt));
    // The writer is idle until the next "go": a pause longer than 2 × the interval.
    await sleep(2 * INTERVAL_MS + 100);
    paused.push(Date.now());
    await sleep(100);
  };
  await segment(2000);
  await segment(2000);
  await segment(2000);

  // Replication stops; the application goes on and truncates the WAL (its salts change), then
  // replication starts again: a new generation with its own full snapshot.
  await stop(repl.child);
  const firstLog = repl.log();
  writer.stdin!.write('go 300\n');
  await fromWriter();
  writer.stdin!.write('truncate\n');
  assert.equal(await fromWriter(), 'truncated 0');
  repl = await startReplication();
  await segment(1700);
  await segment(2000);
  writer.stdin!.write('quit\n');
  await stop(repl.child);
  const elapsed = Date.now() - startedAt;

  // One generation per replication run: no WAL restart went unnoticed or lost frames.
  assert.doesNotMatch(firstLog + repl.log(), /generation \S+ ends/);
  const walDir = join(w.repo, 'wal', 'app');
  const files = (await readdir(walDir)).sort();
  const generations = new Set(files.map((f) => f.split('.')[0]));
  assert.equal(generations.size, 2, `generations: ${[...generations].join(', ')}`);
  // Checkpoints restarted the WAL during the run (several salts in a generation) and replication
  // followed each restart without starting a new generation.
  const salts = new Set(files.filter((f) => f.startsWith(files[0]!.split('.')[0]!)).map((f) => f.split('.')[2]));
  assert.ok(salts.size >= 3, `the first generation saw ${salts.size} WAL(s)`);

  const live = new DatabaseSync(db, { readOnly: true });
  const all = live.prepare('SELECT id, ts FROM ev ORDER BY id').all() as { id: number; ts: number }[];
  live.close();
  assert.equal(all.length, 10_000);

  const restoreAt = async (t: number, name: string) => {
    const into = join(w.dir, `${name}.db`);
    const r = await w.cli(['restore', '--job', 'app', '--at', new Date(t).toISOString(), '--into', into]);
    assert.equal(r.code, 0, r.stderr);
    const c = new DatabaseSync(into, { readOnly: true });
    try {
      assert.equal((c.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
      const rows = c.prepare('SELECT id, ts, v FROM ev ORDER BY id').all() as { id: number; ts: number; v: string }[];
      const n = (c.prepare('SELECT n FROM totals').get() as { n: number }).n;
      // A committed prefix: ids 1..k, each row intact, and the counter of the same transactions.
      rows.forEach((row, i) => { assert.equal(row.id, i + 1); assert.equal(row.v, `row-${i + 1}`); });
      assert.equal(n, rows.length);
      return rows;
    } finally {
      c.close();
    }
  };

  for (const [i, t] of paused.entries()) {
    const rows = await restoreAt(t, `paused-${i}`);
    const expected = all.filter((r) => r.ts <= t).length;
    assert.equal(rows.length, expected, `restore at pause ${i}: ${rows.length} rows, expected exactly ${expected}`);
  }
  for (const [i, t] of midBurst.entries()) {
    const rows = await restoreAt(t, `burst-${i}`);
    const mustHave = all.filter((r) => r.ts < t - INTERVAL_MS - 500).length;
    assert.ok(rows.length >= mustHave, `restore mid-burst ${i}: ${rows.length} rows, but ${mustHave} were committed before T − interval − slack`);
    assert.ok(rows.every((r) => r.ts <= t), `restore mid-burst ${i} holds a row committed after T`);
  }

  // Before the first snapshot: a clear refusal.
  const early = await w.cli(['restore', '--job', 'app', '--at', new Date(startedAt - 60_000).toISOString(), '--into', join(w.dir, 'early.db')]);
  assert.equal(early.code, 1, early.stderr);
  assert.match(early.stderr, /no replication snapshot taken at or before/);

  // The repository stays valid for restic; check is clean, then names a deleted batch file.
  await w.restic(['check']);
  const ok = await w.cli(['check', '--repo', w.repo], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(ok.code, 0, ok.stderr);
  const victim = files[Math.floor(files.length / 3)]!;
  await rm(join(walDir, victim));
  const bad = await w.cli(['check', '--repo', w.repo], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stderr, new RegExp(`sqlite WAL of job app: generation ${victim.split('.')[0]}: batches? ${Number(victim.split('.')[1])}`));
  // A restore that needs a missing batch refuses, naming the gap: the first batch of the first
  // generation is needed by any time before the generation's second snapshot.
  const first = files[0]!;
  assert.match(first, /^\S+\.0000000000\./);
  await rm(join(walDir, first));
  const gap = await w.cli(['restore', '--job', 'app', '--at', new Date(Number(first.split('.').at(-1)) + 1).toISOString(), '--into', join(w.dir, 'gap.db')]);
  assert.notEqual(gap.code, 0);
  assert.match(gap.stderr, /shipped WAL has a gap: batches 0–0 missing; nothing was restored/);
  const bad2 = await w.cli(['check', '--repo', w.repo], { env: { LIFEBOAT_PASSWORD_FILE: w.passwordFile } });
  assert.equal(bad2.code, 1);
  assert.match(bad2.stderr, new RegExp(`generation ${first.split('.')[0]}: batches 0–0 missing \\(after its oldest snapshot's position\\)`));
  console.log(`10,000 transactions in ${elapsed} ms; ${files.length} batch files; ${salts.size} WALs in the first generation; restores at ${paused.length} pauses and ${midBurst.length} mid-burst times`);
});
