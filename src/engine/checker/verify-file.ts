// Is a file of a snapshot whole? Used before a database restore touches its target: a dump
// with a missing or damaged blob must be refused up front, not half applied. Two depths:
// `presence` (every blob is in the index, in a pack that exists: no reads) and `read` (every
// blob is read and verified — MAC, decryption, decompression, sha256 — in parallel, and thrown
// away). Either way the first problems found name the blob and its pack.

import { IntegrityError, NotFoundError, throwIfAborted } from '../../errors.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId } from '../../repo/types.ts';

export interface FileProblem {
  blob: BlobId;
  /** The pack the index places it in, when known. */
  pack?: string;
  message: string;
}

const short = (id: string) => id.slice(0, 8);

export async function verifyFileContent(
  repo: Pick<Repository, 'lookupBlob' | 'loadBlob' | 'listBlobs'>, ids: readonly BlobId[],
  opts: { read: boolean; signal?: AbortSignal; concurrency?: number; onProgress?: (done: number, total: number) => void },
): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const unique = [...new Set(ids)];
  const absent = unique.filter((id) => repo.lookupBlob('data', id) === undefined);
  if (absent.length > 0) {
    // Name the pack of a blob whose pack is gone (lookups no longer see it): one pass over the index.
    const packOf = new Map<string, string>();
    const want = new Set<string>(absent);
    for (const b of repo.listBlobs()) if (b.type === 'data' && want.has(b.id) && !packOf.has(b.id)) packOf.set(b.id, b.pack);
    for (const id of absent) {
      const pack = packOf.get(id);
      problems.push({ blob: id, pack, message: pack ? `data blob ${short(id)}: its pack ${short(pack)} is missing from storage` : `data blob ${short(id)}: in no index` });
    }
    return problems;
  }
  if (!opts.read) return problems;
  let done = 0;
  await forEachLimit(unique, opts.concurrency ?? 4, async (id) => {
    throwIfAborted(opts.signal);
    if (problems.length >= 10) return;
    try {
      await repo.loadBlob('data', id, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted || !(err instanceof IntegrityError || err instanceof NotFoundError)) throw err;
      problems.push({ blob: id, pack: repo.lookupBlob('data', id)?.pack, message: (err as Error).message });
    }
    opts.onProgress?.(++done, unique.length);
  });
  return problems;
}
