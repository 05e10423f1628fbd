import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from '../errors.ts';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { CRYPTO_OVERHEAD, decrypt, encrypt, mac, newRandomKey, poly1305 } from './crypto.ts';
import { isIrreducible, polynomialFromHex, randomPolynomial } from './polynomial.ts';
import { parseJson, stringifyJson } from './json.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

test('Poly1305-AES matches the test vector of the Poly1305-AES paper', () => {
  const key = { encrypt: new Uint8Array(32), macK: hex('ec074c835580741701425b623235add6'), macR: hex('851fc40c3467ac0be05cc20404f3f700') };
  const nonce = hex('fb447350c4e868c52ac3275cf9d4327e');
  const ecb = createCipheriv('aes-128-ecb', key.macK, null).setAutoPadding(false).update(nonce);
  assert.equal(Buffer.from(ecb).toString('hex'), '580b3b0f9447bb1e69d095b5928b6dbc');
  assert.equal(Buffer.from(mac(key, nonce, hex('f3f6'))).toString('hex'), 'f4c633c3044fc145f84f335cb81953de');
});

test('WebAssembly Poly1305 gives the tags of @noble/ciphers (a second implementation), in one piece or many', () => {
  for (const n of [0, 1, 16, 17, 4096, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 5]) {
    const msg = randomBytes(n);
    const key = randomBytes(32);
    key[31] = 0xff; // the s half is used whole; r is clamped by both
    key[3] = 0xff;
    assert.deepEqual(Buffer.from(poly1305(msg, key)), Buffer.from(noblePoly1305(msg, key)), `${n} bytes`);
  }
});

test('encrypt/decrypt round trip; any flipped bit is an IntegrityError naming the subject', () => {
  const key = newRandomKey();
  for (const n of [0, 1, 15, 16, 17, 1000, 65537]) {
    const p = randomBytes(n);
    const c = encrypt(key, p);
    assert.equal(c.length, n + CRYPTO_OVERHEAD);
    assert.deepEqual(Buffer.from(decrypt(key, c)), p);
  }
  const c = encrypt(key, Buffer.from('secret'));
  for (const i of [0, 16, c.length - 1]) {
    const bad = Uint8Array.from(c);
    bad[i]! ^= 0x80;
    assert.throws(() => decrypt(key, bad, 'blob abcd1234'), (e: unknown) => e instanceof IntegrityError && /blob abcd1234/.test(e.message));
  }
  assert.throws(() => decrypt(newRandomKey(), c), IntegrityError);
  assert.throws(() => decrypt(key, c.subarray(0, 31)), IntegrityError);
  // Fresh IV per object.
  assert.notDeepEqual(encrypt(key, Buffer.from('x')), encrypt(key, Buffer.from('x')));
});

test('polynomials: restic-generated ones are irreducible, ours too, reducible ones are rejected', () => {
  // Taken from repositories restic 0.14 created on this machine.
  for (const h of ['2ed18e36cc2cc5', '244f0630896703', '3a875f8d3bf635']) assert.equal(isIrreducible(polynomialFromHex(h)), true, h);
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) {
    const p = randomPolynomial();
    assert.equal(p >> 53n, 1n);
    assert.equal(isIrreducible(p), true);
  }
  assert.ok(performance.now() - t0 < 2000);
  // x^53 + x^52 = x^52 (x + 1); (x^2+x+1)^... products are reducible.
  assert.equal(isIrreducible((1n << 53n) | (1n << 52n)), false);
  assert.equal(isIrreducible((1n << 53n) | 1n), false); // x^53+1 has root 1
  assert.equal(isIrreducible(0b111n), true); // x^2+x+1
  assert.equal(isIrreducible(0b10101n), false); // (x^2+x+1)^2
});

test('lossless JSON: big uint64 survive, Go escaping, unknown fields kept', () => {
  const text = '{"inode":18446744073709551615,"device_id":9007199254740993,"size":42,"f":1.5,"name":"a\\u003cb\\u003e\\u0026c\\u2028","extra":{"x":[1,2]}}';
  const v = parseJson(text) as Record<string, unknown>;
  assert.equal(v.inode, 18446744073709551615n);
  assert.equal(v.device_id, 9007199254740993n);
  assert.equal(v.size, 42);
  assert.equal(v.name, 'a<b>&c\u2028');
  assert.equal(stringifyJson(v), text);
});

test('encrypt works backwards in 1 MiB pieces: in place, across pieces and counter carries, it decrypts', () => {
  const key = newRandomKey();
  for (const n of [0, 15, 1 << 20, (1 << 20) + 17, 3 * (1 << 20) + 5]) {
    const plain = randomBytes(n);
    const slot = new Uint8Array(n + 64);
    slot.set(plain);
    const sealed = encrypt(key, slot.subarray(0, n), slot);
    assert.equal(sealed.length, n + CRYPTO_OVERHEAD);
    assert.deepEqual(Buffer.from(decrypt(key, sealed)), plain, `${n} bytes in place`);
    assert.deepEqual(Buffer.from(decrypt(key, encrypt(key, plain))), plain, `${n} bytes`);
  }
});
