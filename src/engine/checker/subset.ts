// --read-data-subset as restic 0.14 defines it: `n/t` picks the packs whose first ID byte
// modulo t equals n-1 (deterministic, so t runs with n = 1..t cover every pack exactly once);
// `x%` and a size (`500M`) pick packs at random.

import { UsageError } from '../../errors.ts';
import type { PackId } from '../../repo/types.ts';
import type { ReadDataSubset } from './types.ts';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

export function parseReadDataSubset(text: string): ReadDataSubset {
  const s = text.trim();
  let m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    const of = Number(m[2]);
    // Only the first byte of the pack ID decides, so more than 256 groups cannot exist.
    if (n < 1 || of < 1 || n > of || of > 256) {
      throw new UsageError(`--read-data-subset ${s}: n/t needs 1 ≤ n ≤ t ≤ 256`);
    }
    return { kind: 'fraction', n, of };
  }
  m = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (m) {
    const value = Number(m[1]);
    if (!(value > 0 && value <= 100)) throw new UsageError(`--read-data-subset ${s}: percentage must be in (0, 100]`);
    return { kind: 'percent', value };
  }
  m = /^(\d+(?:\.\d+)?)([kmgt]?)$/i.exec(s);
  if (m) {
    const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!);
    if (bytes <= 0) throw new UsageError(`--read-data-subset ${s}: size must be positive`);
    return { kind: 'size', bytes };
  }
  throw new UsageError(`--read-data-subset ${s}: expected n/t, x%, or a size like 500M`);
}

export function describeSubset(s: ReadDataSubset): string {
  if (s.kind === 'fraction') return `${s.n}/${s.of}`;
  if (s.kind === 'percent') return `${s.value}%`;
  return `${s.bytes} bytes`;
}

/** Chooses the packs to read; `packs` maps ID → size. Result sorted by ID. */
export function selectPacks(packs: ReadonlyMap<PackId, number>, subset: ReadDataSubset | undefined, random: () => number = Math.random): PackId[] {
  const all = [...packs.keys()].sort();
  if (!subset) return all;
  if (subset.kind === 'fraction') {
    return all.filter((p) => parseInt(p.slice(0, 2), 16) % subset.of === subset.n - 1);
  }
  const shuffled = shuffle(all, random);
  let chosen: PackId[];
  if (subset.kind === 'percent') {
    const count = Math.min(all.length, Math.max(1, Math.round((all.length * subset.value) / 100)));
    chosen = shuffled.slice(0, all.length === 0 ? 0 : count);
  } else {
    chosen = [];
    let total = 0;
    for (const p of shuffled) {
      if (total >= subset.bytes) break;
      chosen.push(p);
      total += packs.get(p)!;
    }
  }
  return chosen.sort();
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
