// Restore a custom-format dump (streamed, never written to disk) into a PostgreSQL database.
//
// Choices, and why:
// - The target is created by us (`CREATE DATABASE … TEMPLATE template0`), not by
//   `pg_restore --create`, which would recreate the *original* name: restoring into another
//   database is the common disaster-recovery drill.
// - `--single-transaction` (which implies `--exit-on-error`): a failed restore leaves nothing
//   half-applied, and if we created the database we drop it again. Parallel restore (`-j`)
//   is impossible anyway from a stream.
// - Owners and privileges are kept by default (restore as a superuser after restoring
//   globals.sql, and ownership is exactly as it was). When the roles do not exist on the target
//   server, `noOwner` adds `--no-owner --no-privileges` so objects belong to the restoring user.
// - `force` = `--clean --if-exists`: objects in the dump are dropped and recreated; objects
//   that are only in the target are left alone.
// - Table restore: not pg_restore's `-t`, which brings a table's definition and data but not
//   its keys, indexes, defaults, owned sequences or triggers. The entries are chosen from the
//   archive's table of contents by dependency (table-plan.ts) and given to `--use-list`; the
//   dump is still read once (table-restore.ts). Unknown or ambiguous names fail before the
//   target is touched.
// - Schema restore uses `-n` with `--strict-names`, so a name not in the dump is an error.

import { NotFoundError, UsageError } from '../../errors.ts';
import { spawnTool } from '../process.ts';
import type { PgConnection } from './connection.ts';
import { describeServer, pgArgs, pgEnv, pgFdFiles, pgSecrets, quoteConnValue, quoteIdent, withPgClient } from './connection.ts';
import type { DumpObject, SkippedDumpObject } from '../types.ts';
import { prepareTableRestore } from './table-restore.ts';
import type { PreparedTableRestore } from './table-restore.ts';

export interface PostgresTarget {
  database: string;
  exists: boolean;
  /** Tables, views, sequences, materialized and foreign tables outside system schemas. */
  relations: number;
  /** Functions and procedures not belonging to an extension. */
  functions: number;
  /** True when a restore would mix with existing objects: refuse unless forced/confirmed. */
  nonEmpty: boolean;
}

export interface PostgresRestoreOptions extends PgConnection {
  /** Target database. */
  database: string;
  /** Create the target when missing (default true). */
  create?: boolean;
  /** Restore into a non-empty target, dropping the dump's objects first (`--clean --if-exists`). */
  force?: boolean;
  /** `schema.table`, or a table name unique across schemas (with `schemas`: among those). */
  tables?: string[];
  schemas?: string[];
  /** Skip ownership and privileges (roles missing on the target server). */
  noOwner?: boolean;
  pgRestorePath?: string;
  maintenanceDb?: string;
  signal?: AbortSignal;
}

export interface PostgresRestoreResult {
  database: string;
  created: boolean;
  /** Bytes of the dump fed to pg_restore (a table restore may stop before the end). */
  bytes: number;
  durationMs: number;
  /** Table restore: the objects restored (names as `--list` shows them: `public orders`). */
  objects?: DumpObject[];
  /** Table restore: objects left out, and why (an FK to a table not restored). */
  skipped?: SkippedDumpObject[];
}

/** What the CLI needs before asking for confirmation: does the target exist, is it empty? */
export async function describePostgresTarget(
  conn: PgConnection & { maintenanceDb?: string },
  database: string,
  signal?: AbortSignal,
): Promise<PostgresTarget> {
  const exists = await withPgClient(conn, conn.maintenanceDb ?? 'postgres', `postgres restore: inspect target`, signal,
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount! > 0);
  if (!exists) return { database, exists, relations: 0, functions: 0, nonEmpty: false };
  return withPgClient(conn, database, `postgres restore: inspect target "${database}"`, signal, async (c) => {
    const r = await c.query<{ rels: string; funcs: string }>(`
      SELECT
        (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r','p','v','m','S','f')
            AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                            AND d.objid = c.oid AND d.deptype = 'e')) AS rels,
        (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname NOT IN ('pg_catalog','information_schema')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'e')) AS funcs`);
    const relations = Number(r.rows[0]!.rels);
    const functions = Number(r.rows[0]!.funcs);
    return { database, exists, relations, functions, nonEmpty: relations + functions > 0 };
  });
}

/**
 * Restore a custom-format dump read from `stream` into `opts.database`. A partial restore may
 * stop reading `stream` once pg_restore has what it needs (the iterator is then returned).
 */
