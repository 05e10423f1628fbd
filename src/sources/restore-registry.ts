// The restore side of the source registry: for each database engine, where its dumps sit in a
// snapshot, how to tell whether a target holds data, how to restore a dump stream into it, and
// how to list a dump's objects. Adapters are imported lazily, as in registry.ts.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import type { SourceConfig } from '../config/types.ts';
import type { DumpObject, SkippedDumpObject } from './types.ts';

export type RestoreEngine = 'postgres' | 'mysql' | 'sqlite' | 'redis';

export interface TargetState {
  /** What the target is, for messages: `database "orders" on 127.0.0.1:5432`, a path. */
  describe: string;
  exists: boolean;
  /** Restoring would replace or mix with existing data: needs --force (and a confirmation). */
  nonEmpty: boolean;
  /** e.g. `12 relations, 3 functions`, `in use: pid 42 has it open`. */
  detail: string;
}

export interface DbRestoreRequest {
  /** Database name (postgres, mysql), file path (sqlite) or the server's dir (redis). */
  target: string;
  force: boolean;
  tables: string[];
  schemas: string[];
  /** postgres: skip owners and privileges. */
  noOwner: boolean;
  signal: AbortSignal;
}

export interface DbRestoreResult {
  target: string;
  /** Bytes of the dump fed to the restore tool. */
  bytes: number;
  created: boolean;
  /** Table restore: the objects restored. */
  objects?: DumpObject[];
  /** Table restore: objects left out, and why. */
  skipped?: SkippedDumpObject[];
}

