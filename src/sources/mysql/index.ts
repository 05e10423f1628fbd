// MySQL/MariaDB source and restore: the public surface for app/ and the registry.
export { mysqlSource, mysqlDumpPath, MYSQL_META_PATH, MYSQL_DUMP_OPTIONS } from './source.ts';
export type { MysqlSourceOptions, MysqlMeta, MysqlDumpStat } from './source.ts';
export { restoreMysql, describeMysqlTarget, listMysqlDump } from './restore.ts';
export type { MysqlRestoreOptions, MysqlRestoreResult, MysqlTarget } from './restore.ts';
export { selectTables, listDumpObjects } from './dump-filter.ts';
export type { MysqlDumpObject } from './dump-filter.ts';
export type { MysqlConnection } from './connection.ts';
