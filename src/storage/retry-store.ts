// Retries transient storage failures with exponential backoff and full jitter, and gives each
// request a deadline so a stalled transfer is aborted and retried instead of hanging a backup.
// Never retries permanent failures, missing files, integrity errors or a caller's abort.

import type { ByteRange, FileInfo, FileType, Handle, Storage } from './types.ts';
import { AbortedError, StorageError, throwIfAborted } from '../errors.ts';
import { subject } from './layout.ts';

export interface RetryInfo {
  op: string;
  attempt: number;
  delayMs: number;
  error: StorageError;
}

export interface RetryOptions {
  /** Total tries per operation, first one included. Default 8. */
  maxAttempts?: number;
  /** First backoff cap in ms; doubles per attempt. Default 250. */
  baseDelayMs?: number;
  /** Largest backoff cap in ms. Default 30 s. */
  maxDelayMs?: number;
  /** Deadline per attempt for a request moving no data of known size. Default 60 s. 0 = none. */
  requestTimeoutMs?: number;
  /** Slowest transfer rate tolerated; stretches the deadline by bytes/rate. Default 128 KiB/s. */
  minBytesPerSecond?: number;
  /** In [0, 1); injected for deterministic tests. */
  random?: () => number;
  /** Injected for tests; must reject with the signal's reason-free AbortedError if aborted. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected timer for deadlines; returns a cancel function. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /** Called before each retry (logging, metrics); never sees secrets. */
  onRetry?: (info: RetryInfo) => void;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(t);
      reject(new AbortedError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function defaultTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

/** Transient = worth another try. Everything not explicitly transient is final. */
export function isTransient(err: unknown): err is StorageError {
  return err instanceof StorageError && !err.permanent;
}

export class RetryStore implements Storage {
  readonly inner: Storage;
  readonly #o: Required<Omit<RetryOptions, 'onRetry'>> & Pick<RetryOptions, 'onRetry'>;

  constructor(inner: Storage, options: RetryOptions = {}) {
    this.inner = inner;
    this.#o = {
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 30_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      minBytesPerSecond: options.minBytesPerSecond ?? 128 * 1024,
      random: options.random ?? Math.random,
      sleep: options.sleep ?? defaultSleep,
      setTimer: options.setTimer ?? defaultTimer,
      onRetry: options.onRetry,
    };
  }

  get location(): string { return this.inner.location; }
  get capabilities() { return this.inner.capabilities; }

  create(): Promise<void> {
    return this.#retry('create repository', 0, undefined, () => this.inner.create());
  }

  save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    return this.#retry(`save ${subject(h)}`, data.length, signal, (s) => this.inner.save(h, data, s));
  }

  load(h: Handle, range?: ByteRange, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array> {
    // Unknown size for whole-file loads: assume a full pack (16 MiB) when stretching the deadline.
    const bytes = range ? range.length : 16 * 1024 * 1024;
    return this.#retry(`load ${subject(h)}`, bytes, signal, (s) => this.inner.load(h, range, s, into));
  }

  stat(h: Handle): Promise<FileInfo> {
    return this.#retry(`stat ${subject(h)}`, 0, undefined, () => this.inner.stat(h));
  }

  remove(h: Handle): Promise<void> {
    return this.#retry(`remove ${subject(h)}`, 0, undefined, () => this.inner.remove(h));
  }

  async *list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo> {
    // A listing that fails part-way is restarted; names already handed out are skipped so the
    // caller sees each file once.
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const f of this.inner.list(type, signal)) {
          if (seen.has(f.name)) continue;
          seen.add(f.name);
          yield f;
        }
        return;
      } catch (err) {
        await this.#backoff(`list ${type}`, attempt, err, signal);
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #retry<T>(op: string, bytes: number, signal: AbortSignal | undefined, fn: (s?: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(signal);
      try {
        return await this.#withDeadline(op, bytes, signal, fn);
      } catch (err) {
        await this.#backoff(op, attempt, err, signal);
      }
    }
  }

  /** Rethrows err unless it is transient and attempts remain; otherwise sleeps the backoff. */
  async #backoff(op: string, attempt: number, err: unknown, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw err instanceof AbortedError ? err : new AbortedError(`${op}: interrupted`, { cause: err });
    if (!isTransient(err)) throw err;
    if (attempt >= this.#o.maxAttempts) {
      throw new StorageError(`${err.message} (gave up after ${attempt} attempts)`, false, {
        cause: err, context: { ...err.context, attempts: attempt }, hint: err.hint,
      });
    }
    const cap = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.floor(this.#o.random() * cap);
    this.#o.onRetry?.({ op, attempt, delayMs, error: err });
    await this.#o.sleep(delayMs, signal);
  }

  async #withDeadline<T>(op: string, bytes: number, signal: AbortSignal | undefined, fn: (s?: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#o.requestTimeoutMs <= 0) return fn(signal);
    const ms = this.#o.requestTimeoutMs + Math.ceil((bytes / this.#o.minBytesPerSecond) * 1000);
    const ac = new AbortController();
    const combined = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
    let timedOut = false;
    let rejectTimeout: (e: unknown) => void = () => {};
    // Ops without a signal (stat, remove) cannot be cancelled inside; the race still frees us.
    const timeout = new Promise<never>((_, reject) => { rejectTimeout = reject; });
    const cancel = this.#o.setTimer(() => {
      timedOut = true;
      ac.abort();
      rejectTimeout(new StorageError(`${op} in ${this.location}: no answer within ${ms} ms (stalled transfer)`, false));
    }, ms);
    try {
      return await Promise.race([fn(combined), timeout]);
    } catch (err) {
      if (timedOut && !signal?.aborted) {
        throw new StorageError(`${op} in ${this.location}: no answer within ${ms} ms (stalled transfer)`, false, { cause: err });
      }
      throw err;
    } finally {
      cancel();
      timeout.catch(() => {});
    }
  }
}
