// Low-level pieces prune needs and the normal write path refuses on purpose: copying a blob the
// index already knows into a new pack (repacking), writing index files that supersede others,
// and deleting index and pack files. The blob bytes are copied as stored (still encrypted),
// after verifying MAC, decompression and sha256, so a damaged blob is never propagated.

import { IntegrityError, throwIfAborted } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import { openBlob } from './blob-codec.ts';
import type { MasterKey } from './crypto.ts';
import { MAX_BLOBS_PER_INDEX_FILE, buildIndexFile } from './index-file.ts';
import { DEFAULT_PACK_SIZE, PackBuilder } from './pack.ts';
import type { Repository } from './repository-api.ts';
import type { BlobLocation, BlobType, IndexId, PackId } from './types.ts';

/** What repacking needs of a repository: its storage, its key, and JSON files. */
export type RepackRepository = Pick<Repository, 'storage' | 'saveJson' | 'config'> & { readonly masterKey: MasterKey };

export function hasMasterKey(repo: object): repo is { masterKey: MasterKey } {
  return 'masterKey' in repo && typeof (repo as { masterKey?: unknown }).masterKey === 'object';
}

const short = (id: string) => id.slice(0, 8);

/**
 * Checks that stored blob bytes are intact: MAC, decompression to the indexed length, and that
 * the plaintext hashes to the blob ID. Throws IntegrityError naming blob and pack.
 */
export async function verifyStoredBlob(key: MasterKey, loc: BlobLocation, stored: Uint8Array): Promise<void> {
  const subject = `${loc.type} blob ${short(loc.id)} in pack ${short(loc.pack)}`;
  if (stored.length !== loc.length) throw new IntegrityError(`verify ${subject}: ${stored.length} bytes, index says ${loc.length}`);
  openBlob(key, stored, loc.id, loc.uncompressedLength, subject, 'verify');
}

/**
 * Loads the stored bytes of some blobs of one pack with one read of the covering range.
 * Returns them in the order given.
 */
export async function loadStoredBlobs(storage: Storage, pack: PackId, blobs: readonly BlobLocation[], signal?: AbortSignal): Promise<Uint8Array[]> {
  if (blobs.length === 0) return [];
  const start = Math.min(...blobs.map((b) => b.offset));
  const end = Math.max(...blobs.map((b) => b.offset + b.length));
  const bytes = await storage.load({ type: 'data', name: pack }, { offset: start, length: end - start }, signal);
  if (bytes.length !== end - start) throw new IntegrityError(`load pack ${short(pack)}: short read (${bytes.length} of ${end - start} bytes)`);
  return blobs.map((b) => bytes.subarray(b.offset - start, b.offset - start + b.length));
}

export interface PackCopierOptions {
  /** Target pack size (default 16 MiB, as restic). */
  packSize?: number;
  signal?: AbortSignal;
  /** Called after each new pack is stored. */
  onPack?: (pack: PackId, bytes: number) => void | Promise<void>;
}

/**
 * Writes already-encrypted blobs into new packs, one open pack per blob type (restic v2 keeps
 * data and tree blobs apart). Packs upload one at a time, so memory stays at two packs.
 */
export class PackCopier {
  readonly #storage: Storage;
  readonly #key: MasterKey;
  readonly #packSize: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onPack: PackCopierOptions['onPack'];
  readonly #open: { data?: PackBuilder; tree?: PackBuilder } = {};
  readonly written: BlobLocation[] = [];
  readonly packs: Array<{ id: PackId; size: number }> = [];

  constructor(repo: Pick<RepackRepository, 'storage' | 'masterKey'>, opts: PackCopierOptions = {}) {
    this.#storage = repo.storage;
    this.#key = repo.masterKey;
    this.#packSize = opts.packSize ?? DEFAULT_PACK_SIZE;
    this.#signal = opts.signal;
    this.#onPack = opts.onPack;
  }

  /** Adds one stored blob (bytes as in its old pack); uploads the pack once it is full. */
  async add(loc: BlobLocation, stored: Uint8Array): Promise<void> {
    throwIfAborted(this.#signal);
    const b = (this.#open[loc.type] ??= new PackBuilder(this.#key));
    // The builder keeps a reference: copy so the whole source pack buffer can be released.
    b.add(loc.type, loc.id, Uint8Array.from(stored), loc.uncompressedLength);
    if (b.length >= this.#packSize) await this.#upload(loc.type);
  }

  async #upload(type: BlobType): Promise<void> {
    const b = this.#open[type];
    this.#open[type] = undefined;
    if (!b || b.count === 0) return;
    const { id, bytes, blobs } = b.finish();
    await this.#storage.save({ type: 'data', name: id }, bytes, this.#signal);
    this.written.push(...blobs);
    this.packs.push({ id, size: bytes.length });
    await this.#onPack?.(id, bytes.length);
  }

  /** Uploads the open packs; returns every blob location written by this copier. */
  async finish(): Promise<BlobLocation[]> {
    await this.#upload('data');
    await this.#upload('tree');
    return this.written;
  }
}

/**
 * Writes index files for `blobs` (split at restic's size limit), each listing `supersedes`.
 * Returns the new index IDs. Writes nothing for an empty list unless `supersedes` is non-empty
 * (an empty index that supersedes others is valid and records the replacement).
 */
export async function writeIndexFiles(
  repo: Pick<Repository, 'saveJson'>, blobs: readonly BlobLocation[], supersedes: readonly IndexId[], signal?: AbortSignal,
): Promise<IndexId[]> {
  // Keep a pack's blobs in one file: restic expects a pack to appear in one index file.
  const byPack = new Map<string, BlobLocation[]>();
  for (const b of blobs) {
    let l = byPack.get(b.pack);
    if (!l) byPack.set(b.pack, (l = []));
    l.push(b);
  }
  const files: BlobLocation[][] = [];
  let cur: BlobLocation[] = [];
  for (const l of byPack.values()) {
    if (cur.length > 0 && cur.length + l.length > MAX_BLOBS_PER_INDEX_FILE) {
      files.push(cur);
      cur = [];
    }
    cur.push(...l);
  }
  if (cur.length > 0 || (files.length === 0 && supersedes.length > 0)) files.push(cur);
  const ids: IndexId[] = [];
  for (const f of files) {
    throwIfAborted(signal);
    ids.push((await repo.saveJson('index', buildIndexFile(f, supersedes), signal)) as IndexId);
  }
  return ids;
}

/** Lists index file IDs in storage. */
export async function listIndexFiles(storage: Storage, signal?: AbortSignal): Promise<IndexId[]> {
  const out: IndexId[] = [];
  for await (const f of storage.list('index', signal)) out.push(f.name as IndexId);
  return out;
}

/** Lists pack files in storage with their sizes. */
export async function listPackFiles(storage: Storage, signal?: AbortSignal): Promise<Map<PackId, number>> {
  const out = new Map<PackId, number>();
  for await (const f of storage.list('data', signal)) out.set(f.name as PackId, f.size);
  return out;
}
