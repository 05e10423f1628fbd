// restic's authenticated encryption: IV(16) ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES(ciphertext).
// Pure functions over bytes (no I/O, no shared state), used on the main thread and in workers.
// Poly1305 is libsodium's (WebAssembly; Node has no standalone Poly1305): ~1.9 GB/s where the
// plain-JS one of @noble/ciphers did ~150 MB/s and was the largest cost of the write path.

import { type KeyObject, createCipheriv, createHash, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import sodium from 'libsodium-wrappers-sumo';
import { IntegrityError } from '../errors.ts';

await sodium.ready;

/** Bytes handed to the WebAssembly side per update: its heap stays small (it never shrinks). */
const MAC_PIECE = 256 * 1024;

/** Standard Poly1305 with a 32-byte one-time key (r ‖ s). */
export function poly1305(message: Uint8Array, oneTimeKey: Uint8Array): Uint8Array {
  if (message.length <= MAC_PIECE) return sodium.crypto_onetimeauth(message, oneTimeKey);
  const st = sodium.crypto_onetimeauth_init(oneTimeKey);
  for (let o = 0; o < message.length; o += MAC_PIECE) {
    sodium.crypto_onetimeauth_update(st, message.subarray(o, Math.min(message.length, o + MAC_PIECE)));
  }
  return sodium.crypto_onetimeauth_final(st);
}

export interface MasterKey {
  /** AES-256 key. */
  encrypt: Uint8Array;
  /** AES-128 key `k` of Poly1305-AES. */
  macK: Uint8Array;
  /** Poly1305 multiplier `r`. */
  macR: Uint8Array;
}

export const IV_SIZE = 16;
export const MAC_SIZE = 16;
/** Bytes an encrypted object adds to its plaintext. */
export const CRYPTO_OVERHEAD = IV_SIZE + MAC_SIZE;

/**
 * KeyObjects for a master key's AES keys, made once: passing raw key bytes to createCipheriv
 * builds a KeyObject per call, a visible cost at thousands of blobs a second.
 */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObject(bytes: Uint8Array): KeyObject {
  let k = keyObjects.get(bytes);
  if (!k) keyObjects.set(bytes, (k = createSecretKey(bytes)));
  return k;
}

export function newRandomKey(): MasterKey {
  const b = randomBytes(64);
  return { encrypt: b.subarray(0, 32), macK: b.subarray(32, 48), macR: b.subarray(48, 64) };
}

/** The 64-byte scrypt output split as restic does: AES key, MAC k, MAC r. */
export function keyFromBytes(b: Uint8Array): MasterKey {
  if (b.length !== 64) throw new Error(`key material must be 64 bytes, got ${b.length}`);
  return { encrypt: b.subarray(0, 32), macK: b.subarray(32, 48), macR: b.subarray(48, 64) };
}

export function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Poly1305-AES over the ciphertext with the IV as nonce. */
export function mac(key: MasterKey, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  // Poly1305-AES as a standard Poly1305 one-time key: r ‖ AES-128_k(nonce).
  const c = createCipheriv('aes-128-ecb', keyObject(key.macK), null);
  c.setAutoPadding(false);
  const s = c.update(iv);
  const otk = new Uint8Array(32);
  otk.set(key.macR, 0);
  otk.set(s, 16);
  return poly1305(ciphertext, otk);
}

/** CTR pieces: the cipher's output buffer per call stays this small (a multiple of 16). */
const CTR_PIECE = 1 << 20;

/** The CTR counter block `blocks` blocks after `iv` (128-bit big-endian addition). */
function counterAt(iv: Uint8Array, blocks: number): Buffer {
  const out = Buffer.from(iv);
  let carry = blocks;
  for (let i = 15; i >= 0 && carry > 0; i--) {
    const v = out[i]! + (carry % 256);
    out[i] = v & 0xff;
    carry = Math.floor(carry / 256) + (v >> 8);
  }
  return out;
}

/**
 * Encrypts into `out` (a fresh buffer of plaintext.length + 32 bytes by default), 1 MiB at a
 * time from the end backwards: `plaintext` may be `out`'s own first bytes (sealing in place in
 * a transfer slot), since each piece is read before the one before it is written over it.
 */
export function encrypt(key: MasterKey, plaintext: Uint8Array, out: Uint8Array = new Uint8Array(plaintext.length + CRYPTO_OVERHEAD)): Uint8Array {
  const n = plaintext.length;
  if (out.length < n + CRYPTO_OVERHEAD) throw new RangeError(`encrypt: ${out.length} bytes cannot hold ${n} + ${CRYPTO_OVERHEAD}`);
  const iv = randomBytes(IV_SIZE);
  const k = keyObject(key.encrypt);
  for (let start = Math.floor(Math.max(0, n - 1) / CTR_PIECE) * CTR_PIECE; start >= 0; start -= CTR_PIECE) {
    const piece = plaintext.subarray(start, Math.min(n, start + CTR_PIECE));
    const c = createCipheriv('aes-256-ctr', k, counterAt(iv, start / 16));
    const ct = c.update(piece);
    out.set(ct, IV_SIZE + start);
  }
  out.set(iv, 0);
  const ct = out.subarray(IV_SIZE, IV_SIZE + n);
  out.set(mac(key, iv, ct), IV_SIZE + n);
  return out.subarray(0, n + CRYPTO_OVERHEAD);
}

/**
 * Checks the MAC, then decrypts. `subject` names the object in the error message
 * (e.g. `blob 3f2a91c0`), since an IntegrityError must say what is damaged.
 */
export function decrypt(key: MasterKey, data: Uint8Array, subject = 'object'): Uint8Array {
  if (data.length < CRYPTO_OVERHEAD) {
    throw new IntegrityError(`decrypt ${subject}: ciphertext too short (${data.length} bytes)`);
  }
  const iv = data.subarray(0, IV_SIZE);
  const ct = data.subarray(IV_SIZE, data.length - MAC_SIZE);
  const tag = data.subarray(data.length - MAC_SIZE);
  const want = mac(key, iv, ct);
  if (!timingSafeEqual(tag, want)) {
    throw new IntegrityError(`decrypt ${subject}: MAC check failed (data damaged or wrong key)`);
  }
  const d = createCipheriv('aes-256-ctr', keyObject(key.encrypt), iv);
  const a = d.update(ct);
  const b = d.final();
  return b.length ? Buffer.concat([a, b]) : a;
}

/** Like decrypt, but reports a MAC failure as `false` rather than throwing (for key probing). */
export function tryDecrypt(key: MasterKey, data: Uint8Array): Uint8Array | undefined {
  if (data.length < CRYPTO_OVERHEAD) return undefined;
  const iv = data.subarray(0, IV_SIZE);
  const ct = data.subarray(IV_SIZE, data.length - MAC_SIZE);
  if (!timingSafeEqual(data.subarray(data.length - MAC_SIZE), mac(key, iv, ct))) return undefined;
  const d = createCipheriv('aes-256-ctr', keyObject(key.encrypt), iv);
  return Buffer.concat([d.update(ct), d.final()]);
}
