// SQLite's write-ahead log, read directly from the `-wal` file (https://sqlite.org/fileformat.html
// section 4): a 32-byte header (magic, version, page size, checkpoint sequence, salt-1, salt-2,
// checksum) and frames of a 24-byte header (page number, database size after commit — non-zero
// on the last frame of a transaction —, the salts, the running checksum) plus one page.
// A frame counts only when its salts match the header's and the checksum chain holds, exactly as
// SQLite's own recovery reads the file; we take whole committed transactions only.

import { closeSync, openSync, readSync } from 'node:fs';

export const WAL_HEADER_SIZE = 32;
export const FRAME_HEADER_SIZE = 24;

export interface WalHeader {
  pageSize: number;
  /** Checksums computed on big-endian words (magic 0x377f0683) or little-endian ones (…82). */
  bigEndian: boolean;
  salt1: number;
  salt2: number;
  /** The header's checksum: the chain's starting value for frame 1. */
  cksum: [number, number];
}

/** Where reading stopped: the next frame to read and the chain's value after the last whole transaction. */
export interface WalCursor {
  header: WalHeader;
  /** 1-based index of the next frame to read. */
  nextFrame: number;
  cksum: [number, number];
}

/** Committed frames read in one go: raw frame bytes (header + page each), frames first..last. */
export interface FrameRun {
  firstFrame: number;
  lastFrame: number;
  bytes: Uint8Array;
  /** Database size in pages after the last transaction of the run. */
  dbPages: number;
}

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`. */
export function walChecksum(data: Uint8Array, bigEndian: boolean, s: [number, number]): [number, number] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let s0 = s[0];
  let s1 = s[1];
  for (let i = 0; i < data.length; i += 8) {
    s0 = (s0 + dv.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + dv.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/** The header of a WAL file, or undefined when it is absent, short or not (yet) valid. */
export function parseWalHeader(b: Uint8Array): WalHeader | undefined {
  if (b.length < WAL_HEADER_SIZE) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, WAL_HEADER_SIZE);
  const magic = dv.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return undefined;
  const bigEndian = magic === 0x377f0683;
  const pageSize = dv.getUint32(8) === 1 ? 65536 : dv.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const cksum = walChecksum(b.subarray(0, 24), bigEndian, [0, 0]);
  if (cksum[0] !== dv.getUint32(24) || cksum[1] !== dv.getUint32(28)) return undefined;
  return { pageSize, bigEndian, salt1: dv.getUint32(16), salt2: dv.getUint32(20), cksum };
}

export function readWalHeader(walPath: string): WalHeader | undefined {
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const b = new Uint8Array(WAL_HEADER_SIZE);
    const n = readSync(fd, b, 0, WAL_HEADER_SIZE, 0);
    return parseWalHeader(b.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/** A cursor at the start of a WAL whose header is `header`. */
export function cursorAtStart(header: WalHeader): WalCursor {
  return { header, nextFrame: 1, cksum: header.cksum };
}

/**
 * Reads the whole committed transactions after `cursor` (at most about `maxBytes`, always ending
 * on a commit frame). Returns the run and the advanced cursor; no run when nothing new is
 * committed. The caller has checked the file's header still carries the cursor's salts.
 */
export function readCommitted(walPath: string, cursor: WalCursor, maxBytes = 32 * 1024 * 1024): { run?: FrameRun; cursor: WalCursor } {
  const { header } = cursor;
  const frameSize = FRAME_HEADER_SIZE + header.pageSize;
  let fd: number;
  try {
    fd = openSync(walPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { cursor };
    throw e;
  }
  const parts: Uint8Array[] = [];
  let committed = 0; // frames in `parts` that belong to whole transactions
  let frame = cursor.nextFrame;
  let cksum = cursor.cksum;
  let committedCksum = cursor.cksum;
  let dbPages = 0;
  try {
    const buf = new Uint8Array(frameSize);
    const dv = new DataView(buf.buffer);
    for (;;) {
      const n = readSync(fd, buf, 0, frameSize, WAL_HEADER_SIZE + (frame - 1) * frameSize);
      if (n < frameSize) break;
      if (dv.getUint32(8) !== header.salt1 || dv.getUint32(12) !== header.salt2 || dv.getUint32(0) === 0) break;
      let c = walChecksum(buf.subarray(0, 8), header.bigEndian, cksum);
      c = walChecksum(buf.subarray(FRAME_HEADER_SIZE), header.bigEndian, c);
      if (c[0] !== dv.getUint32(16) || c[1] !== dv.getUint32(20)) break;
      cksum = c;
      parts.push(buf.slice());
      frame++;
      const commitSize = dv.getUint32(4);
      if (commitSize !== 0) {
        committed = parts.length;
        committedCksum = c;
        dbPages = commitSize;
        if (committed * frameSize >= maxBytes) break;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (committed === 0) return { cursor };
  const bytes = new Uint8Array(committed * frameSize);
  for (let i = 0; i < committed; i++) bytes.set(parts[i]!, i * frameSize);
  const firstFrame = cursor.nextFrame;
  const lastFrame = firstFrame + committed - 1;
  return {
    run: { firstFrame, lastFrame, bytes, dbPages },
    cursor: { header, nextFrame: lastFrame + 1, cksum: committedCksum },
  };
}
