// Tree blobs by ID, read a whole tree pack at a time. Walking a snapshot (a backup comparing with
// its parent, a restore, ls) loads thousands of small trees one directory after another; each
// load alone is a ranged read and a round trip, latency the walk waits for. The trees of one
// snapshot mostly sit in a few tree packs, so the first tree wanted from a pack brings in all of
// that pack's trees (its header, then one read per range). Bounded: oldest trees go first.

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
