// Large short-lived ArrayBuffers (chunks, compressed and encrypted copies) are freed only when
// V8 collects their small JS wrappers, and V8 lets tens of MiB of such external memory pile up
// per isolate before it does. A stream of 1 GiB through the write path then peaks far above its
// live set. A young-generation collection every few MiB of turnover frees the buffers that died
// young (well under a millisecond on these heaps); every 8th is a full collection for those
// that were promoted meanwhile. `gc` is reachable without --expose-gc by setting the flag at run
// time and taking it from a fresh context; where that fails, the hint does nothing.
// Importing this module also keeps the young generation small (heap-tuning.ts).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import './heap-tuning.ts';

export type GcHint = (bytes: number) => void;

/** Returns a function to call with each buffer size dropped; it collects every `every` bytes. */
export function createGcHint(every: number): GcHint {
  let gc: ((opts: { type: 'minor' | 'major' }) => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as typeof gc;
  } catch {
    gc = undefined;
  }
  if (typeof gc !== 'function') return () => {};
  const collect = gc;
  let turnover = 0;
  let count = 0;
  return (bytes) => {
    turnover += bytes;
    if (turnover < every) return;
    turnover = 0;
    collect({ type: ++count % 8 === 0 ? 'major' : 'minor' });
  };
}

/**
 * A full collection now, where `gc` is reachable: a closed repository's buffers (packs, slots,
 * index) are garbage, and the next job of `backup --all` should not stack its peak on them.
 */
export function collectNow(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((opts: { type: 'major' }) => void) | undefined;
    if (typeof gc === 'function') gc({ type: 'major' });
  } catch {
    // no gc: V8 collects on its own schedule
  }
}
