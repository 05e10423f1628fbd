// The Repository over a Storage: config, keys, packs, index, snapshots, in restic's format.
// Saving a blob: sha256 → dedup → zstd + AES-CTR + Poly1305 → copy into the open pack; finished
// packs upload in the background while new blobs are accepted; flush() awaits all. Blobs of
// POOL_MIN_BYTES or more are hashed, sealed (and on load opened) on a CryptoPool of worker
// threads; small ones stay on this thread, where a round trip would cost more than the work.
// Memory: one open pack per blob type plus at most `maxUploads` packs uploading (data packs reuse
// their buffers), plus the pool's slots.

import { IntegrityError, LifeboatError, NoRepositoryError, NotFoundError, StorageError, throwIfAborted } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { SaveBlobResult, Repository } from './repository-api.ts';
import type { BlobId, BlobLocation, BlobType, KeyId, PackId, RepoConfig, Snapshot, SnapshotEntry, SnapshotId, Tree } from './types.ts';
import { availableParallelism } from 'node:os';
import { compress, decompress } from './compression.ts';
import { CHUNK_MAX_SIZE } from './chunker.ts';
import { CryptoPool, type Slot } from './crypto-pool.ts';
import { sealBlob } from './blob-codec.ts';
import { createGcHint, type GcHint } from './gc-hint.ts';
import { CRYPTO_OVERHEAD, type MasterKey, decrypt, encrypt, newRandomKey, sha256Hex } from './crypto.ts';
import { loadConfig, newConfig, saveConfig } from './config-file.ts';
import { MAX_BLOBS_PER_INDEX_FILE, MasterIndex, addIndexFileTo, buildIndexFile } from './index-file.ts';
import { parseJsonBytes, stringifyJson } from './json.ts';

function parseJsonOf(json: Uint8Array, subject: string): unknown {
  try {
    return parseJsonBytes(json);
  } catch (e) {
    throw new IntegrityError(`load ${subject}: invalid JSON`, { cause: e });
  }
}
import { type ScryptParams, createKey, openWithPassword } from './key.ts';
import { DEFAULT_PACK_SIZE, PackBuilder, readPackHeader } from './pack.ts';
import { findSnapshotIn, listSnapshotsOf } from './snapshots.ts';
import { decodeUnpacked, encodeUnpacked, unpackedJsonBytes } from './unpacked.ts';
import { IndexBatch, scanIndexJson } from './index-scan.ts';

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

/** Blobs this large or larger go through the worker pool. */
const POOL_MIN_BYTES = 64 * 1024;
/** Room for a pack header of ~1500 entries before a pooled buffer must grow. */
const PACK_HEADER_RESERVE = 64 * 1024;

export interface InitOptions extends RepositoryOptions {
  version?: 1 | 2;
  scrypt?: ScryptParams;
  /** Another repository's chunker polynomial (restic init --copy-chunker-params), so copied data keeps deduplicating. */
  chunkerPolynomial?: bigint;
}

interface Pending {
  /** The open pack holding it, once compressed and encrypted. */
  builder?: PackBuilder;
  inPack: Promise<void>;
  markInPack(): void;
  /** Resolves once the pack is uploaded and the blob is in the master index. */
  indexed: Promise<void>;
  markIndexed(err?: unknown): void;
}

function newPending(): Pending {
  const a = Promise.withResolvers<void>();
  const b = Promise.withResolvers<void>();
  a.promise.catch(() => {});
  b.promise.catch(() => {});
  return {
    inPack: a.promise,
    markInPack: () => a.resolve(),
    indexed: b.promise,
    markIndexed: (err) => {
      if (err === undefined) b.resolve();
      else {
        a.reject(err);
        b.reject(err);
      }
    },
  };
}

const short = (id: string) => id.slice(0, 8);

export class ResticRepository implements Repository {
  readonly storage: Storage;
  readonly config: RepoConfig;
  readonly masterKey: MasterKey;
  #keyId: KeyId;
  readonly #index = new MasterIndex();
  #indexLoaded = false;
  readonly #pending = new Map<string, Pending>();
  readonly #open: { data?: PackBuilder; tree?: PackBuilder } = {};
  readonly #uploads = new Set<Promise<void>>();
  readonly #saving = new Set<Promise<void>>();
  #unindexed: BlobLocation[] = [];
  #failure: unknown = undefined;
  #closed = false;
  readonly #abort = new AbortController();
  readonly #packSize: number;
  readonly #maxUploads: number;
  readonly #compress: boolean;
  readonly #cryptoThreads: number;
  #pool: CryptoPool | undefined;
  #gcHint: GcHint | undefined;
  /** Data pack buffers whose upload finished, for the next packs. */
  readonly #spareBuffers: Uint8Array[] = [];

