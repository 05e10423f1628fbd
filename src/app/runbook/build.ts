// What the runbook says, gathered from the config and the live state: per job where its data
// lives, its repositories and their credentials' origins, its newest snapshot (read from the
// primary repository, or the history when the repository cannot be read), RPO and RTO targets
// against what was achieved (backups and the last drill), and the shell lines to restore it
// with and without Lifeboat; the contacts; the repositories.

import type { Contact, JobConfig, LoadedConfig, RepositoryConfig } from '../../config/types.ts';
import { resolve } from 'node:path';
import { findRepository } from '../../config/index.ts';
import { parseLocation } from '../../storage/location.ts';
import { repositoryAccessFor } from '../config-access.ts';
import type { History } from '../history/store.ts';
import { withRepository } from '../repository-access.ts';
import { jobInfo } from '../snapshot-info.ts';
import { jobFilter, matchesFilter, newest } from '../snapshots.ts';
import { jobStatus, type JobStatus } from '../status.ts';
import { describeOrigin, resticEnv, restoreWithoutLifeboat, q } from './shell.ts';
import { walProcedure } from './failover.ts';
import { isWalJob } from '../wal/archive.ts';

export interface RunbookRepository {
  name: string;
  location: string;
  password: string;
  s3Secret?: string;
  env: string[];
}

export interface RunbookJob {
  name: string;
  engine: string;
  where: string;
  repositories: string[];
  status: JobStatus;
  latest?: { id: string; time: string; source: 'repository' | 'history' };
  readError?: string;
  credentials: Array<{ what: string; origin: string }>;
  withLifeboat: string[];
  withoutLifeboat: string[];
  /** Point-in-time restore and failover (a postgres job with its WAL archived). */
  walProcedure?: string[];
}

export interface Runbook {
  generatedAt: Date;
  configFile: string;
  contacts: Contact[];
  repositories: RunbookRepository[];
  jobs: RunbookJob[];
}

export interface RunbookOptions {
  now: Date;
  /** Open the primary repositories for each job's newest snapshot and databases (default true). */
  readRepositories?: boolean;
  signal: AbortSignal;
}

function where(job: JobConfig, databases: readonly string[]): string {
  const s = job.source;
  const dbs = databases.length ? databases.join(', ') : 'all databases';
  switch (s.type) {
    case 'postgres': return `PostgreSQL on ${s.host}:${s.port}, ${dbs}, as user ${s.user}`;
    case 'mysql': return `MySQL/MariaDB on ${s.host}:${s.port}, ${dbs}, as user ${s.user}`;
    case 'sqlite': return `the SQLite file ${s.path}`;
    case 'redis': return `Redis on ${s.host}:${s.port}${s.rdbPath ? ` (RDB file ${s.rdbPath})` : ''}`;
    case 'files': return `the files under ${s.paths.join(', ')}${s.exclude.length ? ` (except ${s.exclude.join(', ')})` : ''}`;
    case 'command': return `the output of ${s.command.join(' ')}, saved as ${s.filename}`;
  }
}

