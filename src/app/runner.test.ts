import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type RunEvent } from './events.ts';
import { Runner, type Task } from './runner.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

function task(key: string, body: (signal: AbortSignal) => Promise<void>, repositories: Task['repositories'] = {}): Task {
  return { key, kind: 'backup', job: key, repositories, trigger: 'schedule', run: ({ signal }) => body(signal) };
}

test('a run whose key is busy is recorded as skipped; concurrency bounds running tasks', async () => {
  const events = new EventBus();
  const seen: RunEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const runner = new Runner({ events, concurrency: 1 });
  const gateA = deferred();
  let running = 0;
  let maxRunning = 0;
  const body = (d: { promise: Promise<void> }) => async () => { running++; maxRunning = Math.max(maxRunning, running); await d.promise; running--; };
  const a = runner.submit(task('a', body(gateA)));
  const again = runner.submit(task('a', body(gateA)));
  const gateB = deferred();
  const b = runner.submit(task('b', body(gateB)));
  assert.ok(a.accepted && b.accepted);
  assert.equal(again.accepted, false);
  assert.deepEqual(seen.filter((e) => e.type === 'finished').map((e) => (e as { status: string }).status), ['skipped']);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(runner.active().map((t) => [t.key, t.state]), [['a', 'running'], ['b', 'queued']]);
  gateA.resolve();
  gateB.resolve();
  await a.done;
  await b.done;
  assert.equal(maxRunning, 1);
  assert.deepEqual(runner.active(), []);
});

test('an exclusive task waits for shared holders of the same repository, then runs alone', async () => {
  const runner = new Runner({ events: new EventBus(), concurrency: 3 });
  const order: string[] = [];
  const hold = deferred();
  const backup = runner.submit(task('backup', async () => { order.push('backup start'); await hold.promise; order.push('backup end'); }, { shared: ['local'] }));
  await new Promise((r) => setImmediate(r));
  const prune = runner.submit(task('prune', async () => { order.push('prune'); }, { exclusive: ['local'] }));
  const other = runner.submit(task('other', async () => { order.push('other repo'); }, { shared: ['offsite'] }));
  assert.ok(backup.accepted && prune.accepted && other.accepted);
  await other.done;
  assert.deepEqual(order, ['backup start', 'other repo']);
  hold.resolve();
  await prune.done;
  assert.deepEqual(order, ['backup start', 'other repo', 'backup end', 'prune']);
});

test('stop refuses new runs, gives running ones the grace period, then aborts them', async () => {
  const runner = new Runner({ events: new EventBus(), concurrency: 1 });
  let aborted = false;
  const r = runner.submit(task('slow', (signal) => new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => { aborted = true; resolve(); });
  })));
  assert.ok(r.accepted);
  await new Promise((res) => setImmediate(res));
  await runner.stop(20);
  assert.ok(aborted);
  const late = runner.submit(task('late', async () => {}));
  assert.deepEqual([late.accepted, !late.accepted && late.reason], [false, 'stopping']);
});
