// The write path of a repository: a new blob is hashed (sha256, on the worker pool when large),
// checked against the index and the blobs in flight, compressed and sealed (zstd + AES-CTR +
// Poly1305), and copied into the open pack of its type; finished packs upload in the
// background while new blobs are accepted, and index files are written for uploaded packs.
// Memory: one open pack per blob type plus at most `maxUploads` packs uploading (data packs
// reuse their buffers), plus the pool's slots.

import { LifeboatError, throwIfAborted } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { SaveBlobResult } from './repository-api.ts';
import type { BlobId, BlobLocation, BlobType, PackId } from './types.ts';
import { compress } from './compression.ts';
import type { CryptoPool, Slot } from './crypto-pool.ts';
import { sealBlob } from './blob-codec.ts';
import { CRYPTO_OVERHEAD, type MasterKey, encrypt, sha256Hex } from './crypto.ts';
import { MAX_BLOBS_PER_INDEX_FILE, buildIndexFile, type IndexFileJson } from './index-file.ts';
import type { MasterIndex } from './master-index.ts';
import { PackBuilder } from './pack.ts';

/** Blobs this large or larger go through the worker pool (a round trip costs ~50 µs). */
export const POOL_MIN_BYTES = 16 * 1024;
/** Room for a pack header of ~1500 entries before a pooled buffer must grow. */
const PACK_HEADER_RESERVE = 64 * 1024;

export interface PackWriterOptions {
  storage: Storage;
  key: MasterKey;
  index: MasterIndex;
  packSize: number;
  maxUploads: number;
  compress: boolean;
  /** The worker pool for a blob of these sizes, if it should use one. */
  poolFor(...sizes: number[]): CryptoPool | undefined;
  /** Called with the bytes of blob buffers that become garbage (see gc-hint.ts). */
  turnover(bytes: number): void;
  saveIndex(json: IndexFileJson, signal: AbortSignal): Promise<unknown>;
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

export class PackWriter {
  readonly #o: PackWriterOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #open: { data?: PackBuilder; tree?: PackBuilder } = {};
  readonly #uploads = new Set<Promise<void>>();
  readonly #saving = new Set<Promise<void>>();
  #unindexed: BlobLocation[] = [];
  #failure: unknown = undefined;
  #closed = false;
  readonly #abort = new AbortController();
  /** Data pack buffers whose upload finished, for the next packs. */
  readonly #spareBuffers: Uint8Array[] = [];

  constructor(opts: PackWriterOptions) {
    this.#o = opts;
  }

  /** Nothing saved in this session is still unindexed. */
  get settled(): boolean {
    return this.#pending.size === 0 && this.#unindexed.length === 0;
  }

