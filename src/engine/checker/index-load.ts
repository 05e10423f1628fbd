// Step 1 of a check: load every index file on its own. A file that does not decode is skipped
// with a warning (its packs are then read from their headers, see unindexed.ts) and the others
// still count; overlaps between files are normal (hints at most).

import { MasterIndex, readIndexFilesTolerantly } from '../../repo/index-file.ts';
import type { BlobLocation, PackId } from '../../repo/types.ts';
import type { ProblemLog } from './problem-log.ts';
import type { CheckableRepository, CheckProgress } from './types.ts';

export interface LoadedIndex {
  index: MasterIndex;
  /** Every pack the index files list, with its blobs (deduplicated by offset). */
  packs: Map<PackId, BlobLocation[]>;
  files: number;
}

const short = (id: string) => id.slice(0, 8);

export async function loadIndexFiles(
  repo: CheckableRepository,
  log: ProblemLog,
  signal?: AbortSignal,
  onProgress?: (p: CheckProgress) => void,
): Promise<LoadedIndex> {
  const names: string[] = [];
  for await (const f of repo.storage.list('index', signal)) names.push(f.name);
  names.sort();
  const index = new MasterIndex();
  const packs = new Map<PackId, BlobLocation[]>();
  const firstListedBy = new Map<PackId, string>();
  const reportedDup = new Set<PackId>();
  let done = 0;
  await readIndexFilesTolerantly(repo, names, (name, locs) => {
    const byPack = new Map<PackId, BlobLocation[]>();
    for (const loc of locs) {
      index.add(loc);
      let l = byPack.get(loc.pack);
      if (!l) byPack.set(loc.pack, (l = []));
      l.push(loc);
    }
    for (const [pack, blobs] of byPack) {
      const cur = packs.get(pack);
      if (!cur) {
        packs.set(pack, blobs);
        firstListedBy.set(pack, name);
        continue;
      }
      // Overlapping index files (e.g. a crash between writing a new index and deleting the old).
      if (!reportedDup.has(pack)) {
        reportedDup.add(pack);
        log.hint(`pack ${short(pack)}: listed in several index files (${short(firstListedBy.get(pack)!)}, ${short(name)})`);
      }
      const offsets = new Set(cur.map((b) => b.offset));
      for (const b of blobs) if (!offsets.has(b.offset)) cur.push(b);
    }
    onProgress?.({ phase: 'index', done: ++done, total: names.length });
  }, (name, err) => {
    log.warn({ kind: 'index-unreadable', message: `index ${short(name)}: skipped: ${err.message} (run \`lifeboat repair index\`)` });
  }, signal);
  for (const [pack, blobs] of packs) {
    blobs.sort((a, b) => a.offset - b.offset);
    if (blobs.some((b) => b.type === 'data') && blobs.some((b) => b.type === 'tree')) {
      log.hint(`pack ${short(pack)}: contains both tree and data blobs`);
    }
  }
  return { index, packs, files: names.length };
}
