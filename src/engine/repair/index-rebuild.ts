// `repair index`: a new index from the packs that exist, as restic's `repair index` builds it.
// Readable index files are trusted for packs whose size matches them; every other pack in
// storage (in no readable index file, or of another size) is indexed from its own header.
// Packs the index lists that are gone are dropped. The new index files supersede every old one,
// and only once they are written are the old ones deleted: a crash in between leaves
// overlapping index files, whose union is still true. Packs whose header is unreadable are
// left out (restic check then calls them unreferenced, and prune removes them).

import { throwIfAborted } from '../../errors.ts';
import { readIndexFilesTolerantly } from '../../repo/index-file.ts';
import { readPackHeader } from '../../repo/pack.ts';
import { type RepackRepository, listIndexFiles, listPackFiles, writeIndexFiles } from '../../repo/repack.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobLocation, IndexId, PackId } from '../../repo/types.ts';
import { expectedPackSize } from '../checker/packs.ts';

export type RepairIndexRepository = RepackRepository & Pick<Repository, 'loadJson'>;

export interface RepairIndexOptions {
  /** Ignore the old index files and read every pack's header (restic --read-all-packs). */
  readAllPacks?: boolean;
  signal?: AbortSignal;
  /** One line per finding, as restic prints them. */
  onNotice?: (message: string) => void;
  onProgress?: (p: { phase: 'index' | 'packs' | 'write' | 'delete'; done: number; total: number }) => void;
}

export interface RepairIndexResult {
  indexFilesRead: number;
  /** Old index files that did not load (they are replaced like the others). */
  unreadableIndexFiles: string[];
  /** Packs in no readable index file, now indexed from their headers. */
  packsAdded: PackId[];
  /** Indexed packs whose size differed from the index, indexed again from their headers. */
  packsReindexed: PackId[];
  /** Packs the old index listed that are not in storage, dropped. */
  packsDropped: PackId[];
  /** Packs whose header could not be read; left out of the index. */
  unreadablePacks: Array<{ pack: PackId; message: string }>;
  packs: number;
  blobs: number;
  indexFilesWritten: number;
  indexFilesDeleted: number;
}

const short = (id: string) => id.slice(0, 8);

export async function repairIndex(repo: RepairIndexRepository, opts: RepairIndexOptions = {}): Promise<RepairIndexResult> {
  const { signal } = opts;
  const notice = opts.onNotice ?? (() => {});
  const oldFiles = await listIndexFiles(repo.storage, signal);
  const res: RepairIndexResult = {
    indexFilesRead: 0, unreadableIndexFiles: [], packsAdded: [], packsReindexed: [], packsDropped: [], unreadablePacks: [],
    packs: 0, blobs: 0, indexFilesWritten: 0, indexFilesDeleted: 0,
  };

  // Pack → its blobs, from the index files that load (deduplicated by offset).
  const fromIndex = new Map<PackId, Map<number, BlobLocation>>();
  if (!opts.readAllPacks) {
    let done = 0;
    await readIndexFilesTolerantly(repo, oldFiles, (_name, locs) => {
      res.indexFilesRead++;
      for (const l of locs) {
        let m = fromIndex.get(l.pack);
        if (!m) fromIndex.set(l.pack, (m = new Map()));
        m.set(l.offset, l);
      }
      opts.onProgress?.({ phase: 'index', done: ++done, total: oldFiles.length });
    }, (name, err) => {
      res.unreadableIndexFiles.push(name);
      notice(`removing invalid index ${short(name)}: ${err.message}`);
    }, signal);
  }

  const stored = await listPackFiles(repo.storage, signal);
  const toRead: Array<[PackId, number]> = [];
  const blobs: BlobLocation[] = [];
  for (const [pack, size] of [...stored].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const indexed = fromIndex.get(pack);
    if (!indexed) {
      if (!opts.readAllPacks) notice(`adding pack file ${short(pack)} to the index`);
      res.packsAdded.push(pack);
      toRead.push([pack, size]);
    } else if (expectedPackSize([...indexed.values()]) !== size) {
      notice(`reindexing pack file ${short(pack)}: its size ${size} differs from the index`);
      res.packsReindexed.push(pack);
      toRead.push([pack, size]);
    } else blobs.push(...indexed.values());
  }
  for (const pack of [...fromIndex.keys()].sort()) {
    if (stored.has(pack)) continue;
    notice(`removing pack file ${short(pack)} from the index: not found in storage`);
    res.packsDropped.push(pack);
  }

  let done = 0;
  await forEachLimit(toRead, 4, async ([pack, size]) => {
    throwIfAborted(signal);
    try {
      blobs.push(...(await readPackHeader(repo.storage, repo.masterKey, pack, size, signal)).map((b) => ({ ...b, pack })));
    } catch (err) {
      if (signal?.aborted) throw err;
      res.unreadablePacks.push({ pack, message: (err as Error).message });
      notice(`skipping pack file ${short(pack)}: header unreadable: ${(err as Error).message}`);
      res.packsAdded = res.packsAdded.filter((p) => p !== pack);
      res.packsReindexed = res.packsReindexed.filter((p) => p !== pack);
    }
    opts.onProgress?.({ phase: 'packs', done: ++done, total: toRead.length });
  });

  blobs.sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.offset - b.offset));
  res.packs = new Set(blobs.map((b) => b.pack)).size;
  res.blobs = new Set(blobs.map((b) => `${b.type}:${b.id}`)).size;
  opts.onProgress?.({ phase: 'write', done: 0, total: 1 });
  const written = await writeIndexFiles(repo, blobs, oldFiles, signal);
  res.indexFilesWritten = written.length;
  await deleteIndexFiles(repo, oldFiles.filter((id) => !written.includes(id)), res, opts);
  return res;
}

async function deleteIndexFiles(repo: RepairIndexRepository, old: IndexId[], res: RepairIndexResult, opts: RepairIndexOptions): Promise<void> {
  let done = 0;
  for (const id of old) {
    throwIfAborted(opts.signal);
    await repo.storage.remove({ type: 'index', name: id });
    res.indexFilesDeleted++;
    opts.onProgress?.({ phase: 'delete', done: ++done, total: old.length });
  }
}
