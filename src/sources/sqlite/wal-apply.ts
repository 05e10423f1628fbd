// Rebuilding a database from a full image plus shipped WAL frames: each frame's page written at
// its place, the file cut to the size the transaction's commit frame names. Only whole
// transactions are ever shipped, and every frame is checked (salts, page size) before it counts.

import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { IntegrityError } from '../../errors.ts';
import { FRAME_HEADER_SIZE } from './wal-format.ts';

export interface FrameBatch {
  /** What it is, for messages (the stored file's name). */
  name: string;
  salt1: number;
  salt2: number;
  pageSize: number;
  firstFrame: number;
  lastFrame: number;
  frames: Uint8Array;
}

/** Writes the batches' pages into the database file `path` (an image at the batches' start). */
export function applyFrameBatches(path: string, batches: Iterable<FrameBatch>): { frames: number; transactions: number } {
  const fd = openSync(path, 'r+');
  let frames = 0;
  let transactions = 0;
  try {
    for (const b of batches) {
      const frameSize = FRAME_HEADER_SIZE + b.pageSize;
      const count = b.lastFrame - b.firstFrame + 1;
      if (b.frames.length !== count * frameSize) throw new IntegrityError(`${b.name}: holds ${b.frames.length} bytes, not ${count} frames of ${frameSize}`);
      const dv = new DataView(b.frames.buffer, b.frames.byteOffset, b.frames.byteLength);
      let pendingCommit = false;
      for (let i = 0; i < count; i++) {
        const at = i * frameSize;
        const pgno = dv.getUint32(at);
        const commit = dv.getUint32(at + 4);
        if (dv.getUint32(at + 8) !== b.salt1 || dv.getUint32(at + 12) !== b.salt2 || pgno === 0) {
          throw new IntegrityError(`${b.name}: frame ${b.firstFrame + i} does not belong to this WAL (salts or page number)`);
        }
        writeSync(fd, b.frames, at + FRAME_HEADER_SIZE, b.pageSize, (pgno - 1) * b.pageSize);
        pendingCommit = commit === 0;
        if (commit !== 0) {
          ftruncateSync(fd, commit * b.pageSize);
          transactions++;
        }
        frames++;
      }
      if (pendingCommit) throw new IntegrityError(`${b.name}: ends inside a transaction (no commit frame)`);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { frames, transactions };
}
