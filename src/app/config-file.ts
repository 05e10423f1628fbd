// The configuration file as the CLI and daemon use it: load (every problem at once), summarise
// for `config check`, and the JSON Schema for `config schema`.

import { configJsonSchemaText, loadConfig } from '../config/index.ts';
import type { Env } from '../config/index.ts';
import type { LoadedConfig } from '../config/types.ts';

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
  jobs: Array<{ name: string; type: string; repositories: string[]; schedule?: string }>;
}

/** Loads and validates; throws a ConfigError listing every problem. Runs no password command. */
export async function checkConfigFile(path: string, env: Env): Promise<ConfigSummary> {
  const config = await loadConfig(path, env);
  return {
    file: path,
    repositories: config.repositories.map((r) => ({ name: r.name, location: r.location })),
    jobs: config.jobs.map((j) => ({
      name: j.name, type: j.source.type, repositories: j.repositories, ...(j.schedule ? { schedule: j.schedule } : {}),
    })),
  };
}

export function configSchemaText(): string {
  return configJsonSchemaText();
}
