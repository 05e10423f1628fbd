// The postgresql.conf lines that make PostgreSQL archive into a job's repositories.

import { resolve } from 'node:path';
import type { JobConfig } from '../../config/types.ts';
import { selfCommandLine } from '../self-command.ts';

/** A postgresql.conf string literal. */
function confString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** archive_timeout: half the job's RPO (at least 1 s, at most 60 s), else 60 s. */
export function archiveTimeoutFor(job: JobConfig): string {
  const rpo = job.rpo;
  if (typeof rpo !== 'number') return '60s';
  return `${Math.min(60, Math.max(1, Math.floor(rpo / 2000)))}s`;
}

export function walSetupLines(job: JobConfig, configPath: string): string[] {
  const config = resolve(configPath);
  return [
    `# postgresql.conf: continuous archiving of job ${job.name} (docs/wal.md).`,
    '# wal_level and archive_mode need a restart; archive_command and archive_timeout a reload.',
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = ${confString(selfCommandLine(['--config', config, 'wal-push', '--job', job.name, '%p']))}`,
    `archive_timeout = ${archiveTimeoutFor(job)}`,
    '# Recovery from the archive (lifeboat restore writes this itself):',
    `# restore_command = ${confString(selfCommandLine(['--config', config, 'wal-fetch', '--job', job.name, '%f', '%p']))}`,
    '# The PostgreSQL OS user must be able to read the config, the repository password and S3',
    '# credentials files, write the repositories (local ones) and its state dir (LIFEBOAT_STATE_DIR).',
  ];
}
