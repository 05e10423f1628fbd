// Content-defined chunking that cuts exactly where restic cuts for the same polynomial, so data
// blobs written by Lifeboat dedup with blobs written by restic (restic-format.md §2.11).
//
// The rolling hash is a Rabin fingerprint of the last 64 bytes, reduced modulo the repo's
// polynomial P (degree 53). Appending byte b maps digest d to (d·x^8 + b) mod P; removing the
// byte that left the window XORs out[b] = b·x^(8·63) mod P. Because the digest is always fully
// reduced and the map is linear over GF(2), the digest at every place a cut may happen is the
// plain fingerprint of the 64 bytes before it. That lets us start each chunk from digest 0 with
// an all-zero window (restic's "reset then shift in a 1" yields the same digests at every cut
// candidate: the 1 leaves the window exactly when the first candidate is reached).
//
// Hot loop: the digest (< 2^53, < 2^61 between shift and reduction) lives in two int32 halves
// so V8 stays on small-integer math; the outgoing byte is read straight from the input buffer
// except for the first 64 bytes of each input segment, which use a small ring.

import { AbortedError, UsageError } from '../errors.ts';

export const CHUNK_MIN_SIZE = 512 * 1024;
export const CHUNK_MAX_SIZE = 8 * 1024 * 1024;
const WINDOW = 64;
/** A cut is allowed where the low 20 bits of the digest are zero: ~1 MiB past the minimum. */
const SPLIT_MASK = (1 << 20) - 1;

/**
 * Chunk size bounds and the cut condition. restic's (the default) must be used for file data,
 * so that it dedups with restic-written blobs; any other valid bounds still make chunks that
 * restic checks and restores (it accepts blobs of any size).
 */
export interface ChunkerParams {
  readonly name: string;
  /** No cut before this many bytes (≥ 64). */
  readonly minSize: number;
  /** A cut is forced here (≤ CHUNK_MAX_SIZE). */
  readonly maxSize: number;
  /** A cut is allowed where (digest & splitMask) === 0: about splitMask + 1 bytes past minSize on average. */
  readonly splitMask: number;
}

/** restic's chunker: 512 KiB – 8 MiB, ~1.5 MiB on average. */
export const RESTIC_CHUNKER: ChunkerParams = { name: 'restic', minSize: CHUNK_MIN_SIZE, maxSize: CHUNK_MAX_SIZE, splitMask: SPLIT_MASK };

/**
 * For database dumps: 16 KiB – 512 KiB, ~48 KiB on average. A day's row changes scattered over
 * a table touch nearly every 1.5 MiB chunk but leave many of these unchanged: on the benchmark's
 * PostgreSQL and MariaDB dumps a day added 29 MiB instead of 63 MiB (zstd-compressed new
 * chunks), for +3 % on the first day (smaller zstd frames) and ~30× as many index entries per
 * GiB of dump, which the compact index holds in ~60 bytes each.
 */
export const DUMP_CHUNKER: ChunkerParams = { name: 'dump-16k-512k', minSize: 16 * 1024, maxSize: 512 * 1024, splitMask: (1 << 15) - 1 };

export function chunkerParamsByName(name: string | undefined): ChunkerParams | undefined {
  if (name === undefined || name === RESTIC_CHUNKER.name) return RESTIC_CHUNKER;
  if (name === DUMP_CHUNKER.name) return DUMP_CHUNKER;
  return undefined;
}

/** Per-polynomial lookup tables. Plain data (structured-cloneable), so they can be posted to a worker. */
export interface ChunkerTables {
  readonly pol: bigint;
  readonly degree: number;
  /** out[b] = b·x^(8·63) mod P, split into high and low 32 bits. */
  readonly outHi: Int32Array;
  readonly outLo: Int32Array;
  /** mod[b] = (b·x^deg mod P) | b·x^deg: XOR cancels the overflow byte and adds its reduction. */
  readonly modHi: Int32Array;
  readonly modLo: Int32Array;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Remainder of a polynomial over GF(2) (bits = coefficients) modulo pol. */
function polyMod(a: bigint, pol: bigint, polDeg: number): bigint {
  let len = bitLength(a);
  while (len - 1 >= polDeg) {
    a ^= pol << BigInt(len - 1 - polDeg);
    len = bitLength(a);
  }
  return a;
}

/**
 * Builds the tables for a polynomial as stored in a repo config (`chunker_polynomial`, hex).
 * Callers keep the result (e.g. on their open repository) rather than recomputing per file.
 */
export function chunkerTables(pol: bigint): ChunkerTables {
  const degree = bitLength(pol) - 1;
  // The int32 split needs the shifted-out byte in the high half (deg ≥ 40) and the 8-bit
  // overflow to fit in 31 bits (deg ≤ 55); restic always generates degree 53.
  if (typeof pol !== 'bigint' || degree < 40 || degree > 55) {
    throw new UsageError(`chunker tables: polynomial 0x${pol.toString(16)} has degree ${degree}, expected 53`);
  }
  const outHi = new Int32Array(256);
  const outLo = new Int32Array(256);
  const modHi = new Int32Array(256);
  const modLo = new Int32Array(256);
  const shift = BigInt(8 * (WINDOW - 1));
  for (let b = 0; b < 256; b++) {
    const out = polyMod(BigInt(b) << shift, pol, degree);
    const top = BigInt(b) << BigInt(degree);
    const mod = polyMod(top, pol, degree) | top;
    outHi[b] = Number(out >> 32n);
    outLo[b] = Number(BigInt.asIntN(32, out));
    modHi[b] = Number(mod >> 32n);
    modLo[b] = Number(BigInt.asIntN(32, mod));
  }
  return { pol, degree, outHi, outLo, modHi, modLo };
}

/**
 * Boundary finder: keeps only the rolling state (no data), so it can run in a worker that
 * returns cut offsets. Feed every byte of the stream exactly once, in order, via scan().
 */
export class ChunkScanner {
  readonly #t: ChunkerTables;
  readonly #idxShift: number;
  readonly #win = new Uint8Array(WINDOW);
  #wpos = 0;
  #hi = 0;
  #lo = 0;
  /** Bytes already in the current chunk. */
  #count = 0;
  readonly #min: number;
  readonly #max: number;
  readonly #skip: number;
  readonly #mask: number;

