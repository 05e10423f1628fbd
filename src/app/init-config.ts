// `init --all` / `init --job NAME` / `init --repository NAME`: the config's repositories created
// where they do not exist yet, each with its own location, password and S3 settings. One that
// exists already is left untouched (never re-initialised): a second run is harmless.

import type { LoadedConfig } from '../config/types.ts';
import { NotFoundError } from '../errors.ts';
import { repositoryAccessFor } from './config-access.ts';
import { initRepositoryAt } from './init.ts';
import { requireRepository } from './named-repository.ts';
import { withStorage } from './repository-access.ts';

export type InitOutcome =
  | { name: string; location: string; status: 'created'; id: string }
  | { name: string; location: string; status: 'exists' }
  | { name: string; location: string; status: 'failed'; error: unknown };

export async function initConfigRepositories(config: LoadedConfig, names: readonly string[], version: 1 | 2, signal: AbortSignal): Promise<InitOutcome[]> {
  const out: InitOutcome[] = [];
  for (const name of names) {
    const repo = requireRepository(config, name);
    try {
      const access = await repositoryAccessFor(config, repo, signal);
      const exists = await withStorage(access, (s) => s.stat({ type: 'config', name: '' }).then(() => true, (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      }));
      if (exists) {
        out.push({ name, location: repo.location, status: 'exists' });
        continue;
      }
      const r = await initRepositoryAt(access, version, signal);
      out.push({ name, location: r.location, status: 'created', id: r.id });
    } catch (error) {
      if (signal.aborted) throw error;
      out.push({ name, location: repo.location, status: 'failed', error });
    }
  }
  return out;
}
