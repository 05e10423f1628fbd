// Loading the index for a command that must work on a damaged repository.
//
// Readers (snapshots, ls, restore, dump, copy's source): an index file that cannot be read is
// skipped with a warning, and the packs that no readable index file lists are found with one
// listing of data/ and indexed from their own headers (a ranged read of each pack's tail), so a
// truncated or deleted index file costs some reads, not the data. Packs the index lists that
// are gone from storage are excluded, so a duplicate elsewhere is used instead.
//
// Writers (backup, copy's target): unreadable index files are skipped with a warning (their
// blobs are simply stored again), and blobs whose pack is missing count as absent, so a backup
// never refers to data that is gone. Nothing is scanned: a writer only needs to know what it
// can reuse.

import { LifeboatError } from '../../errors.ts';
import { readPackHeader } from '../../repo/pack.ts';
import { excludeMissingPacks, type PackPresence } from '../../repo/pack-presence.ts';
import { hasMasterKey } from '../../repo/repack.ts';
import { forEachLimit } from '../../repo/for-each-limit.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobLocation, PackId } from '../../repo/types.ts';

export type Warn = (message: string) => void;

export interface IndexLoadReport {
  /** Index files skipped, with why. */
  unreadable: Array<{ name: string; message: string }>;
  /** Packs no readable index file lists whose header was read (readers only). */
  scanned: PackId[];
  /** Blobs found that way. */
  scannedBlobs: number;
  /** Packs no index lists whose header could not be read either (readers only). */
  unreadablePacks: Array<{ pack: PackId; message: string }>;
  /** Packs the index lists that are not in storage. */
  missing: PackId[];
}

const short = (id: string) => id.slice(0, 8);
const REPAIR = 'run `lifeboat repair index` to rebuild the index';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function loadSkipping(repo: Repository, signal: AbortSignal | undefined, warn: Warn | undefined): Promise<IndexLoadReport['unreadable']> {
  const unreadable: IndexLoadReport['unreadable'] = [];
  await repo.loadIndex(signal, {
    onUnreadable: (name, err) => {
      unreadable.push({ name, message: messageOf(err) });
      warn?.(`index ${short(name)} skipped: ${messageOf(err)} (${REPAIR})`);
    },
  });
  return unreadable;
}

/** For commands that only read. See the file comment. */
export async function loadIndexForReading(repo: Repository, opts: { warn?: Warn; signal?: AbortSignal; concurrency?: number } = {}): Promise<IndexLoadReport> {
  const { warn, signal } = opts;
  const unreadable = await loadSkipping(repo, signal, warn);
  const presence = await excludeMissingPacks(repo, signal);
  const report: IndexLoadReport = { unreadable, scanned: [], scannedBlobs: 0, unreadablePacks: [], missing: presence.missing };
  if (presence.missing.length > 0) {
    warn?.(`${presence.missing.length} pack file(s) listed in the index are missing from storage (${presence.missing.slice(0, 3).map(short).join(', ')}` +
      `${presence.missing.length > 3 ? ', …' : ''}); data only they held cannot be read (see \`lifeboat check\`, \`lifeboat repair snapshots\`)`);
  }
  await scanUnindexedPacks(repo, presence, report, signal, opts.concurrency ?? 4);
  if (report.scannedBlobs > 0 && unreadable.length > 0) {
    warn?.(`read the headers of ${report.scanned.length} pack file(s) no readable index lists (${report.scannedBlobs} blobs)`);
  } else if (report.scannedBlobs > 0) {
    // Usually an interrupted (or still running) backup's packs; a lost index file looks the same.
    warn?.(`${report.scanned.length} pack file(s) are in no index file (an interrupted or running backup, or a lost index file); ` +
      `their ${report.scannedBlobs} blobs were read from the pack headers (${REPAIR})`);
  }
  for (const p of report.unreadablePacks) warn?.(`pack ${short(p.pack)} is in no index and its header is unreadable: ${p.message}`);
  return report;
}

async function scanUnindexedPacks(repo: Repository, presence: PackPresence, report: IndexLoadReport, signal: AbortSignal | undefined, concurrency: number): Promise<void> {
  const indexed = new Set<string>(repo.listIndexedPacks());
  const unindexed = [...presence.stored].filter(([p]) => !indexed.has(p));
  if (unindexed.length === 0) return;
  if (!hasMasterKey(repo)) throw new LifeboatError('error', 'load index: this repository implementation does not expose its key');
  const key = repo.masterKey;
  await forEachLimit(unindexed, concurrency, async ([pack, size]) => {
    let blobs: BlobLocation[];
    try {
      blobs = (await readPackHeader(repo.storage, key, pack, size, signal)).map((b) => ({ ...b, pack }));
    } catch (err) {
      if (signal?.aborted) throw err;
      report.unreadablePacks.push({ pack, message: messageOf(err) });
      return;
    }
    repo.addIndexEntries(blobs);
    report.scanned.push(pack);
    report.scannedBlobs += blobs.length;
  });
}

/** For commands that write (backup, copy's target). See the file comment. */
export async function loadIndexForWriting(repo: Repository, opts: { warn?: Warn; signal?: AbortSignal } = {}): Promise<IndexLoadReport> {
  const unreadable = await loadSkipping(repo, opts.signal, opts.warn);
  const presence = await excludeMissingPacks(repo, opts.signal);
  if (presence.missing.length > 0) {
    opts.warn?.(`${presence.missing.length} pack file(s) listed in the index are missing from storage; ` +
      'blobs they held are stored again (see `lifeboat check`, `lifeboat repair snapshots`)');
  }
  return { unreadable, scanned: [], scannedBlobs: 0, unreadablePacks: [], missing: presence.missing };
}
