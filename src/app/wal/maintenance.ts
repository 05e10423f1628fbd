// A WAL job's archive in one repository: retention (after forget has removed base backups, the
// WAL older than every kept one goes) and check (no gap from each kept base backup onward; with
// readData every file decrypted and authenticated).

import type { Repository } from '../../repo/repository-api.ts';
import { listWalFiles, loadWalFile, removeWalFile } from '../../repo/wal-files.ts';
import { loadIndexForReading } from '../../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from '../repository-access.ts';
import { readBaseBackups, type BaseBackup } from './base-backups.ts';
import { findWalGaps, walFilesToRemove, type WalGap } from './chain.ts';

/** File names (without `job/`) of the job's archive. */
export async function archivedWalFiles(repo: { storage: Repository['storage'] }, job: string, signal?: AbortSignal): Promise<string[]> {
  return (await listWalFiles(repo, job, signal)).map((f) => f.name.slice(job.length + 1));
}

/** Removes (or, dry run, lists) the WAL no kept base backup of `job` needs. Index need not be loaded. */
export async function pruneWalInOpenRepository(repo: Repository, job: string, opts: { dryRun?: boolean; removedIds?: ReadonlySet<string> }, signal: AbortSignal): Promise<string[]> {
  await loadIndexForReading(repo, { signal });
  // In a dry run the snapshots forget would remove are still there: count them as gone.
  const kept = (await readBaseBackups(repo, job, signal)).filter((b) => !opts.removedIds?.has(b.id));
  const files = await archivedWalFiles(repo, job, signal);
  const remove = walFilesToRemove(files, kept);
  if (!opts.dryRun) for (const f of remove) await removeWalFile(repo, `${job}/${f}`);
  return remove;
}

export interface WalCheckReport {
  job: string;
  location: string;
  files: number;
  backups: BaseBackup[];
  /** Newest archived segment, if any. */
  newest?: string;
  gaps: WalGap[];
  /** With readData: files that failed to decrypt or authenticate, with why. */
  damaged: Array<{ file: string; message: string }>;
}

export function checkWalArchive(access: RepositoryAccess, job: string, opts: { readData?: boolean }, signal: AbortSignal): Promise<WalCheckReport> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const backups = await readBaseBackups(repo, job, signal);
    const files = await archivedWalFiles(repo, job, signal);
    const damaged: WalCheckReport['damaged'] = [];
    if (opts.readData) {
      for (const f of files) {
        try { await loadWalFile(repo, `${job}/${f}`, signal); } catch (e) {
          if (signal.aborted) throw e;
          damaged.push({ file: f, message: (e as Error).message });
        }
      }
    }
    const segments = files.filter((f) => /^[0-9A-F]{24}$/.test(f)).sort((a, b) => a.slice(8).localeCompare(b.slice(8)) || a.localeCompare(b));
    return {
      job, location: repo.storage.location, files: files.length, backups,
      ...(segments.length ? { newest: segments[segments.length - 1]! } : {}),
      gaps: findWalGaps(files, backups.map((b) => ({ id: b.id, info: b.info }))), damaged,
    };
  });
}
