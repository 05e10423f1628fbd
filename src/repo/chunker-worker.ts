// Runs restic-compatible chunking on a worker thread, so the main thread (or other workers)
// can hash, compress and encrypt while the next chunk is being found. Same chunks as
// chunkStream(); reusable for many streams, one at a time.
import { siblingModule } from './sibling-module.ts';
import { Worker } from 'node:worker_threads';
import { AbortedError, LifeboatError } from '../errors.ts';
import type { ChunkerTables } from './chunker.ts';

export type ToWorker =
  | { type: 'start'; id: number }
  | { type: 'data'; id: number; buf: Uint8Array }
  | { type: 'end'; id: number };

type FromWorker =
  | { type: 'chunks' | 'done'; id: number; chunks: Uint8Array[] }
  | { type: 'error'; id: number; message: string };

/** Input buffers in flight to the worker: bounds memory to about this many reads plus one chunk. */
const MAX_IN_FLIGHT = 4;

export class ChunkerWorker {
  readonly #worker: Worker;
  #nextId = 1;
  #busy = false;
  #waiter: ((m: FromWorker | Error) => void) | undefined;
  #inbox: (FromWorker | Error)[] = [];

  constructor(tables: ChunkerTables) {
    this.#worker = new Worker(siblingModule(import.meta.url, 'chunker-worker-thread'), { workerData: tables });
    this.#worker.on('message', (m: FromWorker) => this.#deliver(m));
    this.#worker.on('error', (e) => this.#deliver(new LifeboatError('error', 'chunker worker: crashed', { cause: e })));
    this.#worker.on('exit', (code) => this.#deliver(new LifeboatError('error', `chunker worker: exited with code ${code}`)));
  }

  #deliver(m: FromWorker | Error): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(m);
    } else {
      this.#inbox.push(m);
    }
  }

  #receive(): Promise<FromWorker | Error> {
    const m = this.#inbox.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /**
   * Chunks one stream. Input buffers are copied before transfer, so the source may reuse them.
   * Breaking out of the loop or aborting leaves the worker ready for the next stream.
   */
  async *chunk(source: AsyncIterable<Uint8Array>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if (this.#busy) throw new LifeboatError('usage', 'chunker worker: already chunking another stream');
    this.#busy = true;
    const id = this.#nextId++;
    let inFlight = 0;
    const pending: Uint8Array[] = [];
    // Waits for one reply to this stream (dropping stale replies of cancelled streams).
    const receive = async (): Promise<FromWorker & { type: 'chunks' | 'done' }> => {
      for (;;) {
        const m = await this.#receive();
        if (m instanceof Error) throw m;
        if (m.id !== id) continue;
        if (m.type === 'error') throw new LifeboatError('error', `chunker worker: ${m.message}`);
        inFlight--;
        return m;
      }
    };
    try {
      this.#worker.postMessage({ type: 'start', id } satisfies ToWorker);
      for await (const buf of source) {
        if (signal?.aborted) throw new AbortedError('chunk stream: aborted', { cause: signal.reason });
        if (buf.length === 0) continue;
        const copy = buf.slice();
        this.#worker.postMessage({ type: 'data', id, buf: copy } satisfies ToWorker, [copy.buffer]);
        inFlight++;
        while (inFlight >= MAX_IN_FLIGHT) pending.push(...(await receive()).chunks);
        while (pending.length > 0) yield pending.shift()!;
      }
      this.#worker.postMessage({ type: 'end', id } satisfies ToWorker);
      inFlight++;
      for (;;) {
        const m = await receive();
        for (const c of m.chunks) yield c;
        if (m.type === 'done') break;
        if (signal?.aborted) throw new AbortedError('chunk stream: aborted', { cause: signal.reason });
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }
}
