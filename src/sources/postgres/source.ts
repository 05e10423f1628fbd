// PostgreSQL as a backup source: one `pg_dump` stream per database, the cluster's roles and
// tablespaces from `pg_dumpall --globals-only`, and a small JSON file describing the dump.
//
// Format choice: `pg_dump --format=custom --compress=0`.
// - custom format, not plain SQL: pg_restore can list it (`--list`) and restore chosen tables
//   or schemas (`-t`/`-n`), reorder, and skip owners/privileges — plain SQL allows none of that.
// - no compression: a compressed dump changes everywhere when one row changes, which defeats the
//   repository's content-defined chunking. Uncompressed, unchanged tables produce identical
//   chunks day over day, and the repository compresses every blob with zstd anyway.
// - not directory format: it needs a local directory (the dump would land on disk) and cannot
//   be streamed.

import path from 'node:path';
import { SourceError } from '../../errors.ts';
import type { Source, StreamEntry } from '../types.ts';
import { spawnTool } from '../process.ts';
import { bufferEntry, toolEntry } from '../stream-entries.ts';
import type { PgConnection } from './connection.ts';
import { describeServer, pgArgs, pgEnv, pgFdFiles, pgSecrets, quoteConnValue, withPgClient } from './connection.ts';
import { assertDumpNotOlder, toolVersion } from './version.ts';
import { POSTGRES_GLOBALS_PATH, POSTGRES_META_PATH, postgresDumpPath } from './layout.ts';

export { POSTGRES_META_PATH, postgresDumpPath };

export interface PostgresSourceOptions extends PgConnection {
  /** Databases to dump, or 'all' for every non-template database that accepts connections. */
  databases: string[] | 'all';
  /** Also dump roles and tablespaces (`pg_dumpall --globals-only`) as `postgres/globals.sql`. */
  globals: boolean;
  /** pg_dump binary (default `pg_dump` on PATH); pg_dumpall is looked up next to it. */
  pgDumpPath?: string;
  pgDumpallPath?: string;
  /** More pg_dump options (checked by the descriptor's schema: nothing that changes the output or the connection). */
  extraArgs?: string[];
  /** Database used for catalog queries and pg_dumpall (default `postgres`). */
  maintenanceDb?: string;
  /** Extra cancellation, combined with the one passed to entries(). */
  signal?: AbortSignal;
  /** Environment additions for pg_dump/pg_dumpall (a job's env and pass_env). */
  env?: Record<string, string>;
}

export interface PostgresDumpStat {
  path: string;
  database?: string;
  bytes: number;
  durationMs: number;
}

export interface PostgresMeta {
  engine: 'postgres';
  metaVersion: 1;
  server: { host: string; port: number; version: string; versionNum: number };
  pgDumpVersion: string;
  dumpFormat: 'custom';
  compression: 0;
  startedAt: string;
  finishedAt: string;
  databases: PostgresDumpStat[];
  globals: PostgresDumpStat | null;
}

/**
 * Entries are produced one at a time: the next pg_dump starts only after the consumer drained
 * the previous entry's stream (so at most one dump runs, and the meta file knows all sizes).
 */
export function postgresSource(opts: PostgresSourceOptions): Source {
  const pgDump = opts.pgDumpPath ?? 'pg_dump';
  const pgDumpall = opts.pgDumpallPath ??
    (opts.pgDumpPath && opts.pgDumpPath.includes('/') ? path.join(path.dirname(opts.pgDumpPath), 'pg_dumpall') : 'pg_dumpall');
  const maintenanceDb = opts.maintenanceDb ?? 'postgres';
  const server = describeServer(opts);
  let meta: PostgresMeta | undefined;
  let dbNames: string[] = [];

  async function* entries(entrySignal: AbortSignal): AsyncGenerator<StreamEntry> {
    const signal = opts.signal ? AbortSignal.any([entrySignal, opts.signal]) : entrySignal;
    const startedAt = new Date();
    const info = await withPgClient(opts, maintenanceDb, `postgres backup: connect`, signal, async (c) => {
      const v = await c.query<{ num: string; txt: string }>(
        `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS txt`);
      const dbs = await c.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname`);
      return { num: Number(v.rows[0]!.num), txt: v.rows[0]!.txt.split(' ')[0]!, dbs: dbs.rows.map((r) => r.datname) };
    });
    const dumpVersion = await toolVersion(pgDump, 'pg_dump', signal);
    assertDumpNotOlder(dumpVersion, info.num, info.txt, server);

    let names: string[];
    if (opts.databases === 'all') {
      names = info.dbs;
    } else {
      names = opts.databases;
      // Checked up front so a typo fails the job before anything is dumped.
      const missing = names.filter((n) => !info.dbs.includes(n));
      if (missing.length > 0) {
        throw new SourceError(
          `postgres backup of ${server}: database ${missing.map((n) => `"${n}"`).join(', ')} does not exist`,
          null, '', { hint: `databases on the server: ${info.dbs.join(', ')}` });
      }
    }
    if (names.length === 0 && !opts.globals) throw new SourceError(`postgres backup of ${server}: no database to dump`, null, '');
    dbNames = names;

    const stats: PostgresDumpStat[] = [];
    let globals: PostgresDumpStat | null = null;
    const common = { env: { ...opts.env, ...pgEnv(opts) }, fdFiles: pgFdFiles(opts), secrets: pgSecrets(opts), signal };

    if (opts.globals) {
      const stat: PostgresDumpStat = { path: POSTGRES_GLOBALS_PATH, bytes: 0, durationMs: 0 };
      const entry = toolEntry(stat, spawnTool({
        ...common,
        label: `pg_dumpall --globals-only of ${server}`,
        command: pgDumpall,
        args: [...pgArgs(opts), '--globals-only', '--database', maintenanceDb],
      }));
      yield entry;
      await entry.done;
      globals = stat;
    }
    for (const db of names) {
      const stat: PostgresDumpStat = { path: postgresDumpPath(db), database: db, bytes: 0, durationMs: 0 };
      const entry = toolEntry(stat, spawnTool({
        ...common,
        label: `pg_dump of database "${db}" on ${server}`,
        command: pgDump,
        // --dbname takes a connection string; `dbname=` keeps a name with `=` or spaces literal.
        // Extra options after ours: they cannot override format or compression (the schema refuses those).
        args: [...pgArgs(opts), '--format=custom', '--compress=0', ...(opts.extraArgs ?? []), '--dbname', `dbname=${quoteConnValue(db)}`],
        hint: 'check the database name, the user\'s privileges and the server log',
      }));
      yield entry;
      await entry.done;
      stats.push(stat);
    }

    meta = {
      engine: 'postgres',
      metaVersion: 1,
      server: { host: opts.host, port: opts.port, version: info.txt, versionNum: info.num },
      pgDumpVersion: dumpVersion.text,
      dumpFormat: 'custom',
      compression: 0,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      databases: stats,
      globals,
    };
    yield bufferEntry(POSTGRES_META_PATH, Buffer.from(JSON.stringify(meta, null, 2) + '\n'));
  }

  function tags(): string[] {
    // Stable identifiers only: versions and sizes change between runs and live in the meta file
    // and the snapshot summary, so that grouping by tags keeps a job's snapshots together.
    const t = ['engine=postgres'];
    for (const db of dbNames) t.push(`db=${db}`);
    return t;
  }

  return { kind: 'postgres', entries, tags };
}
