// Chunks one byte stream and stores its chunks as data blobs. Reading and chunking go on while
// earlier chunks are compressed, encrypted and written: a shared limiter bounds the saves in
// flight across all files. Chunks are views into reused buffers, handed on once copied, so
// memory is bounded by the repository's slots and packs plus 8 MiB per file being read.

import { chunkStream, type ChunkerParams, type ChunkerTables } from '../../repo/chunker.ts';
import { abortable } from './abortable.ts';
import type { Repository, SaveBlobResult } from '../../repo/repository-api.ts';
import type { BlobId, Snapshot, SnapshotId } from '../../repo/types.ts';
import { AbortedError, throwIfAborted } from '../../errors.ts';
import type { Limiter } from './limiter.ts';
import type { BackupError, BackupOptions, BackupStats } from './types.ts';
import { snapshotSummary } from './snapshot-meta.ts';

export interface SaveContext {
  repo: Repository;
  tables: ChunkerTables;
  /** Chunk bounds (default restic's, which file data must keep: it dedups with restic's blobs). */
  chunker?: ChunkerParams;
  blobSlots: Limiter;
  signal: AbortSignal;
  stats: BackupStats;
  /** When the archiver started: backup_start of the summary unless opts.startedAt says otherwise. */
  started: Date;
  errors: BackupError[];
  opts: BackupOptions;
}

export interface SavedContent {
  content: BlobId[];
  size: number;
}

function account(stats: BackupStats, r: SaveBlobResult, plainSize: number): void {
  if (r.known) stats.blobsKnown++;
  else {
    stats.blobsNew++;
    stats.bytesAdded += r.storedSize;
    stats.dataAdded += plainSize;
  }
}

/** Stores a stream's chunks; resolves to the blob list once every chunk is saved. */
export async function saveContent(ctx: SaveContext, source: AsyncIterable<Uint8Array>): Promise<SavedContent> {
  const pending: Promise<SaveBlobResult>[] = [];
  const lengths: number[] = [];
  let size = 0;
  try {
    for await (const chunk of chunkStream(abortable(source, ctx.signal), ctx.tables, ctx.signal, ctx.chunker)) {
      size += chunk.length;
      ctx.stats.bytesRead += chunk.length;
      ctx.stats.bytesProcessed += chunk.length;
      const release = await ctx.blobSlots.acquire(ctx.signal);
      let taken!: () => void;
      const chunkFree = new Promise<void>((r) => { taken = r; });
      const p = ctx.repo.saveBlob('data', chunk, ctx.signal, taken).finally(release);
      p.catch(() => {}); // awaited below; avoid an unhandled rejection meanwhile
      pending.push(p);
      lengths.push(chunk.length);
      // The chunk is a view the chunker reuses: move on once the repository holds its own copy
      // (it is copied into a transfer slot at once; the sealing goes on in the background).
      await chunkFree;
    }
  } catch (err) {
    await Promise.allSettled(pending);
    throw err;
  }
  const results = await Promise.all(pending);
  results.forEach((r, i) => account(ctx.stats, r, lengths[i]!));
  return { content: results.map((r) => r.id), size };
}

/** Records an item that could not be backed up; the backup goes on without it. */
export function recordError(ctx: SaveContext, path: string, err: unknown): void {
  if (err instanceof AbortedError || ctx.signal.aborted) throw err;
  const e: BackupError = { path, message: err instanceof Error ? err.message : String(err) };
  ctx.stats.errors++;
  if (ctx.errors.length < 100) ctx.errors.push(e);
  ctx.opts.onError?.(e);
}

/** Saves the root tree's snapshot once all packs and the index are written (restic's order). */
export async function finishSnapshot(ctx: SaveContext, snapshot: Snapshot): Promise<SnapshotId> {
  throwIfAborted(ctx.signal);
  await ctx.repo.flush(ctx.signal);
  throwIfAborted(ctx.signal);
  snapshot.summary = snapshotSummary(ctx.stats, ctx.opts.startedAt ?? ctx.started, new Date());
  return ctx.repo.saveSnapshot(snapshot, ctx.signal);
}

/** An AbortSignal that fires when the caller's does or when the backup fails internally. */
export function linkedAbort(signal: AbortSignal | undefined): AbortController {
  const ac = new AbortController();
  if (signal) {
    if (signal.aborted) ac.abort(signal.reason);
    else signal.addEventListener('abort', () => ac.abort(signal.reason), { once: true });
  }
  return ac;
}