  usable(op: string): void {
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

  async #saveBlob(type: BlobType, plaintext: Uint8Array, signal: AbortSignal | undefined, release: () => void): Promise<SaveBlobResult> {
    this.usable('save blob');
    throwIfAborted(signal);
    this.#o.turnover(plaintext.length);
    const pool = this.#o.poolFor(plaintext.length);
    let slot: Slot | undefined;
    try {
      let id: BlobId;
      let sealed: { len: number; uncompressedLength?: number } | undefined;
      if (pool) {
        slot = await pool.acquire(signal, plaintext.length + CRYPTO_OVERHEAD);
        slot.bytes.set(plaintext);
        // The slot holds the bytes now: the caller may reuse its buffer.
        release();
        // Data blobs the filter shows new come back sealed in the same round trip.
        const r = type === 'data' ? await pool.hashSeal(slot, plaintext.length, this.#o.compress) : { hex: await pool.hash(slot, plaintext.length) };
        id = r.hex as BlobId;
        sealed = 'sealed' in r ? r.sealed : undefined;
      } else {
        id = sha256Hex(plaintext) as BlobId;
      }
      const key = `${type}:${id}`;
      if (this.#o.index.has(type, id) || this.#pending.has(key)) return { id, known: true, storedSize: 0 };
      const p = newPending();
      this.#pending.set(key, p);
      if (type === 'data') this.#o.index.markMaybeKnown(id);
      try {
        const stored = await this.#seal(type, id, plaintext, pool, slot, p, signal, sealed);
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
  async #seal(
    type: BlobType, id: BlobId, plaintext: Uint8Array, pool: CryptoPool | undefined, slot: Slot | undefined, p: Pending, signal?: AbortSignal,
    done?: { len: number; uncompressedLength?: number },
  ): Promise<number> {
    let sealed: Uint8Array;
    let ulen: number | undefined;
    if (pool && slot) {
      const r = done ?? await pool.seal(slot, plaintext.length, this.#o.compress);
      sealed = slot.bytes.subarray(0, r.len);
      ulen = r.uncompressedLength;
    } else if (plaintext.length < POOL_MIN_BYTES) {
      // Small (most tree blobs, small files): synchronous zstd costs microseconds, less than a
      // trip to the libuv threadpool, whose threads would each keep a zstd context's worth of
      // fragmented malloc arena.
      const s = sealBlob(this.#o.key, plaintext, this.#o.compress);
      sealed = s.bytes;
      ulen = s.uncompressedLength;
    } else {
      let payload = plaintext;
      if (this.#o.compress) {
        const z = await compress(plaintext);
        // Incompressible data stays as a plain blob (type 0/1); restic reads both in v2.
        if (z.length < plaintext.length) {
          payload = z;
          ulen = plaintext.length;
        }
      }
      this.usable('save blob');
      sealed = encrypt(this.#o.key, payload);
    }
    this.usable('save blob');
    // Backpressure: a full pack, or one this blob would overfill, waits for an upload slot and
    // is finished first; so at most maxUploads packs upload and packs stay within their target
    // size (a single larger blob gets a pack of its own).
    const packSize = this.#o.packSize;
    const overfull = (b: PackBuilder) => b.length >= packSize || (b.count > 0 && b.length + sealed.length > packSize);
    for (let full = this.#open[type]; full && overfull(full); full = this.#open[type]) {
      await this.#whenUploadSlot(signal, () => {
        if (this.#open[type] === full) this.#finishPack(type);
      });
    }
    this.usable('save blob');
    const b = (this.#open[type] ??= this.#newBuilder(type));
    b.add(type, id, sealed, ulen);
    p.builder = b;
    p.markInPack();
    if (b.length >= packSize && this.#uploads.size < this.#o.maxUploads) this.#finishPack(type);
    return sealed.length;
  }

  #newBuilder(type: BlobType): PackBuilder {
    if (type === 'tree') return new PackBuilder(this.#o.key);
    return new PackBuilder(this.#o.key, this.#spareBuffers.pop() ?? new Uint8Array(this.#o.packSize + PACK_HEADER_RESERVE));
  }

  /** Runs `start` once fewer than maxUploads packs are uploading, in the same tick as the check. */
  async #whenUploadSlot(signal: AbortSignal | undefined, start: () => void): Promise<void> {
    while (this.#uploads.size >= this.#o.maxUploads) {
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
        await this.#o.storage.save({ type: 'data', name: id }, bytes, this.#abort.signal);
        // The store is done with the bytes: a standard data pack buffer serves the next pack.
        if (type === 'data' && bytes.buffer.byteLength === this.#o.packSize + PACK_HEADER_RESERVE && this.#spareBuffers.length < this.#o.maxUploads) {
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
        this.#o.index.add(bl);
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
        await this.#o.saveIndex(buildIndexFile(batch), this.#abort.signal);
      } catch (err) {
        this.#unindexed.unshift(...batch);
        this.#failure ??= err;
        throw err;
      }
    }
  }

  /** For a blob saved in this session but not uploaded yet: finishes its pack early and waits for it. */
  async whenIndexed(type: BlobType, id: BlobId): Promise<void> {
    const p = this.#pending.get(`${type}:${id}`);
    if (!p || this.#o.index.has(type, id)) return;
    await p.inPack;
    if (p.builder && this.#open[type] === p.builder) this.#finishPack(type);
    await p.indexed;
  }

  async flush(signal?: AbortSignal): Promise<void> {
    this.usable('flush');
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
    this.usable('flush');
    await this.#writeIndex(true);
  }

  /** Aborts unfinished packs (nothing is written for them). */
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
  }
}
