// `--repository NAME`: a repository of the config by its name, instead of its location and
// password typed again. A typo lists the names the config has.

import { findRepository } from '../config/index.ts';
import type { LoadedConfig, RepositoryConfig } from '../config/types.ts';
import { NotFoundError } from '../errors.ts';
import { repositoryAccessFor } from './config-access.ts';
import type { RepositoryAccess } from './repository-access.ts';

export function requireRepository(config: LoadedConfig, name: string): RepositoryConfig {
  const repo = findRepository(config, name);
  if (!repo) {
    const names = config.repositories.map((r) => r.name);
    throw new NotFoundError(`repository ${name}: no such repository in ${config.file}`, {
      hint: names.length ? `repositories: ${names.join(', ')}` : 'the config defines no repositories',
    });
  }
  return repo;
}

export function namedRepositoryAccess(config: LoadedConfig, name: string, signal: AbortSignal): Promise<RepositoryAccess> {
  return repositoryAccessFor(config, requireRepository(config, name), signal);
}