/** Each job's newest snapshot in its primary repository; one listing per repository. */
async function newestSnapshots(config: LoadedConfig, signal: AbortSignal): Promise<Map<string, { id: string; time: string; databases: string[] } | string>> {
  const out = new Map<string, { id: string; time: string; databases: string[] } | string>();
  for (const repo of config.repositories) {
    const jobs = config.jobs.filter((j) => j.repositories[0] === repo.name);
    if (jobs.length === 0) continue;
    try {
      const access = await repositoryAccessFor(config, repo, signal);
      const all = await withRepository(access, 'none', signal, (r, s) => r.listSnapshots(s));
      for (const job of jobs) {
        const mine = all.filter((e) => matchesFilter(e, jobFilter(job.name)));
        if (mine.length) {
          const e = newest(mine);
          out.set(job.name, { id: e.id, time: e.snapshot.time, databases: jobInfo(e.snapshot).databases });
        }
      }
    } catch (err) {
      for (const job of jobs) out.set(job.name, `repository ${repo.name} not read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

function repositoryEntry(config: LoadedConfig, repo: RepositoryConfig): RunbookRepository {
  const key = `repositories.${repo.name}`;
  let location = repo.location;
  try { location = parseLocation(repo.location).display; } catch { /* shown as written */ }
  return {
    name: repo.name, location,
    password: repo.password.kind === 'command' ? `the command ${repo.password.argv.join(' ')}` : describeOrigin(config.secretOrigins[`${key}.password`], config, `${key}.password`),
    ...(repo.s3?.accessKeyId ? { s3Secret: describeOrigin(config.secretOrigins[`${key}.s3.secret_access_key`], config, `${key}.s3.secret_access_key`) } : {}),
    env: resticEnv(config, repo),
  };
}

export async function buildRunbook(config: LoadedConfig, history: History | undefined, opts: RunbookOptions): Promise<Runbook> {
  const snapshots = opts.readRepositories === false ? new Map() : await newestSnapshots(config, opts.signal);
  const jobs = config.jobs.map((job): RunbookJob => {
    const found = snapshots.get(job.name);
    const fromRepo = typeof found === 'object' ? found : undefined;
    const status = jobStatus(job, history, opts.now);
    const configured = 'databases' in job.source && Array.isArray(job.source.databases) ? job.source.databases : [];
    const databases = fromRepo?.databases.length ? fromRepo.databases : configured;
    const primary = findRepository(config, job.repositories[0]!)!;
    const credentials = job.repositories.map((name) => ({ what: `password of repository ${name}`, origin: repositoryEntry(config, findRepository(config, name)!).password }));
    const dbKey = `jobs.${job.name}.source.password`;
    if ('password' in job.source) credentials.push({ what: 'database password', origin: describeOrigin(config.secretOrigins[dbKey], config, dbKey) });
    const drillKey = `jobs.${job.name}.drill.server.password`;
    if (config.secretOrigins[drillKey]) credentials.push({ what: 'drill server password', origin: describeOrigin(config.secretOrigins[drillKey], config, drillKey) });
    const isDb = ['postgres', 'mysql', 'sqlite', 'redis'].includes(job.source.type);
    const cfgFlag = `--config ${q(resolve(config.file))}`;
    const withLifeboat = [
      `lifeboat ${cfgFlag} snapshots --job ${q(job.name)}`,
      isDb
        ? `lifeboat ${cfgFlag} restore --job ${q(job.name)} --at 'YYYY-MM-DD HH:MM'${databases.length > 1 ? ` --database ${q(databases[0]!)}` : ''} --into ${q(job.source.type === 'sqlite' ? `${job.source.path}.restored` : job.source.type === 'redis' ? '/var/lib/redis' : `${databases[0] ?? 'DB'}_restored`)}`
        : `lifeboat ${cfgFlag} restore --job ${q(job.name)} --at 'YYYY-MM-DD HH:MM' --target /tmp/restore`,
      `lifeboat ${cfgFlag} drill --job ${q(job.name)}   # prove the newest snapshot restores, and time it`,
    ];
    const withoutDbs = databases.length ? databases : ['DATABASE'];
    return {
      name: job.name, engine: job.source.type, where: where(job, databases), repositories: job.repositories, status,
      ...(fromRepo ? { latest: { id: fromRepo.id, time: fromRepo.time, source: 'repository' as const } }
        : status.lastSuccess?.snapshotId ? { latest: { id: status.lastSuccess.snapshotId, time: (status.lastSuccess.endedAt ?? status.lastSuccess.startedAt).toISOString(), source: 'history' as const } } : {}),
      ...(typeof found === 'string' ? { readError: found } : {}),
      credentials, withLifeboat,
      withoutLifeboat: restoreWithoutLifeboat(config, job, primary, withoutDbs),
      ...(isWalJob(job) ? { walProcedure: walProcedure(job.name, cfgFlag, q) } : {}),
    };
  });
  return {
    generatedAt: opts.now, configFile: resolve(config.file), contacts: config.contacts,
    repositories: config.repositories.map((r) => repositoryEntry(config, r)), jobs,
  };
}
