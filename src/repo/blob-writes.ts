// Writing a blob's plaintext to the files that need it, synchronously, where the plaintext is:
// in the worker that opened it (restore), so that creating, writing, finishing and renaming a
// file costs plain syscalls on several threads at once, not a trip through libuv's pool each.
// The caller (the restorer) plans the writes; this only carries them out.

import { closeSync, constants, fchmodSync, fchownSync, futimesSync, openSync, renameSync, writeSync } from 'node:fs';

/** Metadata applied through the descriptor once the file is complete, then renamed to `dst`. */
export interface FinishFile {
  dst: Uint8Array;
  /** Both set: chown (before chmod, which it would clear setuid/setgid after). */
  uid?: number;
  gid?: number;
  /** POSIX permission bits. */
  mode: number;
  /** Seconds, as fs.futimes takes them. */
  atime?: number;
  mtime?: number;
}

export interface BlobWrite {
  /** The temporary file. */
  path: Uint8Array;
  pos: number;
  /** Create it (exclusively); otherwise it exists already. */
  create: boolean;
  finish?: FinishFile;
}

export interface WriteOutcome {
  /** A write that failed (disk full, permissions): the restore cannot go on. */
  error?: string;
  /** Metadata that could not be applied (the file is restored; restic goes on too). */
  metaErrors?: string[];
}

const O_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const O_MORE = constants.O_WRONLY | constants.O_NOFOLLOW;

const asBuffer = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** Applies a finished file's metadata through `fd` and renames it into place. */
export function finishFile(fd: number, path: Uint8Array, f: FinishFile, metaErrors: string[]): void {
  try {
    if (f.uid !== undefined && f.gid !== undefined) fchownSync(fd, f.uid, f.gid);
    fchmodSync(fd, f.mode);
    if (f.mtime !== undefined) futimesSync(fd, f.atime ?? f.mtime, f.mtime);
  } catch (err) {
    metaErrors.push((err as Error).message);
  }
  renameSync(asBuffer(path), asBuffer(f.dst));
}

export function performWrites(plain: Uint8Array, writes: readonly BlobWrite[]): WriteOutcome {
  const metaErrors: string[] = [];
  try {
    for (const w of writes) {
      const fd = openSync(asBuffer(w.path), w.create ? O_NEW : O_MORE, 0o600);
      try {
        for (let off = 0; off < plain.length;) off += writeSync(fd, plain, off, plain.length - off, w.pos + off);
        if (w.finish) finishFile(fd, w.path, w.finish, metaErrors);
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    return { error: (err as Error).message, metaErrors };
  }
  return metaErrors.length ? { metaErrors } : {};
}
