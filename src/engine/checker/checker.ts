// checkRepository: restic's `check`. Order: index files → pack files (existence, size, header;
// packs no index lists read from their headers) → [read data] → snapshots and trees → naming
// the snapshots and paths each problem affects.
// Content is read before the tree walk so one walk knows every damaged blob; the walk then
// marks which trees lead to damage and a second walk visits only those.

import { throwIfAborted } from '../../errors.ts';
import { loadIndexFiles } from './index-load.ts';
import { checkPackFiles, checkPackHeaders, readPacks } from './packs.ts';
import { ProblemLog } from './problem-log.ts';
import { selectPacks } from './subset.ts';
import { TreeWalker, loadSnapshotRefs } from './trees.ts';
import { indexUnindexedPacks } from './unindexed.ts';
import type { CheckableRepository, CheckOptions, CheckReport } from './types.ts';

export async function checkRepository(repo: CheckableRepository, opts: CheckOptions = {}): Promise<CheckReport> {
  const { signal, onProgress } = opts;
  const log = new ProblemLog();
  const idx = await loadIndexFiles(repo, log, signal, onProgress);
  throwIfAborted(signal);

  const stored = await checkPackFiles(repo, idx, log, signal);
  const unindexed = await indexUnindexedPacks(repo, idx, stored, log, signal);
  // Their index entries came from their own headers: comparing the two again proves nothing.
  const headersToCheck = new Map([...stored].filter(([p]) => !unindexed.packs.has(p)));
  const readData = opts.readData === true || opts.readDataSubset !== undefined;
  let packsRead = 0;
  let bytesRead = 0;
  if (readData) {
    // Only packs the index knows: orphans are not part of any snapshot (restic does the same).
    const candidates = new Map([...stored].filter(([p]) => idx.packs.has(p)));
    const chosen = selectPacks(candidates, opts.readDataSubset, opts.random);
    const r = await readPacks(repo, idx, chosen, log, { concurrency: opts.readConcurrency ?? 2, signal, onProgress });
    packsRead = r.packsRead;
    bytesRead = r.bytesRead;
    // Packs outside the subset still get the cheap header comparison.
    if (opts.checkPackHeaders !== false && chosen.length < candidates.size) {
      const picked = new Set(chosen);
      await checkPackHeaders(repo, idx, new Map([...headersToCheck].filter(([p]) => !picked.has(p))), log, signal, onProgress);
    }
  } else if (opts.checkPackHeaders !== false) {
    await checkPackHeaders(repo, idx, headersToCheck, log, signal, onProgress);
  }

  const snaps = await loadSnapshotRefs(repo, log, signal);
  const walker = new TreeWalker(repo, idx.index, log, signal);
  let done = 0;
  for (const s of snaps) {
    await walker.check(s.tree);
    onProgress?.({ phase: 'snapshots', done: ++done, total: snaps.length });
  }
  if (log.hasSubjects) {
    done = 0;
    for (const s of snaps) {
      await walker.attribute(s);
      onProgress?.({ phase: 'attribute', done: ++done, total: snaps.length });
    }
  }
  log.finish();
  // An unindexed pack no snapshot needs is just an orphan: the "not referenced" hint says it.
  const unneeded = new Set(unindexed.warnings.filter((w) => !w.snapshots?.length));
  return {
    errors: log.errors,
    warnings: log.warnings.filter((w) => !unneeded.has(w)),
    hints: log.hints,
    stats: {
      snapshots: snaps.length,
      trees: walker.trees,
      blobs: idx.index.blobCount,
      packs: stored.size,
      packsRead,
      bytesRead,
    },
  };
}
