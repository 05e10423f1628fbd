// The "local" alternative to SYNC: ask the server to BGSAVE, wait until that save finished,
// then read the RDB file it wrote (`rdbPath`, the server's dir + dbfilename). Useful where the
// user may not run SYNC (ACL) but we share the server's filesystem. The file is opened right
// after the save completes; Redis replaces it by rename, so a later save cannot change what
// we read through the open handle.

import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortedError, SourceError } from '../../errors.ts';
import { RespError, type RespConnection, type RespValue } from './resp.ts';

export interface BgsaveOptions {
  rdbPath: string;
  what: string;
  signal: AbortSignal;
  /** How long the save may take (ms). Default 1 hour. */
  timeoutMs?: number;
  pollMs?: number;
}

export async function bgsaveAndOpen(conn: RespConnection, o: BgsaveOptions): Promise<FileHandle> {
  const deadline = Date.now() + (o.timeoutMs ?? 3_600_000);
  const before = await persistence(conn, o.what);
  await waitIdle(conn, o, deadline); // a save already running did not include our moment
  const r = await conn.command(['BGSAVE']);
  if (r instanceof RespError) throw new SourceError(`${o.what}: BGSAVE failed: ${r.message}`, null, '');
  for (;;) {
    const now = await persistence(conn, o.what);
    if (now.get('rdb_bgsave_in_progress') === '0' && saved(before, now)) {
      if (now.get('rdb_last_bgsave_status') !== 'ok') {
        throw new SourceError(`${o.what}: the server's BGSAVE failed (rdb_last_bgsave_status ${now.get('rdb_last_bgsave_status')})`, null, '',
          { hint: 'see the Redis server log (disk full? permissions of its dir?)' });
      }
      break;
    }
    await tick(o, deadline);
  }
  try {
    return await open(o.rdbPath, 'r');
  } catch (err) {
    throw new SourceError(`${o.what}: cannot open ${o.rdbPath} after BGSAVE (${(err as NodeJS.ErrnoException).code})`, null, '',
      { cause: err, hint: 'rdbPath must be the server\'s `dir` + `dbfilename` (CONFIG GET dir / dbfilename), readable by us' });
  }
}

function saved(before: Map<string, string>, now: Map<string, string>): boolean {
  // rdb_saves (Redis 7+) counts completed saves; older servers: LASTSAVE time moved on.
  if (now.has('rdb_saves')) return Number(now.get('rdb_saves')) > Number(before.get('rdb_saves'));
  return Number(now.get('rdb_last_save_time')) > Number(before.get('rdb_last_save_time'));
}

async function waitIdle(conn: RespConnection, o: BgsaveOptions, deadline: number): Promise<void> {
  while ((await persistence(conn, o.what)).get('rdb_bgsave_in_progress') === '1') await tick(o, deadline);
}

async function tick(o: BgsaveOptions, deadline: number): Promise<void> {
  if (Date.now() > deadline) throw new SourceError(`${o.what}: BGSAVE did not finish in time`, null, '');
  try {
    await sleep(o.pollMs ?? 200, undefined, { signal: o.signal });
  } catch {
    throw new AbortedError(`${o.what}: interrupted`);
  }
}

async function persistence(conn: RespConnection, what: string): Promise<Map<string, string>> {
  const r: RespValue = await conn.command(['INFO', 'persistence']);
  if (r instanceof RespError || !Buffer.isBuffer(r)) {
    throw new SourceError(`${what}: INFO persistence failed: ${r instanceof RespError ? r.message : 'unexpected reply'}`, null, '');
  }
  const m = new Map<string, string>();
  for (const line of r.toString('utf8').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}