  constructor(tables: ChunkerTables, params: ChunkerParams = RESTIC_CHUNKER) {
    this.#t = tables;
    this.#idxShift = tables.degree - 8 - 32;
    if (params.minSize < 2 * WINDOW || params.maxSize > CHUNK_MAX_SIZE || params.maxSize <= params.minSize) {
      throw new UsageError(`chunker ${params.name}: invalid bounds ${params.minSize}–${params.maxSize}`);
    }
    this.#min = params.minSize;
    this.#max = params.maxSize;
    this.#skip = params.minSize - WINDOW;
    this.#mask = params.splitMask;
  }

  /** Length of the unfinished chunk (bytes seen since the last cut). */
  get pending(): number {
    return this.#count;
  }

  /**
   * Consumes buf[start, end). Returns the offset just past the cut if a chunk ends inside the
   * range (state is then reset; call again from that offset), or -1 if the whole range became
   * part of the current chunk.
   */
  scan(buf: Uint8Array, start = 0, end = buf.length): number {
    let i = start;
    let count = this.#count;
    const SKIP = this.#skip;
    const MIN = this.#min;
    const MAX = this.#max;
    const MASK = this.#mask;
    if (count < SKIP) {
      const n = Math.min(end - i, SKIP - count);
      i += n;
      count += n;
      if (i === end) {
        this.#count = count;
        return -1;
      }
    }
    const { outHi, outLo, modHi, modLo } = this.#t;
    const sh = this.#idxShift;
    let hi = this.#hi;
    let lo = this.#lo;
    // Never hash past the forced cut; chunk offset CHUNK_MAX_SIZE-1 is the last byte.
    const limit = Math.min(end, i + (MAX - count));
    const segStart = i;

    // Phase A: the first 64 bytes of this segment; the outgoing byte comes from the ring.
    const win = this.#win;
    let wpos = this.#wpos;
    const ringEnd = Math.min(limit, segStart + WINDOW);
    for (; i < ringEnd; i++) {
      const b = buf[i]!;
      const o = win[wpos]!;
      win[wpos] = b;
      wpos = (wpos + 1) & (WINDOW - 1);
      hi ^= outHi[o]!;
      lo ^= outLo[o]!;
      const idx = hi >>> sh;
      hi = (hi << 8) | (lo >>> 24);
      lo = (lo << 8) | b;
      hi ^= modHi[idx]!;
      lo ^= modLo[idx]!;
      // Chunk offset of this byte is count + (i - segStart); a cut needs length ≥ min.
      if ((lo & MASK) === 0 && count + (i - segStart) + 1 >= MIN) {
        return this.#cut(i + 1);
      }
    }
    // Phase B: at least 64 bytes were hashed in this chunk, so length ≥ min everywhere here.
    for (; i < limit; i++) {
      const b = buf[i]!;
      const o = buf[i - WINDOW]!;
      hi ^= outHi[o]!;
      lo ^= outLo[o]!;
      const idx = hi >>> sh;
      hi = (hi << 8) | (lo >>> 24);
      lo = (lo << 8) | b;
      hi ^= modHi[idx]!;
      lo ^= modLo[idx]!;
      if ((lo & MASK) === 0) return this.#cut(i + 1);
    }
    count += i - segStart;
    if (count >= MAX) return this.#cut(i);
    if (i - segStart > WINDOW) {
      win.set(buf.subarray(i - WINDOW, i));
      wpos = 0;
    }
    this.#wpos = wpos;
    this.#hi = hi;
    this.#lo = lo;
    this.#count = count;
    return -1;
  }

