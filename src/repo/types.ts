// Types of the restic repository format (see ../shared/docs/restic-format.md), shared by the
// repository layer and the engine. IDs are branded so a blob ID cannot be passed as a pack ID.

export type BlobId = string & { readonly __brand: 'BlobId' };
export type PackId = string & { readonly __brand: 'PackId' };
export type SnapshotId = string & { readonly __brand: 'SnapshotId' };
export type IndexId = string & { readonly __brand: 'IndexId' };
export type KeyId = string & { readonly __brand: 'KeyId' };

export type BlobType = 'data' | 'tree';

/** Where a blob lives: one entry of an index file. */
export interface BlobLocation {
  id: BlobId;
  type: BlobType;
  pack: PackId;
  offset: number;
  /** Stored (encrypted) length, including the 32-byte IV+MAC overhead. */
  length: number;
  /** Plaintext length when the blob is compressed, else undefined. */
  uncompressedLength?: number;
}

export interface RepoConfig {
  version: 1 | 2;
  id: string;
  /** Degree-53 irreducible polynomial over GF(2), for the chunker. */
  chunkerPolynomial: bigint;
}

/**
 * A tree node as restic writes it. Unknown fields are kept in the object and written back,
 * so snapshots written by a newer restic survive our round trip. uint64 fields (inode,
 * device_id, device) are bigint when they exceed 2^53 and number otherwise.
 */
export interface TreeNode {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket' | 'irregular';
  /** Go os.FileMode bits, not POSIX st_mode. */
  mode?: number;
  /** RFC 3339 with up to 9 fractional digits, kept as text: JS Date holds only milliseconds. */
  mtime?: string;
  atime?: string;
  ctime?: string;
  uid?: number;
  gid?: number;
  user?: string;
  group?: string;
  inode?: number | bigint;
  device_id?: number | bigint;
  size?: number;
  links?: number;
  linktarget?: string;
  /** base64 of a non-UTF-8 link target (newer restic). */
  linktarget_raw?: string;
  extended_attributes?: Array<{ name: string; value: string }> | null;
  device?: number | bigint;
  /** Data blob IDs; [] for an empty file, null for non-files. */
  content?: BlobId[] | null;
  subtree?: BlobId | null;
  [unknown: string]: unknown;
}

export interface Tree {
  nodes: TreeNode[];
  [unknown: string]: unknown;
}

export interface Snapshot {
  time: string;
  tree: BlobId;
  paths: string[];
  hostname?: string;
  username?: string;
  uid?: number;
  gid?: number;
  parent?: SnapshotId;
  tags?: string[];
  excludes?: string[];
  original?: SnapshotId;
  program_version?: string;
  summary?: Record<string, unknown>;
  [unknown: string]: unknown;
}

/** A snapshot with the ID of the file it was read from. */
export interface SnapshotEntry {
  id: SnapshotId;
  snapshot: Snapshot;
}
