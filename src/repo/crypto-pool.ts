// A small pool of worker threads for the per-blob CPU work (sha256, zstd, AES-CTR, Poly1305), so
// the main thread only reads, chunks and orchestrates. Bytes travel through shared memory slots
// (one SharedArrayBuffer per task in flight): the caller copies a blob into a slot, the worker
// hashes / seals / opens it in place. The number of slots bounds both the queue and the memory
// (slots × slotSize), and nothing is allocated per blob for the hand-over, which keeps the
// garbage (and so the peak RSS) of long streams low. Threads start on first use and do not keep
// the process alive while idle.

import { siblingModule } from './sibling-module.ts';
import { Worker } from 'node:worker_threads';
import { AbortedError, IntegrityError, LifeboatError } from '../errors.ts';
import type { MasterKey } from './crypto.ts';
import type { BlobWrite, WriteOutcome } from './blob-writes.ts';

/**
 * `slot` is the slot's number; its SharedArrayBuffer travels (as `sab`) only with the first task
 * a thread gets for it: cloning a SharedArrayBuffer into a message costs tens of µs, a blob's
 * whole hand-over budget.
 */
export type ToPool = { task: number; slot: number; sab?: SharedArrayBuffer } & (
  | { op: 'hash'; len: number }
  | { op: 'hashSeal'; len: number; compress: boolean }
  | { op: 'seal'; len: number; compress: boolean }
  | { op: 'open'; len: number; id: string; uncompressedLength?: number; subject: string }
  | { op: 'openRange'; outStart: number; blobs: RangeBlob[] });

/** A blob inside a range read into a slot: where it is, and what it must decode to. */
export interface RangeBlob {
  offset: number;
  length: number;
  id: string;
  uncompressedLength?: number;
  subject: string;
  /** Write the plaintext there (in the worker) instead of returning it. */
  writes?: BlobWrite[];
}

/** Where a range blob's plaintext landed in the slot (or what writing it did), or why it could not be opened. */
export type RangeResult = { at: number; len: number; written?: WriteOutcome } | { error: string; integrity: boolean };

export type FromPool =
  | { task: number; hex: string; sealed?: { len: number; uncompressedLength?: number } }
  | { task: number; len: number; uncompressedLength?: number }
  | { task: number; results: RangeResult[] }
  | { task: number; error: string; integrity: boolean };

type Reply = Exclude<FromPool, { error: string }>;

/** A transfer slot: `bytes` is shared with the worker that runs the slot's current task. */
export interface Slot {
  readonly bytes: Uint8Array;
  /** The slot's number in its pool. */
  readonly index: number;
  release(): void;
}

export interface CryptoPoolOptions {
  threads: number;
  /** Tasks in flight (default 2 per thread). */
  slots?: number;
  /** Bytes per slot: the largest blob (plus 32 bytes of crypto overhead) the pool takes. */
  slotSize: number;
  /**
   * Extra small slots for small blobs (dump chunks of ≤ 512 KiB): many blobs in flight at little
   * memory, so the round trips of a stream of small chunks overlap.
   */
  smallSlots?: number;
  smallSlotSize?: number;
  /** The index's maybe-known filter (MasterIndex.filter), for hashSeal. */
  filter?: SharedArrayBuffer;
}

interface Thread {
  worker: Worker;
  busy: boolean;
  /** Slots whose buffer this thread has. */
  known: Set<number>;
}

interface Job {
  msg: ToPool;
  resolve(r: Reply): void;
  reject(e: Error): void;
}

export class CryptoPool {
  readonly slotSize: number;
  readonly #key: MasterKey;
  readonly #filter: SharedArrayBuffer | undefined;
  readonly #threadCount: number;
  readonly #maxSlots: number;
  readonly #threads: Thread[] = [];
  readonly #sabs: SharedArrayBuffer[] = [];
  readonly #free: number[] = [];
  readonly #slotWaiters: Array<(s: number) => void> = [];
  readonly #small: { max: number; size: number; count: number; free: number[]; waiters: Array<(s: number) => void> };
  readonly #queue: Job[] = [];
  readonly #running = new Map<number, { job: Job; thread: Thread }>();
  #nextTask = 1;
  #failure: Error | undefined;
  #closed = false;

  constructor(key: MasterKey, opts: CryptoPoolOptions) {
    this.#key = key;
    this.#threadCount = Math.max(1, opts.threads);
    this.#maxSlots = Math.max(1, opts.slots ?? 2 * this.#threadCount);
    this.slotSize = opts.slotSize;
    this.#filter = opts.filter;
    this.#small = { max: opts.smallSlots ?? 0, size: opts.smallSlotSize ?? 0, count: 0, free: [], waiters: [] };
  }

  /** A slot for `bytes` (the most the task's data will take): a small one when it fits. */
  #take(bytes: number): { index: number } | { queue: Array<(s: number) => void> } {
    const small = this.#small;
    if (small.max > 0 && bytes <= small.size) {
      let i = small.free.pop();
      if (i === undefined && small.count < small.max) {
        small.count++;
        i = this.#sabs.length;
        this.#sabs.push(new SharedArrayBuffer(small.size));
      }
      if (i !== undefined) return { index: i };
      return { queue: small.waiters };
    }
    let i = this.#free.pop();
    if (i === undefined && this.#sabs.length - small.count < this.#maxSlots) {
      i = this.#sabs.length;
      this.#sabs.push(new SharedArrayBuffer(this.slotSize));
    }
    return i === undefined ? { queue: this.#slotWaiters } : { index: i };
  }

