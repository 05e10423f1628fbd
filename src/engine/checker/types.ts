// Public types of the checker: what checkRepository takes and the report it returns.

import type { Repository } from '../../repo/repository-api.ts';
import type { MasterKey } from '../../repo/crypto.ts';

/**
 * What the checker needs of an open repository. It loads index files one by one (a broken
 * index must not stop the check) and reads pack bytes itself, so it needs the master key
 * rather than the repository's own index.
 */
export type CheckableRepository = Pick<Repository, 'storage' | 'config' | 'loadJson' | 'loadSnapshot'> & {
  readonly masterKey: MasterKey;
};

/** restic's --read-data-subset: `n/t` (packs whose first ID byte mod t is n-1), `x%`, or a size. */
export type ReadDataSubset =
  | { kind: 'percent'; value: number }
  | { kind: 'fraction'; n: number; of: number }
  | { kind: 'size'; bytes: number };

export type CheckPhase = 'index' | 'packs' | 'read-data' | 'snapshots' | 'attribute';

export interface CheckProgress {
  phase: CheckPhase;
  done: number;
  total?: number;
  /** Pack bytes read so far (read-data). */
  bytes?: number;
}

export interface CheckOptions {
  /** Read every pack and verify every blob (restic --read-data). */
  readData?: boolean;
  /** Read only a subset of packs; implies reading data. */
  readDataSubset?: ReadDataSubset;
  /**
   * Without read-data, load each pack's header (one small ranged read from its tail) and compare
   * it with the index. restic 0.14 does this only with --read-data; it is cheap and catches an
   * index that points at the wrong bytes. Default true.
   */
  checkPackHeaders?: boolean;
  /** Packs read at once with read-data (memory ≈ this many packs). Default 2. */
  readConcurrency?: number;
  /** Random source for percent/size subsets (tests pin it). Default Math.random. */
  random?: () => number;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
}

export type CheckProblemKind =
  | 'wal-gap'
  | 'index-unreadable'
  | 'pack-unindexed'
  | 'pack-missing'
  | 'size-mismatch'
  | 'pack-header-unreadable'
  | 'pack-header-mismatch'
  | 'pack-unreadable'
  | 'pack-corrupt'
  | 'blob-corrupt'
  | 'blob-missing'
  | 'tree-missing'
  | 'tree-unreadable'
  | 'node-invalid'
  | 'snapshot-unreadable';

export interface CheckProblem {
  kind: CheckProblemKind;
  message: string;
  pack?: string;
  blob?: string;
  /** Snapshots whose data is affected (full IDs, sorted). */
  snapshots?: string[];
  /** Paths inside those snapshots (at most a few per problem; see pathsTruncated). */
  paths?: string[];
  /** True when more paths were affected than are listed. */
  pathsTruncated?: boolean;
}

export interface CheckStats {
  snapshots: number;
  trees: number;
  /** Distinct blobs the index knows. */
  blobs: number;
  /** Pack files in storage. */
  packs: number;
  packsRead: number;
  bytesRead: number;
}

export interface CheckReport {
  errors: CheckProblem[];
  /**
   * Problems that lose no data but need `repair index` before restic can use everything: index
   * files that do not load, packs that snapshots need but no index file lists.
   */
  warnings: CheckProblem[];
  /** Non-critical findings (orphaned packs, duplicate index entries, mixed packs). */
  hints: string[];
  stats: CheckStats;
}
