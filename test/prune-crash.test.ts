// Crash safety of prune: the real CLI (`node src/main.ts prune`) is killed with SIGKILL at 20
// seeded random moments spread over its runtime. After each kill, `restic check` must pass,
// every kept snapshot must restore byte-identical (restic restore, content hash), and a later
// prune must finish and leave no pack file that no index lists.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStore } from '../src/storage/local/local-store.ts';
import { openRepository } from '../src/repo/open-repository.ts';
import { planPrune } from '../src/engine/pruner/plan.ts';
import { PW, buildHistory, lifeboat, makeFixture, prng, restic, resticRestoreHash, startLifeboat, type Fixture } from './support/prune-helpers.ts';

const TRIALS = 20;
const PRUNE_ARGS = ['prune', '--max-unused', '0', '--pack-size', '16k'];

function files(repo: string, sub: 'index' | 'data'): Set<string> {
  const out = new Set<string>();
  if (sub === 'index') for (const n of readdirSync(join(repo, 'index'))) out.add(n);
  else for (const d of readdirSync(join(repo, 'data'))) for (const n of readdirSync(join(repo, 'data', d))) out.add(n);
  return out;
}

/** How far a killed prune got, read from which files exist compared with the start. */
function stage(base: { index: Set<string>; data: Set<string> }, repo: string): string {
  const index = files(repo, 'index');
  const data = files(repo, 'data');
  const newPacks = [...data].filter((n) => !base.data.has(n)).length;
  const newIndex = [...index].filter((n) => !base.index.has(n)).length;
  const oldIndexGone = [...base.index].filter((n) => !index.has(n)).length;
  const packsGone = [...base.data].filter((n) => !data.has(n)).length;
  if (packsGone > 0) return oldIndexGone === base.index.size ? 'deleting packs' : 'BAD: packs deleted before old index';
  if (oldIndexGone > 0) return 'deleting old index';
  if (newIndex > 0) return 'new index written';
  if (newPacks > 0) return 'repacking';
  return 'before any write';
}

async function unreferencedPacks(f: Fixture): Promise<number> {
  const repo = await openRepository(new LocalStore(f.repo), PW);
  try {
    return (await planPrune(repo, { maxUnused: { kind: 'unlimited' } })).unreferenced.length;
  } finally {
    await repo.close();
  }
}

/** Resolves when the repository's locks/ folder first holds a file (prune has its lock). */
async function lockAppears(repo: string, exited: Promise<unknown>): Promise<boolean> {
  let done = false;
  void exited.then(() => { done = true; });
  while (!done) {
    if (readdirSync(join(repo, 'locks')).length > 0) return true;
    await sleep(1);
  }
  return false;
}

/** Resolves when prune's index files reach a state (polled every millisecond). */
async function indexEvent(repo: string, old: Set<string>, kind: 'new index' | 'old index deleted' | 'packs deleting', exited: Promise<unknown>): Promise<boolean> {
  let done = false;
  void exited.then(() => { done = true; });
  while (!done) {
    const now = readdirSync(join(repo, 'index'));
    const added = now.some((n) => !old.has(n));
    const gone = [...old].filter((n) => !now.includes(n)).length;
    if (kind === 'new index' ? added : kind === 'old index deleted' ? gone > 0 : gone === old.size) return true;
    await sleep(1);
  }
  return false;
}

function run(f: Fixture) {
  const child = startLifeboat(f, PRUNE_ARGS);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b; });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

