// MySQL/MariaDB as a backup source: one `mariadb-dump` (or `mysqldump`) SQL stream per
// database, then a small JSON file describing the dumps.
//
// Options and why:
// - --single-transaction: a consistent InnoDB snapshot without locking writers.
// - --routines --triggers --events: the database's code travels with its data.
// - --hex-blob: binary columns as hex literals, immune to client character-set conversion.
// - --default-character-set=utf8mb4: 4-byte UTF-8 (emoji) survives.
// - --skip-dump-date: unchanged databases give byte-identical dumps (dedup).
// - no --databases: the dump carries no CREATE DATABASE/USE, so it restores into any name.
// Plain SQL is not compressed, so the repository's chunking dedups it day over day.

import { SourceError } from '../../errors.ts';
import type { Source, StreamEntry } from '../types.ts';
import { bufferEntry, toolEntry } from '../stream-entries.ts';
import type { MysqlConnection } from './connection.ts';
import { describeServer, findTool, spawnMysqlTool, withMysqlClient } from './connection.ts';
import { MYSQL_META_PATH, mysqlDumpPath } from './layout.ts';

export { MYSQL_META_PATH, mysqlDumpPath };

export interface MysqlSourceOptions extends MysqlConnection {
  /** Databases to dump, or 'all' (every database except information_schema, performance_schema, sys, mysql). */
  databases: string[] | 'all';
  /** Dump tool (default: `mariadb-dump`, else `mysqldump`). */
  dumpPath?: string;
  /** More dump tool options (checked by the descriptor's schema: nothing that changes the output or the connection). */
  extraArgs?: string[];
  signal?: AbortSignal;
  /** Environment additions for the dump tool (a job's env and pass_env). */
  env?: Record<string, string>;
}

export interface MysqlDumpStat {
  path: string;
  database: string;
  bytes: number;
  durationMs: number;
}

export interface MysqlMeta {
  engine: 'mysql';
  metaVersion: 1;
  server: { host: string; port: number; version: string; flavor: 'mariadb' | 'mysql' };
  dumpTool: string;
  dumpToolVersion: string;
  dumpFormat: 'sql';
  dumpOptions: string[];
  startedAt: string;
  finishedAt: string;
  databases: MysqlDumpStat[];
}

export const MYSQL_DUMP_OPTIONS = [
  '--single-transaction', '--routines', '--triggers', '--events', '--hex-blob',
  '--default-character-set=utf8mb4', '--skip-dump-date',
];
const SYSTEM_DATABASES = ['information_schema', 'performance_schema', 'sys', 'mysql'];

/** Entries come one at a time: the next dump starts after the previous stream was drained. */
export function mysqlSource(opts: MysqlSourceOptions): Source {
  const server = describeServer(opts);
  // After ours, so they can adjust our defaults (--skip-triggers); the schema refused the rest.
  const dumpOptions = [...MYSQL_DUMP_OPTIONS, ...(opts.extraArgs ?? [])];
  let meta: MysqlMeta | undefined;
  let dbNames: string[] = [];

  async function* entries(entrySignal: AbortSignal): AsyncGenerator<StreamEntry> {
    const signal = opts.signal ? AbortSignal.any([entrySignal, opts.signal]) : entrySignal;
    const startedAt = new Date();
    const info = await withMysqlClient(opts, 'mysql backup: connect', signal, async (c) => {
      const [v] = await c.query('SELECT VERSION() AS v');
      const [dbs] = await c.query('SHOW DATABASES');
      return {
        version: String((v as { v: string }[])[0]!.v),
        dbs: (dbs as { Database: string }[]).map((r) => r.Database),
      };
    });
    const tool = await findTool(opts.dumpPath ? [opts.dumpPath] : ['mariadb-dump', 'mysqldump'], signal);

    let names: string[];
    if (opts.databases === 'all') {
      names = info.dbs.filter((d) => !SYSTEM_DATABASES.includes(d)).sort();
    } else {
      names = opts.databases;
      const missing = names.filter((n) => !info.dbs.includes(n));
      if (missing.length > 0) {
        throw new SourceError(
          `mysql backup of ${server}: database ${missing.map((n) => `\`${n}\``).join(', ')} does not exist`,
          null, '', { hint: `databases visible to ${opts.user}: ${info.dbs.join(', ')}` });
      }
    }
    if (names.length === 0) throw new SourceError(`mysql backup of ${server}: no database to dump`, null, '');
    dbNames = names;

    const stats: MysqlDumpStat[] = [];
    for (const db of names) {
      const stat: MysqlDumpStat = { path: mysqlDumpPath(db), database: db, bytes: 0, durationMs: 0 };
      const running = await spawnMysqlTool(opts, {
        label: `${tool.command} of database \`${db}\` on ${server}`,
        command: tool.command,
        // `--` then the name: a database called `-x` is not taken for an option.
        args: [...dumpOptions, '--', db],
        env: opts.env,
        signal,
        hint: 'check the database name and the user\'s privileges (SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES)',
      });
      const entry = toolEntry(stat, running);
      yield entry;
      await entry.done;
      stats.push(stat);
    }

    meta = {
      engine: 'mysql',
      metaVersion: 1,
      server: { host: opts.host, port: opts.port, version: info.version, flavor: /mariadb/i.test(info.version) ? 'mariadb' : 'mysql' },
      dumpTool: tool.command,
      dumpToolVersion: tool.version,
      dumpFormat: 'sql',
      dumpOptions,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      databases: stats,
    };
    yield bufferEntry(MYSQL_META_PATH, Buffer.from(JSON.stringify(meta, null, 2) + '\n'));
  }

  function tags(): string[] {
    // Stable identifiers only: versions and sizes change between runs and live in the meta file
    // and the snapshot summary, so that grouping by tags keeps a job's snapshots together.
    const t = ['engine=mysql'];
    for (const db of dbNames) t.push(`db=${db}`);
    return t;
  }

  return { kind: 'mysql', entries, tags };
}
