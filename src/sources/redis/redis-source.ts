// Redis source: an RDB snapshot streamed over the replication protocol — what
// `redis-cli --rdb` does. We connect as a (one-shot, rdb-only) replica, send SYNC, and the
// server answers with the RDB as one bulk payload, either
//   `$<len>\r\n` + exactly len bytes             (disk-based: the server BGSAVEs to its disk), or
//   `$EOF:<40-byte mark>\r\n` + bytes + the mark  (diskless: streamed from the fork's pipe).
// Before the header the server may send bare `\n` keepalives while it prepares the snapshot.
// Nothing is buffered beyond one socket chunk (+40 bytes): TCP backpressure paces the server.
//
// Or, with `rdbPath` (server on a shared filesystem): BGSAVE, wait, stream that file.
//
// The password goes only into the AUTH command on the socket — never argv, logs or errors.

import { AbortedError, SourceError } from '../../errors.ts';
import type { Source, StreamEntry } from '../types.ts';
import { streamHandle, type HandleStream } from '../file-stream.ts';
import { RespConnection, RespError, type RespValue } from './resp.ts';
import { bgsaveAndOpen } from './redis-bgsave.ts';
import { REDIS_META_PATH, REDIS_RDB_PATH } from './layout.ts';

export interface RedisSourceOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  signal?: AbortSignal;
  /**
   * Ask for the diskless form (REPLCONF capa eof). The server still decides: it uses it only
   * when its `repl-diskless-sync` is on. Default true: no snapshot file on the server's disk.
   */
  diskless?: boolean;
  /** Fail when the server sends nothing for this long while we wait for data (ms). Default 120 000. */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * Instead of SYNC: BGSAVE, wait for it, then stream this file (the server's dir/dbfilename,
   * on a filesystem we share with the server).
   */
  rdbPath?: string;
  /** Longest wait for the BGSAVE (ms). Default 1 hour. */
  bgsaveTimeoutMs?: number;
}

export interface RedisMeta {
  engine: 'redis';
  redisVersion: string;
  /** Sum of keys over all databases per INFO keyspace, just before the snapshot. */
  keys: number;
  /** Bytes of RDB data. */
  size: number;
  /** disk/diskless: SYNC forms; bgsave-file: BGSAVE, then the local file at rdbPath. */
  transfer: 'disk' | 'diskless' | 'bgsave-file';
  rdbVersion: number;
  durationMs: number;
  startedAt: string;
}

const MARK_LEN = 40;
export { REDIS_RDB_PATH, REDIS_META_PATH };

export function redisSource(options: RedisSourceOptions): Source {
  return {
    kind: 'redis',
    entries(signal: AbortSignal) {
      const s = options.signal ? AbortSignal.any([signal, options.signal]) : signal;
      return redisEntries(options, s);
    },
    tags() {
      // Stable identifiers only (version, size and key count are in the meta file).
      return ['engine=redis', `host=${options.host}:${options.port}`];
    },
  };
}

async function* redisEntries(
  o: RedisSourceOptions,
  signal: AbortSignal,
): AsyncGenerator<StreamEntry> {
  const what = `redis backup ${o.host}:${o.port}`;
  const started = Date.now();
  const conn = await RespConnection.open({
    host: o.host, port: o.port, what, signal,
    idleTimeoutMs: o.idleTimeoutMs ?? 120_000, connectTimeoutMs: o.connectTimeoutMs,
  });
  let file: HandleStream | undefined;
  try {
    if (o.password !== undefined) {
      const args = o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password];
      const r = await conn.command(args);
      if (r instanceof RespError) {
        throw new SourceError(`${what}: authentication failed: ${r.message}`, null, '', {
          hint: 'check the Redis username/password in the job configuration',
        });
      }
    }
    const server = parseInfo(await infoOrThrow(conn, 'server', what));
    const keyspace = parseInfo(await infoOrThrow(conn, 'keyspace', what));
    const keys = countKeys(keyspace);

    let body: AsyncIterable<Uint8Array>;
    let transfer: RedisMeta['transfer'];
    if (o.rdbPath !== undefined) {
      const fh = await bgsaveAndOpen(conn, { rdbPath: o.rdbPath, what, signal, timeoutMs: o.bgsaveTimeoutMs });
      file = streamHandle(fh, what, signal);
      body = file.stream;
      transfer = 'bgsave-file';
    } else {
      // rdb-only (Redis 7+): the server sends the snapshot and no replication stream after
      // it. Older servers reject it; the plain SYNC works there too.
      await conn.command(['REPLCONF', 'rdb-only', '1']);
      if (o.diskless ?? true) await conn.command(['REPLCONF', 'capa', 'eof']);
      await conn.write(Buffer.from('SYNC\r\n'));
      const header = await readSyncHeader(conn, what);
      body = header.kind === 'length' ? exactly(conn, header.length, what) : untilMark(conn, header.mark, what);
      transfer = header.kind === 'length' ? 'disk' : 'diskless';
    }

    let size = 0;
    let rdbVersion = 0;
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((res, rej) => { settle = (e) => (e === undefined ? res() : rej(e)); });
    done.catch(() => {});
    const check = rdbChecker(what);
    const makeMeta = (): RedisMeta => ({
      engine: 'redis', redisVersion: server.get('redis_version') ?? 'unknown', keys, size,
      transfer, rdbVersion,
      durationMs: Date.now() - started, startedAt: new Date(started).toISOString(),
    });

    async function* payload(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body) {
          if (signal.aborted) throw new AbortedError(`${what}: interrupted`);
          check.update(chunk);
          size += chunk.length;
          yield chunk;
        }
        rdbVersion = check.finish();
        settle();
      } catch (err) {
        settle(err);
        throw err;
      } finally {
        conn.close();
        settle(new SourceError(`${what}: RDB stream was not read to its end`, null, ''));
      }
    }

    yield { kind: 'stream', path: REDIS_RDB_PATH, stream: payload(), done, mode: 0o600 };
    // The archiver drains each entry before asking for the next; the meta needs the size.
    await done;
    const json = new TextEncoder().encode(JSON.stringify(makeMeta(), null, 2) + '\n');
    yield { kind: 'stream', path: REDIS_META_PATH, stream: (async function* () { yield json; })(), done: Promise.resolve(), mode: 0o600 };
  } finally {
    // Failure before the entry was handed over, or a consumer that stopped early: nothing else
    // would close the socket (the payload closes it too when it ends).
    conn.close();
    await file?.abandon();
  }
}

