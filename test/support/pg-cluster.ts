// Throw-away PostgreSQL 15 clusters for tests: initdb into a temporary directory, a free port on
// 127.0.0.1 plus a socket directory inside that temporary directory, WAL archiving switched on.
// Never touches the machine's shared server on 5432. PostgreSQL refuses to run as root, so when
// we are root every PostgreSQL binary runs as the `postgres` OS user (`runuser`) and the
// directories it needs are handed to that user (`grantToPostgres`).
//
// Also starts an existing data directory (one a restore built) on a port of its own:
// `startPgCluster({dataDir})` skips initdb. Every cluster is stopped and its temporary
// directory removed by `stop` + dispose, and, as a last resort, when the test process exits.

import { execFile, execFileSync } from 'node:child_process';
import { appendFile, chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './redis-server.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const IS_ROOT = process.getuid?.() === 0;

export interface PgClusterOptions {
  /** Start this existing data directory instead of running initdb (e.g. one a restore built). */
  dataDir?: string;
  /** `archive_command`; default `/bin/true` (archiving on, nothing kept). Ignored with `archiving: false`. */
  archiveCommand?: string;
  /** `archive_timeout`; default `10s`. */
  archiveTimeout?: string;
  /** Write archive_mode/archive_command/archive_timeout/wal_level settings (default true for a new cluster, false for an existing data dir). */
  archiving?: boolean;
  /** More postgresql.conf settings (`name: value`, value written as given: quote strings yourself with `pgString`). */
  settings?: Record<string, string>;
  /** Environment for the postmaster (and so for archive_command/restore_command), added to ours. */
  env?: Record<string, string>;
  /** Port; default a free one. */
  port?: number;
  /** Do not start (for a cluster a test configures further first). */
  noStart?: boolean;
}

export interface PgCluster {
  /** The temporary directory holding data/, sock/ and the server log (owned by postgres). */
  readonly root: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'postgres';
  /** libpq-style connection settings for the `pg` driver. */
  connection(database?: string): { host: string; port: number; user: string; database: string };
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  start(): Promise<void>;
  /** pg_ctl stop -m fast (clean shutdown, archives what is ready first). */
  stop(): Promise<void>;
  /** pg_ctl stop -m immediate: a crash as far as the data directory is concerned. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  running(): boolean;
  /** Appends settings to postgresql.conf (takes effect on start/restart, or `reload()`). */
  configure(settings: Record<string, string>): Promise<void>;
  reload(): Promise<void>;
  /** The server log so far (for assertion messages). */
  log(): Promise<string>;
  /** Stops the server (immediate) and removes the temporary directory (not an outside `dataDir`'s parent). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** A PostgreSQL string literal for a setting's value. */
export function pgString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** argv that runs `bin` as the postgres user when we are root. */
export function asPostgres(bin: string, args: string[]): [string, string[]] {
  return IS_ROOT ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function runPg(bin: string, args: string[], env?: Record<string, string>, timeoutMs = 120_000): Promise<{ stdout: string; stderr: string }> {
  const [cmd, argv] = asPostgres(bin, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * Makes paths usable by the postgres user (when we are root): the paths themselves and
 * everything under them change owner, and every parent directory gets o+x so it can be
 * traversed. Root still reads and writes them all.
 */
export async function grantToPostgres(...paths: string[]): Promise<void> {
  if (!IS_ROOT) return;
  for (const p of paths) {
    execFileSync('chown', ['-R', 'postgres:postgres', p]);
    for (let d = join(p, '..'); d !== '/' && d !== '.'; d = join(d, '..')) {
      try { execFileSync('chmod', ['o+x', d]); } catch { /* not ours to change: fine if already traversable */ }
    }
  }
}

const live = new Set<{ dataDir: string; root: string; ownRoot: boolean }>();
process.on('exit', () => {
  for (const c of live) {
    try {
      const [cmd, argv] = asPostgres(join(PG_BIN, 'pg_ctl'), ['stop', '-D', c.dataDir, '-m', 'immediate', '-w']);
      if (existsSync(join(c.dataDir, 'postmaster.pid'))) execFileSync(cmd, argv, { stdio: 'ignore', timeout: 20_000 });
    } catch { /* best effort */ }
    if (c.ownRoot) rmSync(c.root, { recursive: true, force: true });
  }
});

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-pg-'));
  await chmod(root, 0o755);
  const socketDir = join(root, 'sock');
  await mkdir(socketDir);
  const dataDir = options.dataDir ?? join(root, 'data');
  const logFile = join(root, 'server.log');
  await grantToPostgres(root);
  if (options.dataDir) {
    await grantToPostgres(options.dataDir);
    await chmod(options.dataDir, 0o700);
  }
  const entry = { dataDir, root, ownRoot: true };
  live.add(entry);
  const port = options.port ?? await freePort();
  const env = options.env ?? {};

  try {
    if (!options.dataDir) {
      await runPg(join(PG_BIN, 'initdb'), ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
    }
    const archiving = options.archiving ?? !options.dataDir;
    const base: Record<string, string> = {
      fsync: 'off', // throw-away clusters: speed over crash safety of the test machine
      max_wal_senders: '10',
      ...(archiving ? {
        wal_level: 'replica',
        archive_mode: 'on',
        archive_command: pgString(options.archiveCommand ?? '/bin/true'),
        archive_timeout: pgString(options.archiveTimeout ?? '10s'),
      } : {}),
      ...options.settings,
    };
    await appendSettings(dataDir, base);
  } catch (e) {
    live.delete(entry);
    await rm(root, { recursive: true, force: true });
    throw e;
  }

  let isRunning = false;
  const pgCtl = (args: string[]) => runPg(join(PG_BIN, 'pg_ctl'), ['-D', dataDir, ...args], env);

  async function start(): Promise<void> {
    // Command-line settings beat postgresql.conf and postgresql.auto.conf: a restored data
    // directory keeps its original port and socket settings, which must not be used here.
    const opts = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir}`;
    try {
      await pgCtl(['start', '-w', '-t', '120', '-l', logFile, '-o', opts]);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- server log ---\n${await readFile(logFile, 'utf8').catch(() => '')}`);
    }
    isRunning = true;
    // pg_ctl -w returns once the server accepts connections (or, for a standby, once it is
    // consistent enough to say so); confirm with a real connection when it is not a standby
    // still waiting for WAL.
    for (let i = 0; ; i++) {
      try { await query('SELECT 1'); return; } catch (e) {
        if (i > 200) throw new Error(`cluster on ${port} does not accept connections: ${(e as Error).message}`);
        if (/starting up|not yet accepting/.test((e as Error).message) && i > 20) return; // a standby in recovery
      }
      await sleep(100);
    }
  }

  async function stopWith(mode: 'fast' | 'immediate'): Promise<void> {
    if (!existsSync(join(dataDir, 'postmaster.pid'))) { isRunning = false; return; }
    await pgCtl(['stop', '-w', '-t', '120', '-m', mode]);
    isRunning = false;
  }

  async function query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[], database = 'postgres'): Promise<T[]> {
    const c = new pg.Client(connection(database));
    await c.connect();
    try { return (await c.query<T>(sql, params)).rows; } finally { await c.end(); }
  }

  function connection(database = 'postgres') {
    return { host: '127.0.0.1', port, user: 'postgres', database };
  }

  const cluster: PgCluster = {
    root, dataDir, socketDir, host: '127.0.0.1', port, user: 'postgres',
    connection, query, start,
    stop: () => stopWith('fast'),
    kill: () => stopWith('immediate'),
    restart: async () => { await stopWith('fast'); await start(); },
    running: () => isRunning,
    configure: (settings) => appendSettings(dataDir, settings),
    reload: async () => { await pgCtl(['reload']); },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    async [Symbol.asyncDispose]() {
      try { await stopWith('immediate'); } catch { /* already gone */ }
      live.delete(entry);
      await rm(root, { recursive: true, force: true });
    },
  };
  if (!options.noStart) {
    try { await start(); } catch (e) { await cluster[Symbol.asyncDispose](); throw e; }
  }
  return cluster;
}

async function appendSettings(dataDir: string, settings: Record<string, string>): Promise<void> {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  if (lines.length === 0) return;
  // As root we can write the postgres-owned file directly; ownership stays postgres's.
  await appendFile(join(dataDir, 'postgresql.conf'), `\n# lifeboat test settings\n${lines.join('\n')}\n`);
}

/** Forces a WAL segment switch and waits until PostgreSQL reports it archived (or failed). */
export async function switchWalAndWaitArchived(c: PgCluster, timeoutMs = 30_000): Promise<string> {
  // A WAL record first, so the switch has a segment to complete even on an idle server.
  await c.query(`SELECT pg_logical_emit_message(false, 'lifeboat-test', 'switch')`);
  const [{ walfile }] = await c.query<{ walfile: string }>(
    `SELECT pg_walfile_name(pg_switch_wal()) AS walfile`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [s] = await c.query<{ last_archived_wal: string | null; last_failed_wal: string | null }>(
      'SELECT last_archived_wal, last_failed_wal FROM pg_stat_archiver');
    if (s!.last_archived_wal !== null && s!.last_archived_wal >= walfile!) return walfile!;
    if (Date.now() > deadline) {
      throw new Error(`segment ${walfile} not archived within ${timeoutMs} ms (last archived ${s!.last_archived_wal}, last failed ${s!.last_failed_wal})\n${(await c.log()).slice(-4000)}`);
    }
    await sleep(100);
  }
}
