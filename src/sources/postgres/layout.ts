// Where a PostgreSQL backup sits inside a snapshot: written by the source, read by restore and
// by anyone using `restic dump` without Lifeboat. Light: the descriptor imports it.

import { dumpNamesWith, dumpPathWith } from '../descriptor.ts';

export const POSTGRES_ROOT = 'postgres';
export const POSTGRES_META_PATH = `${POSTGRES_ROOT}/lifeboat-meta.json`;
export const POSTGRES_GLOBALS_PATH = `${POSTGRES_ROOT}/globals.sql`;

/** `postgres/<db>.dump`; a `/` in a database name becomes `%2F`, so the path stays one file. */
export const postgresDumpPath: (database: string) => string = dumpPathWith(POSTGRES_ROOT, '.dump');
export const postgresDumpNames: (files: string[]) => string[] = dumpNamesWith('.dump');

/** A WAL job's base backup (pg_basebackup's tar of the whole cluster) and its description. */
export const POSTGRES_BASE_TAR_PATH = `${POSTGRES_ROOT}/base.tar`;
export const POSTGRES_BASE_INFO_PATH = `${POSTGRES_ROOT}/lifeboat-base-backup.json`;
/** The tag a base-backup snapshot carries beside `engine=postgres`. */
export const BASE_BACKUP_TAG = 'kind=base-backup';

/** `lifeboat-base-backup.json`: what a point-in-time restore needs to pick and start a base backup. */
export interface BaseBackupInfo {
  format: 1;
  job: string;
  /** Timeline the backup started on. */
  timeline: number;
  /** `0/2000028`: where replay starts (the checkpoint's redo point). */
  startLsn: string;
  /** WAL file name of the segment holding startLsn: the oldest WAL this backup needs. */
  startSegment: string;
  /** Where the backup became consistent: replay must reach it. */
  stopLsn: string;
  stopSegment: string;
  /** ISO times: before pg_basebackup started; after it finished (the backup is consistent no later than this). */
  startTime: string;
  stopTime: string;
  systemIdentifier: string;
  serverVersion: string;
  /** Bytes of base.tar. */
  bytes: number;
  walSegmentSize: number;
}
