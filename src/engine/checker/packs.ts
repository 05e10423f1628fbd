// Step 2: pack files against the index (existence, size, header) and, with read-data, their
// content: the whole file's sha256 against its name and every blob verified. One pack in
// memory per concurrent read.

import { throwIfAborted } from '../../errors.ts';
import { CRYPTO_OVERHEAD, sha256Hex } from '../../repo/crypto.ts';
import { type PackedBlob, headerEntrySize, parsePack, readPackHeader } from '../../repo/pack.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { BlobLocation, PackId } from '../../repo/types.ts';
import { verifyBlob } from './blob-reader.ts';
import type { LoadedIndex } from './index-load.ts';
import { type ProblemLog, blobKey } from './problem-log.ts';
import type { CheckableRepository, CheckProgress } from './types.ts';

const short = (id: string) => id.slice(0, 8);

/** Size a pack must have given its index entries: blobs + encrypted header + 4-byte length. */
export function expectedPackSize(blobs: readonly BlobLocation[]): number {
  let n = 4 + CRYPTO_OVERHEAD;
  for (const b of blobs) n += b.length + headerEntrySize(b);
  return n;
}

const keysOf = (blobs: readonly BlobLocation[]) => blobs.map((b) => blobKey(b.type, b.id));

/** Lists pack files and checks them against the index; returns name → size of packs in storage. */
export async function checkPackFiles(repo: CheckableRepository, idx: LoadedIndex, log: ProblemLog, signal?: AbortSignal): Promise<Map<PackId, number>> {
  const stored = new Map<PackId, number>();
  for await (const f of repo.storage.list('data', signal)) stored.set(f.name as PackId, f.size);
  for (const [pack, blobs] of idx.packs) {
    const size = stored.get(pack);
    if (size === undefined) {
      log.add({ kind: 'pack-missing', pack, message: `pack ${short(pack)}: listed in the index (${blobs.length} blob${blobs.length === 1 ? '' : 's'}) but missing from storage` }, keysOf(blobs));
      continue;
    }
    const want = expectedPackSize(blobs);
    if (size !== want) {
      log.add({ kind: 'size-mismatch', pack, message: `pack ${short(pack)}: file is ${size} bytes, the index implies ${want}` }, keysOf(blobs));
    }
  }
  // restic 0.14 calls these non-critical: usually an interrupted backup or prune left them.
  for (const pack of [...stored.keys()].sort()) {
    if (!idx.packs.has(pack)) log.hint(`pack ${short(pack)}: not referenced in any index`);
  }
  return stored;
}

/** Compares a pack's header with the index entries for it. */
export function compareHeader(pack: PackId, header: readonly PackedBlob[], indexed: readonly BlobLocation[], log: ProblemLog): void {
  const byOffset = new Map(header.map((h) => [h.offset, h]));
  for (const b of indexed) {
    const h = byOffset.get(b.offset);
    const what = `${b.type} blob ${short(b.id)} at offset ${b.offset}`;
    let diff: string | undefined;
    if (!h) diff = 'no blob starts there in the pack header';
    else if (h.id !== b.id) diff = `the pack header has blob ${short(h.id)} there`;
    else if (h.type !== b.type) diff = `the pack header says ${h.type}`;
    else if (h.length !== b.length) diff = `the pack header says length ${h.length}, the index ${b.length}`;
    else if (h.uncompressedLength !== b.uncompressedLength) {
      diff = `the pack header says uncompressed length ${h.uncompressedLength ?? 'none'}, the index ${b.uncompressedLength ?? 'none'}`;
    }
    if (diff) log.add({ kind: 'pack-header-mismatch', pack, blob: b.id, message: `pack ${short(pack)}: index lists ${what}, but ${diff}` }, [blobKey(b.type, b.id)]);
  }
  const indexedOffsets = new Set(indexed.map((b) => b.offset));
  const extra = header.filter((h) => !indexedOffsets.has(h.offset)).length;
  if (extra > 0) log.hint(`pack ${short(pack)}: ${extra} blob(s) in the pack are not in the index`);
}