test(`prune killed with SIGKILL at ${TRIALS} random moments: check passes, kept snapshots restore, next prune finishes`, async () => {
  await using f = await makeFixture('lifeboat-prune-crash-');
  const ids = await buildHistory(f, { generations: 8, pool: 120, fileSize: 12_000, packSize: 32 * 1024, seed: 11, changeRate: 0.25 });
  const kept = ids.slice(-3);
  const forget = await lifeboat(f, ['forget', '--keep-last', '3']);
  assert.equal(forget.code, 0, forget.stderr);
  const base = join(f.dir, 'base');
  execFileSync('cp', ['-a', f.repo, base]);
  const baseFiles = { index: files(base, 'index'), data: files(base, 'data') };
  const reset = () => {
    rmSync(f.repo, { recursive: true, force: true });
    execFileSync('cp', ['-a', base, f.repo]);
  };

  // Calibrate: how long prune works once it holds its lock (start-up time is not interesting:
  // nothing is written before the lock). Kills land uniformly over that working time.
  reset();
  const cal = run(f);
  assert.ok(await lockAppears(f.repo, cal.exited), 'prune took a lock');
  const t0 = performance.now();
  const calEnd = await cal.exited;
  const work = performance.now() - t0;
  assert.equal(calEnd.code, 0, cal.stderr());
  console.log(`prune works ${work.toFixed(0)} ms after taking its lock`);

  const rnd = prng(20240501);
  const seen = new Map<string, number>();
  for (let i = 0; i < TRIALS; i++) {
    reset();
    // Stratified moments: most uniform over the working time; the rest shortly after an event
    // that opens a brief window (first new index file, first old index file deleted, all old
    // index files gone = pack deletion running), which uniform kills would rarely hit.
    const kind = i % 5 < 2 ? 'uniform' : (['new index', 'old index deleted', 'packs deleting'] as const)[i % 5 - 2]!;
    const delay = kind === 'uniform' ? rnd() * work : rnd() * 8;
    const p = run(f);
    let ended: { code: number | null; signal: string | null };
    const trigger = kind === 'uniform' ? lockAppears(f.repo, p.exited) : indexEvent(f.repo, baseFiles.index, kind, p.exited);
    if (await trigger) {
      const timer = setTimeout(() => p.child.kill('SIGKILL'), delay);
      ended = await p.exited;
      clearTimeout(timer);
    } else ended = await p.exited;
    const where = ended.signal === 'SIGKILL' ? stage(baseFiles, f.repo) : `finished (exit ${ended.code})`;
    assert.ok(ended.signal === 'SIGKILL' || ended.code === 0, `trial ${i}: prune failed: ${p.stderr()}`);
    assert.doesNotMatch(where, /BAD/, `trial ${i}`);
    seen.set(where, (seen.get(where) ?? 0) + 1);

    const check = await restic(f.repo, PW, ['--no-lock', 'check']);
    assert.equal(check.code, 0, `trial ${i} (${where}, ${delay.toFixed(0)} ms): restic check failed\n${check.stdout}\n${check.stderr}`);
    for (const id of kept) assert.equal(await resticRestoreHash(f, id, { noLock: true }), f.expected.get(id), `trial ${i} (${where}): snapshot ${id.slice(0, 8)}`);

    const again = await lifeboat(f, PRUNE_ARGS);
    assert.equal(again.code, 0, `trial ${i} (${where}): later prune failed: ${again.stderr}`);
    assert.equal(await unreferencedPacks(f), 0, `trial ${i}: unreferenced packs left`);
    // The dead prune's lock (if it had not released it yet) is stale: unlock removes it.
    const unlock = await lifeboat(f, ['unlock']);
    assert.equal(unlock.code, 0, unlock.stderr);
    assert.match(unlock.stdout, /^[01] locks removed/m);
    assert.deepEqual(readdirSync(join(f.repo, 'locks')), []);
    const after = await restic(f.repo, PW, ['check']);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    assert.doesNotMatch(after.stdout + after.stderr, /not referenced|additional files/);
    console.log(`trial ${String(i).padStart(2)}: kill ${delay.toFixed(1).padStart(5)} ms after ${kind === 'uniform' ? 'lock' : kind} -> ${where}; check ok, ${kept.length} snapshots restore, later prune ok`);
  }
  console.log('stages hit:', Object.fromEntries(seen));
  // The kills must have landed inside prune's work, not only before or after it.
  assert.ok([...seen.keys()].filter((k) => !/before any write|finished/.test(k)).length >= 2, `kills were not spread over prune: ${JSON.stringify([...seen])}`);
});
