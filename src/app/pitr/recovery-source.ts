// What a restore to a point in time and a standby need from a job's archive: its base backups,
// a way to stream one's base.tar, the restore_command that fetches archived WAL, and (for the
// standby's lag) the newest WAL segment the archive holds.

import type { BaseBackupRef } from './base-backup-choice.ts';

export interface RecoverySource {
  job: string;
  baseBackups(signal?: AbortSignal): Promise<BaseBackupRef[]>;
  /** Streams the base backup's base.tar into `sink` (the repository stays open meanwhile). */
  withBaseTar(backup: BaseBackupRef, sink: (tar: AsyncIterable<Uint8Array>) => Promise<void>, signal?: AbortSignal): Promise<void>;
  /** The shell command PostgreSQL runs to fetch a WAL file (%f, %p). */
  restoreCommand: string;
  /** The newest WAL segment's name in the archive (24 hex digits), if any. */
  newestArchivedSegment(signal?: AbortSignal): Promise<string | undefined>;
}