  /** Starts a new chunk (also used after a cut). */
  reset(): void {
    this.#win.fill(0);
    this.#wpos = 0;
    this.#hi = 0;
    this.#lo = 0;
    this.#count = 0;
  }

  #cut(at: number): number {
    this.reset();
    return at;
  }
}

/**
 * Collects the bytes of the current chunk (copied, so callers may reuse input buffers) and
 * hands each finished chunk out as a fresh, exactly sized Uint8Array (transferable).
 */
class ChunkAssembler {
  #acc = new Uint8Array(0);
  #len = 0;

  append(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n === 0) return;
    if (this.#len + n > this.#acc.length) {
      // Exactly the first piece (often a whole small file, handed out by take() without a copy),
      // then geometric growth up to the max chunk size.
      let size = this.#len === 0 ? n : Math.max(64 * 1024, this.#acc.length * 2);
      while (size < this.#len + n) size *= 2;
      const next = new Uint8Array(Math.min(size, CHUNK_MAX_SIZE));
      next.set(this.#acc.subarray(0, this.#len));
      this.#acc = next;
    }
    this.#acc.set(buf.subarray(start, end), this.#len);
    this.#len += n;
  }

  take(buf: Uint8Array, start: number, end: number): Uint8Array {
    if (start === end && this.#len === this.#acc.length && this.#len > 0) {
      // The accumulator holds exactly the chunk: hand it out, start a new one.
      const whole = this.#acc;
      this.#acc = new Uint8Array(0);
      this.#len = 0;
      return whole;
    }
    const out = new Uint8Array(this.#len + end - start);
    out.set(this.#acc.subarray(0, this.#len));
    out.set(buf.subarray(start, end), this.#len);
    this.#len = 0;
    return out;
  }

  /**
   * The chunk that ends at `end` of `buf`, without a copy where possible: a view of `buf` when
   * nothing is pending, else of the accumulator, which the next append() overwrites.
   */
  view(buf: Uint8Array, start: number, end: number): Uint8Array {
    if (this.#len === 0) return buf.subarray(start, end);
    this.append(buf, start, end);
    const chunk = this.#acc.subarray(0, this.#len);
    this.#len = 0;
    return chunk;
  }

  get length(): number {
    return this.#len;
  }
}

/**
 * Synchronous chunker for one stream (one file). Usable on the main thread or in a worker:
 * push() every input buffer in order, then finish() once.
 */
export class Chunker {
  readonly #scanner: ChunkScanner;
  readonly #asm = new ChunkAssembler();

  constructor(tables: ChunkerTables) {
    this.#scanner = new ChunkScanner(tables);
  }

  /** Feeds bytes; returns the chunks completed by them (often none). buf may be reused after. */
  push(buf: Uint8Array): Uint8Array[] {
    const chunks: Uint8Array[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const cut = this.#scanner.scan(buf, pos, buf.length);
      if (cut < 0) {
        this.#asm.append(buf, pos, buf.length);
        break;
      }
      chunks.push(this.#asm.take(buf, pos, cut));
      pos = cut;
    }
    return chunks;
  }

  /** Ends the stream: the rest is the last chunk, or undefined if nothing is pending. */
  finish(): Uint8Array | undefined {
    this.#scanner.reset();
    if (this.#asm.length === 0) return undefined;
    return this.#asm.take(new Uint8Array(0), 0, 0);
  }
}

/**
 * Splits a byte stream into restic-compatible chunks (≤ 8 MiB); an empty stream yields nothing
 * (restic stores an empty file as `content: []`). Each chunk is a view that stays valid only
 * until the consumer asks for the next one: it points into the current input buffer or into one
 * accumulator reused for every chunk, so a long stream allocates no buffer per chunk (the
 * garbage of a copy per chunk, up to 8 MiB each, is what drove peak memory). A consumer that
 * keeps a chunk copies it, as saveBlob does into its transfer slot.
 */
export async function* chunkStream(
  source: AsyncIterable<Uint8Array>,
  tables: ChunkerTables,
  signal?: AbortSignal,
  params: ChunkerParams = RESTIC_CHUNKER,
): AsyncGenerator<Uint8Array> {
  const scanner = new ChunkScanner(tables, params);
  const asm = new ChunkAssembler();
  for await (const buf of source) {
    if (signal?.aborted) throw new AbortedError('chunk stream: aborted', { cause: signal.reason });
    let pos = 0;
    while (pos < buf.length) {
      const cut = scanner.scan(buf, pos, buf.length);
      if (cut < 0) {
        asm.append(buf, pos, buf.length);
        break;
      }
      // Yield before scanning on, so a slow consumer holds back at most one chunk.
      yield asm.view(buf, pos, cut);
      pos = cut;
      if (signal?.aborted) throw new AbortedError('chunk stream: aborted', { cause: signal.reason });
    }
  }
  if (asm.length > 0) yield asm.view(new Uint8Array(0), 0, 0);
}