/** Without read-data: one ranged read of each pack's tail, header compared with the index. */
export async function checkPackHeaders(
  repo: CheckableRepository, idx: LoadedIndex, stored: Map<PackId, number>, log: ProblemLog,
  signal?: AbortSignal, onProgress?: (p: CheckProgress) => void,
): Promise<void> {
  const packs = [...idx.packs.keys()].filter((p) => stored.has(p)).sort();
  let done = 0;
  await forEachLimit(packs, 4, async (pack) => {
    throwIfAborted(signal);
    const blobs = idx.packs.get(pack)!;
    let header: PackedBlob[];
    try {
      header = await readPackHeader(repo.storage, repo.masterKey, pack, stored.get(pack), signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      log.add({ kind: 'pack-header-unreadable', pack, message: `pack ${short(pack)}: header unreadable: ${(err as Error).message}` }, keysOf(blobs));
      return;
    }
    compareHeader(pack, header, blobs, log);
    onProgress?.({ phase: 'packs', done: ++done, total: packs.length });
  });
}

export interface ReadDataResult {
  packsRead: number;
  bytesRead: number;
}

/** Reads whole packs, verifying the pack hash, the header and every indexed blob. */
export async function readPacks(
  repo: CheckableRepository, idx: LoadedIndex, packs: readonly PackId[], log: ProblemLog,
  opts: { concurrency: number; signal?: AbortSignal; onProgress?: (p: CheckProgress) => void },
): Promise<ReadDataResult> {
  const { signal } = opts;
  const res: ReadDataResult = { packsRead: 0, bytesRead: 0 };
  await forEachLimit(packs, opts.concurrency, async (pack) => {
    throwIfAborted(signal);
    const blobs = idx.packs.get(pack) ?? [];
    let bytes: Uint8Array;
    try {
      bytes = await repo.storage.load({ type: 'data', name: pack }, undefined, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      log.add({ kind: 'pack-unreadable', pack, message: `pack ${short(pack)}: ${(err as Error).message}` }, keysOf(blobs));
      return;
    }
    res.packsRead++;
    res.bytesRead += bytes.length;
    await verifyPackBytes(repo, pack, bytes, blobs, log);
    opts.onProgress?.({ phase: 'read-data', done: res.packsRead, total: packs.length, bytes: res.bytesRead });
  });
  return res;
}

async function verifyPackBytes(repo: CheckableRepository, pack: PackId, bytes: Uint8Array, blobs: readonly BlobLocation[], log: ProblemLog): Promise<void> {
  const actual = sha256Hex(bytes);
  const corrupt = actual !== pack
    ? log.add({ kind: 'pack-corrupt', pack, message: `pack ${short(pack)}: content hash is ${short(actual)}, not its name (file damaged)` })
    : undefined;
  try {
    compareHeader(pack, parsePack(repo.masterKey, bytes, pack), blobs, log);
  } catch (err) {
    log.add({ kind: 'pack-header-unreadable', pack, message: `pack ${short(pack)}: header unreadable: ${(err as Error).message}` });
  }
  // Verify what the index points at: that is what a restore would read.
  for (const b of blobs) {
    const key = blobKey(b.type, b.id);
    const end = b.offset + b.length;
    let message: string | undefined;
    if (end > bytes.length) message = `${b.type} blob ${short(b.id)} in pack ${short(pack)}: extends past the end of the pack (${end} > ${bytes.length} bytes)`;
    else {
      try {
        await verifyBlob(repo.masterKey, b, bytes.subarray(b.offset, end));
      } catch (err) {
        message = (err as Error).message; // names blob and pack already
      }
    }
    if (message === undefined) continue;
    log.add({ kind: 'blob-corrupt', pack, blob: b.id, message }, [key]);
    if (corrupt) log.tie(corrupt, key);
  }
}
