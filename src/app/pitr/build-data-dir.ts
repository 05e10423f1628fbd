// Builds a data directory from a base backup and sets PostgreSQL up to replay the archive:
// for a restore to a point in time (recovery.signal, a target, promote when reached) or a warm
// standby (standby.signal, replaying whatever the archive gets, never promoting on its own).
// Archiving is switched off in the built server: the base backup's archive_command would push
// the restored server's new timeline into the very archive it restores from (several restores
// would each make a timeline 2 and collide there). Re-enabling it is a deliberate step (runbook).

import { DEFAULT_OS_USER, postgresServer, type RecoveryMode, type ServerUser } from '../../sources/postgres/index.ts';

export { DEFAULT_OS_USER, type ServerUser };
import { chooseBaseBackup, recoveryTargetTime, type BaseBackupRef, type RecoveryTarget } from './base-backup-choice.ts';
import type { RecoverySource } from './recovery-source.ts';

export interface BuildOptions {
  dataDir: string;
  user: ServerUser;
  port?: number;
  signal?: AbortSignal;
  onBaseBackup?(b: BaseBackupRef): void;
}

export interface Built {
  baseBackup: BaseBackupRef;
  settings: Record<string, string | number>;
}

/** How often a standby asks the archive again for the next segment: it follows within about this. */
export const STANDBY_RETRY_INTERVAL = '1s';

export async function buildDataDir(source: RecoverySource, mode: RecoveryMode, target: RecoveryTarget, opts: BuildOptions): Promise<Built> {
  const server = await postgresServer();
  // Refuse a non-empty directory before reading anything from the repository.
  await server.prepareDataDir(opts.dataDir, opts.user);
  const backup = chooseBaseBackup(await source.baseBackups(opts.signal), target, source.job);
  opts.onBaseBackup?.(backup);
  await source.withBaseTar(backup, (tar) => server.extractBaseTar(opts.dataDir, tar, opts.user, opts.signal), opts.signal);
  const settings: Record<string, string | number> = {
    restore_command: source.restoreCommand,
    recovery_target_timeline: 'latest',
    archive_mode: 'off',
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  };
  if (mode === 'standby') {
    settings.wal_retrieve_retry_interval = STANDBY_RETRY_INTERVAL;
    settings.hot_standby = 'on';
  } else if (target !== 'latest') {
    settings.recovery_target_time = recoveryTargetTime(target.at);
    settings.recovery_target_inclusive = 'on';
    settings.recovery_target_action = 'promote';
  }
  const what = mode === 'standby' ? 'a standby' : `a restore to ${target === 'latest' ? 'the end of the archive' : target.at.toISOString()}`;
  await server.writeRecoverySettings(opts.dataDir, mode, settings, opts.user,
    `lifeboat: ${what} of job ${source.job} from base backup ${backup.snapshotId.slice(0, 8)}, built ${new Date().toISOString()}`);
  return { baseBackup: backup, settings };
}
