// Restore a mariadb-dump SQL stream into a MySQL/MariaDB database with the `mariadb` client
// (or `mysql`), streamed through stdin.
//
// - The dump has no CREATE DATABASE/USE (see source.ts), so it goes into any target; we create
//   the target (utf8mb4) when missing and drop it again if the restore fails.
// - The client stops at the first failing statement (no --force) and exits non-zero.
// - A non-empty target is refused unless `force`. With force, the dump's own
//   `DROP TABLE IF EXISTS`/`DROP … IF EXISTS` replace same-named objects; others stay.
// - Chosen tables: the one full dump is filtered by its table sections (dump-filter.ts);
//   routines and events are left out of a partial restore unless asked for. A table's section
//   carries its whole definition (keys, AUTO_INCREMENT counter, FKs, checks) and its triggers.
//   The dump turns FOREIGN_KEY_CHECKS off, so an FK to a table that was not restored is created
//   dangling and every insert of a non-NULL key would then fail: such FKs are dropped after the
//   restore and reported as skipped (as a postgres table restore skips them).
// - DDL cannot be rolled back in MySQL: a failed restore into an existing database can leave
//   some tables replaced. That is why a non-empty target needs `force`.

import { NotFoundError, UsageError } from '../../errors.ts';
import type { MysqlConnection } from './connection.ts';
import { describeServer, findTool, quoteIdent, spawnMysqlTool, withMysqlClient } from './connection.ts';
import { listDumpObjects, selectTables } from './dump-filter.ts';
import type { MysqlDumpObject } from './dump-filter.ts';
import type { DumpObject, SkippedDumpObject } from '../types.ts';

export interface MysqlTarget {
  database: string;
  exists: boolean;
  tables: number;
  views: number;
  routines: number;
  events: number;
  nonEmpty: boolean;
}

export interface MysqlRestoreOptions extends MysqlConnection {
  /** Target database. */
  database: string;
  /** Create the target when missing (default true). */
  create?: boolean;
  force?: boolean;
  /** Restore only these tables/views (with their triggers). */
  tables?: string[];
  /** With `tables`: also restore routines / events (always restored in a full restore). */
  routines?: boolean;
  events?: boolean;
  /** Client binary (default `mariadb`, else `mysql`). */
  clientPath?: string;
  signal?: AbortSignal;
}

export interface MysqlRestoreResult {
  database: string;
  created: boolean;
  bytes: number;
  durationMs: number;
  /** Table restore: tables, views and triggers restored. */
  objects?: DumpObject[];
  /** Table restore: FKs dropped because the table they reference is not in the target. */
  skipped?: SkippedDumpObject[];
}

/** What the CLI needs before asking for confirmation. */
export async function describeMysqlTarget(conn: MysqlConnection, database: string, signal?: AbortSignal): Promise<MysqlTarget> {
  return withMysqlClient(conn, `mysql restore: inspect target \`${database}\``, signal, async (c) => {
    const [rows] = await c.query(`
      SELECT
        (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) AS db,
        (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE <> 'VIEW') AS t,
        (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'VIEW') AS v,
        (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?) AS r,
        (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?) AS e`,
      [database, database, database, database, database]);
    const r = (rows as Record<string, number | string>[])[0]!;
    const n = (k: string): number => Number(r[k]);
    return {
      database, exists: n('db') > 0, tables: n('t'), views: n('v'), routines: n('r'), events: n('e'),
      nonEmpty: n('t') + n('v') + n('r') + n('e') > 0,
    };
  });
}

