// The Repository over a Storage: config, keys, packs, index, snapshots, in restic's format.
// The write path (blob → pack → upload → index) is pack-writer.ts; the read path (one blob, or
// the blobs of a pack in pack order) is blob-reader.ts; the loaded index is master-index.ts.
// Blobs of POOL_MIN_BYTES or more are hashed, sealed (and on load opened) on a CryptoPool of
// worker threads; small ones stay on this thread, where a round trip would cost more than the work.

import { IntegrityError, LifeboatError, NotFoundError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { SaveBlobResult, Repository } from './repository-api.ts';
import type { BlobId, BlobLocation, BlobType, KeyId, PackId, RepoConfig, Snapshot, SnapshotEntry, SnapshotId, Tree } from './types.ts';
import { availableParallelism } from 'node:os';
import { CHUNK_MAX_SIZE } from './chunker.ts';
import { CryptoPool } from './crypto-pool.ts';
import { type BlobReaderContext, type PackBlobSink, type WritesFor, loadBlobFrom, readPackBlobs } from './blob-reader.ts';
import { collectNow, createGcHint, type GcHint } from './gc-hint.ts';
import { CRYPTO_OVERHEAD, type MasterKey } from './crypto.ts';
import { forEachLimit } from './for-each-limit.ts';
import { MasterIndex, addIndexFileTo } from './index-file.ts';
import { IndexBatch, scanIndexJson } from './index-scan.ts';
import { TreeCache, readTreePack } from './tree-cache.ts';
import { parseJsonBytes, stringifyJson } from './json.ts';
import { DEFAULT_PACK_SIZE, readPackHeader } from './pack.ts';
import { PackWriter, POOL_MIN_BYTES } from './pack-writer.ts';
import { findSnapshotIn, listSnapshotsOf } from './snapshots.ts';
import { decodeUnpacked, encodeUnpacked, unpackedJsonBytes } from './unpacked.ts';

export interface RepositoryOptions {
  /** Target pack size in bytes (default 16 MiB, as restic). Small values help tests. */
  packSize?: number;
  /** Finished packs uploading at once before saveBlob waits (default 1 for a local path, else 2). */
  maxUploads?: number;
  /** v2 only: 'off' stores blobs uncompressed (types 0/1). Default 'auto'. */
  compression?: 'auto' | 'off';
  /** Worker threads for hashing, compression and crypto of large blobs; 0 keeps all on this thread. */
  cryptoThreads?: number;
  signal?: AbortSignal;
}


function parseJsonOf(json: Uint8Array, subject: string): unknown {
  try {
    return parseJsonBytes(json);
  } catch (e) {
    throw new IntegrityError(`load ${subject}: invalid JSON`, { cause: e });
  }
}

const short = (id: string) => id.slice(0, 8);

export class ResticRepository implements Repository {
  readonly storage: Storage;
  readonly config: RepoConfig;
  readonly masterKey: MasterKey;
  #keyId: KeyId;
  readonly #index = new MasterIndex();
  #indexLoaded = false;
  readonly #writer: PackWriter;
  readonly #reader: BlobReaderContext;
  #closed = false;
  readonly #cryptoThreads: number;
  readonly #readThreads: number;
  #pool: CryptoPool | undefined;
  #rangePool: CryptoPool | undefined;
  #gcHint: GcHint | undefined;
  /** 16 MiB of tree plaintext: a snapshot of ~50,000 directories' worth of parent trees. */
  readonly #trees = new TreeCache(16 << 20);

  constructor(storage: Storage, config: RepoConfig, keyId: KeyId, masterKey: MasterKey, opts: RepositoryOptions = {}) {
    this.storage = storage;
    this.config = config;
    this.#keyId = keyId;
    this.masterKey = masterKey;
    // The main thread chunks and hashes packs: it takes one core, the workers the rest.
    this.#cryptoThreads = opts.cryptoThreads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    // Reading: the main thread does little but I/O. Each worker costs ~50 MB of RSS (isolate,
    // malloc arenas, blob-sized garbage): two at most, one on a 2-core machine, where a second
    // bought no time (restores there wait on the kernel creating files).
    this.#readThreads = opts.cryptoThreads === 0 ? 0 : Math.max(1, Math.min(2, availableParallelism() - 1));
    this.#writer = new PackWriter({
      storage,
      key: masterKey,
      index: this.#index,
      packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
      // A local disk takes a pack in well under the time the next one fills; each upload slot
      // costs a pack buffer of memory. Remote stores hide latency with a second upload.
      maxUploads: opts.maxUploads ?? (storage.location.startsWith('/') ? 1 : 2),
      compress: config.version === 2 && opts.compression !== 'off',
      poolFor: (...sizes) => this.#poolFor(...sizes),
      turnover: (n) => this.#turnover(n),
      saveIndex: (json, signal) => this.saveJson('index', json, signal),
    });
    this.#reader = {
      storage,
      key: masterKey,
      poolFor: (...sizes) => this.#readPoolFor(...sizes),
      rangePool: () => this.#rangePoolOf(),
      turnover: (n) => this.#turnover(n),
    };
  }

  get keyId(): KeyId {
    return this.#keyId;
  }

  /** Used by changePassword after the old key file is replaced. */
  setKeyId(id: KeyId): void {
    this.#keyId = id;
  }

  /**
   * `onUnreadable`: called for an index file that cannot be read (damaged, truncated, vanished),
   * which is then skipped; without it such a file fails the load.
   */
  async loadIndex(signal?: AbortSignal, opts: { onUnreadable?: (name: string, err: unknown) => void } = {}): Promise<void> {
    const names: string[] = [];
    for await (const f of this.storage.list('index', signal)) names.push(f.name);
    // Two at a time: one decoding while the next loads. The scanner reads blob entries straight
    // into the compact index; only a file it cannot read takes the JSON.parse path.
    const batch = new IndexBatch();
    await forEachLimit(names, 2, async (name) => {
      const subject = `index ${short(name)}`;
      let bytes: Uint8Array;
      let json: Uint8Array;
      try {
        bytes = await this.storage.load({ type: 'index', name }, undefined, signal);
        json = unpackedJsonBytes(this.masterKey, subject, name, bytes);
        if (scanIndexJson(json, batch)) this.#index.addBatch(batch);
        else addIndexFileTo(this.#index, parseJsonOf(json, subject), subject);
      } catch (err) {
        if (!opts.onUnreadable || signal?.aborted || !(err instanceof IntegrityError || err instanceof NotFoundError)) throw err;
        opts.onUnreadable(name, err);
        return;
      }
      this.#turnover(2 * bytes.length + json.length);
    });
    this.#indexLoaded = true;
  }

  /** Adds locations learnt outside the index files (pack headers of packs no index lists). */
  addIndexEntries(locs: Iterable<BlobLocation>): void {
    for (const loc of locs) this.#index.add(loc);
  }

  /** Blobs in these packs count as absent from now on (lookups, dedup, loads): see MasterIndex.excludePacks. */
  excludePacks(packs: Iterable<PackId>): void {
    this.#index.excludePacks(packs);
  }

  lookupBlob(type: BlobType, id: BlobId): BlobLocation | undefined {
    return this.#index.lookup(type, id);
  }

  listBlobs(): Iterable<BlobLocation> {
    return this.#index.blobs();
  }

  listIndexedPacks(): Iterable<PackId> {
    return this.#index.packIds();
  }

  #usable(op: string): void {
    if (this.#closed) throw new LifeboatError('error', `${op}: repository is closed`);
    this.#writer.usable(op);
  }

  /** The worker pool for a blob of `n` bytes (and the bytes its result needs), if it should use one. */
  #poolFor(...sizes: number[]): CryptoPool | undefined {
    if (this.#cryptoThreads <= 0 || sizes[0]! < POOL_MIN_BYTES) return undefined;

    // Slots hold the largest chunk plus the crypto overhead; bigger (tree) blobs stay here.
    this.#pool ??= new CryptoPool(this.masterKey, {
      threads: this.#cryptoThreads, slotSize: CHUNK_MAX_SIZE + 4096, filter: this.#index.filter,
      // Dump chunks (≤ 512 KiB): a dozen in flight for 7 MiB.
      smallSlots: 12, smallSlotSize: 512 * 1024 + 4096,
    });
    return sizes.every((n) => n + CRYPTO_OVERHEAD <= this.#pool!.slotSize) ? this.#pool : undefined;
  }

  /**
   * The pool a single blob load uses: the write pool in a session that saves blobs; otherwise
   * (restore, dump) the read pool, whose bigger slots serve single blobs too, rather than a
   * second set of threads.
   */
  #readPoolFor(...sizes: number[]): CryptoPool | undefined {
    if (this.#pool || this.#cryptoThreads <= 0 || sizes[0]! < POOL_MIN_BYTES) return this.#poolFor(...sizes);
    const pool = this.#rangePoolOf();
    return pool && sizes.every((n) => n + CRYPTO_OVERHEAD <= pool.slotSize) ? pool : this.#poolFor(...sizes);
  }

  /** Slots of two halves: a range of a pack (up to a max-size chunk) and its plaintexts. */
  #rangePoolOf(): CryptoPool | undefined {
    if (this.#readThreads <= 0) return undefined;
    return (this.#rangePool ??= new CryptoPool(this.masterKey, {
      threads: this.#readThreads, slots: this.#readThreads + 1, slotSize: 2 * (CHUNK_MAX_SIZE + 4096),
    }));
  }

  saveBlob(type: BlobType, plaintext: Uint8Array, signal?: AbortSignal, onReleased?: () => void): Promise<SaveBlobResult> {
    if (this.#closed) return Promise.reject(new LifeboatError('error', 'save blob: repository is closed'));
    return this.#writer.saveBlob(type, plaintext, signal, onReleased);
  }

  /** Blob bytes pass through here and are garbage soon after: collect them often (see gc-hint.ts). */
  #turnover(bytes: number): void {
    (this.#gcHint ??= createGcHint(8 << 20))(bytes);
  }

  async loadBlob(type: BlobType, id: BlobId, signal?: AbortSignal): Promise<Uint8Array> {
    // Saved in this session but not uploaded yet: finish its pack early.
    await this.#writer.whenIndexed(type, id);
    const locs = this.#index.lookupAll(type, id);
    if (locs.length === 0) throw new NotFoundError(`load ${type} blob ${short(id)}: not in index`);
    let lastErr: unknown;
    for (const loc of locs) {
      try {
        return await loadBlobFrom(this.#reader, loc, signal);
      } catch (err) {
        // A damaged copy: another pack may hold an intact duplicate.
        if (!(err instanceof IntegrityError)) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /**
   * Reads the given blobs of one pack with few ranged reads and calls `each` for every one in
   * pack order, with a view of its verified plaintext that is valid only during the call (or,
   * when `writesFor` gives writes for it, after writing it to files on the worker thread), or
   * with the error that makes it unreadable (damaged blob, missing pack). Aborts and transient
   * storage failures reject.
   */
  readPackBlobs(blobs: BlobLocation[], each: PackBlobSink, signal?: AbortSignal, writesFor?: WritesFor): Promise<void> {
    this.#usable('read pack');
    return readPackBlobs(this.#reader, blobs, each, signal, writesFor);
  }

  /** Every known location of a blob (several when packs hold duplicates). */
  lookupBlobAll(type: BlobType, id: BlobId): BlobLocation[] {
    return this.#index.lookupAll(type, id);
  }

  /** Blobs listed in a pack's own header (ranged read of its tail), with their locations. */
  async listPackBlobs(pack: PackId, size?: number, signal?: AbortSignal): Promise<BlobLocation[]> {
    return (await readPackHeader(this.storage, this.masterKey, pack, size, signal)).map((b) => ({ ...b, pack }));
  }

  async saveTree(tree: Tree, signal?: AbortSignal): Promise<BlobId> {
    // restic writes compact JSON plus a newline; the blob ID covers exactly these bytes.
    const bytes = new TextEncoder().encode(stringifyJson(tree) + '\n');
    return (await this.saveBlob('tree', bytes, signal)).id;
  }

  /** A tree's bytes, from the tree cache (filled a tree pack at a time) or loaded alone. */
  async #treeBytes(id: BlobId, signal?: AbortSignal): Promise<Uint8Array> {
    const hit = this.#trees.get(id);
    if (hit) return hit;
    const loc = this.#index.lookup('tree', id);
    if (loc) {
      await this.#trees.fill(loc.pack, () => readTreePack(this.#trees, this.masterKey, {
        blobs: () => this.listPackBlobs(loc.pack, undefined, signal),
        load: (range) => this.storage.load({ type: 'data', name: loc.pack }, range, signal),
        turnover: (n) => this.#turnover(n),
      }));
      const filled = this.#trees.get(id);
      if (filled) return filled;
    }
    return this.loadBlob('tree', id, signal);
  }

  async loadTree(id: BlobId, signal?: AbortSignal): Promise<Tree> {
    const v = parseJsonBytes(await this.#treeBytes(id, signal)) as Tree;
    if (!v || !Array.isArray(v.nodes)) {
      if (v && v.nodes === null) return { ...v, nodes: [] };
      throw new IntegrityError(`load tree ${short(id)}: no nodes list`);
    }
    return v;
  }

  flush(signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new LifeboatError('error', 'flush: repository is closed'));
    return this.#writer.flush(signal);
  }

  async saveSnapshot(snapshot: Snapshot, signal?: AbortSignal): Promise<SnapshotId> {
    this.#usable('save snapshot');
    // No snapshot may point at data that is not durably indexed.
    if (!this.#writer.settled) {
      throw new LifeboatError('error', 'save snapshot: unflushed blobs; call flush() first');
    }
    if (this.#indexLoaded && !this.#index.has('tree', snapshot.tree)) {
      throw new LifeboatError('error', `save snapshot: tree ${short(snapshot.tree)} is not in the index`);
    }
    return (await this.saveJson('snapshot', snapshot, signal)) as SnapshotId;
  }

  async loadSnapshot(id: SnapshotId, signal?: AbortSignal): Promise<Snapshot> {
    const v = (await this.loadJson('snapshot', id, signal)) as Snapshot;
    if (!v || typeof v !== 'object' || typeof v.tree !== 'string') throw new IntegrityError(`load snapshot ${short(id)}: no tree`);
    return v;
  }

  listSnapshots(signal?: AbortSignal): Promise<SnapshotEntry[]> {
    return listSnapshotsOf(this, signal);
  }

  findSnapshot(ref: string, signal?: AbortSignal): Promise<SnapshotEntry> {
    return findSnapshotIn(this, ref, signal);
  }

  async removeSnapshot(id: SnapshotId): Promise<void> {
    await this.storage.remove({ type: 'snapshot', name: id });
  }

  async saveJson(type: 'snapshot' | 'index' | 'lock', value: unknown, signal?: AbortSignal): Promise<string> {
    const { id, bytes } = await encodeUnpacked(this.masterKey, this.config.version, value);
    await this.storage.save({ type, name: id }, bytes, signal);
    return id;
  }

  async loadJson(type: 'snapshot' | 'index' | 'lock', id: string, signal?: AbortSignal): Promise<unknown> {
    const bytes = await this.storage.load({ type, name: id }, undefined, signal);
    return decodeUnpacked(this.masterKey, `${type} ${short(id)}`, id, bytes);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writer.close();
    await Promise.all([this.#pool?.close(), this.#rangePool?.close()]);
    this.#pool = undefined;
    this.#rangePool = undefined;
    this.#index.clear();
    this.#trees.clear();
    collectNow();
  }
}

