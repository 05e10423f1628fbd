// The in-memory union of all index files, kept compact: a repository with millions of blobs must
// open in bounded memory. A blob costs 56 bytes in paged typed arrays (32-byte ID + pack number,
// offset, length, uncompressed length, type, duplicate chain) plus 11–21 bytes of hash table, instead
// of a JS object with two hex strings (~300 bytes). Pack IDs are stored once. BlobLocation
// objects are built only when asked for (lookups, iteration).

import type { IndexBatch } from './index-scan.ts';
import type { BlobId, BlobLocation, BlobType, PackId } from './types.ts';

const PAGE_BITS = 16;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** uint32 fields per entry: pack, offset, length, uncompressed length + 1 (0 = not compressed), type, next duplicate + 1. */
const F = 6;
const F_PACK = 0;
const F_OFFSET = 1;
const F_LENGTH = 2;
const F_ULEN = 3;
const F_TYPE = 4;
const F_NEXT = 5;

const TYPE_CODE = { data: 0, tree: 1 } as const;

/** A blob as index files list it, without object allocation for the ID (hex) string. */
export interface RawBlobEntry {
  id: string;
  type: BlobType;
  offset: number;
  length: number;
  uncompressed_length?: number;
}

/** Bits of the maybe-known filter (1 MiB): 11 % false positives at 1 M data blobs, 45 % at 5 M. */
const FILTER_BITS = 1 << 23;

export class MasterIndex {
  /**
   * A bit per data blob ID (its first 32 bits, modulo the size), shared with the crypto workers:
   * a clear bit proves a blob is new, so a worker seals it right after hashing it instead of
   * waiting for the main thread's lookup. A set bit proves nothing; the lookup decides.
   */
  readonly filter = new SharedArrayBuffer(FILTER_BITS / 8);
  readonly #filterWords = new Int32Array(this.filter);
  /** Blob IDs as 8 little-endian uint32 words each, in pages of PAGE entries. */
  readonly #ids: Uint32Array[] = [];
  readonly #meta: Uint32Array[] = [];
  #count = 0;
  /** Open addressing: entry index + 1 of the first entry of each (type, id); 0 = empty. */
  #table = new Int32Array(1 << 12);
  /** The hash of each occupied table slot. */
  #hashes = new Int32Array(1 << 12);
  #used = 0;
  #distinct = [0, 0];
  readonly #packs: string[] = [];
  readonly #packNo = new Map<string, number>();
  /** Pack numbers whose entries count as absent (excludePacks). */
  readonly #excluded = new Set<number>();
  readonly #key = new Uint32Array(8);
  readonly #keyBytes = Buffer.from(this.#key.buffer);

  /** Distinct (type, id) pairs. */
  get blobCount(): number {
    return this.#distinct[0]! + this.#distinct[1]!;
  }

  /** Entries, counting a blob once per pack that holds it. */
  get entryCount(): number {
    return this.#count;
  }

  get packCount(): number {
    return this.#packs.length;
  }

