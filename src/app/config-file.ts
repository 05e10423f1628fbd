// The configuration file as the CLI and daemon use it: load (every problem at once), summarise
// for `config check`, and the JSON Schema for `config schema`.

import { configJsonSchemaText, loadConfig } from '../config/index.ts';
import type { Env } from '../config/index.ts';
import type { LoadedConfig } from '../config/types.ts';
import { describeSchedule, nextRun } from '../core/schedule.ts';

export type { LoadedConfig };

export const DEFAULT_CONFIG_FILE = 'lifeboat.yaml';

/** `--config`, else LIFEBOAT_CONFIG, else ./lifeboat.yaml. */
export function configFileFrom(flag: string | undefined, env: Env): string {
  return flag ?? env.LIFEBOAT_CONFIG ?? DEFAULT_CONFIG_FILE;
}

export function loadConfigFile(path: string, env: Env): Promise<LoadedConfig> {
  return loadConfig(path, env);
}

export interface ConfigSummary {
  file: string;
  repositories: Array<{ name: string; location: string }>;
  jobs: Array<{ name: string; type: string; repositories: string[]; schedule?: string; nextRun?: string }>;
}

/**
 * Loads and validates; throws a ConfigError listing every problem. Runs no password command.
 * A cron schedule is described with its next run after `now`.
 */
export async function checkConfigFile(path: string, env: Env, now: Date = new Date()): Promise<ConfigSummary> {
  const config = await loadConfig(path, env);
  return {
    file: path,
    repositories: config.repositories.map((r) => ({ name: r.name, location: r.location })),
    jobs: config.jobs.map((j) => {
      // An interval counts from the job's last run, which only the daemon knows.
      const next = j.schedule?.kind === 'cron' ? nextRun(j.schedule, now) : undefined;
      return {
        name: j.name, type: j.source.type, repositories: j.repositories,
        ...(j.schedule ? { schedule: describeSchedule(j.schedule) } : {}),
        ...(next ? { nextRun: next.toISOString() } : {}),
      };
    }),
  };
}

export function configSchemaText(): string {
  return configJsonSchemaText();
}
