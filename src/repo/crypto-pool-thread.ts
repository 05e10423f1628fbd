// Worker side of CryptoPool: runs the CPU-heavy per-blob work (sha256, zstd, AES-CTR, Poly1305)
// on bytes in a shared slot, writing results back into the same slot, so neither side allocates
// a buffer per blob for the hand-over. One task at a time; replies carry the task number.

import { parentPort, workerData } from 'node:worker_threads';
import { IntegrityError } from '../errors.ts';
import { openBlob, sealBlob } from './blob-codec.ts';
import { performWrites } from './blob-writes.ts';
import { createGcHint } from './gc-hint.ts';
import { sha256, sha256Hex, type MasterKey } from './crypto.ts';
import type { FromPool, RangeResult, ToPool } from './crypto-pool.ts';

const port = parentPort;
if (!port) throw new Error('crypto pool thread: must run inside a worker');
const { key, filter } = workerData as { key: MasterKey; filter?: SharedArrayBuffer };
const filterWords = filter ? new Int32Array(filter) : undefined;

/** Whether the index's filter proves the blob (by its sha256) new. */
function surelyNew(digest: Buffer): boolean {
  if (!filterWords) return false;
  const bit = digest.readUInt32LE(0) & (filterWords.length * 32 - 1);
  return (Atomics.load(filterWords, bit >>> 5) & (1 << (bit & 31))) === 0;
}

function seal(msg: { task: number; len: number; compress: boolean }, slot: Uint8Array, input: Uint8Array): { len: number; uncompressedLength?: number } {
  // Sealed in place: no blob-sized copy besides zstd's output.
  const s = sealBlob(key, input, msg.compress, slot);
  return { len: s.bytes.length, uncompressedLength: s.uncompressedLength };
}
// Each seal or open leaves one or two blob-sized buffers behind: collect every 4 MiB of them
// (young collections on this tiny heap cost well under a millisecond; see gc-hint.ts; per
// small dump chunk they added up to a quarter of the thread's time).
const gcHint = createGcHint(4 << 20);

/** The pool's slots, by number, as they were first sent. */
const slots: Uint8Array[] = [];

function run(msg: ToPool): FromPool {
  if (msg.sab) slots[msg.slot] = new Uint8Array(msg.sab);
  const slot = slots[msg.slot]!;
  const input = slot.subarray(0, msg.op === 'openRange' ? 0 : msg.len);
  switch (msg.op) {
    case 'hash':
      return { task: msg.task, hex: sha256Hex(input) };
    case 'hashSeal': {
      const digest = sha256(input) as Buffer;
      const hex = digest.toString('hex');
      if (!surelyNew(digest)) return { task: msg.task, hex };
      return { task: msg.task, hex, sealed: seal(msg, slot, input) };
    }
    case 'seal':
      return { task: msg.task, ...seal(msg, slot, input) };
    case 'open': {
      const plain = openBlob(key, input, msg.id, msg.uncompressedLength, msg.subject);
      if (plain.length > slot.length) throw new IntegrityError(`load ${msg.subject}: ${plain.length} bytes do not fit the transfer slot`);
      slot.set(plain);
      return { task: msg.task, len: plain.length };
    }
    case 'openRange': {
      let at = msg.outStart;
      const results: RangeResult[] = [];
      for (const b of msg.blobs) {
        try {
          const plain = openBlob(key, slot.subarray(b.offset, b.offset + b.length), b.id, b.uncompressedLength, b.subject);
          gcHint(b.length + plain.length);
          if (b.writes) {
            results.push({ at: -1, len: plain.length, written: performWrites(plain, b.writes) });
            continue;
          }
          if (at + plain.length > slot.length) throw new IntegrityError(`load ${b.subject}: ${plain.length} bytes do not fit the transfer slot`);
          slot.set(plain, at);
          results.push({ at, len: plain.length });
          at += plain.length;
        } catch (err) {
          results.push({ error: err instanceof Error ? err.message : String(err), integrity: err instanceof IntegrityError });
        }
      }
      return { task: msg.task, results };
    }
  }
}

port.on('message', (msg: ToPool) => {
  let reply: FromPool;
  try {
    reply = run(msg);
  } catch (err) {
    reply = { task: msg.task, error: err instanceof Error ? err.message : String(err), integrity: err instanceof IntegrityError };
  }
  port.postMessage(reply);
  if (msg.op === 'seal' || msg.op === 'open' || msg.op === 'hashSeal') gcHint(2 * msg.len);
});
