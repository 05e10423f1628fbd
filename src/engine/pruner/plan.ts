// Planning a prune: which packs to delete, repack or keep, from the blobs every snapshot uses
// against what the index lists. Pure over what it reads; nothing is written here.
//
// Choices (restic's prune decides the same way in spirit):
// - A blob stored in several packs is counted as used once, in the pack that is otherwise most
//   used; its other copies count as duplicates (unused space).
// - Packs with no used blob are deleted; fully used packs are kept; partly used packs are
//   repacked, most wasteful first, until the unused space left is within --max-unused (and the
//   repacked bytes within --max-repack-size).
// - A pack holding both data and tree blobs (which v2 forbids) is always repacked.
// - Pack files no index lists are deleted: under the exclusive lock no backup is writing, so they
//   are leftovers of a crashed run.
// - A pack the index lists but storage lacks is damage: prune refuses.

import { IntegrityError } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import { listIndexFiles, listPackFiles } from '../../repo/repack.ts';
import type { BlobLocation, IndexId, PackId } from '../../repo/types.ts';
import { markUsedBlobs } from './mark.ts';
import type { MaxUnused, PackUsage, PlanOptions, PrunePlan, RepackPack } from './types.ts';

export type PlanRepository = Pick<Repository, 'storage' | 'loadIndex' | 'listBlobs' | 'lookupBlob' | 'loadTree' | 'listSnapshots'>;

const HEADER_OVERHEAD = 32 + 4;

export function maxUnusedBytes(limit: MaxUnused, usedBytes: number): number {
  switch (limit.kind) {
    case 'unlimited': return Number.POSITIVE_INFINITY;
    case 'bytes': return limit.value;
    // p% of the repository after prune: unused / (used + unused) <= p.
    case 'percent': return limit.value >= 100 ? Number.POSITIVE_INFINITY : Math.floor((limit.value / (100 - limit.value)) * usedBytes);
  }
}

interface PackInfo {
  id: PackId;
  size: number;
  blobs: BlobLocation[];
  /** Used bytes counting every copy of a used blob (for choosing where a duplicate lives). */
  naiveUsed: number;
  types: Set<string>;
}

/** Everything a prune decision rests on, as read from the repository (gatherPruneFacts). */
export interface PruneFacts {
  snapshots: number;
  indexFiles: IndexId[];
  /** Pack files in storage: ID → size. */
  files: ReadonlyMap<PackId, number>;
  /** Every blob the index lists (a blob in several packs appears once per pack). */
  blobs: Iterable<BlobLocation>;
  /** Blobs the snapshots reach. */
  used: { trees: ReadonlySet<string>; data: ReadonlySet<string> };
}

/** Reads snapshots, index and pack list, marks used blobs and decides. Call under an exclusive lock. */
export async function planPrune(repo: PlanRepository, opts: PlanOptions = {}): Promise<PrunePlan> {
  const facts = await gatherPruneFacts(repo, opts);
  await opts.onProgress?.({ phase: 'plan' });
  return decidePrune(facts, opts);
}

/** The I/O half: what the snapshots use against what the index and storage hold. */
export async function gatherPruneFacts(repo: PlanRepository, opts: PlanOptions = {}): Promise<PruneFacts> {
  const { signal } = opts;
  // Order matters (restic-format 2.12): snapshots first, then the index, then the pack files.
  // Under the exclusive lock nothing changes meanwhile, but the order is also right without it.
  await opts.onProgress?.({ phase: 'mark' });
  const snapshots = (await repo.listSnapshots(signal)).filter((s) => !opts.ignoreSnapshots?.has(s.id));
  const indexFiles = await listIndexFiles(repo.storage, signal);
  await repo.loadIndex(signal);
  const files = await listPackFiles(repo.storage, signal);
  const used = await markUsedBlobs(repo, snapshots, { signal, onTree: (done) => opts.onProgress?.({ phase: 'mark', done }) });
  return { snapshots: snapshots.length, indexFiles, files, blobs: repo.listBlobs(), used };
}

