// The config file and `--job NAME` as the CLI finds them: --config, LIFEBOAT_CONFIG or
// ./lifeboat.yaml; the job's primary repository unless --repo / LIFEBOAT_REPOSITORY names one.

import { configFileFrom, loadConfigFile, type LoadedConfig } from '../app/config-file.ts';
import { jobAccess, type JobAccess } from '../app/job-access.ts';
import { repositoryFromEnv } from '../app/password.ts';
import { accessFromContext } from './access.ts';
import type { CommandContext } from './command.ts';

export type { JobAccess };

export function loadConfigFor(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfigFile(configFileFrom(ctx.global.config, ctx.io.env), ctx.io.env);
}

export async function accessForJob(ctx: CommandContext, jobName: string): Promise<JobAccess> {
  const config = await loadConfigFor(ctx);
  // An empty LIFEBOAT_REPOSITORY counts as not given.
  const explicit = repositoryFromEnv(ctx.global.repo, ctx.io.env) ? accessFromContext(ctx) : undefined;
  return jobAccess(config, jobName, explicit, ctx.signal);
}
