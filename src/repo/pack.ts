// Pack files: blob_1 ‖ … ‖ blob_n ‖ encrypt(header) ‖ uint32_LE(len(encrypted header)).
// Each blob is encrypted on its own; the header lists (type, encrypted length,
// [uncompressed length], id) and offsets follow from the order. Building and parsing are pure
// over bytes; only readPackHeader touches storage.

import { IntegrityError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import type { BlobId, BlobLocation, BlobType, PackId } from './types.ts';
import { CRYPTO_OVERHEAD, type MasterKey, decrypt, encrypt, sha256Hex } from './crypto.ts';

export const ENTRY_SIZE_PLAIN = 37;
export const ENTRY_SIZE_COMPRESSED = 41;
/** restic 0.14's target pack size. */
export const DEFAULT_PACK_SIZE = 16 << 20;

/** A blob inside a pack, without the pack ID (known only once the pack is hashed). */
export interface PackedBlob {
  id: BlobId;
  type: BlobType;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

export function headerEntrySize(b: { uncompressedLength?: number }): number {
  return b.uncompressedLength === undefined ? ENTRY_SIZE_PLAIN : ENTRY_SIZE_COMPRESSED;
}

/**
 * Collects encrypted blobs for one pack, copied into one growing buffer (or a buffer the caller
 * lends, e.g. from a pool), so finishing a pack needs no second copy of its bytes.
 */
export class PackBuilder {
  readonly blobs: PackedBlob[] = [];
  private buf: Uint8Array;
  private size = 0;
  private readonly key: MasterKey;

  constructor(key: MasterKey, buffer?: Uint8Array) {
    this.key = key;
    this.buf = buffer ?? new Uint8Array(0);
  }

  /** Bytes of blobs so far (the header adds a little on finish). */
  get length(): number {
    return this.size;
  }

  get count(): number {
    return this.blobs.length;
  }

  /** Whether `n` more bytes of blobs fit into the current buffer without growing it. */
  fits(n: number): boolean {
    return this.size + n <= this.buf.length;
  }

  private ensure(n: number): void {
    if (this.size + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.size + n, this.buf.length * 2, 64 * 1024));
    next.set(this.buf.subarray(0, this.size));
    this.buf = next;
  }

  /** Adds an already encrypted blob (copied). `uncompressedLength` marks it as compressed (v2 only). */
  add(type: BlobType, id: BlobId, encrypted: Uint8Array, uncompressedLength?: number): PackedBlob {
    const b: PackedBlob = { id, type, offset: this.size, length: encrypted.length, uncompressedLength };
    this.ensure(encrypted.length);
    this.buf.set(encrypted, this.size);
    this.blobs.push(b);
    this.size += encrypted.length;
    return b;
  }

  /**
   * Appends the encrypted header and its length; returns the whole pack (a view of the
   * builder's buffer, which the builder gives up) without hashing it.
   */
  seal(): { bytes: Uint8Array; blobs: PackedBlob[] } {
    const encHeader = encrypt(this.key, encodeHeader(this.blobs));
    this.ensure(encHeader.length + 4);
    let o = this.size;
    this.buf.set(encHeader, o);
    o += encHeader.length;
    new DataView(this.buf.buffer, this.buf.byteOffset).setUint32(o, encHeader.length, true);
    const bytes = this.buf.subarray(0, o + 4);
    this.buf = new Uint8Array(0);
    this.size = 0;
    return { bytes, blobs: this.blobs };
  }

  /** Appends the encrypted header and its length; returns the pack bytes and ID. */
  finish(): { id: PackId; bytes: Uint8Array; blobs: BlobLocation[] } {
    const { bytes, blobs } = this.seal();
    const id = sha256Hex(bytes) as PackId;
    return { id, bytes, blobs: blobs.map((b) => ({ ...b, pack: id })) };
  }
}

export function encodeHeader(blobs: readonly PackedBlob[]): Uint8Array {
  let n = 0;
  for (const b of blobs) n += headerEntrySize(b);
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const b of blobs) {
    const compressed = b.uncompressedLength !== undefined;
    out[o] = (b.type === 'data' ? 0 : 1) + (compressed ? 2 : 0);
    dv.setUint32(o + 1, b.length, true);
    o += 5;
    if (compressed) {
      dv.setUint32(o, b.uncompressedLength!, true);
      o += 4;
    }
    out.set(Buffer.from(b.id, 'hex'), o);
    o += 32;
  }
  return out;
}