  constructor(storage: Storage, config: RepoConfig, keyId: KeyId, masterKey: MasterKey, opts: RepositoryOptions = {}) {
    this.storage = storage;
    this.config = config;
    this.#keyId = keyId;
    this.masterKey = masterKey;
    this.#packSize = opts.packSize ?? DEFAULT_PACK_SIZE;
    // A local disk takes a pack in well under the time the next one fills; each upload slot
    // costs a pack buffer of memory. Remote stores hide latency with a second upload.
    this.#maxUploads = opts.maxUploads ?? (storage.location.startsWith('/') ? 1 : 2);
    this.#compress = config.version === 2 && opts.compression !== 'off';
    // The main thread chunks and hashes packs: it takes one core, the workers the rest.
    this.#cryptoThreads = opts.cryptoThreads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  }

  get keyId(): KeyId {
    return this.#keyId;
  }

  /** Used by changePassword after the old key file is replaced. */
  setKeyId(id: KeyId): void {
    this.#keyId = id;
  }

  async loadIndex(signal?: AbortSignal): Promise<void> {
    const names: string[] = [];
    for await (const f of this.storage.list('index', signal)) names.push(f.name);
    // Two at a time: one decoding while the next loads. The scanner reads blob entries straight
    // into the compact index; only a file it cannot read takes the JSON.parse path.
    const batch = new IndexBatch();
    await forEachLimit(names, 2, async (name) => {
      const subject = `index ${short(name)}`;
      const bytes = await this.storage.load({ type: 'index', name }, undefined, signal);
      const json = unpackedJsonBytes(this.masterKey, subject, name, bytes);
      if (scanIndexJson(json, batch)) this.#index.addBatch(batch);
      else addIndexFileTo(this.#index, parseJsonOf(json, subject), subject);
      this.#turnover(2 * bytes.length + json.length);
    });
    this.#indexLoaded = true;
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
    if (this.#failure !== undefined) {
      // Name the real failure (e.g. "access to bucket X denied"): the cause alone is not printed.
      const f = this.#failure;
      const why = f instanceof Error ? `: ${f.message}` : '';
      throw new LifeboatError('error', `${op}: an earlier pack upload failed${why}`, {
        cause: f, hint: f instanceof LifeboatError ? f.hint : undefined,
      });
    }
  }

  /** The worker pool for a blob of `n` bytes (and the bytes its result needs), if it should use one. */
  #poolFor(...sizes: number[]): CryptoPool | undefined {
    if (this.#cryptoThreads <= 0 || sizes[0]! < POOL_MIN_BYTES) return undefined;
    // Slots hold the largest chunk plus the crypto overhead; bigger (tree) blobs stay here.
    this.#pool ??= new CryptoPool(this.masterKey, { threads: this.#cryptoThreads, slotSize: CHUNK_MAX_SIZE + 4096 });
    return sizes.every((n) => n + CRYPTO_OVERHEAD <= this.#pool!.slotSize) ? this.#pool : undefined;
  }

  saveBlob(type: BlobType, plaintext: Uint8Array, signal?: AbortSignal, onReleased?: () => void): Promise<SaveBlobResult> {
    // Tracked from the first moment (hashing may be asynchronous), so flush() waits for it.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      onReleased?.();
    };
    const p = this.#saveBlob(type, plaintext, signal, release).finally(release);
    const tracked = p.then(() => {}, () => {});
    this.#saving.add(tracked);
    void tracked.then(() => this.#saving.delete(tracked));
    return p;
  }

  /** Blob bytes pass through here and are garbage soon after: collect them often (see gc-hint.ts). */
  #turnover(bytes: number): void {
    (this.#gcHint ??= createGcHint(8 << 20))(bytes);
  }

  async #saveBlob(type: BlobType, plaintext: Uint8Array, signal: AbortSignal | undefined, release: () => void): Promise<SaveBlobResult> {
    this.#usable('save blob');
    throwIfAborted(signal);
    this.#turnover(plaintext.length);
    const pool = this.#poolFor(plaintext.length);
    let slot: Slot | undefined;
    try {
      let id: BlobId;
      if (pool) {
        slot = await pool.acquire(signal);
        slot.bytes.set(plaintext);
        // The slot holds the bytes now: the caller may reuse its buffer.
        release();
        id = (await pool.hash(slot, plaintext.length)) as BlobId;
      } else {
        id = sha256Hex(plaintext) as BlobId;
      }
      const key = `${type}:${id}`;
      if (this.#index.has(type, id) || this.#pending.has(key)) return { id, known: true, storedSize: 0 };
      const p = newPending();
      this.#pending.set(key, p);
      try {
        const stored = await this.#seal(type, id, plaintext, pool, slot, p, signal);
        return { id, known: false, storedSize: stored };
      } catch (err) {
        this.#pending.delete(key);
        p.markIndexed(err);
        throw err;
      }
    } finally {
      slot?.release();
    }
  }

  /** Compresses, encrypts and adds a new blob to its open pack; returns its stored size. */
  async #seal(type: BlobType, id: BlobId, plaintext: Uint8Array, pool: CryptoPool | undefined, slot: Slot | undefined, p: Pending, signal?: AbortSignal): Promise<number> {
    let sealed: Uint8Array;
    let ulen: number | undefined;
    if (pool && slot) {
      const r = await pool.seal(slot, plaintext.length, this.#compress);
      sealed = slot.bytes.subarray(0, r.len);
      ulen = r.uncompressedLength;
    } else if (plaintext.length < POOL_MIN_BYTES) {
      // Small (most tree blobs, small files): synchronous zstd costs microseconds, less than a
      // trip to the libuv threadpool, whose threads would each keep a zstd context's worth of
      // fragmented malloc arena.
      const s = sealBlob(this.masterKey, plaintext, this.#compress);
      sealed = s.bytes;
      ulen = s.uncompressedLength;
    } else {
      let payload = plaintext;
      if (this.#compress) {
        const z = await compress(plaintext);
        // Incompressible data stays as a plain blob (type 0/1); restic reads both in v2.
        if (z.length < plaintext.length) {
          payload = z;
          ulen = plaintext.length;
        }
      }
      this.#usable('save blob');
      sealed = encrypt(this.masterKey, payload);
    }
    this.#usable('save blob');
    // Backpressure: a full pack, or one this blob would overfill, waits for an upload slot and
    // is finished first; so at most maxUploads packs upload and packs stay within their target
    // size (a single larger blob gets a pack of its own).
    const overfull = (b: PackBuilder) => b.length >= this.#packSize || (b.count > 0 && b.length + sealed.length > this.#packSize);
    for (let full = this.#open[type]; full && overfull(full); full = this.#open[type]) {
      await this.#whenUploadSlot(signal, () => {
        if (this.#open[type] === full) this.#finishPack(type);
      });
    }
    this.#usable('save blob');
    const b = (this.#open[type] ??= this.#newBuilder(type));
    b.add(type, id, sealed, ulen);
    p.builder = b;
    p.markInPack();
    if (b.length >= this.#packSize && this.#uploads.size < this.#maxUploads) this.#finishPack(type);
    return sealed.length;
  }

  #newBuilder(type: BlobType): PackBuilder {
    if (type === 'tree') return new PackBuilder(this.masterKey);
    return new PackBuilder(this.masterKey, this.#spareBuffers.pop() ?? new Uint8Array(this.#packSize + PACK_HEADER_RESERVE));
  }

  /** Runs `start` once fewer than maxUploads packs are uploading, in the same tick as the check. */
  async #whenUploadSlot(signal: AbortSignal | undefined, start: () => void): Promise<void> {
    while (this.#uploads.size >= this.#maxUploads) {
      throwIfAborted(signal);
      await Promise.race(this.#uploads);
    }
    start();
  }

  #finishPack(type: BlobType): void {
    const b = this.#open[type];
    this.#open[type] = undefined;
    if (!b || b.count === 0) return;
    const sealed = b.seal();
    const bytes = sealed.bytes;
    const id = sha256Hex(bytes) as PackId;
    const blobs: BlobLocation[] = sealed.blobs.map((bl) => ({ ...bl, pack: id }));
    const upload = (async () => {
      try {
        await this.storage.save({ type: 'data', name: id }, bytes, this.#abort.signal);
        // The store is done with the bytes: a standard data pack buffer serves the next pack.
        if (type === 'data' && bytes.buffer.byteLength === this.#packSize + PACK_HEADER_RESERVE && this.#spareBuffers.length < this.#maxUploads) {
          this.#spareBuffers.push(new Uint8Array(bytes.buffer));
        }
      } catch (err) {
        this.#failure ??= err;
        for (const bl of blobs) {
          const k = `${bl.type}:${bl.id}`;
          this.#pending.get(k)?.markIndexed(err);
          this.#pending.delete(k);
        }
        return;
      }
      for (const bl of blobs) {
        this.#index.add(bl);
        this.#unindexed.push(bl);
        const k = `${bl.type}:${bl.id}`;
        this.#pending.get(k)?.markIndexed();
        this.#pending.delete(k);
      }
      // A failed index write is recorded in #failure and reported by the next flush.
      if (this.#unindexed.length >= MAX_BLOBS_PER_INDEX_FILE) await this.#writeIndex(false).catch(() => {});
    })();
    this.#uploads.add(upload);
    void upload.finally(() => this.#uploads.delete(upload)).catch(() => {});
  }

  /** Writes index files for uploaded packs; `all` also writes a final partial file. */
  async #writeIndex(all: boolean): Promise<void> {
    while (this.#unindexed.length >= MAX_BLOBS_PER_INDEX_FILE || (all && this.#unindexed.length > 0)) {
      const batch = this.#unindexed.splice(0, MAX_BLOBS_PER_INDEX_FILE);
      try {
        await this.saveJson('index', buildIndexFile(batch), this.#abort.signal);
      } catch (err) {
        this.#unindexed.unshift(...batch);
        this.#failure ??= err;
        throw err;
      }
    }
  }

  async loadBlob(type: BlobType, id: BlobId, signal?: AbortSignal): Promise<Uint8Array> {
    const key = `${type}:${id}`;
    const p = this.#pending.get(key);
    if (p && !this.#index.has(type, id)) {
      // Saved in this session but not uploaded yet: finish its pack early.
      await p.inPack;
      if (p.builder && this.#open[type] === p.builder) this.#finishPack(type);
      await p.indexed;
    }
    const locs = this.#index.lookupAll(type, id);
    if (locs.length === 0) throw new NotFoundError(`load ${type} blob ${short(id)}: not in index`);
    let lastErr: unknown;
    for (const loc of locs) {
      try {
        return await this.#loadFrom(loc, signal);
      } catch (err) {
        // A damaged copy: another pack may hold an intact duplicate.
        if (!(err instanceof IntegrityError)) throw err;
        lastErr = err;
      }
    }
    throw lastErr;
  }

  async #loadFrom(loc: BlobLocation, signal?: AbortSignal): Promise<Uint8Array> {
    const subject = `${loc.type} blob ${short(loc.id)} in pack ${short(loc.pack)}`;
    const h = { type: 'data', name: loc.pack } as const;
    const range = { offset: loc.offset, length: loc.length };
    const pool = this.#poolFor(loc.length, loc.uncompressedLength ?? loc.length);
    if (pool) {
      // Read straight into the transfer slot (stores that can), so the only buffer this thread
      // allocates per blob is the plaintext it returns.
      const slot = await pool.acquire(signal);
      try {
        const bytes = await this.storage.load(h, range, signal, slot.bytes);
        if (bytes.buffer !== slot.bytes.buffer) slot.bytes.set(bytes);
        this.#turnover((bytes.buffer === slot.bytes.buffer ? 0 : bytes.length) + (loc.uncompressedLength ?? loc.length));
        const n = await pool.open(slot, bytes.length, loc.id, loc.uncompressedLength, subject);
        return slot.bytes.slice(0, n);
      } finally {
        slot.release();
      }
    }
    const bytes = await this.storage.load(h, range, signal);
    this.#turnover(bytes.length + (loc.uncompressedLength ?? loc.length));
    let plain = decrypt(this.masterKey, bytes, subject);
    if (loc.uncompressedLength !== undefined) {
      try {
        plain = await decompress(plain, loc.uncompressedLength);
      } catch (err) {
        throw new IntegrityError(`load ${subject}: zstd decompression failed`, { cause: err });
      }
      if (plain.length !== loc.uncompressedLength) {
        throw new IntegrityError(`load ${subject}: decompressed to ${plain.length} bytes, index says ${loc.uncompressedLength}`);
      }
    }
    if (sha256Hex(plain) !== loc.id) throw new IntegrityError(`load ${subject}: content does not match its ID`);
    return plain;
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

  async loadTree(id: BlobId, signal?: AbortSignal): Promise<Tree> {
    const v = parseJsonBytes(await this.loadBlob('tree', id, signal)) as Tree;
    if (!v || !Array.isArray(v.nodes)) {
      if (v && v.nodes === null) return { ...v, nodes: [] };
      throw new IntegrityError(`load tree ${short(id)}: no nodes list`);
    }
    return v;
  }

  async flush(signal?: AbortSignal): Promise<void> {
    this.#usable('flush');
    // Blobs still hashing or compressing must land in a pack before the packs are closed.
    while (this.#saving.size > 0) await Promise.all([...this.#saving]);
    for (const p of [...this.#pending.values()]) await p.inPack.catch(() => {});
    for (const type of ['data', 'tree'] as const) {
      if (!this.#open[type]) continue;
      await this.#whenUploadSlot(signal, () => this.#finishPack(type));
    }
    while (this.#uploads.size > 0) {
      throwIfAborted(signal);
      await Promise.race(this.#uploads);
    }
    this.#usable('flush');
    await this.#writeIndex(true);
  }

  async saveSnapshot(snapshot: Snapshot, signal?: AbortSignal): Promise<SnapshotId> {
    this.#usable('save snapshot');
    // No snapshot may point at data that is not durably indexed.
    if (this.#pending.size > 0 || this.#unindexed.length > 0) {
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
    const err = new LifeboatError('error', 'repository closed');
    this.#open.data = undefined;
    this.#open.tree = undefined;
    for (const p of this.#pending.values()) p.markIndexed(err);
    this.#pending.clear();
    this.#abort.abort();
    await Promise.allSettled([...this.#uploads]);
    this.#spareBuffers.length = 0;
    await this.#pool?.close();
  }
}

/** Runs fn over items with at most `limit` running at once; the first error wins. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Creates a new repository: layout, first key, then config (the config marks it complete). */
export async function initRepository(storage: Storage, password: string, opts: InitOptions = {}): Promise<ResticRepository> {
  // Checked here too, because not every store can refuse it atomically in create().
  const exists = await storage.stat({ type: 'config', name: 'config' }).then(
    () => true,
    (err) => {
      if (err instanceof NotFoundError) return false;
      throw err;
    },
  );
  if (exists) throw new LifeboatError('error', `init repository at ${storage.location}: a repository already exists there`);
  await storage.create();
  const master = newRandomKey();
  const config = newConfig(opts.version ?? 2);
  if (opts.chunkerPolynomial !== undefined) config.chunkerPolynomial = opts.chunkerPolynomial;
  const keyId = await createKey(storage, password, master, { params: opts.scrypt, signal: opts.signal });
  await saveConfig(storage, master, config, opts.signal);
  const repo = new ResticRepository(storage, config, keyId, master, opts);
  await repo.loadIndex(opts.signal);
  return repo;
}

/** Opens an existing repository. NoRepositoryError without a config; WrongPasswordError if no key fits. */
export async function openRepository(storage: Storage, password: string, opts: RepositoryOptions & { keyHint?: string } = {}): Promise<ResticRepository> {
  try {
    await storage.stat({ type: 'config', name: 'config' });
  } catch (err) {
    if (err instanceof NotFoundError) {
      // A store may know more than "not found" (an S3 bucket that does not exist at all).
      const detail = typeof err.context.detail === 'string' ? err.context.detail : 'config file missing';
      throw new NoRepositoryError(`open repository at ${storage.location}: no repository found (${detail})`, {
        hint: err.hint ?? 'run init first, or check the repository location',
        cause: err,
      });
    }
    if (err instanceof StorageError || err instanceof LifeboatError) throw err;
    throw new StorageError(`open repository at ${storage.location}: ${(err as Error).message}`, false, { cause: err });
  }
  const { keyId, masterKey } = await openWithPassword(storage, password, { signal: opts.signal, keyHint: opts.keyHint });
  const config = await loadConfig(storage, masterKey, opts.signal);
  return new ResticRepository(storage, config, keyId, masterKey, opts);
}
