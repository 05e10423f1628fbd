// SQLite source and restore: the public surface for app/ and the registry.
export { sqliteSource, SQLITE_META_PATH, sqliteDumpPath } from './sqlite-source.ts';
export type { SqliteSourceOptions, SqliteMeta } from './sqlite-source.ts';
export { restoreSqlite } from './sqlite-restore.ts';
export type { SqliteRestoreOptions, SqliteRestoreResult } from './sqlite-restore.ts';
export { sqliteInUse } from './in-use.ts';
export type { InUseReport } from './in-use.ts';
