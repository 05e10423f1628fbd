import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../errors.ts';
import type { PackId } from '../../repo/types.ts';
import { parseReadDataSubset, selectPacks } from './subset.ts';

test('parseReadDataSubset accepts restic forms and rejects the rest', () => {
  assert.deepEqual(parseReadDataSubset('2/5'), { kind: 'fraction', n: 2, of: 5 });
  assert.deepEqual(parseReadDataSubset('12.5%'), { kind: 'percent', value: 12.5 });
  assert.deepEqual(parseReadDataSubset('500M'), { kind: 'size', bytes: 500 * 2 ** 20 });
  assert.deepEqual(parseReadDataSubset('2k'), { kind: 'size', bytes: 2048 });
  for (const bad of ['0/5', '6/5', '1/257', '0%', '101%', 'half', '', '-1/2']) {
    assert.throws(() => parseReadDataSubset(bad), UsageError, bad);
  }
});

test('selectPacks: n/t groups by first ID byte and covers each pack once; x% and size are random', () => {
  const packs = new Map<PackId, number>();
  for (let i = 0; i < 200; i++) packs.set(randomBytes(32).toString('hex') as PackId, 1000 + i);
  const seen = new Set<string>();
  for (let n = 1; n <= 7; n++) {
    for (const p of selectPacks(packs, { kind: 'fraction', n, of: 7 })) {
      assert.equal(parseInt(p.slice(0, 2), 16) % 7, n - 1);
      assert.ok(!seen.has(p));
      seen.add(p);
    }
  }
  assert.equal(seen.size, 200);
  assert.equal(selectPacks(packs, { kind: 'percent', value: 50 }).length, 100);
  assert.equal(selectPacks(packs, { kind: 'percent', value: 0.1 }).length, 1, 'at least one pack');
  const a = selectPacks(packs, { kind: 'percent', value: 10 }, seeded(1));
  assert.deepEqual(a, selectPacks(packs, { kind: 'percent', value: 10 }, seeded(1)));
  assert.notDeepEqual(a, selectPacks(packs, { kind: 'percent', value: 10 }, seeded(2)));
  const bySize = selectPacks(packs, { kind: 'size', bytes: 5000 });
  const total = bySize.reduce((s, p) => s + packs.get(p)!, 0);
  assert.ok(total >= 5000 && total < 5000 + 1200, `${total}`);
  assert.equal(selectPacks(new Map(), { kind: 'percent', value: 50 }).length, 0);
});

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}
