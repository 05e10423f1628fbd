// The PostgreSQL engine's descriptor: its `source:` block, backup, restore. The implementation
// (source.ts, restore.ts and the pg driver) loads on first use.

import { z } from 'zod';
import { databases, nonEmpty, port, secret, section } from '../../config/fields.ts';
import { defineSource, lazySource, onDrillServer, type RestoreTarget } from '../descriptor.ts';
import { extraArgsField, type ExtraArgRules } from '../extra-args.ts';
import { POSTGRES_ROOT, postgresDumpNames, postgresDumpPath } from './layout.ts';

export { BASE_BACKUP_TAG, POSTGRES_BASE_INFO_PATH, POSTGRES_BASE_TAR_PATH, type BaseBackupInfo } from './layout.ts';

/**
 * pg_dump options Lifeboat sets itself. Output: we stream the custom format, uncompressed, from
 * stdout (restore and dedup depend on it). Connection: host, port, user and the password
 * (PGPASSWORD) come from the source block. Everything else passes through (`--exclude-table-data`,
 * `--no-comments`, `--lock-wait-timeout`, `--schema`…).
 */
export const PG_DUMP_RULES: ExtraArgRules = {
  tool: 'pg_dump',
  refusedLong: {
    file: 'output', format: 'output', compress: 'output', jobs: 'output',
    dbname: 'connection', host: 'connection', port: 'connection', username: 'connection',
    password: 'connection', 'no-password': 'connection',
    help: 'info', version: 'info',
  },
  refusedShort: {
    f: 'output', F: 'output', Z: 'output', j: 'output',
    d: 'connection', h: 'connection', p: 'connection', U: 'connection', W: 'connection', w: 'connection',
    '?': 'info', V: 'info',
  },
  shortWithValue: 'deEfFhjnNpStTUZ',
  outputNote: "Lifeboat streams pg_dump's custom format, uncompressed, itself",
};

const schema = section({
  type: z.literal('postgres'),
  host: nonEmpty.describe('Host name, IP address, or a Unix socket directory.'),
  port: port.default(5432),
  user: nonEmpty,
  ...secret('database'),
  databases,
  globals: z.boolean().default(true).describe('Also dump roles and tablespaces (pg_dumpall --globals-only).'),
  pg_dump_path: nonEmpty.optional(),
  pg_dumpall_path: nonEmpty.optional(),
  pg_basebackup_path: nonEmpty.optional().describe('pg_basebackup binary for a WAL job (default: pg_basebackup on PATH).'),
  wal: section({
    enabled: z.boolean().default(false).describe(
      'Continuous archiving: backups are pg_basebackup base backups of the whole cluster (databases, globals and ' +
      'extra_args do not apply) and PostgreSQL archives its WAL with `lifeboat wal-push` (see docs/wal.md).'),
  }).optional().describe('Continuous WAL archiving for point-in-time restore.'),
  extra_args: extraArgsField(PG_DUMP_RULES).describe(
    'More pg_dump options, one per item with its value attached: --exclude-table-data=logs, -Tlogs. ' +
    'Refused (Lifeboat sets them): -f/--file, -F/--format, -Z/--compress, -j/--jobs, -d/--dbname, -h/--host, ' +
    '-p/--port, -U/--username, -W/--password, -w/--no-password, -V/--version, -?/--help. Not passed to pg_dumpall.'),
});

export type PostgresSourceConfig = z.output<typeof schema>;

function connection(cfg: PostgresSourceConfig) {
  return { host: cfg.host, port: cfg.port, user: cfg.user, ...(cfg.password !== undefined ? { password: cfg.password } : {}) };
}

/** Restore operations on the server of `cfg`. */
function restoreTarget(cfg: PostgresSourceConfig): RestoreTarget {
  const c = connection(cfg);
  const impl = () => import('./restore.ts');
  return {
    async inspect(target, signal) {
      const t = await (await impl()).describePostgresTarget(c, target, signal);
      return {
        describe: `database "${target}" on ${c.host}:${c.port}`, exists: t.exists, nonEmpty: t.nonEmpty,
        detail: t.exists ? `${t.relations} relations, ${t.functions} functions` : 'does not exist (will be created)',
      };
    },
    async restore(stream, req) {
      const r = await (await impl()).restorePostgres(stream, {
        ...c, database: req.target, force: req.force, tables: req.tables, schemas: req.schemas, noOwner: req.noOwner, signal: req.signal,
      });
      return { target: r.database, bytes: r.bytes, created: r.created, objects: r.objects, skipped: r.skipped };
    },
    async list(stream, signal) {
      return (await (await import('./toc.ts')).listPostgresDump(stream, { signal })).map((e) => e.line);
    },
    async digestTables(stream, signal) {
      const [{ spawnTool }, { digestLines, copyBlockClassifier }] = await Promise.all([import('../process.ts'), import('../table-digest.ts')]);
      // pg_restore writes the archive's data as SQL: each table's rows in one COPY block.
      const tool = spawnTool({ label: 'pg_restore --data-only', command: 'pg_restore', args: ['--data-only', '--file=-'], stdin: stream, stdout: 'stream', signal });
      const digests = await digestLines(tool.stdout, copyBlockClassifier());
      await tool.done;
      return digests;
    },
    async restoreGlobals(stream, signal) {
      return (await (await impl()).restorePostgresGlobals(stream, { ...c, signal })).errors;
    },
  };
}

export const postgres = defineSource({
  type: 'postgres',
  schema,
  pathFields: { pg_dump_path: 'program', pg_dumpall_path: 'program', pg_basebackup_path: 'program' },
  backup: {
    kind: 'stream',
    createSource: (cfg, ctx) => cfg.wal?.enabled ? lazySource('postgres', async () => (await import('./base-backup.ts')).baseBackupSource({
      ...connection(cfg), job: ctx.job ?? '',
      ...(cfg.pgBasebackupPath !== undefined ? { pgBasebackupPath: cfg.pgBasebackupPath } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.env ? { env: ctx.env } : {}),
    })) : lazySource('postgres', async () => (await import('./source.ts')).postgresSource({
      ...connection(cfg), databases: cfg.databases, globals: cfg.globals, extraArgs: cfg.extraArgs,
      ...(cfg.pgDumpPath !== undefined ? { pgDumpPath: cfg.pgDumpPath } : {}),
      ...(cfg.pgDumpallPath !== undefined ? { pgDumpallPath: cfg.pgDumpallPath } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.env ? { env: ctx.env } : {}),
    })),
  },
  restore: {
    root: POSTGRES_ROOT,
    dumpPath: postgresDumpPath,
    dumpNames: postgresDumpNames,
    target: restoreTarget,
  },
  drill: {
    scratch(cfg, place) {
      const onServer = onDrillServer(cfg, place.server);
      const c = connection(onServer);
      const impl = () => import('./drill.ts');
      return {
        target: place.name,
        describe: `database "${place.name}" on ${c.host}:${c.port}`,
        restorer: restoreTarget(onServer),
        open: async (signal) => (await impl()).openScratch(c, place.name, signal),
        query: async (text, signal) => (await impl()).queryScratch(c, place.name, text, signal),
        remove: async () => (await impl()).dropScratch(c, place.name),
      };
    },
  },
});

/** A server Lifeboat builds from a base backup and runs (restore to a point in time, standby). */
export const postgresServer = () => import('./server.ts');
export type { ServerUser, ReplayState, RecoveryMode } from './server.ts';
/** The OS user a server built by Lifeboat runs as when Lifeboat is root. */
export const DEFAULT_OS_USER = 'postgres';
