// Carrying out a prune plan in an order that survives a crash at any point (restic-format 2.12:
// drop a pack from the index before deleting it):
//   1. copy the still-used blobs of packs to repack into new packs, then index the new packs;
//   2. write a new full index (kept packs + new packs) whose files supersede every old one;
//   3. delete the old index files;
//   4. only then delete unused, repacked and unreferenced pack files.
// After a crash in 1 the old index is intact and new packs are unreferenced or duplicates;
// in 2-3 old and new index files overlap (the union is still true); in 4 the remaining packs
// are unreferenced. Each is a repository `restic check` accepts, and the next prune finishes.

import { throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import { PackCopier, type RepackRepository, loadStoredBlobs, verifyStoredBlob, writeIndexFiles } from '../../repo/repack.ts';
import type { IndexId, PackId } from '../../repo/types.ts';
import type { ExecuteOptions, PrunePlan, PruneResult } from './types.ts';

export type ExecuteRepository = RepackRepository & Pick<Repository, 'listBlobs'>;

export async function executePrune(repo: ExecuteRepository, plan: PrunePlan, opts: ExecuteOptions = {}): Promise<PruneResult> {
  const { signal } = opts;
  const progress = async (p: Parameters<NonNullable<ExecuteOptions['onProgress']>>[0]) => {
    throwIfAborted(signal);
    await opts.onProgress?.(p);
  };
  const result: PruneResult = {
    packsDeleted: 0, packsWritten: 0, indexFilesWritten: 0, indexFilesDeleted: 0, bytesDeleted: 0, bytesWritten: 0, bytesReclaimed: 0,
  };
  if (plan.nothingToDo) {
    await progress({ phase: 'done' });
    return result;
  }

  const needsNewIndex = plan.remove.length > 0 || plan.repack.length > 0;
  const superseded: IndexId[] = [...plan.indexFiles];
  const newIndex = new Set<string>();
  let newBlobs: Awaited<ReturnType<PackCopier['finish']>> = [];

  // 1. Repack.
  if (plan.repack.length > 0) {
    const copier = new PackCopier(repo, { packSize: opts.packSize, signal });
    let done = 0;
    await progress({ phase: 'repack', done, total: plan.repack.length });
    for (const p of plan.repack) {
      const stored = await loadStoredBlobs(repo.storage, p.id, p.copy, signal);
      for (let i = 0; i < p.copy.length; i++) {
        await verifyStoredBlob(repo.masterKey, p.copy[i]!, stored[i]!);
        await copier.add(p.copy[i]!, stored[i]!);
      }
      await progress({ phase: 'repack', done: ++done, total: plan.repack.length });
    }
    newBlobs = await copier.finish();
    result.packsWritten = copier.packs.length;
    result.bytesWritten = copier.packs.reduce((s, p) => s + p.size, 0);
    // Index the new packs on their own first: until the full index exists, the old index
    // files plus this one describe every pack that exists.
    const ids = await writeIndexFiles(repo, newBlobs, [], signal);
    result.indexFilesWritten += ids.length;
    superseded.push(...ids);
  }

  // 2. The new full index.
  if (needsNewIndex) {
    await progress({ phase: 'write-index' });
    const keep = new Set<string>(plan.keep.map((p) => p.id));
    const blobs = [...repo.listBlobs()].filter((b) => keep.has(b.pack));
    blobs.push(...newBlobs);
    const ids = await writeIndexFiles(repo, blobs, superseded, signal);
    for (const id of ids) newIndex.add(id);
    result.indexFilesWritten += ids.length;

    // 3. Delete the old index files (never one we just wrote, should contents coincide).
    const old = superseded.filter((id) => !newIndex.has(id));
    let done = 0;
    for (const id of old) {
      await progress({ phase: 'delete-index', done: done++, total: old.length });
      await repo.storage.remove({ type: 'index', name: id });
      result.indexFilesDeleted++;
    }
  }

  // 4. Delete pack files no index lists any more.
  const doomed: Array<{ id: PackId; size: number }> = [...plan.remove, ...plan.repack, ...plan.unreferenced];
  let done = 0;
  for (const p of doomed) {
    await progress({ phase: 'delete-packs', done: done++, total: doomed.length });
    await repo.storage.remove({ type: 'data', name: p.id });
    result.packsDeleted++;
    result.bytesDeleted += p.size;
  }
  result.bytesReclaimed = result.bytesDeleted - result.bytesWritten;
  await progress({ phase: 'done' });
  return result;
}
