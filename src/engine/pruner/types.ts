// Public types of the pruner: the plan (what will be deleted, repacked, kept, and why the
// numbers are what they are) and the result of carrying it out.

import type { BlobLocation, IndexId, PackId } from '../../repo/types.ts';

/** Unused space tolerated after prune: a percentage of the repository, a byte count, or no limit. */
export type MaxUnused = { kind: 'percent'; value: number } | { kind: 'bytes'; value: number } | { kind: 'unlimited' };

export interface PlanOptions {
  /** Default 5% (restic's default). */
  maxUnused?: MaxUnused;
  /** Upper bound on the bytes of packs to repack (default: no bound). */
  maxRepackBytes?: number;
  /** Snapshots to treat as already removed (forget --dry-run --prune shows the combined effect). */
  ignoreSnapshots?: ReadonlySet<string>;
  signal?: AbortSignal;
  onProgress?: (p: PruneProgress) => void | Promise<void>;
}

export interface PackUsage {
  id: PackId;
  /** File size in storage. */
  size: number;
  usedBlobs: number;
  usedBytes: number;
  unusedBlobs: number;
  unusedBytes: number;
}

export interface RepackPack extends PackUsage {
  /** The blobs to copy into new packs (used blobs with no copy in a kept pack). */
  copy: BlobLocation[];
}

export interface PruneStats {
  snapshots: number;
  trees: number;
  usedBlobs: number;
  usedBytes: number;
  /** Blobs in the index that no snapshot references (duplicates not included). */
  unusedBlobs: number;
  unusedBytes: number;
  /** Extra copies of used blobs (the same blob in more than one pack). */
  duplicateBlobs: number;
  duplicateBytes: number;
  packsTotal: number;
  packsBytesTotal: number;
  /** Bytes of blobs copied into new packs. */
  repackBlobBytes: number;
  repackBlobs: number;
  /** Estimated bytes freed: deleted + repacked + unreferenced packs, minus what is copied. */
  reclaimBytesEstimate: number;
  /** Unused bytes left in kept packs after prune. */
  unusedBytesAfter: number;
  maxUnusedBytes: number;
}

export interface PrunePlan {
  stats: PruneStats;
  /** Packs with no used blob: deleted after the new index is written. */
  remove: PackUsage[];
  /** Partly used packs: used blobs are copied, then the pack is deleted. */
  repack: RepackPack[];
  /** Packs kept as they are. */
  keep: PackUsage[];
  /** Pack files no index knows (e.g. left by a crashed prune or backup): deleted. */
  unreferenced: Array<{ id: PackId; size: number }>;
  /** The index files loaded for this plan; the new index supersedes all of them. */
  indexFiles: IndexId[];
  /** True when executing the plan would change nothing. */
  nothingToDo: boolean;
}

export type PrunePhase = 'mark' | 'plan' | 'repack' | 'write-index' | 'delete-index' | 'delete-packs' | 'done';

export interface PruneProgress {
  phase: PrunePhase;
  /** Items done and total in this phase (trees, packs or files), when known. */
  done?: number;
  total?: number;
}

export interface ExecuteOptions {
  /** Target size of new packs (default 16 MiB). */
  packSize?: number;
  signal?: AbortSignal;
  /** Awaited: a slow callback slows prune (tests use this to hold prune at a phase). */
  onProgress?: (p: PruneProgress) => void | Promise<void>;
}

export interface PruneResult {
  packsDeleted: number;
  packsWritten: number;
  indexFilesWritten: number;
  indexFilesDeleted: number;
  /** Bytes of pack files deleted. */
  bytesDeleted: number;
  /** Bytes of new pack files written. */
  bytesWritten: number;
  /** bytesDeleted - bytesWritten. */
  bytesReclaimed: number;
}