  #packNumber(pack: string): number {
    let n = this.#packNo.get(pack);
    if (n === undefined) {
      n = this.#packs.length;
      this.#packs.push(pack);
      this.#packNo.set(pack, n);
    }
    return n;
  }

  /** Loads the hex ID into #key; false if it is not 64 hex digits. */
  #setKey(id: string): boolean {
    if (id.length !== 64) return false;
    return this.#keyBytes.write(id, 'hex') === 32;
  }

  #hash(typeCode: number): number {
    // IDs are sha256 output: any 32 bits are uniformly distributed.
    return (this.#key[0]! ^ (typeCode * 0x9e3779b1)) >>> 0;
  }

  #sameKey(entry: number): boolean {
    const ids = this.#ids[entry >>> PAGE_BITS]!;
    const o = (entry & PAGE_MASK) * 8;
    const k = this.#key;
    return ids[o] === k[0] && ids[o + 1] === k[1] && ids[o + 2] === k[2] && ids[o + 3] === k[3] &&
      ids[o + 4] === k[4] && ids[o + 5] === k[5] && ids[o + 6] === k[6] && ids[o + 7] === k[7];
  }

  #field(entry: number, f: number): number {
    return this.#meta[entry >>> PAGE_BITS]![(entry & PAGE_MASK) * F + f]!;
  }

  #setField(entry: number, f: number, v: number): void {
    this.#meta[entry >>> PAGE_BITS]![(entry & PAGE_MASK) * F + f] = v;
  }

  /** Table slot holding the key's first entry, or the empty slot where it would go. */
  #slot(typeCode: number): number {
    const mask = this.#table.length - 1;
    const h = this.#hash(typeCode);
    const hashes = this.#hashes;
    let s = h & mask;
    for (;;) {
      const e = this.#table[s]!;
      if (e === 0) return s;
      // The stored hash rules out almost every other entry without touching its (uncached) ID.
      if (hashes[s] === (h | 0) && this.#field(e - 1, F_TYPE) === typeCode && this.#sameKey(e - 1)) return s;
      s = (s + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#table;
    const oldHashes = this.#hashes;
    // Quadruple while small: fewer rehashes on the way to millions of blobs.
    const size = old.length < 1 << 20 ? old.length * 4 : old.length * 2;
    const table = new Int32Array(size);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      if (e === 0) continue;
      const h = oldHashes[i]!;
      let s = (h >>> 0) & mask;
      while (table[s] !== 0) s = (s + 1) & mask;
      table[s] = e;
      hashes[s] = h;
    }
    this.#table = table;
    this.#hashes = hashes;
  }

  /** Adds the blob whose ID is in #key. */
  #insert(typeCode: number, pack: number, offset: number, length: number, ulen: number | undefined): void {
    if ((this.#used + 1) * 4 > this.#table.length * 3) this.#grow();
    const s = this.#slot(typeCode);
    const first = this.#table[s]!;
    if (first !== 0) {
      // Overlapping index files list the same location twice: keep one.
      for (let e = first; e !== 0; e = this.#field(e - 1, F_NEXT)) {
        if (this.#field(e - 1, F_PACK) === pack && this.#field(e - 1, F_OFFSET) === offset) return;
      }
    }
    const n = this.#count++;
    const page = n >>> PAGE_BITS;
    if (page === this.#ids.length) {
      this.#ids.push(new Uint32Array(PAGE * 8));
      this.#meta.push(new Uint32Array(PAGE * F));
    }
    this.#ids[page]!.set(this.#key, (n & PAGE_MASK) * 8);
    const m = this.#meta[page]!;
    const o = (n & PAGE_MASK) * F;
    m[o + F_PACK] = pack;
    m[o + F_OFFSET] = offset;
    m[o + F_LENGTH] = length;
    m[o + F_ULEN] = ulen === undefined ? 0 : ulen + 1;
    m[o + F_TYPE] = typeCode;
    m[o + F_NEXT] = 0;
    if (typeCode === 0) this.#markWord(this.#key[0]!);
    if (first === 0) {
      this.#table[s] = n + 1;
      this.#hashes[s] = this.#hash(typeCode) | 0;
      this.#used++;
      this.#distinct[typeCode]!++;
    } else {
      // Append to the chain: the first location stays the one lookup() returns.
      let e = first;
      for (let next = this.#field(e - 1, F_NEXT); next !== 0; next = this.#field(e - 1, F_NEXT)) e = next;
      this.#setField(e - 1, F_NEXT, n + 1);
    }
  }

  add(loc: BlobLocation): void {
    if (!this.#setKey(loc.id)) throw new Error(`index: invalid blob ID ${JSON.stringify(loc.id)}`);
    this.#insert(TYPE_CODE[loc.type], this.#packNumber(loc.pack), loc.offset, loc.length, loc.uncompressedLength);
  }

  /** Adds the blobs of one pack as an index file lists them (validated by the caller). */
  addPackEntries(pack: string, blobs: readonly RawBlobEntry[]): void {
    const p = this.#packNumber(pack);
    for (const b of blobs) {
      if (!this.#setKey(b.id)) throw new Error(`index: invalid blob ID ${JSON.stringify(b.id)}`);
      const ulen = typeof b.uncompressed_length === 'number' && b.uncompressed_length > 0 ? b.uncompressed_length : undefined;
      this.#insert(TYPE_CODE[b.type], p, b.offset, b.length, ulen);
    }
  }

  /** Adds the entries an index file scan collected (see index-scan.ts). */
  addBatch(batch: IndexBatch): void {
    const packs = batch.packs.map((p) => this.#packNumber(p));
    const ids = batch.ids;
    const f = batch.fields;
    const kb = this.#keyBytes;
    for (let i = 0; i < batch.count; i++) {
      kb.set(ids.subarray(i * 32, i * 32 + 32));
      const o = i * 5;
      const ulen = f[o + 3]!;
      this.#insert(f[o + 4]!, packs[f[o]!]!, f[o + 1]!, f[o + 2]!, ulen === 0 ? undefined : ulen - 1);
    }
  }

  #markWord(w: number): void {
    const bit = w & (FILTER_BITS - 1);
    Atomics.or(this.#filterWords, bit >>> 5, 1 << (bit & 31));
  }

  /** Sets a data blob's filter bit ahead of its index entry (a blob being saved). */
  markMaybeKnown(id: string): void {
    if (this.#setKey(id)) this.#markWord(this.#key[0]!);
  }

  #first(type: BlobType, id: string): number {
    if (!this.#setKey(id)) return 0;
    return this.#table[this.#slot(TYPE_CODE[type])]!;
  }

  #location(entry: number, id?: string): BlobLocation {
    const m = this.#meta[entry >>> PAGE_BITS]!;
    const o = (entry & PAGE_MASK) * F;
    const loc: BlobLocation = {
      id: (id ?? this.#idHex(entry)) as BlobId,
      type: m[o + F_TYPE] === 0 ? 'data' : 'tree',
      pack: this.#packs[m[o + F_PACK]!] as PackId,
      offset: m[o + F_OFFSET]!,
      length: m[o + F_LENGTH]!,
    };
    if (m[o + F_ULEN] !== 0) loc.uncompressedLength = m[o + F_ULEN]! - 1;
    return loc;
  }

  #idHex(entry: number): string {
    const ids = this.#ids[entry >>> PAGE_BITS]!;
    const o = (entry & PAGE_MASK) * 8;
    return Buffer.from(ids.buffer, ids.byteOffset + o * 4, 32).toString('hex');
  }

  /**
   * From now on, entries in these packs count as absent for has, lookup and lookupAll: their pack
   * is gone from storage (a backup then stores the blob again) or is being repaired away.
   */
  excludePacks(packs: Iterable<string>): void {
    for (const p of packs) {
      const n = this.#packNo.get(p);
      if (n !== undefined) this.#excluded.add(n);
    }
  }

  /** The first entry of a blob outside excluded packs (1-based; 0 = none). */
  #firstUsable(type: BlobType, id: string): number {
    let e = this.#first(type, id);
    if (this.#excluded.size === 0) return e;
    while (e !== 0 && this.#excluded.has(this.#field(e - 1, F_PACK))) e = this.#field(e - 1, F_NEXT);
    return e;
  }

  has(type: BlobType, id: string): boolean {
    return this.#firstUsable(type, id) !== 0;
  }

  lookup(type: BlobType, id: string): BlobLocation | undefined {
    const e = this.#firstUsable(type, id);
    return e === 0 ? undefined : this.#location(e - 1, id.toLowerCase());
  }

  /** Every known location of a blob (several when packs hold duplicates), excluded packs left out. */
  lookupAll(type: BlobType, id: string): BlobLocation[] {
    const out: BlobLocation[] = [];
    for (let e = this.#first(type, id); e !== 0; e = this.#field(e - 1, F_NEXT)) {
      if (!this.#excluded.has(this.#field(e - 1, F_PACK))) out.push(this.#location(e - 1, id.toLowerCase()));
    }
    return out;
  }

  *blobs(): Iterable<BlobLocation> {
    for (let e = 0; e < this.#count; e++) yield this.#location(e);
  }

  packIds(): Iterable<PackId> {
    return this.#packs.values() as Iterable<PackId>;
  }

  hasPack(id: string): boolean {
    return this.#packNo.has(id);
  }

  clear(): void {
    this.#ids.length = 0;
    this.#meta.length = 0;
    this.#count = 0;
    this.#table = new Int32Array(1 << 12);
    this.#hashes = new Int32Array(1 << 12);
    this.#used = 0;
    this.#distinct = [0, 0];
    this.#packs.length = 0;
    this.#packNo.clear();
    this.#excluded.clear();
    this.#filterWords.fill(0);
  }
}
