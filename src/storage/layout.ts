// restic's repository layout, shared by every store so local folders and S3 keys agree
// byte-for-byte with what `restic` expects (`config`, `keys/ID`, `data/ab/ID`, ...).

import type { FileType, Handle } from './types.ts';
import { StorageError } from '../errors.ts';

export const TYPE_DIRS: Readonly<Record<Exclude<FileType, 'config'>, string>> = {
  key: 'keys',
  lock: 'locks',
  snapshot: 'snapshots',
  index: 'index',
  data: 'data',
  wal: 'wal',
};

/** Every folder restic's local `init` makes, relative to the repository root (not `data/xx`). */
export const REPO_DIRS: readonly string[] = ['data', 'index', 'keys', 'locks', 'snapshots'];

/** The 256 `data/xx` subfolders, in order. */
export function dataSubdirs(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 256; i++) out.push(`data/${i.toString(16).padStart(2, '0')}`);
  return out;
}

/**
 * Rejects names that could escape their folder or collide with our temp files. Names are
 * hex IDs in practice; we accept anything safe so restic-made oddities still load.
 */
export function checkName(h: Handle): void {
  if (h.type === 'config') return;
  const n = h.name;
  const parts = typeof n === 'string' && h.type === 'wal' ? n.split('/') : [n];
  const bad = (p: unknown) => typeof p !== 'string' || p.length === 0 || p === '.' || p === '..' || p.includes('/') || p.includes('\\') || p.includes('\0');
  if ((h.type === 'wal' && parts.length !== 2) || parts.some(bad)) {
    throw new StorageError(`invalid ${h.type} file name ${JSON.stringify(n)}${h.type === 'wal' ? ': expected GROUP/FILE' : ''}`, true);
  }
  if (h.type === 'data' && n.length < 2) {
    throw new StorageError(`invalid data file name ${JSON.stringify(n)}: needs at least 2 characters`, true);
  }
}

/** Folder of a type relative to the root; for data it needs the name (`data/ab`). */
export function dirOf(h: Handle): string {
  if (h.type === 'config') return '';
  if (h.type === 'data') return `data/${h.name.slice(0, 2)}`;
  if (h.type === 'wal') return `wal/${h.name.split('/')[0]}`;
  return TYPE_DIRS[h.type];
}

/** Relative path (POSIX separators) of a file: `config`, `keys/ID`, `data/ab/ID`. */
export function relPath(h: Handle): string {
  checkName(h);
  if (h.type === 'config') return 'config';
  if (h.type === 'wal') return `wal/${h.name}`;
  return `${dirOf(h)}/${h.name}`;
}

/** Short printable subject for error messages: `data/3f2a91c0`. Never carries secrets. */
export function subject(h: Handle): string {
  if (h.type === 'config') return 'config';
  const dir = h.type === 'data' ? 'data' : TYPE_DIRS[h.type];
  const n = typeof h.name === 'string' ? h.name : String(h.name);
  if (h.type === 'wal') return `${dir}/${n}`;
  return `${dir}/${n.length > 16 ? n.slice(0, 12) : n}`;
}

/** Validates a range against a known size; shared so every store words it the same way. */
export function checkRange(h: Handle, range: { offset: number; length: number }, size: number, location: string): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new StorageError(`load ${subject(h)} in ${location}: invalid range offset=${offset} length=${length}`, true);
  }
  if (offset + length > size) {
    throw new StorageError(
      `load ${subject(h)} in ${location}: range ${offset}+${length} is past the end of the file (${size} bytes)`,
      true,
      { context: { offset, length, size } },
    );
  }
}

/** Types stored one folder deeper than their type folder: `data/ab/ID`, `wal/GROUP/FILE`. */
export function isNested(type: FileType): boolean {
  return type === 'data' || type === 'wal';
}
