// Public types of the archiver, shared by backupPaths and backupStreams.

import type { ChunkerParams } from '../../repo/chunker.ts';
import type { Snapshot, SnapshotEntry, SnapshotId } from '../../repo/types.ts';
import type { SelectionOptions } from './selection.ts';

export interface BackupStats {
  /** Regular files stored (including unchanged ones taken from the parent). */
  files: number;
  /** Files whose content came from the parent snapshot without reading them. */
  filesUnchanged: number;
  dirs: number;
  /** Other nodes: symlinks, fifos, devices, sockets. */
  others: number;
  /** Files read because they are new (no such file in the parent snapshot). */
  filesNew: number;
  /** Files read because they changed since the parent snapshot. */
  filesChanged: number;
  /** Bytes read from files and streams (0 for unchanged files). */
  bytesRead: number;
  /** Bytes of every file in the snapshot, unchanged ones included (restic's total_bytes_processed). */
  bytesProcessed: number;
  /** Plaintext bytes of the new blobs, before compression (restic's data_added). */
  dataAdded: number;
  /** Bytes added to pack files (after compression and encryption). */
  bytesAdded: number;
  blobsNew: number;
  blobsKnown: number;
  /** Items that could not be read and are missing from the snapshot (restic: exit 3). */
  errors: number;
  durationMs: number;
}

export interface BackupError {
  /** Path on disk of the item that failed. */
  path: string;
  message: string;
}

export interface BackupResult {
  snapshotId: SnapshotId;
  snapshot: Snapshot;
  stats: BackupStats;
  /** The first 100 items that failed (stats.errors counts all). Non-empty → partial snapshot. */
  errors: BackupError[];
}

export interface BackupProgress {
  files: number;
  dirs: number;
  bytesRead: number;
  bytesAdded: number;
  /** The item just finished. */
  path: string;
}

export interface BackupOptions {
  signal?: AbortSignal;
  tags?: string[];
  /** Hostname recorded in the snapshot (default os.hostname()). */
  host?: string;
  /** Snapshot time (default now). */
  time?: Date;
  onProgress?: (p: BackupProgress) => void;
  /** Called for every file stored (or, in a dry run, that would be): for `backup -v`. */
  onItem?: (item: BackupItem) => void;
  /** Called for every item that cannot be read (it is left out; the backup goes on). */
  onError?: (e: BackupError) => void;
  /** Blob saves in flight (bounds memory: about this many × 8 MiB). Default 3 (measured best on 2 cores). */
  maxBlobSaves?: number;
  /** Extra snapshot fields (e.g. program_version). */
  extra?: Record<string, unknown>;
  /** When the run began, for the snapshot summary's backup_start (default: when the archiver started). */
  startedAt?: Date;
}

/** A file as the backup met it: new (not in the parent snapshot), modified, or unchanged. */
export interface BackupItem {
  path: string;
  status: 'new' | 'modified' | 'unchanged';
  size: number;
}

export interface BackupPathsOptions extends BackupOptions {
  /** What else to leave out: --iexclude, --exclude-if-present/-caches, --exclude-larger-than, --one-file-system. */
  selection?: SelectionOptions;
  /** Walk and read everything, store nothing (no pack, index or snapshot): what a backup would add. */
  dryRun?: boolean;
  /** restic --exclude patterns (matched against absolute paths). */
  excludes?: string[];
  /** Parent snapshot for change detection, 'auto' (latest with same host and paths), or none. */
  parent?: SnapshotEntry | 'auto';
  /** Files read at once (default 2). */
  maxFiles?: number;
  /** Working directory relative targets are resolved against (default process.cwd()). */
  cwd?: string;
}

export interface BackupStreamsOptions extends BackupOptions {
  /** snapshot.paths (default: '/' + each entry's path, as restic records `--stdin`). */
  paths?: string[];
  /**
   * Tags known only once every entry has drained (a source's versions and sizes), evaluated just
   * before the snapshot is built and appended to `tags` (duplicates dropped).
   */
  lateTags?: () => string[];
  /**
   * Chunk bounds for the streams (default restic's). Database dumps use DUMP_CHUNKER: smaller
   * chunks dedup scattered row changes. The snapshot records a non-default choice in its
   * `lifeboat_chunker` field (restic ignores unknown fields).
   */
  chunker?: ChunkerParams;
}

export function emptyStats(): BackupStats {
  return {
    files: 0, filesUnchanged: 0, filesNew: 0, filesChanged: 0, dirs: 0, others: 0, bytesRead: 0, bytesProcessed: 0, dataAdded: 0, bytesAdded: 0,
    blobsNew: 0, blobsKnown: 0, errors: 0, durationMs: 0,
  };
}
