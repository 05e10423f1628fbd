// Retry and concurrency-limit wrappers: unit tests with an injected clock over a scripted
// flaky store, plus the shared storage contract run through both wrappers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storageContractSuite } from './support/storage-contract.ts';
import { MemoryStore } from '../src/storage/memory/memory-store.ts';
import { RetryStore } from '../src/storage/retry-store.ts';
import type { RetryOptions } from '../src/storage/retry-store.ts';
import { LimitedStore, Semaphore } from '../src/storage/limit-store.ts';
import type { ByteRange, Handle, Storage } from '../src/storage/types.ts';
import { AbortedError, IntegrityError, NotFoundError, StorageError } from '../src/errors.ts';

storageContractSuite('retry(memory)', async () => ({ store: new RetryStore(new MemoryStore()), cleanup: async () => {} }));
storageContractSuite('limit(retry(memory))', async () => ({ store: new LimitedStore(new RetryStore(new MemoryStore()), 3), cleanup: async () => {} }));

type Fault = Error | 'stall';

/** A memory store whose load/save fail per a script: each call takes the next fault, if any. */
class ScriptedStore extends MemoryStore {
  faults: Fault[] = [];
  calls = 0;
  signals: (AbortSignal | undefined)[] = [];
  async load(h: Handle, range?: ByteRange, signal?: AbortSignal): Promise<Uint8Array> {
    await this.#fault(signal);
    return super.load(h, range, signal);
  }
  async save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.#fault(signal);
    return super.save(h, data, signal);
  }
  async #fault(signal?: AbortSignal): Promise<void> {
    this.calls++;
    this.signals.push(signal);
    const f = this.faults.shift();
    if (f === 'stall') {
      // Hang until aborted, as a dead TCP connection would.
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new AbortedError()), { once: true }));
    } else if (f) {
      throw f;
    }
  }
}

function harness(opts: RetryOptions = {}) {
  const inner = new ScriptedStore();
  const delays: number[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const retry = new RetryStore(inner, {
    baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5,
    sleep: async (ms) => { delays.push(ms); },
    setTimer: (fn, ms) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return () => { t.cancelled = true; };
    },
    ...opts,
  });
  return { inner, retry, delays, timers };
}

const transient = () => new StorageError('load data/x: server error 503', false);
const h: Handle = { type: 'data', name: 'abcd' };

test('retry: transient errors are retried with full-jitter exponential backoff', async () => {
  const { inner, retry, delays } = harness();
  await inner.save(h, new Uint8Array([7]));
  inner.calls = 0;
  inner.faults = [transient(), transient(), transient(), transient(), transient()];
  assert.deepEqual([...(await retry.load(h))], [7]);
  assert.equal(inner.calls, 6);
  // caps 100, 200, 400, 800, 1000 (max) times random 0.5
  assert.deepEqual(delays, [50, 100, 200, 400, 500]);
});

test('retry: permanent, not-found, integrity and unknown errors are never retried', async () => {
  for (const err of [new StorageError('denied', true), new NotFoundError('gone'), new IntegrityError('bad mac'), new TypeError('bug')]) {
    const { inner, retry, delays } = harness();
    inner.faults = [err];
    await assert.rejects(retry.save(h, new Uint8Array(1)), (e: unknown) => e === err);
    assert.equal(inner.calls, 1, err.name);
    assert.deepEqual(delays, []);
  }
});

test('retry: gives up after maxAttempts with the last error, still classed transient', async () => {
  const { inner, retry } = harness({ maxAttempts: 3 });
  inner.faults = [transient(), transient(), transient(), transient()];
  await assert.rejects(retry.save(h, new Uint8Array(1)), (e: unknown) =>
    e instanceof StorageError && !e.permanent && /503 \(gave up after 3 attempts\)/.test(e.message));
  assert.equal(inner.calls, 3);
  await assert.rejects(retry.stat(h), NotFoundError);
});

test('retry: a stalled request is aborted at its deadline and retried', async () => {
  const { inner, retry, timers } = harness({ requestTimeoutMs: 5000, minBytesPerSecond: 1000 });
  inner.faults = ['stall'];
  const p = retry.save(h, new Uint8Array(2000));
  await new Promise((r) => setImmediate(r));
  assert.equal(timers.length, 1);
  assert.equal(timers[0].ms, 5000 + 2000, 'deadline stretches with the bytes moved');
  timers[0].fn(); // the clock reaches the deadline
  await p;
  assert.equal(inner.calls, 2);
  assert.equal(inner.signals[0]?.aborted, true, 'the stalled attempt was cancelled');
  assert.equal(inner.signals[1]?.aborted, false);
  assert.deepEqual([...(await inner.load(h))].length, 2000);
  assert.ok(timers.every((t) => t.cancelled || t === timers[0]), 'finished attempts cancel their timers');
});

test('retry: the caller aborting stops retrying at once', async () => {
  const ac = new AbortController();
  const { inner, retry } = harness({ sleep: async () => { ac.abort(); } });
  inner.faults = [transient(), transient()];
  await assert.rejects(retry.save(h, new Uint8Array(1), ac.signal), AbortedError);
  assert.equal(inner.calls, 1);
});

test('retry: a listing that fails part-way restarts without repeating names', async () => {
  const inner = new MemoryStore();
  for (let i = 0; i < 10; i++) await inner.save({ type: 'index', name: `i${i}` }, new Uint8Array(i));
  let failed = 0;
  const flaky: Storage = Object.create(inner);
  flaky.list = async function* (type, signal) {
    let n = 0;
    for await (const f of inner.list(type, signal)) {
      if (failed < 2 && n === 4 + failed) {
        failed++;
        throw transient();
      }
      n++;
      yield f;
    }
  };
  const retry = new RetryStore(flaky, { sleep: async () => {} });
  const names: string[] = [];
  for await (const f of retry.list('index')) names.push(f.name);
  assert.equal(failed, 2);
  assert.deepEqual(names.sort(), Array.from({ length: 10 }, (_, i) => `i${i}`).sort());
});

test('limit: never more than N requests in flight; waiters can be aborted', async () => {
  const inner = new MemoryStore();
  let active = 0;
  let peak = 0;
  const slow: Storage = Object.create(inner);
  slow.save = async (hh, d, s) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 2));
    active--;
    return inner.save(hh, d, s);
  };
  const lim = new LimitedStore(slow, 4);
  await Promise.all(Array.from({ length: 40 }, (_, i) => lim.save({ type: 'data', name: `d${i.toString().padStart(2, '0')}` }, new Uint8Array(1))));
  assert.equal(peak, 4);
  assert.equal(lim.inFlight, 0);

  const sem = new Semaphore(1);
  const release = await sem.acquire();
  const ac = new AbortController();
  const waiting = sem.acquire(ac.signal);
  ac.abort();
  await assert.rejects(waiting, AbortedError);
  release();
  assert.equal(sem.active, 0);
  assert.equal(sem.waiting, 0);
});
