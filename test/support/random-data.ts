// The one seeded data generator for tests: same seed, same bytes, so a failure reproduces.

import { createCipheriv, createHash } from 'node:crypto';

/** Mulberry32: a tiny seeded PRNG for choices (which row, which moment). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Incompressible pseudo-random bytes: the AES-CTR keystream of a key derived from the seed. */
export function pseudoRandom(size: number, seed: number): Buffer {
  const key = createHash('sha256').update(`seed-${seed}`).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}
