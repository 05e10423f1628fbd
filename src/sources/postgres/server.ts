// A PostgreSQL server that Lifeboat builds from a base backup and runs: the data directory
// (prepared empty, filled from a base backup's tar stream), the recovery settings, and
// pg_ctl start / promote / stop, and the few queries recovery needs. PostgreSQL refuses to run as
// root, so when Lifeboat is root every tool runs as the server's OS user (`runuser -u postgres`),
// which also makes that user own every file it writes; otherwise the tools run directly.

import { chmod, chown, mkdir, readdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SourceError, UsageError, LifeboatError } from '../../errors.ts';
import { runTool, spawnTool } from '../process.ts';

export interface ServerUser {
  /** The OS user that owns the data directory and runs the server (when Lifeboat is root). */
  osUser: string;
  /** Directory of initdb, pg_ctl, psql…; else PATH, else the newest /usr/lib/postgresql/N/bin. */
  binDir?: string;
}

/** pg_ctl's output, inside the data directory so it goes where the server goes. */
export const SERVER_LOG = 'lifeboat-server.log';

const isRoot = () => process.getuid?.() === 0;

/** The program path for a PostgreSQL tool. */
export function pgTool(name: string, user: ServerUser): string {
  if (user.binDir) return join(user.binDir, name);
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, name))) return join(dir, name);
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.map(Number).sort((a, b) => b - a)[0];
  return newest === undefined ? name : join(base, String(newest), 'bin', name);
}

/** argv that runs `command args` as the server's OS user. */
function asServerUser(user: ServerUser, command: string, args: string[]): { command: string; args: string[] } {
  return isRoot() ? { command: 'runuser', args: ['-u', user.osUser, '--', command, ...args] } : { command, args };
}

async function ownerIds(user: ServerUser): Promise<{ uid: number; gid: number }> {
  const uid = Number((await runTool({ label: `id -u ${user.osUser}`, command: 'id', args: ['-u', user.osUser] })).trim());
  const gid = Number((await runTool({ label: `id -g ${user.osUser}`, command: 'id', args: ['-g', user.osUser] })).trim());
  return { uid, gid };
}

/**
 * Make `dir` an empty data directory for the server: refused when it holds anything; created
 * (with its parents) when absent; mode 0700 and, when root, owned by the server's OS user.
 */
export async function prepareDataDir(dir: string, user: ServerUser): Promise<void> {
  let entries: string[] | undefined;
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UsageError(`data directory ${dir} is a file`);
    if (code !== 'ENOENT') throw err;
  }
  if (entries && entries.length > 0) {
    throw new UsageError(`data directory ${dir} is not empty (${entries.length} entries): refusing to restore over it`, {
      hint: 'give an absent or empty directory; move the old one aside first if you mean to replace it',
    });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  if (isRoot()) {
    const { uid, gid } = await ownerIds(user);
    await chown(dir, uid, gid);
  }
}

/** Unpack a base backup's tar stream (pg_basebackup -Ft: base.tar) into the prepared `dir`. */
export async function extractBaseTar(dir: string, tar: AsyncIterable<Uint8Array>, user: ServerUser, signal?: AbortSignal): Promise<void> {
  const cmd = asServerUser(user, 'tar', ['-x', '-f', '-', '-C', dir, '--no-same-owner', '--preserve-permissions']);
  await spawnTool({ label: `tar -x into ${dir}`, ...cmd, stdin: tar, stdout: 'ignore', signal }).done;
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new SourceError(`the base backup unpacked into ${dir} holds no PG_VERSION: not a PostgreSQL data directory`, null, '');
}

export type RecoveryMode = 'recovery' | 'standby';

/**
 * The settings are appended to postgresql.auto.conf, which PostgreSQL reads last (later lines
 * win), under a header saying who wrote them; then `recovery.signal` or `standby.signal`.
 * A data directory whose configuration lived elsewhere (Debian's /etc/postgresql) gets an
 * empty postgresql.conf so the server can start on its defaults plus these settings.
 */
