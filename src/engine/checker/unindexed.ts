// Step 2b: pack files no readable index file lists. Usually an interrupted (or running) backup
// left them; after a damaged or deleted index file they hold data snapshots need. Their headers
// are read (one ranged read each) and their blobs join the check's index, so the rest of the
// check, and --read-data, cover them. Each such pack is a warning tied to its blobs: the
// attribution walk names the snapshots that need it, and packs no snapshot needs stay the
// "not referenced in any index" hint restic prints too.

import { throwIfAborted } from '../../errors.ts';
import { readPackHeader } from '../../repo/pack.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { BlobLocation, PackId } from '../../repo/types.ts';
import type { LoadedIndex } from './index-load.ts';
import { type ProblemLog, blobKey } from './problem-log.ts';
import type { CheckableRepository, CheckProblem } from './types.ts';

const short = (id: string) => id.slice(0, 8);

/** Adds the blobs of stored, unindexed packs to `idx`; returns the packs read and their warnings. */
export async function indexUnindexedPacks(
  repo: CheckableRepository, idx: LoadedIndex, stored: Map<PackId, number>, log: ProblemLog, signal?: AbortSignal,
): Promise<{ packs: Set<PackId>; warnings: CheckProblem[] }> {
  const todo = [...stored].filter(([p]) => !idx.packs.has(p)).sort(([a], [b]) => (a < b ? -1 : 1));
  const found = new Map<PackId, BlobLocation[]>();
  await forEachLimit(todo, 4, async ([pack, size]) => {
    throwIfAborted(signal);
    try {
      found.set(pack, (await readPackHeader(repo.storage, repo.masterKey, pack, size, signal)).map((b) => ({ ...b, pack })));
    } catch (err) {
      if (signal?.aborted) throw err;
      log.hint(`pack ${short(pack)}: not referenced in any index, and its header is unreadable: ${(err as Error).message}`);
    }
  });
  const warnings: CheckProblem[] = [];
  for (const [pack, blobs] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // Blobs an index file already has elsewhere need nothing from this pack.
    const fresh = blobs.filter((b) => !idx.index.has(b.type, b.id));
    for (const b of blobs) idx.index.add(b);
    idx.packs.set(pack, [...blobs].sort((a, b) => a.offset - b.offset));
    if (fresh.length === 0) continue;
    warnings.push(log.warn({
      kind: 'pack-unindexed', pack,
      message: `pack ${short(pack)}: in no index file, but holds ${fresh.length} blob(s) found nowhere else; ` +
        'read from its header (run `lifeboat repair index`: restic cannot use them until then)',
    }, fresh.map((b) => blobKey(b.type, b.id))));
  }
  return { packs: new Set(found.keys()), warnings };
}
