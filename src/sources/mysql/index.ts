// The MySQL/MariaDB engine's descriptor (`type: mysql`, or its alias `type: mariadb`): its
// `source:` block, backup, restore. The implementation (source.ts, restore.ts and the mysql2
// driver) loads on first use.

import { z } from 'zod';
import { UsageError } from '../../errors.ts';
import { databases, nonEmpty, port, secret, section } from '../../config/fields.ts';
import { defineSource, lazySource, onDrillServer, type RestoreTarget } from '../descriptor.ts';
import { extraArgsField, type ExtraArgRules } from '../extra-args.ts';
import { MYSQL_ROOT, mysqlDumpNames, mysqlDumpPath } from './layout.ts';

/**
 * mariadb-dump / mysqldump options Lifeboat sets itself. Output: we read one SQL dump per
 * database from stdout, and table restores find tables by the dump's comments. Connection: host,
 * port, user and the password (an option file we write) come from the source block; option
 * files of the user's choosing could override them, and --print-defaults would print the
 * password into the dump. Databases: one dump per database, without CREATE DATABASE/USE.
 */
export const MYSQL_DUMP_RULES: ExtraArgRules = {
  tool: 'mariadb-dump',
  refusedLong: {
    'result-file': 'output', tab: 'output', xml: 'output', compact: 'output', comments: 'output', 'log-error': 'output',
    'password*': 'connection', host: 'connection', port: 'connection', user: 'connection', socket: 'connection',
    protocol: 'connection', pipe: 'connection', 'shared-memory-base-name': 'connection',
    'defaults-file': 'connection', 'defaults-extra-file': 'connection', 'defaults-group-suffix': 'connection',
    'no-defaults': 'connection', 'login-path': 'connection', 'print-defaults': 'info',
    databases: 'databases', 'all-databases': 'databases',
    help: 'info', version: 'info',
  },
  refusedShort: {
    r: 'output', T: 'output', X: 'output',
    p: 'connection', h: 'connection', P: 'connection', u: 'connection', S: 'connection', W: 'connection',
    A: 'databases', B: 'databases',
    '?': 'info', V: 'info',
  },
  shortWithValue: 'hPrSTuwp#',
  modifierPrefixes: ['loose-', 'skip-', 'disable-', 'enable-', 'maximum-'],
  underscoreIsDash: true,
  outputNote: 'Lifeboat reads the SQL dump from stdout, with the comments its table restore relies on',
};

const schema = section({
  type: z.enum(['mysql', 'mariadb']).transform((): 'mysql' => 'mysql'),
  host: nonEmpty,
  port: port.default(3306),
  user: nonEmpty,
  ...secret('database'),
  databases,
  mysqldump_path: nonEmpty.optional().describe('mariadb-dump or mysqldump; found on PATH by default.'),
  extra_args: extraArgsField(MYSQL_DUMP_RULES).describe(
    'More mariadb-dump/mysqldump options, one per item with its value attached: --ignore-table=db.t, --skip-triggers. ' +
    'Refused (Lifeboat sets them): -p/--password*, -r/--result-file, -T/--tab, -X/--xml, --compact, --comments, --log-error, ' +
    '-h/--host, -P/--port, -u/--user, -S/--socket, --protocol, --pipe, --defaults-*, --no-defaults, --print-defaults, ' +
    '--login-path, -B/--databases, -A/--all-databases, -V/--version, -?/--help.'),
});

export type MysqlSourceConfig = z.output<typeof schema>;

function connection(cfg: MysqlSourceConfig) {
  return { host: cfg.host, port: cfg.port, user: cfg.user, ...(cfg.password !== undefined ? { password: cfg.password } : {}) };
}

/** Restore operations on the server (or files) of `cfg`. */
function restoreTarget(cfg: MysqlSourceConfig): RestoreTarget {
  const c = connection(cfg);
  const impl = () => import('./restore.ts');
  return {
    async inspect(target, signal) {
      const t = await (await impl()).describeMysqlTarget(c, target, signal);
      return {
        describe: `database \`${target}\` on ${c.host}:${c.port}`, exists: t.exists, nonEmpty: t.nonEmpty,
        detail: t.exists ? `${t.tables} tables, ${t.views} views, ${t.routines} routines, ${t.events} events` : 'does not exist (will be created)',
      };
    },
    async restore(stream, req) {
      if (req.schemas.length) throw new UsageError('restore: --schema applies to postgres only (mysql: use --table)');
      const r = await (await impl()).restoreMysql(stream, { ...c, database: req.target, force: req.force, tables: req.tables, signal: req.signal });
      return { target: r.database, bytes: r.bytes, created: r.created, objects: r.objects, skipped: r.skipped };
    },
    async digestTables(stream) {
      const { digestLines, insertLineClassifier } = await import('../table-digest.ts');
      return digestLines(stream, insertLineClassifier());
    },
    async list(stream) {
      return (await (await impl()).listMysqlDump(stream)).map((o) => `${o.type} ${o.name}${o.table ? ` ON ${o.table}` : ''}`);
    },
  };
}

export const mysql = defineSource({
  type: 'mysql',
  aliases: ['mariadb'],
  schema,
  pathFields: { mysqldump_path: 'program' },
  backup: {
    kind: 'stream',
    createSource: (cfg, ctx) => lazySource('mysql', async () => (await import('./source.ts')).mysqlSource({
      ...connection(cfg), databases: cfg.databases, extraArgs: cfg.extraArgs,
      ...(cfg.mysqldumpPath !== undefined ? { dumpPath: cfg.mysqldumpPath } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.env ? { env: ctx.env } : {}),
    })),
  },
  restore: {
    root: MYSQL_ROOT,
    dumpPath: mysqlDumpPath,
    dumpNames: mysqlDumpNames,
    target: restoreTarget,
  },
  drill: {
    scratch(cfg, place) {
      const onServer = onDrillServer(cfg, place.server);
      const c = connection(onServer);
      const impl = () => import('./drill.ts');
      return {
        target: place.name,
        describe: `database \`${place.name}\` on ${c.host}:${c.port}`,
        restorer: restoreTarget(onServer),
        open: async (signal) => (await impl()).openScratch(c, place.name, signal),
        query: async (text, signal) => (await impl()).queryScratch(c, place.name, text, signal),
        remove: async () => (await impl()).dropScratch(c, place.name),
      };
    },
  },
});
