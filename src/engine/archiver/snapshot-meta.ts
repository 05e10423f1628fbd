// Snapshot fields, in the order restic 0.14 writes them, and parent snapshot selection.

import { hostname as osHostname, userInfo } from 'node:os';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, Snapshot, SnapshotEntry } from '../../repo/types.ts';
import { dateToNs, formatTimestamp, nowNs, parseTimestamp } from '../fs-meta/timestamp.ts';
import type { BackupOptions, BackupStats } from './types.ts';

export function backupHost(opts: BackupOptions): string {
  return opts.host ?? osHostname();
}

export function snapshotTime(opts: BackupOptions): string {
  return formatTimestamp(opts.time ? dateToNs(opts.time) : nowNs());
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

export function buildSnapshot(
  opts: BackupOptions,
  f: { time: string; tree: BlobId; paths: string[]; parent?: SnapshotEntry; excludes?: string[] },
): Snapshot {
  const snap: Snapshot = { time: f.time } as Snapshot;
  if (f.parent) snap.parent = f.parent.id;
  snap.tree = f.tree;
  snap.paths = f.paths;
  snap.hostname = backupHost(opts);
  const user = currentUser();
  if (user) snap.username = user;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) snap.uid = uid; // restic omits zero ids
  if (gid !== 0) snap.gid = gid;
  if (f.excludes && f.excludes.length > 0) snap.excludes = [...f.excludes];
  if (opts.tags && opts.tags.length > 0) snap.tags = [...opts.tags];
  if (opts.extra) Object.assign(snap, opts.extra);
  return snap;
}

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
}

/** restic's automatic parent: the latest snapshot with the same host and the same set of paths. */
export async function findParent(repo: Repository, host: string, paths: readonly string[], signal?: AbortSignal): Promise<SnapshotEntry | undefined> {
  let best: SnapshotEntry | undefined;
  let bestTime = -1n;
  for (const e of await repo.listSnapshots(signal)) {
    if (e.snapshot.hostname !== host || !samePaths(e.snapshot.paths ?? [], paths)) continue;
    const t = parseTimestamp(e.snapshot.time) ?? -1n;
    if (t > bestTime) {
      best = e;
      bestTime = t;
    }
  }
  return best;
}

/**
 * restic's snapshot `summary` (written by restic >= 0.17, ignored by 0.14): per-run figures live
 * here rather than in tags, so tags stay stable and `forget --group-by tags` groups a job's
 * snapshots. Fields we do not count (dirs_new…, tree_blobs) are left out rather than guessed.
 */
export function snapshotSummary(stats: BackupStats, start: Date, end: Date): Record<string, unknown> {
  return {
    backup_start: formatTimestamp(dateToNs(start)),
    backup_end: formatTimestamp(dateToNs(end)),
    files_new: stats.filesNew,
    files_changed: stats.filesChanged,
    files_unmodified: stats.filesUnchanged,
    data_blobs: stats.blobsNew,
    data_added: stats.dataAdded,
    data_added_packed: stats.bytesAdded,
    total_files_processed: stats.files,
    total_bytes_processed: stats.bytesProcessed,
  };
}