export interface DbRestorer {
  engine: RestoreEngine;
  /** Directory of the engine's files inside a snapshot (`postgres`). */
  root: string;
  /** Dump name → path inside the snapshot; `name` is a database (or the sqlite file name). */
  dumpPath(name: string): string;
  /** The dump names found in a listing of the engine's directory (file names). */
  dumpNames(files: string[]): string[];
  inspect(target: string, signal: AbortSignal): Promise<TargetState>;
  restore(stream: AsyncIterable<Uint8Array>, req: DbRestoreRequest): Promise<DbRestoreResult>;
  /** One line per object of the dump; undefined when the engine's dumps cannot be listed. */
  list?(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<string[]>;
  /** postgres: apply globals.sql (roles, tablespaces); returns the statements that failed. */
  restoreGlobals?(stream: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<string[]>;
}

function decodeName(file: string, ext: string): string | undefined {
  return file.endsWith(ext) ? file.slice(0, -ext.length).replace(/%2F/g, '/') : undefined;
}

function conn(cfg: { host: string; port: number; user: string; password?: string }) {
  return { host: cfg.host, port: cfg.port, user: cfg.user, ...(cfg.password !== undefined ? { password: cfg.password } : {}) };
}

function refuseFilters(engine: string, req: DbRestoreRequest): void {
  if (req.tables.length || req.schemas.length) throw new UsageError(`restore: --table/--schema do not apply to ${engine} (it restores whole)`);
}

/**
 * The restorer for a job's source. The job's connection settings (host, port, user, password)
 * are where postgres and mysql targets live.
 */
export async function loadRestorer(cfg: SourceConfig): Promise<DbRestorer> {
  switch (cfg.type) {
    case 'postgres': {
      const pg = await import('./postgres/index.ts');
      const c = conn(cfg);
      return {
        engine: 'postgres',
        root: 'postgres',
        dumpPath: pg.postgresDumpPath,
        dumpNames: (files) => files.map((f) => decodeName(f, '.dump')).filter((n): n is string => n !== undefined),
        async inspect(target, signal) {
          const t = await pg.describePostgresTarget(c, target, signal);
          return { describe: `database "${target}" on ${c.host}:${c.port}`, exists: t.exists, nonEmpty: t.nonEmpty,
            detail: t.exists ? `${t.relations} relations, ${t.functions} functions` : 'does not exist (will be created)' };
        },
        async restore(stream, req) {
          const r = await pg.restorePostgres(stream, { ...c, database: req.target, force: req.force, tables: req.tables,
            schemas: req.schemas, noOwner: req.noOwner, signal: req.signal });
          return { target: r.database, bytes: r.bytes, created: r.created, objects: r.objects, skipped: r.skipped };
        },
        async list(stream, signal) {
          return (await pg.listPostgresDump(stream, { signal })).map((e) => e.line);
        },
        async restoreGlobals(stream, signal) {
          return (await pg.restorePostgresGlobals(stream, { ...c, signal })).errors;
        },
      };
    }
    case 'mysql': {
      const my = await import('./mysql/index.ts');
      const c = conn(cfg);
      return {
        engine: 'mysql',
        root: 'mysql',
        dumpPath: my.mysqlDumpPath,
        dumpNames: (files) => files.map((f) => decodeName(f, '.sql')).filter((n): n is string => n !== undefined),
        async inspect(target, signal) {
          const t = await my.describeMysqlTarget(c, target, signal);
          return { describe: `database \`${target}\` on ${c.host}:${c.port}`, exists: t.exists, nonEmpty: t.nonEmpty,
            detail: t.exists ? `${t.tables} tables, ${t.views} views, ${t.routines} routines, ${t.events} events` : 'does not exist (will be created)' };
        },
        async restore(stream, req) {
          if (req.schemas.length) throw new UsageError('restore: --schema applies to postgres only (mysql: use --table)');
          const r = await my.restoreMysql(stream, { ...c, database: req.target, force: req.force, tables: req.tables, signal: req.signal });
          return { target: r.database, bytes: r.bytes, created: r.created, objects: r.objects, skipped: r.skipped };
        },
        async list(stream) {
          return (await my.listMysqlDump(stream)).map((o) => `${o.type} ${o.name}${o.table ? ` ON ${o.table}` : ''}`);
        },
      };
    }
    case 'sqlite': {
      const sq = await import('./sqlite/index.ts');
      return {
        engine: 'sqlite',
        root: 'sqlite',
        dumpPath: (name) => `sqlite/${name}`,
        dumpNames: (files) => files.filter((f) => f !== 'lifeboat-meta.json'),
        async inspect(target) {
          const st = await lstat(target).catch(() => undefined);
          if (!st) return { describe: target, exists: false, nonEmpty: false, detail: 'does not exist (will be created)' };
          const use = st.isFile() ? await sq.sqliteInUse(target) : { inUse: false, reasons: [] };
          return { describe: target, exists: true, nonEmpty: true,
            detail: `exists, ${st.size} bytes${use.inUse ? `; in use: ${use.reasons.join('; ')}` : ''}` };
        },
        async restore(stream, req) {
          refuseFilters('sqlite', req);
          const r = await sq.restoreSqlite(stream, { path: req.target, force: req.force, signal: req.signal });
          return { target: r.path, bytes: r.bytes, created: !r.replaced };
        },
      };
    }
    case 'redis': {
      const rd = await import('./redis/index.ts');
      return {
        engine: 'redis',
        root: 'redis',
        dumpPath: () => rd.REDIS_RDB_PATH,
        dumpNames: (files) => files.filter((f) => f.endsWith('.rdb')).map(() => 'dump.rdb'),
        async inspect(target) {
          const file = join(target, 'dump.rdb');
          const st = await lstat(file).catch(() => undefined);
          return { describe: file, exists: st !== undefined, nonEmpty: st !== undefined,
            detail: st ? `exists, ${st.size} bytes (stop the server before replacing it)` : 'no dump.rdb yet' };
        },
        async restore(stream, req) {
          refuseFilters('redis', req);
          const r = await rd.restoreRedisRdb(stream, { dir: req.target, signal: req.signal });
          return { target: r.path, bytes: r.bytes, created: false };
        },
      };
    }
    default:
      throw new UsageError(`restore: a ${cfg.type} job is not a database; use restore --target DIR`);
  }
}
