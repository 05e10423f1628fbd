// Encoding of unpacked files (snapshot, index, lock): encrypted JSON; in v2 the plaintext
// starts with a version byte (0x02 = zstd-compressed JSON). Pure functions over bytes.

import { IntegrityError } from '../errors.ts';
import { zstdDecompressSync } from 'node:zlib';
import { compress } from './compression.ts';
import { type MasterKey, decrypt, encrypt, sha256Hex } from './crypto.ts';
import { parseJsonBytes, stringifyJsonBytes } from './json.ts';

const V2_ZSTD = 0x02;

export async function encodeUnpacked(key: MasterKey, version: 1 | 2, value: unknown): Promise<{ id: string; bytes: Uint8Array }> {
  const json = stringifyJsonBytes(value);
  let plain: Uint8Array = json;
  if (version === 2) {
    const z = await compress(json);
    plain = new Uint8Array(1 + z.length);
    plain[0] = V2_ZSTD;
    plain.set(z, 1);
  }
  const bytes = encrypt(key, plain);
  return { id: sha256Hex(bytes), bytes };
}

/** Verifies the storage ID and MAC, decrypts, and decodes either form (v1 raw or v2 versioned). */
export async function decodeUnpacked(key: MasterKey, subject: string, id: string, bytes: Uint8Array): Promise<unknown> {
  const json = unpackedJsonBytes(key, subject, id, bytes);
  try {
    return parseJsonBytes(json);
  } catch (e) {
    throw new IntegrityError(`load ${subject}: invalid JSON`, { cause: e });
  }
}

/** The JSON bytes of an unpacked file, verified and decrypted (and decompressed in v2). */
export function unpackedJsonBytes(key: MasterKey, subject: string, id: string, bytes: Uint8Array): Uint8Array {
  if (sha256Hex(bytes) !== id) throw new IntegrityError(`load ${subject}: content does not match its ID`);
  const plain = decrypt(key, bytes, subject);
  if (plain.length === 0) throw new IntegrityError(`load ${subject}: empty file`);
  let json: Uint8Array;
  if (plain[0] === 0x7b || plain[0] === 0x5b) json = plain; // '{' or '[': raw JSON (v1, legacy v2)
  else if (plain[0] === V2_ZSTD) {
    try {
      // Synchronous: a few MiB at most, and libuv's pool threads would each keep a fragmented
      // malloc arena of decompression buffers (tens of MiB of RSS when opening a large index).
      json = zstdDecompressSync(plain.subarray(1));
    } catch (e) {
      throw new IntegrityError(`load ${subject}: zstd decompression failed`, { cause: e });
    }
  } else throw new IntegrityError(`load ${subject}: unknown encoding version ${plain[0]}`);
  return json;
}
