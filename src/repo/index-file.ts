// Index files (index/<id>) and the in-memory master index built from all of them.
// Index files may overlap and may list `supersedes`; the union of all of them is always safe
// to use, because every listed location was true when it was written.

import { IntegrityError, throwIfAborted } from '../errors.ts';
import { forEachLimit } from './for-each-limit.ts';
import type { BlobId, BlobLocation, BlobType, IndexId, PackId } from './types.ts';
import { MasterIndex } from './master-index.ts';

export { MasterIndex };

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
 * Adds an index file's blobs to `index` without building a BlobLocation per blob (the path that
 * opens large repositories); validates as parseIndexFile does. Returns the number of blobs.
 */
export function addIndexFileTo(index: MasterIndex, value: unknown, subject: string): number {
  const packs = Array.isArray(value) ? value : (value as IndexFileJson | null)?.packs;
  if (!Array.isArray(packs)) throw new IntegrityError(`load ${subject}: no packs list`);
  let n = 0;
  for (const p of packs as IndexFileJson['packs']) {
    if (typeof p?.id !== 'string' || !Array.isArray(p.blobs)) throw new IntegrityError(`load ${subject}: malformed pack entry`);
    for (const b of p.blobs) {
      if (typeof b?.id !== 'string' || b.id.length !== 64 || (b.type !== 'data' && b.type !== 'tree') || typeof b.offset !== 'number' || typeof b.length !== 'number') {
        throw new IntegrityError(`load ${subject}: malformed blob entry in pack ${p.id.slice(0, 8)}`);
      }
    }
    try {
      index.addPackEntries(p.id, p.blobs);
    } catch (err) {
      throw new IntegrityError(`load ${subject}: ${(err as Error).message}`, { cause: err });
    }
    n += p.blobs.length;
  }
  return n;
}

/**
 * Loads and parses index files, four at a time, for the tools that must go on past damage
 * (check, repair index): each readable file's blobs go to `onFile`, each unreadable one (with
 * why) to `onUnreadable`. An abort rejects.
 */
export async function readIndexFilesTolerantly(
  repo: { loadJson(type: 'index', id: string, signal?: AbortSignal): Promise<unknown> },
  names: readonly string[],
  onFile: (name: string, locs: BlobLocation[]) => void,
  onUnreadable: (name: string, err: Error) => void,
  signal?: AbortSignal,
): Promise<void> {
  await forEachLimit(names, 4, async (name) => {
    throwIfAborted(signal);
    let locs: BlobLocation[];
    try {
      locs = parseIndexFile(await repo.loadJson('index', name, signal), `index ${name.slice(0, 8)}`);
    } catch (err) {
      if (signal?.aborted) throw err;
      onUnreadable(name, err as Error);
      return;
    }
    onFile(name, locs);
  });
}
