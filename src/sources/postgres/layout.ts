// Where a PostgreSQL backup sits inside a snapshot: written by the source, read by restore and
// by anyone using `restic dump` without Lifeboat. Light: the descriptor imports it.

import { dumpNamesWith, dumpPathWith } from '../descriptor.ts';

export const POSTGRES_ROOT = 'postgres';
export const POSTGRES_META_PATH = `${POSTGRES_ROOT}/lifeboat-meta.json`;
export const POSTGRES_GLOBALS_PATH = `${POSTGRES_ROOT}/globals.sql`;

/** `postgres/<db>.dump`; a `/` in a database name becomes `%2F`, so the path stays one file. */
export const postgresDumpPath: (database: string) => string = dumpPathWith(POSTGRES_ROOT, '.dump');
export const postgresDumpNames: (files: string[]) => string[] = dumpNamesWith('.dump');
