// What the engine (archiver, restorer, checker, pruner, copier) may ask of an open repository.
// The implementation lives in repository.ts; this file is the contract between the two.

import type { Storage } from '../storage/types.ts';
import type { MasterKey } from './crypto.ts';
import type { PackBlobSink, WritesFor } from './blob-reader.ts';
import type {
  BlobId, BlobLocation, BlobType, KeyId, PackId, RepoConfig, Snapshot, SnapshotEntry, SnapshotId, Tree,
} from './types.ts';

export interface SaveBlobResult {
  id: BlobId;
  /** True when the repository (or this session) already had the blob: nothing was written. */
  known: boolean;
  /** Bytes added to pack files for this blob (0 when known). */
  storedSize: number;
}

export interface Repository {
  readonly storage: Storage;
  readonly config: RepoConfig;
  /** The key file that opened this repository. */
  readonly keyId: KeyId;
  /** The repository's keys: for files it encrypts beside restic's (wal/). Never logged. */
  readonly masterKey: MasterKey;

  /** Reads every index file into memory. Must run before lookups, saves of data, or loads of blobs. */
  loadIndex(signal?: AbortSignal, opts?: { onUnreadable?: (name: string, err: unknown) => void }): Promise<void>;
  /** Adds locations learnt outside the index files (pack headers of packs no index lists). */
  addIndexEntries(locs: Iterable<BlobLocation>): void;
  /**
   * From now on, blobs in these packs count as absent for lookups, dedup and loads: their pack
   * is gone (a backup then stores them again) or is being repaired away.
   */
  excludePacks(packs: Iterable<PackId>): void;
  lookupBlob(type: BlobType, id: BlobId): BlobLocation | undefined;
  /** Every blob the loaded index knows, with its location (one entry per pack it is in). */
  listBlobs(): Iterable<BlobLocation>;
  /** Packs the loaded index knows. */
  listIndexedPacks(): Iterable<PackId>;
  /** Every known location of a blob (several when packs hold duplicates). */
  lookupBlobAll(type: BlobType, id: BlobId): BlobLocation[];

  /**
   * Stores a blob unless known; compression, encryption and MAC may run off the main thread.
   * Memory is bounded: callers keep a bounded number of saves in flight. `plaintext` must stay
   * unchanged until `onReleased` is called (at the latest when the promise settles): a caller
   * that reuses its buffer waits for that, usually long before the blob is sealed.
   */
  saveBlob(type: BlobType, plaintext: Uint8Array, signal?: AbortSignal, onReleased?: () => void): Promise<SaveBlobResult>;
  /** Loads a blob, checks its MAC, decrypts, decompresses, and verifies its sha256 ID. */
  loadBlob(type: BlobType, id: BlobId, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Reads the given blobs of one pack (few ranged reads, opened off the main thread) and calls
   * `each` for every one in pack order: a view of its verified plaintext, valid only during the
   * call, or, when `writesFor` returns writes for it, what writing it to those files (on the
   * worker thread, synchronously) did; or the error that makes it unreadable (damaged blob,
   * missing pack). Aborts and transient storage failures reject.
   */
  readPackBlobs(blobs: BlobLocation[], each: PackBlobSink, signal?: AbortSignal, writesFor?: WritesFor): Promise<void>;
  saveTree(tree: Tree, signal?: AbortSignal): Promise<BlobId>;
  loadTree(id: BlobId, signal?: AbortSignal): Promise<Tree>;
  /** Finishes open packs and writes the index for them. Call before saving a snapshot. */
  flush(signal?: AbortSignal): Promise<void>;

  saveSnapshot(snapshot: Snapshot, signal?: AbortSignal): Promise<SnapshotId>;
  loadSnapshot(id: SnapshotId, signal?: AbortSignal): Promise<Snapshot>;
  listSnapshots(signal?: AbortSignal): Promise<SnapshotEntry[]>;
  /** Resolves `latest` or a unique ID prefix (≥ 1 char); NotFoundError otherwise. */
  findSnapshot(ref: string, signal?: AbortSignal): Promise<SnapshotEntry>;
  removeSnapshot(id: SnapshotId): Promise<void>;

  /** Encrypts (and in v2 compresses) a JSON file of the given type; returns its storage ID. */
  saveJson(type: 'snapshot' | 'index' | 'lock', value: unknown, signal?: AbortSignal): Promise<string>;
  /** Loads, verifies and decodes a JSON file (v1 raw JSON or v2 version byte). */
  loadJson(type: 'snapshot' | 'index' | 'lock', id: string, signal?: AbortSignal): Promise<unknown>;

  /** Aborts unfinished packs (nothing is written for them) and releases resources. */
  close(): Promise<void>;
}
