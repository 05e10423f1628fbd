// A WAL job's archive as a RecoverySource: its base backups (app/wal/base-backups.ts) in the
// job's primary repository, base.tar streamed from there, restore_command running this very
// Lifeboat's wal-fetch with the config by absolute path (PostgreSQL runs it from its own working
// directory and environment), and the newest archived segment for the standby's lag.

import { resolve } from 'node:path';
import type { LoadedConfig } from '../../config/types.ts';
import { findRepository } from '../../config/index.ts';
import { listWalFiles } from '../../repo/wal-files.ts';
import { jobAccess } from '../job-access.ts';
import { selfCommandLine } from '../self-command.ts';
import { openWalRepository, requireWalJob } from '../wal/archive.ts';
import { listBaseBackups, withBaseTar } from '../wal/base-backups.ts';
import type { BaseBackupRef } from './base-backup-choice.ts';
import type { RecoverySource } from './recovery-source.ts';

export function restoreCommandFor(configFile: string, job: string): string {
  return selfCommandLine(['wal-fetch', '--config', resolve(configFile), '--job', job, '%f', '%p']);
}

export async function openJobRecoverySource(config: LoadedConfig, jobName: string, signal: AbortSignal): Promise<RecoverySource & { close(): Promise<void> }> {
  const job = requireWalJob(config, jobName);
  const { access } = await jobAccess(config, job.name, undefined, signal);
  const primary = findRepository(config, job.repositories[0]!)!;
  return {
    job: job.name,
    restoreCommand: restoreCommandFor(config.file, job.name),
    async baseBackups(s) {
      const list = await listBaseBackups(access, job.name, s ?? signal);
      return list.map((b): BaseBackupRef => ({
        snapshotId: b.id, stopTime: new Date(b.info.stopTime), startTime: new Date(b.info.startTime), timeline: b.info.timeline,
      }));
    },
    async withBaseTar(backup, sink, s) {
      await withBaseTar(access, job.name, backup.snapshotId, s ?? signal, (tar) => sink(tar));
    },
    newestArchivedSegment: (s) => newestArchivedSegment(config, job.name, primary, s ?? signal),
    async close() {},
  };
}

/** The newest WAL segment (24 hex digits, any timeline) archived for `job` in `repo`. */
export async function newestArchivedSegment(config: LoadedConfig, job: string, repo: NonNullable<ReturnType<typeof findRepository>>, signal?: AbortSignal): Promise<string | undefined> {
  const r = await openWalRepository(config, repo, signal);
  try {
    let newest: string | undefined;
    for (const f of await listWalFiles(r, job, signal)) {
      const file = f.name.slice(job.length + 1);
      // Compare log and segment only: a later timeline reuses the numbers it branched at.
      if (/^[0-9A-F]{24}$/.test(file) && (newest === undefined || file.slice(8) > newest.slice(8))) newest = file;
    }
    return newest;
  } finally {
    await r.close();
  }
}
