// Where a MySQL/MariaDB backup sits inside a snapshot: written by the source, read by restore
// and by anyone using `restic dump` without Lifeboat. Light: the descriptor imports it.

import { dumpNamesWith, dumpPathWith } from '../descriptor.ts';

export const MYSQL_ROOT = 'mysql';
export const MYSQL_META_PATH = `${MYSQL_ROOT}/lifeboat-meta.json`;

/** `mysql/<db>.sql`; a `/` in a database name becomes `%2F`, so the path stays one file. */
export const mysqlDumpPath: (database: string) => string = dumpPathWith(MYSQL_ROOT, '.sql');
export const mysqlDumpNames: (files: string[]) => string[] = dumpNamesWith('.sql');