async function infoOrThrow(conn: RespConnection, section: string, what: string): Promise<string> {
  const r = await conn.command(['INFO', section]);
  if (r instanceof RespError) {
    if (r.kind === 'NOAUTH') {
      throw new SourceError(`${what}: the server requires a password: ${r.message}`, null, '', {
        hint: 'set the password (e.g. password_file) in the job configuration',
      });
    }
    if (r.kind === 'NOPERM') return ''; // ACL user without INFO: meta stays unknown
    throw new SourceError(`${what}: INFO ${section} failed: ${r.message}`, null, '');
  }
  return respText(r);
}

type SyncHeader = { kind: 'length'; length: number } | { kind: 'mark'; mark: Buffer };

async function readSyncHeader(conn: RespConnection, what: string): Promise<SyncHeader> {
  // Skip the keepalive newlines sent while the server forks and starts the snapshot.
  for (;;) {
    const chunk = await conn.pull();
    if (chunk === null) throw new SourceError(`${what}: the server closed the connection before sending the RDB`, null, '');
    let i = 0;
    while (i < chunk.length && chunk[i] === 0x0a) i++;
    if (i < chunk.length) {
      conn.unshift(chunk.subarray(i));
      break;
    }
  }
  const line = await conn.readLine();
  if (line.startsWith('-')) {
    throw new SourceError(`${what}: SYNC refused: ${line.slice(1)}`, null, '', {
      hint: 'the user needs permission for SYNC/REPLCONF (ACL +sync +replconf), and the server must allow replicas',
    });
  }
  if (line.startsWith('$EOF:')) {
    const mark = Buffer.from(line.slice(5), 'latin1');
    if (mark.length !== MARK_LEN) throw new SourceError(`${what}: protocol error: bad EOF mark in SYNC reply`, null, '');
    return { kind: 'mark', mark };
  }
  if (line.startsWith('$') && /^\$\d+$/.test(line)) return { kind: 'length', length: Number(line.slice(1)) };
  throw new SourceError(`${what}: protocol error: unexpected SYNC reply ${JSON.stringify(line.slice(0, 60))}`, null, '');
}

async function* exactly(conn: RespConnection, length: number, what: string): AsyncGenerator<Buffer> {
  let left = length;
  while (left > 0) {
    const chunk = await conn.pull();
    if (chunk === null) throw new SourceError(`${what}: connection closed after ${length - left} of ${length} RDB bytes`, null, '');
    if (chunk.length > left) {
      yield chunk.subarray(0, left);
      return;
    }
    left -= chunk.length;
    yield chunk;
  }
}

/** Streams until the 40-byte mark, holding back only the last 40 bytes seen. */
async function* untilMark(conn: RespConnection, mark: Buffer, what: string): AsyncGenerator<Buffer> {
  let held = Buffer.alloc(0);
  let total = 0;
  for (;;) {
    const chunk = await conn.pull();
    if (chunk === null) throw new SourceError(`${what}: connection closed after ${total} RDB bytes, before the end mark`, null, '');
    const window = held.length ? Buffer.concat([held, chunk]) : chunk;
    const at = window.indexOf(mark);
    if (at >= 0) {
      if (at > 0) yield window.subarray(0, at);
      return;
    }
    const keep = Math.min(MARK_LEN - 1, window.length);
    const out = window.subarray(0, window.length - keep);
    held = Buffer.from(window.subarray(window.length - keep));
    total += out.length;
    if (out.length > 0) yield out;
  }
}

/** Checks the RDB's framing as it streams: `REDIS0009…` at the start, 0xFF + CRC64 at the end. */
function rdbChecker(what: string): { update(b: Uint8Array): void; finish(): number } {
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  return {
    update(b) {
      if (head.length < 9) head = Buffer.concat([head, Buffer.from(b.subarray(0, 9 - head.length))]);
      tail = Buffer.concat([tail, Buffer.from(b.subarray(Math.max(0, b.length - 9)))]);
      if (tail.length > 9) tail = tail.subarray(tail.length - 9);
    },
    finish() {
      if (head.length < 9 || head.subarray(0, 5).toString('latin1') !== 'REDIS') {
        throw new SourceError(`${what}: the server's payload is not an RDB file`, null, '');
      }
      const version = Number(head.subarray(5, 9).toString('latin1'));
      if (version >= 5 && tail[0] !== 0xff) {
        throw new SourceError(`${what}: the RDB payload is truncated (no end-of-file opcode)`, null, '');
      }
      return version;
    },
  };
}

function respText(v: RespValue): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : '';
}

export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

function countKeys(keyspace: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of keyspace) {
    if (/^db\d+$/.test(k)) n += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
  }
  return n;
}
