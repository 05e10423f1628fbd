// Proves a restored directory holds exactly the snapshot's file contents: every regular file
// is read back from disk and cut at its blobs' plaintext lengths, and each piece's sha256 must
// be the blob's ID (restic's content addressing). The restore already verified each blob it
// read; this catches what happened on the way to the disk. Used by restore drills.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CRYPTO_OVERHEAD } from '../../repo/crypto.ts';
import { IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { listSnapshot } from './snapshot-walk.ts';

export interface VerifiedTree {
  files: number;
  bytes: number;
}

/** Reads every file of `snap` under `dir` (where it was restored) and checks it against its blob IDs. */
export async function verifyRestoredFiles(repo: Repository, snap: SnapshotEntry, dir: string, signal?: AbortSignal): Promise<VerifiedTree> {
  const out: VerifiedTree = { files: 0, bytes: 0 };
  let buf = Buffer.alloc(1 << 20);
  for await (const { path, node } of listSnapshot(repo, snap, { signal })) {
    if (node.type !== 'file') continue;
    throwIfAborted(signal);
    const where = join(dir, path);
    const fh = await open(where, 'r').catch((err: NodeJS.ErrnoException) => {
      throw new IntegrityError(`verify restored ${path}: cannot open ${where} (${err.code ?? err.message})`);
    });
    try {
      let offset = 0;
      for (const id of node.content ?? []) {
        const loc = repo.lookupBlob('data', id);
        if (!loc) throw new IntegrityError(`verify restored ${path}: data blob ${id.slice(0, 8)} is in no index`);
        const length = loc.uncompressedLength ?? loc.length - CRYPTO_OVERHEAD;
        if (buf.length < length) buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        const digest = createHash('sha256').update(buf.subarray(0, bytesRead)).digest('hex');
        if (bytesRead !== length || digest !== id) {
          throw new IntegrityError(`verify restored ${path}: bytes ${offset}–${offset + length} on disk do not match blob ${id.slice(0, 8)}`);
        }
        offset += length;
      }
      const { size } = await fh.stat();
      if (size !== offset) throw new IntegrityError(`verify restored ${path}: ${size} bytes on disk, the snapshot has ${offset}`);
      out.files++;
      out.bytes += offset;
    } finally {
      await fh.close();
    }
  }
  return out;
}
