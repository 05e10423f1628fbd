// Golden tests of the prune decision (pure: no repository). Each case pins which packs are
// removed, repacked (and which blobs are copied) or kept, and the figures prune reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BlobId, BlobLocation, BlobType, PackId } from '../../repo/types.ts';
import { decidePrune, type PruneFacts } from './plan.ts';

const pack = (n: number) => `${String(n).padStart(2, '0')}`.padEnd(64, 'a') as PackId;
const blob = (name: string) => name.padEnd(64, '0') as BlobId;

function facts(layout: Record<number, Array<[string, BlobType, number]>>, used: string[], extraFiles: number[] = []): PruneFacts {
  const blobs: BlobLocation[] = [];
  const files = new Map<PackId, number>();
  for (const [n, list] of Object.entries(layout)) {
    let offset = 0;
    for (const [name, type, length] of list) {
      blobs.push({ id: blob(name), type, pack: pack(Number(n)), offset, length });
      offset += length;
    }
    files.set(pack(Number(n)), offset + 100);
  }
  for (const n of extraFiles) files.set(pack(n), 500);
  const u = { trees: new Set<string>(), data: new Set<string>() };
  for (const name of used) (name.startsWith('t') ? u.trees : u.data).add(blob(name));
  return { snapshots: 2, indexFiles: [], files, blobs, used: u };
}

function summary(plan: ReturnType<typeof decidePrune>) {
  const short = (id: string) => Number(id.slice(0, 2));
  return {
    remove: plan.remove.map((p) => short(p.id)),
    repack: plan.repack.map((p) => [short(p.id), p.copy.map((b) => b.id.replace(/0+$/, ''))]),
    keep: plan.keep.map((p) => short(p.id)),
    unreferenced: plan.unreferenced.map((p) => short(p.id)),
    used: [plan.stats.usedBlobs, plan.stats.usedBytes],
    unused: [plan.stats.unusedBlobs, plan.stats.unusedBytes],
    duplicates: [plan.stats.duplicateBlobs, plan.stats.duplicateBytes],
    unusedAfter: plan.stats.unusedBytesAfter,
  };
}

const LAYOUT: Record<number, Array<[string, BlobType, number]>> = {
  1: [['d1', 'data', 1000], ['d2', 'data', 1000], ['d3', 'data', 1000]], // all used: keep
  2: [['d4', 'data', 1000], ['d5', 'data', 1000]], // nothing used: remove
  3: [['d6', 'data', 100], ['d7', 'data', 4000]], // mostly unused: repack, copy d6
  4: [['t1', 'tree', 200], ['d8', 'data', 300]], // tree and data mixed (v2 forbids): always repack
  5: [['d1', 'data', 1000], ['d9', 'data', 3000]], // a second copy of d1, and d9: fully used
};
const USED = ['d1', 'd2', 'd3', 'd6', 'd8', 't1', 'd9'];

test('golden: remove the unused, repack the wasteful and the mixed, keep the rest; duplicates live in the fuller pack', () => {
  // d1 is in packs 1 (3000 used bytes) and 5 (4000): its home is pack 5, so pack 1 holds a
  // duplicate and, with max-unused 0, is repacked for its d2 and d3.
  assert.deepEqual(summary(decidePrune(facts(LAYOUT, USED, [6]), { maxUnused: { kind: 'bytes', value: 0 } })), {
    remove: [2],
    repack: [[1, ['d2', 'd3']], [3, ['d6']], [4, ['t1', 'd8']]],
    keep: [5],
    unreferenced: [6],
    used: [7, 6600],
    unused: [3, 6000],
    duplicates: [1, 1000],
    unusedAfter: 0,
  });
});

test('golden: within max-unused, partly used packs stay; the mixed pack is repacked anyway', () => {
  assert.deepEqual(summary(decidePrune(facts(LAYOUT, USED), { maxUnused: { kind: 'unlimited' } })), {
    remove: [2],
    repack: [[4, ['t1', 'd8']]],
    keep: [1, 3, 5],
    unreferenced: [],
    used: [7, 6600],
    unused: [3, 6000],
    duplicates: [1, 1000],
    unusedAfter: 5000,
  });
});

test('golden: max-repack-size bounds what is rewritten, most wasteful pack first', () => {
  const plan = summary(decidePrune(facts(LAYOUT, USED), { maxUnused: { kind: 'bytes', value: 0 }, maxRepackBytes: 4200 + 600 }));
  assert.deepEqual(plan.repack, [[3, ['d6']], [4, ['t1', 'd8']]]);
  assert.deepEqual(plan.keep, [1, 5]);
});