export function decodeHeader(header: Uint8Array, subject: string): PackedBlob[] {
  const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const out: PackedBlob[] = [];
  let o = 0;
  let offset = 0;
  while (o < header.length) {
    const t = header[o]!;
    if (t > 3) throw new IntegrityError(`${subject}: invalid blob type ${t} in header`);
    const size = t >= 2 ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
    if (o + size > header.length) throw new IntegrityError(`${subject}: truncated header entry`);
    const length = dv.getUint32(o + 1, true);
    const uncompressedLength = t >= 2 ? dv.getUint32(o + 5, true) : undefined;
    const id = Buffer.from(header.subarray(o + size - 32, o + size)).toString('hex') as BlobId;
    if (length < CRYPTO_OVERHEAD) throw new IntegrityError(`${subject}: blob ${id.slice(0, 8)} shorter than crypto overhead`);
    const b: PackedBlob = { id, type: t % 2 === 0 ? 'data' : 'tree', offset, length };
    if (uncompressedLength !== undefined) b.uncompressedLength = uncompressedLength;
    out.push(b);
    offset += length;
    o += size;
  }
  return out;
}

/** Parses the header from the tail of a whole pack held in memory. */
export function parsePack(key: MasterKey, bytes: Uint8Array, packId: string): PackedBlob[] {
  const subject = `pack ${packId.slice(0, 8)}`;
  if (bytes.length < 4 + CRYPTO_OVERHEAD) throw new IntegrityError(`load ${subject}: file too short (${bytes.length} bytes)`);
  const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true);
  if (hlen + 4 > bytes.length || hlen < CRYPTO_OVERHEAD) throw new IntegrityError(`load ${subject}: invalid header length ${hlen}`);
  const header = decrypt(key, bytes.subarray(bytes.length - 4 - hlen, bytes.length - 4), `header of ${subject}`);
  return checkBlobsFit(decodeHeader(header, `load ${subject}`), bytes.length - 4 - hlen, subject);
}

function checkBlobsFit(blobs: PackedBlob[], dataEnd: number, subject: string): PackedBlob[] {
  const last = blobs.at(-1);
  const end = last ? last.offset + last.length : 0;
  if (end !== dataEnd) throw new IntegrityError(`load ${subject}: header describes ${end} bytes of blobs, file has ${dataEnd}`);
  return blobs;
}

/** Reads a pack's header with ranged loads from its tail (one load for typical packs). */
export async function readPackHeader(storage: Storage, key: MasterKey, packId: string, size?: number, signal?: AbortSignal): Promise<PackedBlob[]> {
  const subject = `pack ${packId.slice(0, 8)}`;
  const h = { type: 'data' as const, name: packId };
  const total = size ?? (await storage.stat(h)).size;
  if (total < 4 + CRYPTO_OVERHEAD) throw new IntegrityError(`load ${subject}: file too short (${total} bytes)`);
  // Guess: enough for a few hundred entries plus the length; restic does the same.
  const guess = Math.min(total, 4 + CRYPTO_OVERHEAD + 256 * ENTRY_SIZE_COMPRESSED);
  let tail = await storage.load(h, { offset: total - guess, length: guess }, signal);
  const hlen = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(tail.length - 4, true);
  if (hlen + 4 > total || hlen < CRYPTO_OVERHEAD) throw new IntegrityError(`load ${subject}: invalid header length ${hlen}`);
  if (hlen + 4 > tail.length) tail = await storage.load(h, { offset: total - hlen - 4, length: hlen + 4 }, signal);
  const enc = tail.subarray(tail.length - 4 - hlen, tail.length - 4);
  const header = decrypt(key, enc, `header of ${subject}`);
  return checkBlobsFit(decodeHeader(header, `load ${subject}`), total - 4 - hlen, subject);
}
