// The Storage contract: a dumb keyed byte store. Encryption, retries and concurrency limits are
// layers over it (wrappers with this same interface), never inside a store.

/**
 * restic's file types, plus `wal`: continuous-protection files (PostgreSQL WAL segments, SQLite
 * WAL frames) kept beside the repository in a folder restic does not know and so ignores. Their
 * names are `GROUP/FILE` (the group is a job name), one level deep like `data/ab/ID`.
 */
export type FileType = 'config' | 'key' | 'lock' | 'snapshot' | 'index' | 'data' | 'wal';

/** restic's own file types: what `check`, `copy` and the debug verbs walk. */
export const FILE_TYPES: readonly FileType[] = ['config', 'key', 'lock', 'snapshot', 'index', 'data'];

/** Addresses one file. For `config` the name is ignored (the file has a fixed name). */
export interface Handle {
  type: FileType;
  name: string;
}

export interface ByteRange {
  offset: number;
  /** Bytes to read from offset; reading past the end is an error. */
  length: number;
}

export interface FileInfo {
  name: string;
  size: number;
}

export interface StorageCapabilities {
  /** True when a save is visible to other processes all at once or not at all. */
  atomicWrites: boolean;
}

export interface Storage {
  /** Printable location, never carrying credentials (e.g. `/srv/repo`, `s3:http://host/bucket/prefix`). */
  readonly location: string;
  readonly capabilities: StorageCapabilities;

  /** Creates the layout of a new repository (folders, bucket prefix). Fails if a config exists. */
  create(): Promise<void>;
  /**
   * Stores a file atomically: readers see all of it or nothing. Names are content hashes (or
   * random for locks), so saving a name that exists again writes the same bytes and is allowed.
   */
  save(h: Handle, data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Whole file, or a byte range. A missing file throws NotFoundError. `into`, when given and
   * large enough, may receive the bytes (the result is then a view of it), which spares an
   * allocation per blob on hot paths; a store may ignore it, so callers use the result.
   */
  load(h: Handle, range?: ByteRange, signal?: AbortSignal, into?: Uint8Array): Promise<Uint8Array>;
  /** Size of a file; a missing one throws NotFoundError. */
  stat(h: Handle): Promise<FileInfo>;
  /** Every file of a type, in no particular order. */
  list(type: FileType, signal?: AbortSignal): AsyncIterable<FileInfo>;
  /** Removes a file; removing a missing file is not an error. */
  remove(h: Handle): Promise<void>;
  /**
   * Optional: removes what a killed writer left behind for a type (e.g. a local store's
   * temporary files); returns how many. Stores with atomic object writes have nothing to clean.
   */
  removeLeftovers?(type: FileType): Promise<number>;
  /** Releases connections and handles. */
  close(): Promise<void>;
}
