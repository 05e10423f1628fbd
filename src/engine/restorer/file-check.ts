// Does a file on disk hold exactly a node's content? Read back in the node's blob boundaries
// (their plaintext sizes come from the index) and each piece hashed against its blob ID, so no
// blob is downloaded. Used by `restore --verify` (after writing) and `--overwrite if-changed`.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId } from '../../repo/types.ts';
import { plaintextSize } from '../stats/stats.ts';

/** undefined when the file matches; otherwise what differs, in words. */
export async function contentMismatch(repo: Repository, path: string | Buffer, ids: readonly BlobId[], signal?: AbortSignal): Promise<string | undefined> {
  const sizes: number[] = [];
  for (const id of ids) {
    const loc = repo.lookupBlob('data', id);
    if (!loc) return `blob ${id.slice(0, 8)} is not in the index`;
    sizes.push(plaintextSize(loc));
  }
  const expected = sizes.reduce((a, b) => a + b, 0);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    return `cannot open: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return 'not a regular file';
    if (st.size !== expected) return `size ${st.size}, expected ${expected}`;
    let buf = Buffer.alloc(0);
    let offset = 0;
    for (let i = 0; i < ids.length; i++) {
      throwIfAborted(signal);
      const n = sizes[i]!;
      if (buf.length < n) buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, offset);
      if (bytesRead !== n) return `short read at offset ${offset}`;
      if (createHash('sha256').update(buf.subarray(0, n)).digest('hex') !== ids[i]) return `content differs at offset ${offset}`;
      offset += n;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
