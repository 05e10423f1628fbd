// Repository access for verbs that take `--job NAME`: the job's primary repository from the
// config file, unless --repo / LIFEBOAT_REPOSITORY names one explicitly.

import { configFileFrom, loadConfigFile, type LoadedConfig } from '../app/config-file.ts';
import { repositoryAccessFor, requireJob } from '../app/jobs.ts';
import { findRepository } from '../config/index.ts';
import type { RepositoryAccess } from '../app/repository-access.ts';
import type { JobConfig } from '../config/types.ts';
import { repositoryFromEnv } from '../app/password.ts';
import { accessFromContext, warnTo } from './access.ts';
import type { CommandContext } from './command.ts';

export interface JobAccess {
  config: LoadedConfig;
  job: JobConfig;
  access: RepositoryAccess;
}

export async function accessForJob(ctx: CommandContext, jobName: string): Promise<JobAccess> {
  const config = await loadConfigFile(configFileFrom(ctx.global.config, ctx.io.env), ctx.io.env);
  const job = requireJob(config, jobName);
  const explicit = repositoryFromEnv(ctx.global.repo, ctx.io.env);
  // An empty LIFEBOAT_REPOSITORY counts as not given.
  const access = explicit
    ? accessFromContext(ctx)
    : { ...await repositoryAccessFor(config, findRepository(config, job.repositories[0]!)!, ctx.signal), warn: warnTo(ctx) };
  return { config, job, access };
}
