// Let two consumers read the start of one stream, while the stream itself is read only once:
// `peek` records what it pulls, `replay()` gives those bytes again and then the rest. Used to
// read a custom-format dump's table of contents (`pg_restore --list` reads only the header)
// and then restore from the same repository stream, instead of streaming the dump twice.

import { SourceError } from '../errors.ts';

export interface ReplayableStream {
  /** The stream from its start. Ending it early leaves the source open for `replay()`. */
  peek: AsyncIterable<Uint8Array>;
  /** Everything `peek` pulled, then the rest of the source; closes the source when it ends. */
  replay(): AsyncGenerator<Uint8Array>;
  /** Stop the source without replaying it (the restore was refused). */
  close(): Promise<void>;
}

/**
 * `maxRecorded` bounds memory: peek's consumer should stop early (a header reader), so reading
 * past the bound means it did not, and the stream fails rather than being held in memory.
 */
export function replayable(source: AsyncIterable<Uint8Array>, maxRecorded: number, label: string): ReplayableStream {
  const it = source[Symbol.asyncIterator]();
  const recorded: Uint8Array[] = [];
  let recordedBytes = 0;
  let ended = false;

  async function* peek(): AsyncGenerator<Uint8Array> {
    // Chunks already recorded by an earlier peek are given again, so peek may run twice.
    for (const c of recorded) yield c;
    while (!ended) {
      const r = await it.next();
      if (r.done) { ended = true; return; }
      recordedBytes += r.value.byteLength;
      if (recordedBytes > maxRecorded) {
        throw new SourceError(`${label}: more than ${maxRecorded} bytes read before the restore could start`, null, '');
      }
      recorded.push(r.value);
      yield r.value;
    }
  }

  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      // Hand each recorded chunk over once, so its memory can go as the restore moves on.
      while (recorded.length > 0) yield recorded.shift()!;
      while (!ended) {
        const r = await it.next();
        if (r.done) { ended = true; return; }
        yield r.value;
      }
    } finally {
      if (!ended) await it.return?.();
    }
  }

  return {
    peek: { [Symbol.asyncIterator]: peek },
    replay,
    async close() {
      recorded.length = 0;
      if (!ended) { ended = true; await it.return?.(); }
    },
  };
}
