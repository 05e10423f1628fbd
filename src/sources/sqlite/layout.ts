// Where a SQLite backup sits inside a snapshot: written by the source, read by restore and by
// anyone using `restic dump` without Lifeboat. Light: the descriptor imports it.

import { basename } from 'node:path';

export const SQLITE_ROOT = 'sqlite';
/** Where the meta JSON sits in the snapshot. */
export const SQLITE_META_PATH = `${SQLITE_ROOT}/lifeboat-meta.json`;

/** Where the database copy sits in the snapshot: `sqlite/<basename of the source path>`. */
export function sqliteDumpPath(sourcePath: string): string {
  return `${SQLITE_ROOT}/${basename(sourcePath)}`;
}

/** The database copies in a listing of `sqlite/` (everything but the meta file). */
export function sqliteDumpNames(files: string[]): string[] {
  return files.filter((f) => `${SQLITE_ROOT}/${f}` !== SQLITE_META_PATH);
}
