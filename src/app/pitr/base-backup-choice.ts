// Which base backup a restore to a point in time starts from: the newest whose consistent point
// (the moment pg_basebackup finished: its stop time) is at or before the target, since replay can
// only stop at a time after the backup became consistent. `latest` takes the newest backup.

import { NotFoundError } from '../../errors.ts';
import { formatLocalTime } from '../../core/point-in-time.ts';

export interface BaseBackupRef {
  snapshotId: string;
  /** When the backup became consistent (pg_basebackup's stop time). */
  stopTime: Date;
  startTime?: Date;
  timeline?: number;
}

export type RecoveryTarget = { at: Date } | 'latest';

export function chooseBaseBackup<T extends BaseBackupRef>(backups: readonly T[], target: RecoveryTarget, job: string): T {
  const sorted = [...backups].sort((a, b) => a.stopTime.getTime() - b.stopTime.getTime());
  if (sorted.length === 0) {
    throw new NotFoundError(`job "${job}" has no base backup in its repository`, { hint: `run \`lifeboat backup --job ${job}\` first` });
  }
  if (target === 'latest') return sorted[sorted.length - 1]!;
  const usable = sorted.filter((b) => b.stopTime.getTime() <= target.at.getTime());
  if (usable.length === 0) {
    throw new NotFoundError(
      `cannot restore job "${job}" to ${formatLocalTime(target.at)}: that is before its oldest usable base backup, ` +
      `consistent from ${formatLocalTime(sorted[0]!.stopTime)} (snapshot ${sorted[0]!.snapshotId.slice(0, 8)})`,
      { hint: 'pick a time at or after that; older history was not kept' },
    );
  }
  return usable[usable.length - 1]!;
}

/** recovery_target_time as PostgreSQL reads it, in UTC with the zone written out. */
export function recoveryTargetTime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '+00');
}
