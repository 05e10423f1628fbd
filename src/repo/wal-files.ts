// Continuous-protection files (PostgreSQL WAL segments, SQLite WAL frames) kept beside the
// repository as `wal/GROUP/FILE`, where restic neither looks nor complains. Each file is
// encrypted and authenticated with the repository's master key, like restic's own files:
//
//   file      = IV(16) ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES MAC(16)
//   plaintext = 0x02 ‖ zstd( u16 BE name length ‖ name (UTF-8, "GROUP/FILE") ‖ content )
//
// The name inside the authenticated plaintext binds the content to its name: a file renamed or
// swapped in storage fails to load instead of replaying the wrong WAL.

import { constants, createZstdCompress, zstdDecompressSync, type ZstdOptions } from 'node:zlib';
import { IntegrityError, NotFoundError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import { CRYPTO_OVERHEAD, type MasterKey, decrypt, encrypt, sha256Hex } from './crypto.ts';

const V2_ZSTD = 0x02;
/** A WAL segment is 16 MiB by default, 1 GiB at most; nothing we store is larger. */
const MAX_CONTENT = 1024 * 1024 * 1024 + 65536;

export interface WalFileInfo {
  /** `GROUP/FILE` */
  name: string;
  /** Stored (encrypted, compressed) size. */
  size: number;
}

/** The same name already holds different content: two histories are being mixed up. */
export class WalConflictError extends IntegrityError {
  constructor(message: string) {
    super(message);
    this.name = 'WalConflictError';
  }
}

export interface WalRepository {
  readonly storage: Storage;
  readonly masterKey: MasterKey;
}

/**
 * zstd level for WAL files. Level 1 rather than restic's 3: on WAL-like segments it compresses
 * about as well (see docs/wal.md) at a fraction of the time, and archiving speed is what keeps
 * pg_wal from growing. The level is not part of the format: any zstd frame decodes.
 */
export const WAL_ZSTD_LEVEL = 1;
/** Input handed to the compressor per write: views into the caller's bytes, never copies. */
const PIECE = 1 << 20;

/**
 * Encodes with one copy of the compressed bytes and none of the content: the name header and
 * the content stream through one zstd compressor (one frame, its size pledged), the output is
 * laid out after the version byte in a buffer with room for the IV and MAC, and sealed in place.
 */
export async function encodeWalFile(key: MasterKey, name: string, content: Uint8Array, level = WAL_ZSTD_LEVEL): Promise<Uint8Array> {
  const nameBytes = new TextEncoder().encode(name);
  const header = new Uint8Array(2 + nameBytes.length);
  new DataView(header.buffer).setUint16(0, nameBytes.length);
  header.set(nameBytes, 2);
  const pieces: Uint8Array[] = [header];
  for (let at = 0; at < content.length; at += PIECE) pieces.push(content.subarray(at, Math.min(content.length, at + PIECE)));
  const z = await compressPieces(pieces, header.length + content.length, level);
  const total = z.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(1 + total + CRYPTO_OVERHEAD);
  out[0] = V2_ZSTD;
  let at = 1;
  for (const c of z) { out.set(c, at); at += c.length; }
  return encrypt(key, out.subarray(0, 1 + total), out);
}

function compressPieces(pieces: readonly Uint8Array[], size: number, level: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const z = createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: level }, pledgedSrcSize: size, chunkSize: 256 * 1024 } as ZstdOptions);
    const out: Buffer[] = [];
    z.on('data', (c: Buffer) => out.push(c));
    z.on('error', reject);
    z.on('end', () => resolve(out));
    for (const p of pieces) z.write(p);
    z.end();
  });
}

export function decodeWalFile(key: MasterKey, name: string, bytes: Uint8Array): Uint8Array {
  const subject = `wal/${name}`;
  const plain = decrypt(key, bytes, subject);
  if (plain.length === 0 || plain[0] !== V2_ZSTD) throw new IntegrityError(`load ${subject}: unknown encoding version ${plain[0]}`);
  let body: Uint8Array;
  try {
    body = zstdDecompressSync(plain.subarray(1), { maxOutputLength: MAX_CONTENT });
  } catch (e) {
    throw new IntegrityError(`load ${subject}: zstd decompression failed`, { cause: e });
  }
  if (body.length < 2) throw new IntegrityError(`load ${subject}: truncated content`);
  const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint16(0);
  const stored = new TextDecoder().decode(body.subarray(2, 2 + len));
  if (stored !== name) throw new IntegrityError(`load ${subject}: the file holds ${JSON.stringify(stored)}, not this name (renamed or swapped in storage)`);
  // A plain Uint8Array view (not a Buffer), like every other load in the repository layer.
  return new Uint8Array(body.buffer, body.byteOffset + 2 + len, body.length - 2 - len);
}

/** Saves a file (replacing any same-named one). */
export async function saveWalFile(repo: WalRepository, name: string, content: Uint8Array, signal?: AbortSignal): Promise<void> {
  await repo.storage.save({ type: 'wal', name }, await encodeWalFile(repo.masterKey, name, content), signal);
}

/** Loads and verifies a file; NotFoundError when it is absent. */
export async function loadWalFile(repo: WalRepository, name: string, signal?: AbortSignal): Promise<Uint8Array> {
  const bytes = await repo.storage.load({ type: 'wal', name }, undefined, signal);
  return decodeWalFile(repo.masterKey, name, bytes);
}

/**
 * Stores a file exactly once: absent → saved ('stored'); present with the same content →
 * nothing written ('same'); present with other content → WalConflictError. An unreadable
 * existing file (damaged) is replaced, since the caller holds the authoritative bytes.
 */
export async function putWalFileOnce(repo: WalRepository, name: string, content: Uint8Array, signal?: AbortSignal): Promise<'stored' | 'same'> {
  let existing: Uint8Array | undefined;
  try {
    existing = await loadWalFile(repo, name, signal);
  } catch (e) {
    if (!(e instanceof NotFoundError) && !(e instanceof IntegrityError)) throw e;
  }
  if (existing) {
    if (existing.length === content.length && sha256Hex(existing) === sha256Hex(content)) return 'same';
    throw new WalConflictError(
      `wal/${name} in ${repo.storage.location} already holds different content ` +
      `(${existing.length} bytes, sha256 ${sha256Hex(existing).slice(0, 16)}…; pushed ${content.length} bytes, ` +
      `sha256 ${sha256Hex(content).slice(0, 16)}…): refusing to overwrite archived history`,
    );
  }
  await saveWalFile(repo, name, content, signal);
  return 'stored';
}

/** Every file of one group (a job), sorted by name. */
export async function listWalFiles(repo: { storage: Storage }, group: string, signal?: AbortSignal): Promise<WalFileInfo[]> {
  const out: WalFileInfo[] = [];
  for await (const f of repo.storage.list('wal', signal)) if (f.name.startsWith(`${group}/`)) out.push(f);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function removeWalFile(repo: { storage: Storage }, name: string): Promise<void> {
  await repo.storage.remove({ type: 'wal', name });
}
