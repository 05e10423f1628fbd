// `dump`: one file of a snapshot streamed to a writable (stdout, a pipe into pg_restore, …),
// blob by blob with backpressure, each blob verified against its ID before it is written.

import type { Writable } from 'node:stream';
import { AbortedError, IntegrityError, NotFoundError, UsageError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import { blobStream, fileContent, findNode, resolveSnapshot, type SnapshotRef } from './snapshot-walk.ts';

/** Waits for 'drain' (or close/error/abort), removing every listener it added. */
function drained(out: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: unknown) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onErr);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('output closed'));
    const onErr = (err: Error) => done(err);
    const onAbort = () => done(new AbortedError('dump interrupted'));
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onErr);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface DumpResult {
  bytes: number;
  /** The stored size of the file (what `bytes` should equal). */
  size: number;
}

/**
 * Writes the file at `pathInSnapshot` to `out`. Does not end `out` (it may be stdout).
 * Memory: about 4 blobs (≤ 32 MiB) regardless of the file's size.
 */
export async function dumpFile(
  repo: Repository, ref: SnapshotRef, pathInSnapshot: string, out: Writable, signal?: AbortSignal,
): Promise<DumpResult> {
  const snap = await resolveSnapshot(repo, ref, signal);
  const node = await findNode(repo, snap, pathInSnapshot, signal);
  if (!node) throw new UsageError(`dump ${pathInSnapshot}: is the snapshot's root directory, not a file`);
  const ids = fileContent(node, `dump ${pathInSnapshot}`);
  let failure: Error | undefined;
  const onError = (err: Error) => { failure = err; };
  out.on('error', onError);
  let bytes = 0;
  try {
    for await (const blob of blobStream(repo, ids, signal, 3)) {
      if (failure) throw failure;
      throwIfAborted(signal);
      bytes += blob.length;
      if (!out.write(blob)) await drained(out, signal);
    }
    if (failure) throw failure;
  } catch (err) {
    // A damaged or missing blob: name the file (the message names the blob and its pack).
    if (err instanceof IntegrityError || err instanceof NotFoundError) {
      throw new IntegrityError(`dump ${pathInSnapshot}: ${err.message}`, { cause: err, hint: 'the file\'s data is damaged in the repository; `lifeboat check --read-data` lists the damaged packs' });
    }
    throw err;
  } finally {
    out.off('error', onError);
  }
  return { bytes, size: node.size ?? 0 };
}
