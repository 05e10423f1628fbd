// Bounds the requests in flight against one store (S3 connection pools, provider rate limits,
// memory: each in-flight save holds its buffer). Waiting callers queue in FIFO order.

import type { ByteRange, FileInfo, FileType, Handle, Storage } from './types.ts';
import { AbortedError, throwIfAborted } from '../errors.ts';

export class Semaphore {
  readonly limit: number;
  #active = 0;
  readonly #waiting: { grant: () => void; fail: (e: unknown) => void }[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get active(): number { return this.#active; }
  get waiting(): number { return this.#waiting.length; }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    throwIfAborted(signal);
    if (this.#active < this.limit) {
      this.#active++;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
    return this.#releaser();
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter so the count never dips and overshoots.
      if (next) next.grant();
      else this.#active--;
    };
  }
}

export class LimitedStore implements Storage {
  readonly inner: Storage;
  readonly #sem: Semaphore;

  constructor(inner: Storage, maxInFlight: number) {
    this.inner = inner;
    this.#sem = new Semaphore(maxInFlight);
  }

  get location(): string { return this.inner.location; }
  get capabilities() { return this.inner.capabilities; }
  get inFlight(): number { return this.#sem.active; }

  create(): Promise<void> { return this.#sem.run(() => this.inner.create()); }
  save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.#sem.run(() => this.inner.save(h, data, signal), signal);
  }
  load(h: Handle, range?: ByteRange, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array> {
    return this.#sem.run(() => this.inner.load(h, range, signal, into), signal);
  }
  stat(h: Handle): Promise<FileInfo> { return this.#sem.run(() => this.inner.stat(h)); }
  remove(h: Handle): Promise<void> { return this.#sem.run(() => this.inner.remove(h)); }

  async *list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    // One slot per page fetch: a slow consumer of the listing holds no slot.
    const it = this.inner.list(type, signal)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await this.#sem.run(() => it.next(), signal);
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }

  close(): Promise<void> { return this.inner.close(); }
}
