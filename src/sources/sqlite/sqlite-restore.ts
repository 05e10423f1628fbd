// SQLite restore: stream → temp file beside the target → fsync → integrity_check → atomic
// rename over the target. The target is either the old database or the new one, never half of
// each: a crash before the rename leaves the old database untouched (and a stray temp file).

import { open, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AbortedError, LifeboatError, LockedError, NotFoundError, SourceError } from '../../errors.ts';
import { sqliteInUse } from './in-use.ts';
import { sqliteMessage } from './sqlite-source.ts';

export interface SqliteRestoreOptions {
  /** Where the database goes; replaced atomically if it exists. */
  path: string;
  /** Replace even if the target looks in use (see in-use.ts for how that is judged). */
  force?: boolean;
  signal?: AbortSignal;
}

export interface SqliteRestoreResult {
  path: string;
  bytes: number;
  replaced: boolean;
}

const MAGIC = 'SQLite format 3\0';

export async function restoreSqlite(
  stream: AsyncIterable<Uint8Array>,
  options: SqliteRestoreOptions,
): Promise<SqliteRestoreResult> {
  const target = resolve(options.path);
  const what = `restore sqlite ${target}`;
  const { signal } = options;

  const existing = await stat(target).catch(() => undefined);
  // Said here, before the temp file beside the target: else the first error is its ENOENT.
  if (!existing && !(await stat(dirname(target)).catch(() => undefined))?.isDirectory()) {
    throw new NotFoundError(`${what}: folder ${dirname(target)} does not exist`, { hint: 'create the folder first, or restore --into a file in an existing folder' });
  }
  if (existing && !existing.isFile()) throw new SourceError(`${what}: target exists and is not a regular file`, null, '');
  if (existing && !options.force) {
    const report = await sqliteInUse(target);
    if (report.inUse) {
      throw new LockedError(`${what}: database is in use: ${report.reasons.join('; ')}`, {
        hint: 'stop the application using it, or pass --force to replace it anyway',
        context: { path: target, reasons: report.reasons },
      });
    }
  }

  const tmp = join(dirname(target), `.${basename(target)}.lifeboat-${randomBytes(6).toString('hex')}.tmp`);
  let bytes = 0;
  try {
    const fh = await open(tmp, 'wx', existing ? existing.mode & 0o777 : 0o600);
    try {
      let header = Buffer.alloc(0);
      for await (const chunk of stream) {
        if (signal?.aborted) throw new AbortedError(`${what}: interrupted`);
        if (header.length < MAGIC.length) header = Buffer.concat([header, chunk.subarray(0, MAGIC.length)]);
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        bytes += chunk.length;
      }
      if (header.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) {
        throw new SourceError(`${what}: the data is not a SQLite database (${bytes} bytes, bad header)`, null, '');
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    checkIntegrity(tmp, what);
    if (signal?.aborted) throw new AbortedError(`${what}: interrupted`);

    // Stale side files of the old database must go *before* the rename: an old -wal beside
    // the new database would be replayed into it, an old -journal rolled back into it.
    for (const suffix of ['-wal', '-shm', '-journal']) {
      await unlink(target + suffix).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
    await rename(tmp, target);
    await fsyncDir(dirname(target));
    return { path: target, bytes, replaced: existing !== undefined };
  } catch (err) {
    await rm(tmp, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) await rm(tmp + suffix, { force: true });
    if (err instanceof LifeboatError) throw err;
    throw new SourceError(`${what}: ${sqliteMessage(err)}`, null, '', { cause: err });
  }
}

function checkIntegrity(path: string, what: string): void {
  let db: DatabaseSync | undefined;
  let problems: string[];
  try {
    db = new DatabaseSync(path);
    const rows = db.prepare('PRAGMA integrity_check(10)').all() as { integrity_check: string }[];
    problems = rows.map((r) => String(r.integrity_check)).filter((s) => s !== 'ok');
  } catch (err) {
    throw new SourceError(`${what}: restored data cannot be opened: ${sqliteMessage(err)}`, null, '', { cause: err });
  } finally {
    try { db?.close(); } catch { /* ignore */ }
  }
  if (problems.length > 0) {
    throw new SourceError(`${what}: integrity_check failed on the restored data; target left untouched`, null, problems.join('\n'));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