export async function restorePostgres(
  stream: AsyncIterable<Uint8Array>,
  opts: PostgresRestoreOptions,
): Promise<PostgresRestoreResult> {
  const server = describeServer(opts);
  const target = await describePostgresTarget(opts, opts.database, opts.signal);
  if (target.nonEmpty && !opts.force) {
    throw new UsageError(
      `postgres restore into "${opts.database}" on ${server}: the database is not empty ` +
        `(${target.relations} relations, ${target.functions} functions)`,
      { hint: 'restore into a new database, or pass --force to drop and recreate the dump\'s objects' },
    );
  }
  // Read the dump's table of contents first: a wrong table name fails before anything changes.
  let table: PreparedTableRestore | undefined;
  if (opts.tables?.length) {
    table = await prepareTableRestore(stream, { ...opts, tables: opts.tables, targetExists: target.exists });
    stream = table.input;
  }
  try {
    return await restoreInto(stream, opts, target.exists, table);
  } finally {
    await table?.dispose();
  }
}

async function restoreInto(
  stream: AsyncIterable<Uint8Array>, opts: PostgresRestoreOptions, exists: boolean, table: PreparedTableRestore | undefined,
): Promise<PostgresRestoreResult> {
  const server = describeServer(opts);
  const maintenanceDb = opts.maintenanceDb ?? 'postgres';
  let created = false;
  if (!exists) {
    if (opts.create === false) throw new NotFoundError(`postgres restore: database "${opts.database}" does not exist on ${server}`);
    await withPgClient(opts, maintenanceDb, `postgres restore: create database "${opts.database}"`, opts.signal,
      (c) => c.query(`CREATE DATABASE ${quoteIdent(opts.database)} TEMPLATE template0`));
    created = true;
  }

  if (opts.schemas?.length && !table) {
    // pg_restore -n restores the objects in a schema but not the schema itself (its CREATE
    // SCHEMA entry is not selected), so a schema restore into a new database would fail.
    await withPgClient(opts, opts.database, `postgres restore: create schemas in "${opts.database}"`, opts.signal, async (c) => {
      for (const s of opts.schemas!) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);
    });
  }
  const args = [...pgArgs(opts), '--dbname', `dbname=${quoteConnValue(opts.database)}`, '--single-transaction'];
  if (opts.force) args.push('--clean', '--if-exists');
  if (opts.noOwner) args.push('--no-owner', '--no-privileges');
  if (table) {
    args.push('--use-list', table.listFile);
  } else if (opts.schemas?.length) {
    for (const s of opts.schemas) args.push('--schema', s);
    args.push('--strict-names');
  }

  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) { bytes += chunk.length; yield chunk; }
  }
  try {
    const { done } = spawnTool({
      label: `pg_restore into database "${opts.database}" on ${server}`,
      command: opts.pgRestorePath ?? 'pg_restore',
      args,
      env: pgEnv(opts),
      fdFiles: pgFdFiles(opts),
      secrets: pgSecrets(opts),
      signal: opts.signal,
      stdin: counted(),
      stdout: 'ignore',
      hint: opts.noOwner ? undefined : 'if a role does not exist, restore globals.sql first or use --no-owner',
    });
    const r = await done;
    return {
      database: opts.database, created, bytes, durationMs: r.durationMs,
      ...(table ? { objects: table.plan.restored, skipped: table.plan.skipped } : {}),
    };
  } catch (err) {
    // --single-transaction rolled everything back; remove the empty database we made.
    if (created) {
      await withPgClient(opts, maintenanceDb, 'postgres restore: clean up', undefined,
        (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(opts.database)}`)).catch(() => {});
    }
    throw err;
  }
}

export interface GlobalsRestoreResult {
  /** Statements that failed, e.g. `role "postgres" already exists` (expected for existing roles). */
  errors: string[];
}

/**
 * Apply globals.sql (roles, tablespaces) with psql. Existing roles make `CREATE ROLE` fail,
 * which is expected, so errors are collected and returned rather than stopping at the first;
 * the ALTER ROLE that follows each CREATE still brings attributes in line.
 */
export async function restorePostgresGlobals(
  stream: AsyncIterable<Uint8Array>,
  opts: PgConnection & { psqlPath?: string; maintenanceDb?: string; signal?: AbortSignal },
): Promise<GlobalsRestoreResult> {
  const tool = spawnTool({
    label: `psql globals.sql into ${describeServer(opts)}`,
    command: opts.psqlPath ?? 'psql',
    args: [...pgArgs(opts), '--dbname', opts.maintenanceDb ?? 'postgres', '--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=0', '--file', '-'],
    env: pgEnv(opts),
    fdFiles: pgFdFiles(opts),
    secrets: pgSecrets(opts),
    signal: opts.signal,
    stdin: stream,
    stdout: 'ignore',
    stderrTailBytes: 64 * 1024,
  });
  const r = await tool.done;
  const errors = r.stderrTail.split('\n').filter((l) => /ERROR:/.test(l)).map((l) => l.replace(/^.*?ERROR:\s*/, ''));
  return { errors };
}