export async function restoreMysql(stream: AsyncIterable<Uint8Array>, opts: MysqlRestoreOptions): Promise<MysqlRestoreResult> {
  const server = describeServer(opts);
  const target = await describeMysqlTarget(opts, opts.database, opts.signal);
  if (target.nonEmpty && !opts.force) {
    throw new UsageError(
      `mysql restore into \`${opts.database}\` on ${server}: the database is not empty ` +
        `(${target.tables} tables, ${target.views} views, ${target.routines} routines, ${target.events} events)`,
      { hint: 'restore into a new database, or pass --force to replace the dump\'s tables' },
    );
  }
  const client = await findTool(opts.clientPath ? [opts.clientPath] : ['mariadb', 'mysql'], opts.signal);
  let created = false;
  if (!target.exists) {
    if (opts.create === false) throw new NotFoundError(`mysql restore: database \`${opts.database}\` does not exist on ${server}`);
    await withMysqlClient(opts, `mysql restore: create database \`${opts.database}\``, opts.signal,
      (c) => c.query(`CREATE DATABASE ${quoteIdent(opts.database)} CHARACTER SET utf8mb4`));
    created = true;
  }
  const label = `${client.command} restore into \`${opts.database}\` on ${server}`;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) { bytes += chunk.length; yield chunk; }
  }
  const objects: DumpObject[] = [];
  const partial = opts.tables !== undefined && opts.tables.length > 0;
  const input = partial
    ? selectTables(counted(), opts.tables!, { routines: opts.routines, events: opts.events, label,
      onObject: (o) => objects.push({ type: o.type, name: o.table ? `${o.name} ON ${o.table}` : o.name }) })
    : counted();
  try {
    const tool = await spawnMysqlTool(opts, {
      label,
      command: client.command,
      args: [
        `--database=${opts.database}`, '--default-character-set=utf8mb4', '--batch',
        // Dumps group rows into large INSERTs; the server's limit still applies.
        '--max-allowed-packet=1G',
      ],
      signal: opts.signal,
      stdin: input,
      stdout: 'ignore',
    });
    const r = await tool.done;
    if (!partial) return { database: opts.database, created, bytes, durationMs: r.durationMs };
    const tables = objects.filter((o) => o.type === 'TABLE').map((o) => o.name);
    const skipped = await dropDanglingForeignKeys(opts, tables);
    return { database: opts.database, created, bytes, durationMs: r.durationMs, objects, skipped };
  } catch (err) {
    if (created) {
      await withMysqlClient(opts, 'mysql restore: clean up', undefined,
        (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(opts.database)}`)).catch(() => {});
    }
    throw err;
  }
}

/** Objects in a dump (tables, views, triggers, routines, events), read from the stream once. */
export async function listMysqlDump(stream: AsyncIterable<Uint8Array>): Promise<MysqlDumpObject[]> {
  return listDumpObjects(stream);
}

/** FKs of `tables` whose referenced table does not exist: dropped, and returned as skipped. */
async function dropDanglingForeignKeys(opts: MysqlRestoreOptions, tables: string[]): Promise<SkippedDumpObject[]> {
  if (tables.length === 0) return [];
  return withMysqlClient(opts, `mysql restore: check foreign keys in \`${opts.database}\``, opts.signal, async (c) => {
    const [rows] = await c.query(`
      SELECT rc.TABLE_NAME AS t, rc.CONSTRAINT_NAME AS fk, rc.UNIQUE_CONSTRAINT_SCHEMA AS rs, rc.REFERENCED_TABLE_NAME AS rt
      FROM information_schema.REFERENTIAL_CONSTRAINTS rc
      WHERE rc.CONSTRAINT_SCHEMA = ? AND rc.TABLE_NAME IN (?)
        AND NOT EXISTS (SELECT 1 FROM information_schema.TABLES x
                        WHERE x.TABLE_SCHEMA = rc.UNIQUE_CONSTRAINT_SCHEMA AND x.TABLE_NAME = rc.REFERENCED_TABLE_NAME)
      ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME`, [opts.database, tables]);
    const out: SkippedDumpObject[] = [];
    for (const r of rows as { t: string; fk: string; rs: string; rt: string }[]) {
      await c.query(`ALTER TABLE ${quoteIdent(opts.database)}.${quoteIdent(r.t)} DROP FOREIGN KEY ${quoteIdent(r.fk)}`);
      const ref = r.rs === opts.database ? quoteIdent(r.rt) : `${quoteIdent(r.rs)}.${quoteIdent(r.rt)}`;
      out.push({ type: 'FOREIGN KEY', name: `${r.fk} ON ${r.t}`, reason: `references ${ref}, which is neither restored nor in the target database` });
    }
    return out;
  });
}
