// Tree blobs by ID, read a whole tree pack at a time. Walking a snapshot (a backup comparing with
// its parent, a restore, ls) loads thousands of small trees one directory after another; each
// load alone is a ranged read and a round trip, latency the walk waits for. The trees of one
// snapshot mostly sit in a few tree packs, so the first tree wanted from a pack brings in all of
// that pack's trees (its header, then one read per range). Bounded: oldest trees go first.

import { blobSubject } from './blob-reader.ts';
import { openBlob } from './blob-codec.ts';
import type { MasterKey } from './crypto.ts';
import type { BlobLocation } from './types.ts';

export interface TreePackAccess {
  /** The pack's blobs, from its header. */
  blobs(): Promise<BlobLocation[]>;
  load(range: { offset: number; length: number }): Promise<Uint8Array>;
  turnover(bytes: number): void;
}

/**
 * Puts every tree of one pack into `cache`: one read of the pack's blobs, opened on this thread
 * (trees are small, and a read pool would cost a backup more threads and their slots). A
 * damaged tree is left out: loading it alone then reports it.
 */
export async function readTreePack(cache: TreeCache, key: MasterKey, pack: TreePackAccess): Promise<void> {
  const blobs = (await pack.blobs()).filter((b) => b.type === 'tree');
  if (blobs.length === 0) return;
  const start = blobs[0]!.offset;
  const end = blobs.at(-1)!.offset + blobs.at(-1)!.length;
  if (!cache.fits(end - start) || !cache.fits(blobs.reduce((n, b) => n + (b.uncompressedLength ?? b.length), 0))) return;
  const bytes = await pack.load({ offset: start, length: end - start });
  for (const b of blobs) {
    try {
      cache.put(b.id, openBlob(key, bytes.subarray(b.offset - start, b.offset - start + b.length), b.id, b.uncompressedLength, blobSubject(b)));
    } catch {
      // damaged: left out
    }
  }
  pack.turnover(bytes.length);
}

export class TreeCache {
  readonly #blobs = new Map<string, Uint8Array>();
  readonly #packs = new Map<string, Promise<void>>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get(id: string): Uint8Array | undefined {
    return this.#blobs.get(id);
  }

  /** Whether a pack's trees total few enough bytes to be worth reading whole. */
  fits(bytes: number): boolean {
    return bytes <= this.#maxBytes / 2;
  }

  put(id: string, plaintext: Uint8Array): void {
    if (this.#blobs.has(id) || plaintext.length > this.#maxBytes / 4) return;
    this.#blobs.set(id, plaintext);
    this.#bytes += plaintext.length;
    for (const [k, v] of this.#blobs) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#blobs.delete(k);
      this.#bytes -= v.length;
    }
  }

  /** Runs `read` (which put()s a pack's trees) once per pack; failures only mean no cache. */
  async fill(pack: string, read: () => Promise<void>): Promise<void> {
    let p = this.#packs.get(pack);
    if (!p) {
      p = read().catch(() => {});
      this.#packs.set(pack, p);
    }
    await p;
  }

  clear(): void {
    this.#blobs.clear();
    this.#packs.clear();
    this.#bytes = 0;
  }
}
