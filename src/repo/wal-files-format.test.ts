// The WAL file format is fixed by what is already stored: files written by the earlier encoder
// (the whole body compressed at once, zstd level 3) still load, and the streaming encoder writes
// exactly `IV ‖ CTR(0x02 ‖ zstd(u16 name length ‖ name ‖ content)) ‖ MAC`, one zstd frame.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { decrypt, encrypt, newRandomKey } from './crypto.ts';
import { decodeWalFile, encodeWalFile } from './wal-files.ts';

function body(name: string, content: Uint8Array): Buffer {
  const n = Buffer.from(name, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(n.length);
  return Buffer.concat([len, n, content]);
}

// Compressible and incompressible parts, over several of the encoder's 1 MiB input pieces.
const content = Buffer.concat([randomBytes(1500 * 1024), Buffer.alloc(1200 * 1024, 'row 42 ok\n'), randomBytes(7)]);

test('a file written by the earlier one-shot level-3 encoder loads', () => {
  const key = newRandomKey();
  const z = zstdCompressSync(body('pg/000000010000000000000003', content), { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
  const stored = encrypt(key, Buffer.concat([Buffer.from([0x02]), z]));
  assert.ok(Buffer.from(decodeWalFile(key, 'pg/000000010000000000000003', stored)).equals(content));
});

test('the streaming encoder writes the documented layout as one zstd frame', async () => {
  const key = newRandomKey();
  for (const c of [content, new Uint8Array(0)]) {
    const stored = await encodeWalFile(key, 'pg/00000002.history', c);
    const plain = decrypt(key, stored);
    assert.equal(plain[0], 0x02);
    assert.ok(zstdDecompressSync(plain.subarray(1)).equals(body('pg/00000002.history', c)));
    // A zstd frame (its magic number) right after the version byte.
    assert.equal(Buffer.from(plain.subarray(1, 5)).readUInt32LE(), 0xfd2fb528);
    assert.ok(Buffer.from(decodeWalFile(key, 'pg/00000002.history', stored)).equals(c));
    assert.ok(stored.length < 16 + 1 + c.length + 64 && (c.length === 0 || stored.length < c.length), 'compressed');
  }
});
