// Finding damaged packs by reading them (repair snapshots --read-data) and salvaging what is
// intact in them, as restic's `repair packs` does: every blob that still verifies and has no
// intact copy in a healthy pack is copied (as stored, after verifying it) into a new pack, which
// is indexed at once. The damaged packs can then leave the index and storage.

import { throwIfAborted } from '../../errors.ts';
import { sha256Hex } from '../../repo/crypto.ts';
import { PackCopier, type RepackRepository, loadStoredBlobs, verifyStoredBlob, writeIndexFiles } from '../../repo/repack.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { BlobLocation, PackId } from '../../repo/types.ts';

export interface DamagedPack {
  pack: PackId;
  /** Why the pack counts as damaged (its first problem). */
  reason: string;
  /** Indexed blobs that do not verify. */
  bad: BlobLocation[];
  /** Indexed blobs that verify. */
  good: BlobLocation[];
}

export interface DamageScan {
  damaged: DamagedPack[];
  packsRead: number;
  bytesRead: number;
}

const short = (id: string) => id.slice(0, 8);

/** Reads each pack whole: its hash must be its name and every indexed blob must verify. */
export async function findDamagedPacks(
  repo: RepackRepository, packs: ReadonlyMap<PackId, readonly BlobLocation[]>,
  opts: { signal?: AbortSignal; concurrency?: number; onProgress?: (done: number, total: number, bytes: number) => void } = {},
): Promise<DamageScan> {
  const { signal } = opts;
  const scan: DamageScan = { damaged: [], packsRead: 0, bytesRead: 0 };
  const list = [...packs.keys()].sort();
  await forEachLimit(list, opts.concurrency ?? 2, async (pack) => {
    throwIfAborted(signal);
    const blobs = packs.get(pack)!;
    let bytes: Uint8Array;
    try {
      bytes = await repo.storage.load({ type: 'data', name: pack }, undefined, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      scan.damaged.push({ pack, reason: `unreadable: ${(err as Error).message}`, bad: [...blobs], good: [] });
      return;
    }
    scan.packsRead++;
    scan.bytesRead += bytes.length;
    const d: DamagedPack = { pack, reason: '', bad: [], good: [] };
    if (sha256Hex(bytes) !== pack) d.reason = 'content hash differs from its name';
    for (const b of blobs) {
      try {
        if (b.offset + b.length > bytes.length) throw new Error(`extends past the end of the pack`);
        await verifyStoredBlob(repo.masterKey, b, bytes.subarray(b.offset, b.offset + b.length));
        d.good.push(b);
      } catch (err) {
        d.bad.push(b);
        d.reason ||= `${b.type} blob ${short(b.id)}: ${(err as Error).message}`;
      }
    }
    if (d.reason) scan.damaged.push(d);
    opts.onProgress?.(scan.packsRead, list.length, scan.bytesRead);
  });
  scan.damaged.sort((a, b) => (a.pack < b.pack ? -1 : 1));
  return scan;
}

/**
 * Copies the intact blobs of damaged packs that `needed` says have no other intact copy into new
 * packs and indexes them (an index file of their own). Returns the new locations.
 */
export async function salvageBlobs(
  repo: RepackRepository, damaged: readonly DamagedPack[], needed: (b: BlobLocation) => boolean, signal?: AbortSignal,
): Promise<BlobLocation[]> {
  const copier = new PackCopier(repo, { signal });
  const seen = new Set<string>();
  for (const d of damaged) {
    const want = d.good.filter((b) => {
      const k = `${b.type}:${b.id}`;
      if (seen.has(k) || !needed(b)) return false;
      seen.add(k);
      return true;
    });
    if (want.length === 0) continue;
    // One blob at a time: the damage may lie between them, and a short read must not cost the rest.
    for (const b of want) {
      throwIfAborted(signal);
      const [stored] = await loadStoredBlobs(repo.storage, d.pack, [b], signal);
      await verifyStoredBlob(repo.masterKey, b, stored!);
      await copier.add(b, stored!);
    }
  }
  const written = await copier.finish();
  if (written.length > 0) await writeIndexFiles(repo, written, [], signal);
  return written;
}