/** The deciding half: pure, so it is pinned by golden tests (plan.test.ts). */
export function decidePrune(facts: PruneFacts, opts: Pick<PlanOptions, 'maxUnused' | 'maxRepackBytes'> = {}): PrunePlan {
  const { files, used } = facts;
  const packs = new Map<PackId, PackInfo>();
  for (const b of facts.blobs) {
    let p = packs.get(b.pack);
    if (!p) packs.set(b.pack, (p = { id: b.pack, size: files.get(b.pack) ?? -1, blobs: [], naiveUsed: 0, types: new Set() }));
    p.blobs.push(b);
    p.types.add(b.type);
    if (isUsed(used, b)) p.naiveUsed += b.length;
  }
  const missing = [...packs.values()].filter((p) => p.size < 0);
  if (missing.length > 0) {
    throw new IntegrityError(`prune: ${missing.length} packs listed in the index are missing from storage: ${missing.slice(0, 5).map((p) => p.id.slice(0, 8)).join(', ')}`, {
      hint: 'the repository is damaged; run check, and do not prune until it is repaired',
    });
  }

  // One home per used blob: the copy in the pack with the most used bytes (ties: pack ID).
  const home = new Map<string, BlobLocation>();
  const better = (a: PackInfo, b: PackInfo) => a.naiveUsed > b.naiveUsed || (a.naiveUsed === b.naiveUsed && a.id < b.id);
  for (const p of packs.values()) {
    for (const b of p.blobs) {
      if (!isUsed(used, b)) continue;
      const k = `${b.type}:${b.id}`;
      const cur = home.get(k);
      if (!cur || better(p, packs.get(cur.pack)!)) home.set(k, b);
    }
  }

  let usedBlobs = 0, usedBytes = 0, unusedBlobs = 0, unusedBytes = 0, duplicateBlobs = 0, duplicateBytes = 0;
  const usage = new Map<PackId, PackUsage>();
  for (const p of packs.values()) {
    const u: PackUsage = { id: p.id, size: p.size, usedBlobs: 0, usedBytes: 0, unusedBlobs: 0, unusedBytes: 0 };
    for (const b of p.blobs) {
      if (home.get(`${b.type}:${b.id}`) === b) {
        u.usedBlobs++;
        u.usedBytes += b.length;
      } else {
        u.unusedBlobs++;
        u.unusedBytes += b.length;
        if (isUsed(used, b)) { duplicateBlobs++; duplicateBytes += b.length; } else { unusedBlobs++; unusedBytes += b.length; }
      }
    }
    usedBlobs += u.usedBlobs;
    usedBytes += u.usedBytes;
    usage.set(p.id, u);
  }

  const remove: PackUsage[] = [];
  const keep: PackUsage[] = [];
  const partial: PackUsage[] = [];
  const mustRepack: PackUsage[] = [];
  for (const u of usage.values()) {
    if (u.usedBlobs === 0) remove.push(u);
    else if (packs.get(u.id)!.types.size > 1) mustRepack.push(u);
    else if (u.unusedBlobs === 0) keep.push(u);
    else partial.push(u);
  }
  const limit = maxUnusedBytes(opts.maxUnused ?? { kind: 'percent', value: 5 }, usedBytes);
  const maxRepack = opts.maxRepackBytes ?? Number.POSITIVE_INFINITY;
  // Most wasteful first: the most unused space freed per byte rewritten.
  partial.sort((a, b) => b.unusedBytes / b.size - a.unusedBytes / a.size || b.unusedBytes - a.unusedBytes || (a.id < b.id ? -1 : 1));
  let unusedLeft = partial.reduce((s, u) => s + u.unusedBytes, 0);
  let repackBytes = mustRepack.reduce((s, u) => s + u.size, 0);
  const toRepack: PackUsage[] = [...mustRepack];
  for (const u of partial) {
    if (unusedLeft > limit && repackBytes + u.size <= maxRepack) {
      toRepack.push(u);
      repackBytes += u.size;
      unusedLeft -= u.unusedBytes;
    } else keep.push(u);
  }

  // A used blob whose home is being repacked needs no copy if a kept pack has it too.
  const keptPacks = new Set(keep.map((u) => u.id));
  const keptCopy = new Set<string>();
  for (const id of keptPacks) for (const b of packs.get(id)!.blobs) keptCopy.add(`${b.type}:${b.id}`);
  const repack: RepackPack[] = toRepack.map((u) => {
    const copy = packs.get(u.id)!.blobs
      .filter((b) => home.get(`${b.type}:${b.id}`) === b && !keptCopy.has(`${b.type}:${b.id}`))
      .sort((a, b) => a.offset - b.offset);
    return { ...u, copy };
  });

  const unreferenced = [...files].filter(([id]) => !packs.has(id)).map(([id, size]) => ({ id, size }));
  const repackBlobs = repack.reduce((s, r) => s + r.copy.length, 0);
  const repackBlobBytes = repack.reduce((s, r) => s + r.copy.reduce((t, b) => t + b.length, 0), 0);
  const freed = [...remove, ...repack, ...unreferenced].reduce((s, p) => s + p.size, 0);
  const headerBytes = repack.reduce((s, r) => s + r.copy.reduce((t, b) => t + (b.uncompressedLength === undefined ? 37 : 41), 0), 0);
  const sortById = <T extends { id: string }>(l: T[]) => l.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    stats: {
      snapshots: facts.snapshots,
      trees: used.trees.size,
      usedBlobs, usedBytes, unusedBlobs, unusedBytes, duplicateBlobs, duplicateBytes,
      packsTotal: files.size,
      packsBytesTotal: [...files.values()].reduce((s, n) => s + n, 0),
      repackBlobs, repackBlobBytes,
      reclaimBytesEstimate: freed - repackBlobBytes - (repackBlobs > 0 ? headerBytes + 2 * HEADER_OVERHEAD : 0),
      unusedBytesAfter: keep.reduce((s, u) => s + u.unusedBytes, 0),
      maxUnusedBytes: limit,
    },
    remove: sortById(remove),
    repack: sortById(repack),
    keep: sortById(keep),
    unreferenced: sortById(unreferenced),
    indexFiles: [...facts.indexFiles].sort(),
    nothingToDo: remove.length === 0 && repack.length === 0 && unreferenced.length === 0,
  };
}

function isUsed(used: PruneFacts['used'], b: BlobLocation): boolean {
  return (b.type === 'tree' ? used.trees : used.data).has(b.id);
}
