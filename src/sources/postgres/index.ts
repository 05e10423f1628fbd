// PostgreSQL source and restore: the public surface for app/ and the registry.
export { postgresSource, postgresDumpPath, POSTGRES_META_PATH } from './source.ts';
export type { PostgresSourceOptions, PostgresMeta, PostgresDumpStat } from './source.ts';
export { restorePostgres, describePostgresTarget, restorePostgresGlobals } from './restore.ts';
export type { PostgresRestoreOptions, PostgresRestoreResult, PostgresTarget, GlobalsRestoreResult } from './restore.ts';
export { listPostgresDump, parsePgToc } from './toc.ts';
export type { PgTocEntry } from './toc.ts';
export type { PgConnection } from './connection.ts';