export async function writeRecoverySettings(dir: string, mode: RecoveryMode, settings: Record<string, string | number>, user: ServerUser, note: string): Promise<void> {
  const lines = [`# ${note}`, ...Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'number' ? v : confQuote(v)}`)];
  const owner = isRoot() ? await ownerIds(user) : undefined;
  const conf = join(dir, 'postgresql.conf');
  if (!existsSync(conf)) await writeOwned(conf, '# the base backup held no postgresql.conf: defaults plus postgresql.auto.conf\n', owner);
  const auto = join(dir, 'postgresql.auto.conf');
  if (existsSync(auto)) await appendFile(auto, `\n${lines.join('\n')}\n`);
  else await writeOwned(auto, `${lines.join('\n')}\n`, owner);
  await writeOwned(join(dir, `${mode}.signal`), '', owner);
}

async function writeOwned(path: string, text: string, owner: { uid: number; gid: number } | undefined): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  if (owner) await chown(path, owner.uid, owner.gid);
}

/** A string setting as postgresql.conf writes it: single-quoted, quotes doubled. */
export function confQuote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** The last `lines` lines of the server's log (pg_ctl -l), for messages. */
export async function serverLogTail(dir: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(join(dir, SERVER_LOG), 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Start the server; waits (up to timeoutS) until it runs. A failure carries the log's tail. */
export async function startServer(dir: string, user: ServerUser, timeoutS: number, signal?: AbortSignal): Promise<void> {
  const cmd = asServerUser(user, pgTool('pg_ctl', user), ['start', '-D', dir, '-l', join(dir, SERVER_LOG), '-w', '-t', String(timeoutS)]);
  try {
    await spawnTool({ label: `pg_ctl start of ${dir}`, ...cmd, stdout: 'ignore', signal }).done;
  } catch (err) {
    if (!(err instanceof LifeboatError) || err.code !== 'source') throw err;
    const tail = await serverLogTail(dir);
    throw new SourceError(`PostgreSQL in ${dir} did not start${tail ? `; the end of its log (${join(dir, SERVER_LOG)}):\n${tail}` : ''}`, null, tail, { cause: err });
  }
}

/** Stop the server (fast shutdown: sessions end, then a checkpoint). */
export async function stopServer(dir: string, user: ServerUser, signal?: AbortSignal): Promise<void> {
  const cmd = asServerUser(user, pgTool('pg_ctl', user), ['stop', '-D', dir, '-m', 'fast', '-w', '-t', '60']);
  await spawnTool({ label: `pg_ctl stop of ${dir}`, ...cmd, stdout: 'ignore', signal }).done;
}

/** Ask a standby to promote itself (pg_ctl promote -w waits until it left recovery). */
export async function promoteServer(dir: string, user: ServerUser, timeoutS: number, signal?: AbortSignal): Promise<void> {
  const cmd = asServerUser(user, pgTool('pg_ctl', user), ['promote', '-D', dir, '-w', '-t', String(timeoutS)]);
  await spawnTool({ label: `pg_ctl promote of ${dir}`, ...cmd, stdout: 'ignore', signal }).done;
}

/** Whether a postmaster runs for `dir` (pg_ctl status: 0 running, 3 not running). */
export async function serverRunning(dir: string, user: ServerUser): Promise<boolean> {
  const cmd = asServerUser(user, pgTool('pg_ctl', user), ['status', '-D', dir]);
  try {
    await spawnTool({ label: `pg_ctl status of ${dir}`, ...cmd, stdout: 'ignore' }).done;
    return true;
  } catch (err) {
    if (err instanceof LifeboatError && err.code === 'source') return false;
    throw err;
  }
}

/** Where the running server listens: postmaster.pid's port and first socket directory. */
export async function serverAddress(dir: string): Promise<{ port: number; socketDir: string; listen: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const l = text.split('\n');
  const port = Number(l[3]);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return { port, socketDir: (l[4] ?? '').trim(), listen: (l[5] ?? '').trim() };
}

/**
 * Run one query as the server's OS user through its socket (peer or trust authentication,
 * as local administration is usually set up) and return the first row's fields.
 */
export async function queryServer(dir: string, sql: string, user: ServerUser, signal?: AbortSignal): Promise<string[]> {
  const addr = await serverAddress(dir);
  if (!addr) throw new SourceError(`no PostgreSQL server runs in ${dir} (no postmaster.pid)`, null, '');
  const host = addr.socketDir || (addr.listen && addr.listen !== '*' ? addr.listen.split(/[ ,]/)[0] : '127.0.0.1');
  const cmd = asServerUser(user, pgTool('psql', user), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-F', '\t', '-h', host, '-p', String(addr.port), '-U', user.osUser, '-d', 'postgres', '-c', sql]);
  const out = await runTool({ label: `psql on ${dir}`, ...cmd, signal, env: { PGCONNECT_TIMEOUT: '5' } });
  return out.replace(/\n$/, '').split('\n')[0]?.split('\t') ?? [];
}

/** Every row of a query's answer (fields as text, NULL as ''), through psql as queryServer. */
export async function queryRows(dir: string, database: string, sql: string, user: ServerUser, signal?: AbortSignal): Promise<string[][]> {
  const addr = await serverAddress(dir);
  if (!addr) throw new SourceError(`no PostgreSQL server runs in ${dir} (no postmaster.pid)`, null, '');
  // Unit and record separators: row text may hold tabs and newlines.
  const cmd = asServerUser(user, pgTool('psql', user), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-F', '\x1f', '-R', '\x1e',
    '-h', addr.socketDir || '127.0.0.1', '-p', String(addr.port), '-U', user.osUser, '-d', database, '-c', sql]);
  const out = await runTool({ label: `psql on ${dir}`, ...cmd, signal, env: { PGCONNECT_TIMEOUT: '5' } });
  const text = out.replace(/\n$/, '').replace(/\x1e$/, '');
  return text === '' ? [] : text.split('\x1e').map((row) => row.split('\x1f'));
}

export interface ReplayState {
  inRecovery: boolean;
  /** pg_last_wal_replay_lsn() (during recovery), else pg_current_wal_lsn(). */
  lsn: string;
  /** Commit time of the last transaction replayed (pg_last_xact_replay_timestamp()), if any. */
  lastReplayedCommit?: Date;
  /** The server's clock when it answered. */
  now: Date;
  /** The server's timeline after promotion (from its current WAL file's name); undefined in recovery. */
  timeline?: number;
  walSegmentBytes: number;
}

export async function replayState(dir: string, user: ServerUser, signal?: AbortSignal): Promise<ReplayState> {
  const [rec, lsn, ts, now, walfile, segSize] = await queryServer(dir, [
    'select pg_is_in_recovery(),',
    ' coalesce(pg_last_wal_replay_lsn(), case when pg_is_in_recovery() then null else pg_current_wal_lsn() end),',
    " coalesce(extract(epoch from pg_last_xact_replay_timestamp())::text, ''), extract(epoch from now())::text,",
    " case when pg_is_in_recovery() then '' else pg_walfile_name(pg_current_wal_lsn()) end,",
    " (select setting from pg_settings where name = 'wal_segment_size')",
  ].join(''), user, signal);
  const inRecovery = rec === 't';
  return {
    inRecovery,
    lsn: lsn ?? '',
    ...(ts ? { lastReplayedCommit: new Date(Number(ts) * 1000) } : {}),
    now: new Date(Number(now) * 1000),
    ...(walfile ? { timeline: parseInt(walfile.slice(0, 8), 16) } : {}),
    walSegmentBytes: Number(segSize),
  };
}
