// Sealing and opening one pack blob, synchronously: zstd (v2) + AES-256-CTR + Poly1305 on the
// way in; MAC check, decrypt, unzstd and sha256 check on the way out. Pure functions over bytes,
// shared by the in-thread path and the crypto worker threads (crypto-pool.ts), so both produce
// and accept exactly the same bytes.

import { constants, type ZstdOptions, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { IntegrityError } from '../errors.ts';
import { type MasterKey, decrypt, encrypt, sha256Hex } from './crypto.ts';

/** restic's "auto" compression is zstd's default level 3. */
const ZSTD_LEVEL = 3;

export interface SealedBlob {
  /** IV ‖ ciphertext ‖ MAC, as stored in the pack. */
  bytes: Uint8Array;
  /** Plaintext length when stored compressed (v2 type 2/3), else undefined. */
  uncompressedLength?: number;
}

const SAMPLE = 16 * 1024;

/**
 * False when three samples (start, middle, end) of a large blob do not compress: random,
 * encrypted or already compressed data. Compressing such a blob whole would cost a zstd context
 * and two blob-sized buffers only to store it uncompressed anyway.
 */
export function worthCompressing(plaintext: Uint8Array): boolean {
  if (plaintext.length < 16 * SAMPLE) return true;
  const mid = (plaintext.length >> 1) - (SAMPLE >> 1);
  const sample = Buffer.concat([plaintext.subarray(0, SAMPLE), plaintext.subarray(mid, mid + SAMPLE), plaintext.subarray(plaintext.length - SAMPLE)]);
  const z = zstdCompressSync(sample, { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL }, pledgedSrcSize: sample.length } as ZstdOptions);
  return z.length < sample.length * 0.97;
}

/**
 * zstd-compresses when asked and when it helps, then encrypts, into `out` when given (which may
 * hold `plaintext` at its start: a transfer slot sealed in place) or a fresh buffer.
 */
export function sealBlob(key: MasterKey, plaintext: Uint8Array, compress: boolean, out?: Uint8Array): SealedBlob {
  if (compress && worthCompressing(plaintext)) {
    const z = zstdCompressSync(plaintext, { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
    // Incompressible data stays a plain blob (type 0/1); restic reads both in v2.
    if (z.length < plaintext.length) return { bytes: encrypt(key, z, out), uncompressedLength: plaintext.length };
  }
  return { bytes: encrypt(key, plaintext, out) };
}

/** Checks the MAC, decrypts, decompresses (when `uncompressedLength` is set) and verifies the ID. */
export function openBlob(key: MasterKey, data: Uint8Array, id: string, uncompressedLength: number | undefined, subject: string, op = 'load'): Uint8Array {
  let plain = decrypt(key, data, subject);
  if (uncompressedLength !== undefined) {
    try {
      plain = zstdDecompressSync(plain, { maxOutputLength: Math.max(uncompressedLength, 1) });
    } catch (err) {
      throw new IntegrityError(`${op} ${subject}: zstd decompression failed`, { cause: err });
    }
    if (plain.length !== uncompressedLength) {
      throw new IntegrityError(`${op} ${subject}: decompressed to ${plain.length} bytes, index says ${uncompressedLength}`);
    }
  }
  if (sha256Hex(plain) !== id) throw new IntegrityError(`${op} ${subject}: content does not match its ID`);
  return plain;
}
