// A counting semaphore: bounds blob saves (and so memory) and files read at once.

import { AbortedError } from '../../errors.ts';

export interface Limiter {
  /** Waits for a slot; resolves to its release function. Rejects with AbortedError on abort. */
  acquire(signal?: AbortSignal): Promise<() => void>;
}

export function createLimiter(slots: number): Limiter {
  let free = slots;
  const waiters: Array<() => void> = [];
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else free++;
  };
  const once = () => {
    let done = false;
    return () => {
      if (!done) { done = true; release(); }
    };
  };
  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new AbortedError());
      if (free > 0) {
        free--;
        return Promise.resolve(once());
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(once());
        };
        const onAbort = () => {
          const i = waiters.indexOf(grant);
          if (i >= 0) waiters.splice(i, 1);
          reject(new AbortedError());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push(grant);
      });
    },
  };
}
