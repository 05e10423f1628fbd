// Writes a deterministic stream of SIZE_MB mebibytes to stdout: a mix of incompressible
// (AES-CTR keystream) and compressible (repeated log-like text) megabytes, so chunking,
// compression and encryption all do real work. Same seed, same bytes, for both tools.

import { createCipheriv } from 'node:crypto';

const sizeMb = Number(process.argv[2] ?? '1024');
const seed = process.argv[3] ?? 'lifeboat-bench';
const MiB = 1024 * 1024;
const key = Buffer.alloc(32);
key.write(seed);
const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
const zeros = Buffer.alloc(MiB);
const text = Buffer.alloc(MiB);
{
  let line = 0;
  let offset = 0;
  while (offset < MiB) {
    offset += text.write(`2026-11-22T03:00:${String(line % 60).padStart(2, '0')}Z INFO request id=${line * 7919} path=/api/v1/orders status=200 ms=${line % 97}\n`, offset);
    line++;
  }
}

let written = 0;
function writeMore(): void {
  while (written < sizeMb) {
    const random = cipher.update(zeros);
    // Two of every three megabytes are incompressible, one is text stamped with its index.
    const block = written % 3 === 2 ? Buffer.concat([Buffer.from(`block ${written}\n`), text]).subarray(0, MiB) : random;
    written++;
    if (!process.stdout.write(block)) {
      process.stdout.once('drain', writeMore);
      return;
    }
  }
  process.stdout.end();
}
writeMore();
