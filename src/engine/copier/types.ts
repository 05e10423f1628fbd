// Public types of the copier: what copySnapshots takes and the result it returns.

import type { SnapshotEntry, SnapshotId } from '../../repo/types.ts';

export interface CopyProgress {
  /** Source snapshot being copied. */
  snapshot: SnapshotId;
  /** Snapshots finished so far (copied or skipped) and how many were asked for. */
  snapshotsDone: number;
  snapshotsTotal: number;
  blobsCopied: number;
  blobsSkipped: number;
  bytesAdded: number;
}

export interface CopyOptions {
  /** Source snapshots to copy; default every snapshot of the source. */
  snapshots?: SnapshotEntry[];
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
  /**
   * Blobs being copied at once. Each holds one plaintext blob (≤ 8 MiB for data chunks) and its
   * re-encrypted form, so memory stays near this × 16 MiB plus the target's open packs. Default 4.
   */
  maxBlobsInFlight?: number;
}

export interface CopyStats {
  snapshotsCopied: number;
  /** Source snapshots the target already holds (matched by `original` or ID, as restic copy). */
  snapshotsSkipped: number;
  /** Blobs (data and tree) read from the source and written to the target. */
  blobsCopied: number;
  /** Blobs the target already had: never read from the source. */
  blobsSkipped: number;
  /** Bytes read from the source's packs for copied blobs (stored size). */
  bytesRead: number;
  /** Bytes added to the target's pack files (after its compression and encryption). */
  bytesAdded: number;
  durationMs: number;
}

export interface CopiedSnapshot {
  source: SnapshotId;
  /** The snapshot in the target: the new copy, or the one that made the copy unnecessary. */
  target: SnapshotId;
  skipped: boolean;
}

export interface CopyResult {
  stats: CopyStats;
  /** One entry per requested source snapshot, in the order they were processed. */
  snapshots: CopiedSnapshot[];
}
