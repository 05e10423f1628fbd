// A stream read that the abort signal can interrupt. A pending read on stdin or a pipe whose
// writer went quiet never settles by itself, so Ctrl-C must not wait for the next byte.

import { AbortedError } from '../../errors.ts';

export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) {
    yield* source;
    return;
  }
  const it = source[Symbol.asyncIterator]();
  // One short-lived abort listener per read. (A Promise.race against one long-lived abort
  // promise would leave a reaction on it per read, each holding that read's buffer: a 1 GiB
  // stream then stayed in memory until the end.)
  const next = () => new Promise<IteratorResult<T>>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError('read interrupted', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (r) => { signal.removeEventListener('abort', onAbort); resolve(r); },
      (e: unknown) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
  let finished = false;
  try {
    while (true) {
      const r = await next();
      if (r.done) {
        finished = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!finished) {
      // An async generator queues return() behind its pending next(), so a stream is released
      // by destroying it directly; other iterables get return().
      const stream = source as { destroy?: () => void };
      if (typeof stream.destroy === 'function') stream.destroy();
      else void Promise.resolve(it.return?.()).catch(() => {});
    }
  }
}
