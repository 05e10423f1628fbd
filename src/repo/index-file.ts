// Index files (index/<id>) and the in-memory master index built from all of them.
// Index files may overlap and may list `supersedes`; the union of all of them is always safe
// to use, because every listed location was true when it was written.

import { IntegrityError } from '../errors.ts';
import type { BlobId, BlobLocation, BlobType, IndexId, PackId } from './types.ts';

export interface IndexFileJson {
  supersedes?: string[];
  packs: Array<{
    id: string;
    blobs: Array<{ id: string; type: BlobType; offset: number; length: number; uncompressed_length?: number }>;
  }>;
  [unknown: string]: unknown;
}

/** restic's own limit for one index file is about this many blobs, which keeps it a few MiB. */
export const MAX_BLOBS_PER_INDEX_FILE = 50_000;

export function parseIndexFile(value: unknown, subject: string): BlobLocation[] {
  // Very old repositories wrote a bare array of packs.
  const packs = Array.isArray(value) ? value : (value as IndexFileJson | null)?.packs;
  if (!Array.isArray(packs)) throw new IntegrityError(`load ${subject}: no packs list`);
  const out: BlobLocation[] = [];
  for (const p of packs as IndexFileJson['packs']) {
    if (typeof p?.id !== 'string' || !Array.isArray(p.blobs)) throw new IntegrityError(`load ${subject}: malformed pack entry`);
    for (const b of p.blobs) {
      if (typeof b.id !== 'string' || (b.type !== 'data' && b.type !== 'tree') || typeof b.offset !== 'number' || typeof b.length !== 'number') {
        throw new IntegrityError(`load ${subject}: malformed blob entry in pack ${p.id.slice(0, 8)}`);
      }
      const loc: BlobLocation = { id: b.id as BlobId, type: b.type, pack: p.id as PackId, offset: b.offset, length: b.length };
      if (typeof b.uncompressed_length === 'number' && b.uncompressed_length > 0) loc.uncompressedLength = b.uncompressed_length;
      out.push(loc);
    }
  }
  return out;
}

/** Builds index file JSON for blobs of finished packs, grouped by pack. */
export function buildIndexFile(blobs: readonly BlobLocation[], supersedes?: readonly IndexId[]): IndexFileJson {
  const byPack = new Map<string, IndexFileJson['packs'][number]>();
  for (const b of blobs) {
    let p = byPack.get(b.pack);
    if (!p) byPack.set(b.pack, (p = { id: b.pack, blobs: [] }));
    const e: IndexFileJson['packs'][number]['blobs'][number] = { id: b.id, type: b.type, offset: b.offset, length: b.length };
    if (b.uncompressedLength !== undefined) e.uncompressed_length = b.uncompressedLength;
    p.blobs.push(e);
  }
  const out: IndexFileJson = { packs: [...byPack.values()] };
  if (supersedes?.length) out.supersedes = [...supersedes];
  return out;
}

/**
 * The union of all index files. Memory: one small object per (blob, pack); a repository with
 * millions of blobs costs a few hundred MB here, which a compact table can replace later.
 */
export class MasterIndex {
  private readonly data = new Map<string, BlobLocation | BlobLocation[]>();
  private readonly tree = new Map<string, BlobLocation | BlobLocation[]>();
  private readonly packs = new Set<string>();

  private map(t: BlobType): Map<string, BlobLocation | BlobLocation[]> {
    return t === 'data' ? this.data : this.tree;
  }

  add(loc: BlobLocation): void {
    const m = this.map(loc.type);
    const cur = m.get(loc.id);
    if (cur === undefined) m.set(loc.id, loc);
    else {
      const list = Array.isArray(cur) ? cur : [cur];
      if (list.some((l) => l.pack === loc.pack && l.offset === loc.offset)) return; // overlap
      list.push(loc);
      if (!Array.isArray(cur)) m.set(loc.id, list);
    }
    this.packs.add(loc.pack);
  }

  has(type: BlobType, id: string): boolean {
    return this.map(type).has(id);
  }

  lookup(type: BlobType, id: string): BlobLocation | undefined {
    const cur = this.map(type).get(id);
    return Array.isArray(cur) ? cur[0] : cur;
  }

  /** Every known location of a blob (several when packs hold duplicates). */
  lookupAll(type: BlobType, id: string): BlobLocation[] {
    const cur = this.map(type).get(id);
    return cur === undefined ? [] : Array.isArray(cur) ? cur : [cur];
  }

  *blobs(): Iterable<BlobLocation> {
    for (const m of [this.data, this.tree]) {
      for (const v of m.values()) {
        if (Array.isArray(v)) yield* v;
        else yield v;
      }
    }
  }

  packIds(): Iterable<PackId> {
    return this.packs.values() as Iterable<PackId>;
  }

  hasPack(id: string): boolean {
    return this.packs.has(id);
  }

  get blobCount(): number {
    return this.data.size + this.tree.size;
  }

  clear(): void {
    this.data.clear();
    this.tree.clear();
    this.packs.clear();
  }
}
