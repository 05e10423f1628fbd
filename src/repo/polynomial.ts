// The chunker polynomial: a random irreducible polynomial of degree 53 over GF(2), stored in the
// config. restic refuses to open a repository whose polynomial is reducible, so we test it.
// Polynomials are bigint bit-vectors: bit i is the coefficient of x^i.

import { randomBytes } from 'node:crypto';

export const POLYNOMIAL_DEGREE = 53;

function degree(a: bigint): number {
  return a === 0n ? -1 : a.toString(2).length - 1;
}

function mod(a: bigint, m: bigint): bigint {
  const dm = degree(m);
  let da = degree(a);
  while (da >= dm) {
    a ^= m << BigInt(da - dm);
    da = degree(a);
  }
  return a;
}

function mulMod(a: bigint, b: bigint, m: bigint): bigint {
  let r = 0n;
  while (b > 0n) {
    if (b & 1n) r ^= a;
    b >>= 1n;
    a <<= 1n;
  }
  return mod(r, m);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, mod(a, b)];
  return a;
}

/** Ben-Or: f of degree n is irreducible iff gcd(f, x^(2^i) - x mod f) = 1 for i = 1..n/2. */
export function isIrreducible(f: bigint): boolean {
  const n = degree(f);
  if (n < 1) return false;
  if ((f & 1n) === 0n) return n === 1 && f === 2n; // divisible by x
  let h = 2n; // x
  for (let i = 1; i <= n >> 1; i++) {
    h = mulMod(h, h, f); // x^(2^i) mod f
    if (gcd(f, h ^ 2n) !== 1n) return false;
  }
  return true;
}

/** A random irreducible polynomial of degree 53 (about 1 in 53 candidates qualifies). */
export function randomPolynomial(): bigint {
  for (let tries = 0; tries < 1_000_000; tries++) {
    let f = randomBytes(8).readBigUInt64LE(0);
    f &= (1n << BigInt(POLYNOMIAL_DEGREE)) - 1n;
    f |= (1n << BigInt(POLYNOMIAL_DEGREE)) | 1n;
    if (isIrreducible(f)) return f;
  }
  throw new Error('no irreducible polynomial found');
}

export function polynomialToHex(f: bigint): string {
  return f.toString(16);
}

export function polynomialFromHex(s: string): bigint {
  if (!/^(0x)?[0-9a-fA-F]+$/.test(s)) throw new Error(`invalid chunker polynomial ${JSON.stringify(s)}`);
  return BigInt(s.startsWith('0x') ? s : '0x' + s);
}