  #give(i: number): void {
    if (this.#sabs[i]!.byteLength === this.slotSize) {
      const w = this.#slotWaiters.shift();
      if (w) w(i);
      else this.#free.push(i);
    } else {
      const w = this.#small.waiters.shift();
      if (w) w(i);
      else this.#small.free.push(i);
    }
  }

  /**
   * Waits for a free slot (the bounded queue) that holds `bytes` (default: a full-size slot).
   * Release it when done with its bytes.
   */
  async acquire(signal?: AbortSignal, bytes = this.slotSize): Promise<Slot> {
    this.#check();
    const got = this.#take(bytes);
    let index: number;
    if ('index' in got) index = got.index;
    else {
      const waiters = got.queue;
      index = await new Promise<number>((resolve, reject) => {
        const grant = (s: number) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        };
        const onAbort = () => {
          const i = waiters.indexOf(grant);
          if (i >= 0) waiters.splice(i, 1);
          reject(new AbortedError('crypto pool: aborted while waiting for a slot'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(grant);
      });
    }
    const i = index;
    let released = false;
    return {
      bytes: new Uint8Array(this.#sabs[i]!),
      index: i,
      release: () => {
        if (released) return;
        released = true;
        this.#give(i);
      },
    };
  }

  /** sha256 (hex) of slot bytes [0, len). */
  async hash(slot: Slot, len: number): Promise<string> {
    const r = await this.#submit({ op: 'hash', task: 0, slot: slot.index, len });
    return (r as { hex: string }).hex;
  }

  /**
   * sha256 of slot bytes [0, len), and, when the index's filter shows the blob cannot be known,
   * the blob sealed in place (then slot bytes [0, sealed.len)) in the same round trip.
   */
  async hashSeal(slot: Slot, len: number, compress: boolean): Promise<{ hex: string; sealed?: { len: number; uncompressedLength?: number } }> {
    return (await this.#submit({ op: 'hashSeal', task: 0, slot: slot.index, len, compress })) as { hex: string; sealed?: { len: number; uncompressedLength?: number } };
  }

  /** Seals slot bytes [0, len) in place; the sealed blob is then slot bytes [0, result.len). */
  async seal(slot: Slot, len: number, compress: boolean): Promise<{ len: number; uncompressedLength?: number }> {
    return (await this.#submit({ op: 'seal', task: 0, slot: slot.index, len, compress })) as { len: number; uncompressedLength?: number };
  }

  /** Opens (MAC, decrypt, unzstd, ID check) slot bytes [0, len) in place; returns the plaintext length. */
  async open(slot: Slot, len: number, id: string, uncompressedLength: number | undefined, subject: string): Promise<number> {
    const r = await this.#submit({ op: 'open', task: 0, slot: slot.index, len, id, uncompressedLength, subject });
    return (r as { len: number }).len;
  }

  /**
   * Opens several blobs of one range in slot bytes [0, outStart): each plaintext is written from
   * `outStart` on, one after another; a damaged blob gets an error and the others go on.
   */
  async openRange(slot: Slot, outStart: number, blobs: RangeBlob[]): Promise<RangeResult[]> {
    const r = await this.#submit({ op: 'openRange', task: 0, slot: slot.index, outStart, blobs });
    return (r as { results: RangeResult[] }).results;
  }

  #check(): void {
    if (this.#closed) throw new LifeboatError('error', 'crypto pool: closed');
    if (this.#failure) throw this.#failure;
  }

  #submit(msg: ToPool): Promise<Reply> {
    this.#check();
    msg.task = this.#nextTask++;
    return new Promise((resolve, reject) => {
      this.#queue.push({ msg, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let t = this.#threads.find((x) => !x.busy);
      if (!t && this.#threads.length < this.#threadCount) t = this.#spawn();
      if (!t) return;
      const job = this.#queue.shift()!;
      t.busy = true;
      t.worker.ref();
      this.#running.set(job.msg.task, { job, thread: t });
      if (!t.known.has(job.msg.slot)) {
        t.known.add(job.msg.slot);
        job.msg.sab = this.#sabs[job.msg.slot];
      }
      t.worker.postMessage(job.msg);
    }
  }

  #spawn(): Thread {
    // A small young generation: the thread's garbage is blob-sized buffers (external memory, freed
    // by the frequent collections gc-hint.ts asks for), not JS objects; a big one only adds RSS.
    const worker = new Worker(siblingModule(import.meta.url, 'crypto-pool-thread'), {
      workerData: { key: this.#key, filter: this.#filter },
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const t: Thread = { worker, busy: false, known: new Set() };
    worker.on('message', (m: FromPool) => {
      const r = this.#running.get(m.task);
      if (!r) return;
      this.#running.delete(m.task);
      t.busy = false;
      if ('error' in m) r.job.reject(m.integrity ? new IntegrityError(m.error) : new LifeboatError('error', `crypto worker: ${m.error}`));
      else r.job.resolve(m);
      this.#dispatch();
      if (!t.busy) worker.unref();
    });
    const fail = (err: Error) => {
      this.#failure ??= err;
      for (const [task, r] of this.#running) {
        this.#running.delete(task);
        r.job.reject(err);
      }
      for (const job of this.#queue.splice(0)) job.reject(err);
    };
    worker.on('error', (e) => fail(new LifeboatError('error', 'crypto worker: crashed', { cause: e })));
    worker.on('exit', (code) => fail(new LifeboatError('error', `crypto worker: exited with code ${code}`)));
    worker.unref();
    this.#threads.push(t);
    return t;
  }

  /** Stops the threads; tasks still queued or running fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new LifeboatError('error', 'crypto pool: closed');
    for (const job of this.#queue.splice(0)) job.reject(err);
    await Promise.all(this.#threads.map(async (t) => {
      t.worker.removeAllListeners('exit');
      t.worker.removeAllListeners('message');
      await t.worker.terminate();
    }));
    for (const r of this.#running.values()) r.job.reject(err);
    this.#running.clear();
  }
}
