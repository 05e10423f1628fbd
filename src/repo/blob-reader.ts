// The read path of a repository: one blob (MAC check, decrypt, unzstd, sha256 check), and the
// blobs of one pack in few ranged reads, opened on the worker pool a range at a time, each
// plaintext handed to the caller as a view into the transfer slot (restore writes it from
// there: no copy on this thread). A damaged blob is reported alone; the others are delivered.

import { IntegrityError, LifeboatError, NotFoundError, StorageError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { BlobLocation } from './types.ts';
import type { CryptoPool, RangeBlob } from './crypto-pool.ts';
import { type BlobWrite, type WriteOutcome, performWrites } from './blob-writes.ts';
import type { MasterKey } from './crypto.ts';
import { decompress } from './compression.ts';
import { decrypt, sha256Hex } from './crypto.ts';

export interface BlobReaderContext {
  storage: Storage;
  key: MasterKey;
  /** The single-blob worker pool for a blob of these sizes, if it should use one. */
  poolFor(...sizes: number[]): CryptoPool | undefined;
  /** The pool for ranges of many blobs (slots hold a range and its plaintexts), if any. */
  rangePool(): CryptoPool | undefined;
  turnover(bytes: number): void;
}

/**
 * What became of one requested blob: its plaintext (valid during the call only), or what
 * writing it did (when the caller gave writes for it), or why it is unreadable.
 */
export interface PackBlobResult {
  plaintext?: Uint8Array;
  written?: WriteOutcome;
  error?: Error;
}

export type PackBlobSink = (loc: BlobLocation, r: PackBlobResult) => void;

/** Where a blob's plaintext is to be written, asked just before its range is read; undefined: hand it to the sink. */
export type WritesFor = (loc: BlobLocation) => BlobWrite[] | undefined;

/** Blobs further apart than this are read with separate requests rather than reading the gap. */
const MAX_GAP = 256 * 1024;

const short = (id: string) => id.slice(0, 8);

export function blobSubject(loc: BlobLocation): string {
  return `${loc.type} blob ${short(loc.id)} in pack ${short(loc.pack)}`;
}

export function plainLength(loc: BlobLocation): number {
  return loc.uncompressedLength ?? loc.length - 32;
}

export async function loadBlobFrom(ctx: BlobReaderContext, loc: BlobLocation, signal?: AbortSignal): Promise<Uint8Array> {
  const subject = blobSubject(loc);
  const h = { type: 'data', name: loc.pack } as const;
  const range = { offset: loc.offset, length: loc.length };
  const pool = ctx.poolFor(loc.length, loc.uncompressedLength ?? loc.length);
  if (pool) {
    // Read straight into the transfer slot (stores that can), so the only buffer this thread
    // allocates per blob is the plaintext it returns.
    const slot = await pool.acquire(signal, Math.max(loc.length, (loc.uncompressedLength ?? 0) + 32));
    try {
      const bytes = await ctx.storage.load(h, range, signal, slot.bytes);
      if (bytes.buffer !== slot.bytes.buffer) slot.bytes.set(bytes);
      ctx.turnover((bytes.buffer === slot.bytes.buffer ? 0 : bytes.length) + (loc.uncompressedLength ?? loc.length));
      const n = await pool.open(slot, bytes.length, loc.id, loc.uncompressedLength, subject);
      return slot.bytes.slice(0, n);
    } finally {
      slot.release();
    }
  }
  const bytes = await ctx.storage.load(h, range, signal);
  ctx.turnover(bytes.length + (loc.uncompressedLength ?? loc.length));
  let plain = decrypt(ctx.key, bytes, subject);
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

/** Errors that concern the data (a damaged or missing pack), not the reader: reported per blob. */
function isDataError(err: unknown): err is Error {
  return err instanceof IntegrityError || err instanceof NotFoundError || (err instanceof StorageError && err.permanent);
}

interface Range {
  start: number;
  end: number;
  blobs: BlobLocation[];
}

/** Groups offset-sorted blobs into ranges whose bytes fit `inCap` and whose plaintexts fit `outCap`. */
function planRanges(blobs: BlobLocation[], inCap: number, outCap: number): { ranges: Range[]; single: BlobLocation[] } {
  const ranges: Range[] = [];
  const single: BlobLocation[] = [];
  let cur: Range | undefined;
  let out = 0;
  for (const b of blobs) {
    const plain = plainLength(b);
    if (b.length > inCap || plain > outCap) {
      single.push(b);
      continue;
    }
    if (cur && b.offset >= cur.end && b.offset - cur.end <= MAX_GAP && b.offset + b.length - cur.start <= inCap && out + plain <= outCap) {
      cur.blobs.push(b);
      cur.end = b.offset + b.length;
      out += plain;
      continue;
    }
    cur = { start: b.offset, end: b.offset + b.length, blobs: [b] };
    ranges.push(cur);
    out = plain;
  }
  return { ranges, single };
}

/**
 * Reads `blobs` (all in one pack) and calls `each` for every one of them. Damaged blobs and a
 * missing or short pack are reported to `each`; aborts and transient storage failures throw.
 */
export async function readPackBlobs(ctx: BlobReaderContext, blobs: BlobLocation[], each: PackBlobSink, signal?: AbortSignal, writesFor?: WritesFor): Promise<void> {
  const sorted = [...blobs].sort((a, b) => a.offset - b.offset);
  const pool = ctx.rangePool();
  const one = async (b: BlobLocation) => {
    let plain: Uint8Array;
    try {
      plain = await loadBlobFrom(ctx, b, signal);
    } catch (err) {
      if (signal?.aborted || !isDataError(err)) throw err;
      each(b, { error: err });
      return;
    }
    const writes = writesFor?.(b);
    each(b, writes ? { written: performWrites(plain, writes) } : { plaintext: plain });
  };
  if (!pool) {
    for (const b of sorted) await one(b);
    return;
  }
  const half = pool.slotSize >>> 1;
  const { ranges, single } = planRanges(sorted, half, pool.slotSize - half);
  for (const r of ranges) {
    const h = { type: 'data', name: r.blobs[0]!.pack } as const;
    const slot = await pool.acquire(signal);
    try {
      let bytes: Uint8Array;
      try {
        bytes = await ctx.storage.load(h, { offset: r.start, length: r.end - r.start }, signal, slot.bytes.subarray(0, half));
        if (bytes.length !== r.end - r.start) throw new IntegrityError(`load pack ${short(h.name)}: short read`);
      } catch (err) {
        if (signal?.aborted || !isDataError(err)) throw err;
        for (const b of r.blobs) each(b, { error: err });
        continue;
      }
      if (bytes.buffer !== slot.bytes.buffer) {
        slot.bytes.set(bytes);
        ctx.turnover(bytes.length);
      }
      const req: RangeBlob[] = r.blobs.map((b) => {
        const x: RangeBlob = { offset: b.offset - r.start, length: b.length, id: b.id, subject: blobSubject(b) };
        if (b.uncompressedLength !== undefined) x.uncompressedLength = b.uncompressedLength;
        const writes = writesFor?.(b);
        if (writes) x.writes = writes;
        return x;
      });
      const results = await pool.openRange(slot, half, req);
      for (let i = 0; i < r.blobs.length; i++) {
        const res = results[i]!;
        if ('error' in res) each(r.blobs[i]!, { error: res.integrity ? new IntegrityError(res.error) : new LifeboatError('error', res.error) });
        else if (res.written) each(r.blobs[i]!, { written: res.written });
        else each(r.blobs[i]!, { plaintext: slot.bytes.subarray(res.at, res.at + res.len) });
      }
    } finally {
      slot.release();
    }
  }
  for (const b of single) await one(b);
}
