// Which repository a `--job NAME` command works on: the job's primary repository from the
// config, unless the user named a repository explicitly (--repo / LIFEBOAT_REPOSITORY).

import type { JobConfig, LoadedConfig } from '../config/types.ts';
import { findRepository } from '../config/index.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import type { RepositoryAccess } from './repository-access.ts';

export interface JobAccess {
  config: LoadedConfig;
  job: JobConfig;
  access: RepositoryAccess;
}

export async function jobAccess(config: LoadedConfig, jobName: string, explicit: RepositoryAccess | undefined, signal: AbortSignal): Promise<JobAccess> {
  const job = requireJob(config, jobName);
  const access = explicit ?? await repositoryAccessFor(config, findRepository(config, job.repositories[0]!)!, signal);
  return { config, job, access };
}
