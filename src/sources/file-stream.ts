// Streaming a local file through an already-open handle. The handle is opened before the
// entry is handed out so that the file can be unlinked (temp dir cleanup) while a consumer is
// still reading it: on POSIX an open descriptor keeps the data alive.

import type { FileHandle } from 'node:fs/promises';
import { AbortedError, SourceError } from '../errors.ts';

const CHUNK = 1 << 20;

export interface HandleStream {
  stream: AsyncIterable<Uint8Array>;
  /** Settles when the stream was read to its end (rejects if reading failed or was abandoned). */
  done: Promise<void>;
  /** Close the handle if the stream was never started; safe to call more than once. */
  abandon(): Promise<void>;
}

export function streamHandle(fh: FileHandle, what: string, signal: AbortSignal | undefined): HandleStream {
  let started = false;
  let closed = false;
  let settle!: (err?: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // A consumer that never awaits `done` must not crash the process with an unhandled rejection.
  done.catch(() => {});

  async function* read(): AsyncGenerator<Uint8Array> {
    if (started) throw new SourceError(`${what}: stream can be read only once`, null, '');
    started = true;
    if (closed) throw new SourceError(`${what}: stream abandoned before it was read`, null, '');
    let position = 0;
    let ok = false;
    try {
      for (;;) {
        if (signal?.aborted) throw new AbortedError(`${what}: interrupted`);
        // A fresh buffer per chunk: the consumer may keep references to what we yield.
        const buf = new Uint8Array(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        yield bytesRead === CHUNK ? buf : buf.subarray(0, bytesRead);
      }
      ok = true;
    } catch (err) {
      settle(err);
      throw err;
    } finally {
      closed = true;
      await fh.close().catch(() => {});
      if (ok) settle();
      else settle(new SourceError(`${what}: stream was not read to its end`, null, ''));
    }
  }

  return {
    stream: { [Symbol.asyncIterator]: read },
    done,
    async abandon() {
      if (started || closed) return;
      closed = true;
      await fh.close().catch(() => {});
      settle(new SourceError(`${what}: stream abandoned before it was read`, null, ''));
    },
  };
}
