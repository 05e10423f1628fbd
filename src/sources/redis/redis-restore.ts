// Redis restore: place the RDB file for a STOPPED server, which loads it when it starts.
//
// Procedure (see README.md beside this file):
//   1. stop the server (a running server overwrites dump.rdb on shutdown when `save` is set,
//      and never re-reads it while running);
//   2. restoreRedisRdb(stream, { dir: <config get dir>, dbfilename: <config get dbfilename> });
//   3. if the server runs with `appendonly yes`, it loads the AOF instead of the RDB: start it
//      once with `appendonly no` (then `CONFIG SET appendonly yes` to rebuild the AOF), or
//      move the appendonlydir away;
//   4. start the server.
// The file is written beside its final name, fsynced, checked (RDB header and end opcode) and
// renamed over the old one, so a crash leaves either the old file or the new one.

import { open, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { AbortedError, LifeboatError, SourceError } from '../../errors.ts';

export interface RedisRestoreOptions {
  /** The server's `dir`. */
  dir: string;
  /** The server's `dbfilename`; `dump.rdb` by default. */
  dbfilename?: string;
  signal?: AbortSignal;
}

export interface RedisRestoreResult {
  path: string;
  bytes: number;
  rdbVersion: number;
}

export async function restoreRedisRdb(
  stream: AsyncIterable<Uint8Array>,
  options: RedisRestoreOptions,
): Promise<RedisRestoreResult> {
  const dir = resolve(options.dir);
  const name = options.dbfilename ?? 'dump.rdb';
  if (name.includes('/')) throw new SourceError(`restore redis: dbfilename must be a file name, got ${JSON.stringify(name)}`, null, '');
  const target = join(dir, name);
  const what = `restore redis ${target}`;
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new SourceError(`${what}: directory ${dir} does not exist`, null, '');

  const tmp = join(dir, `.${name}.lifeboat-${randomBytes(6).toString('hex')}.tmp`);
  let bytes = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      for await (const chunk of stream) {
        if (options.signal?.aborted) throw new AbortedError(`${what}: interrupted`);
        if (head.length < 9) head = Buffer.concat([head, Buffer.from(chunk.subarray(0, 9 - head.length))]);
        tail = Buffer.concat([tail, Buffer.from(chunk.subarray(Math.max(0, chunk.length - 9)))]).subarray(-9);
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        bytes += chunk.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (head.length < 9 || head.subarray(0, 5).toString('latin1') !== 'REDIS') {
      throw new SourceError(`${what}: the data is not an RDB file (${bytes} bytes)`, null, '');
    }
    const rdbVersion = Number(head.subarray(5, 9).toString('latin1'));
    if (rdbVersion >= 5 && tail[0] !== 0xff) {
      throw new SourceError(`${what}: the RDB data is truncated (no end-of-file opcode)`, null, '');
    }
    await rename(tmp, target);
    const dh = await open(dir, 'r');
    try { await dh.sync(); } finally { await dh.close(); }
    return { path: target, bytes, rdbVersion };
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof LifeboatError) throw err;
    throw new SourceError(`${what}: ${err instanceof Error ? err.message : String(err)}`, null, '', { cause: err });
  }
}
