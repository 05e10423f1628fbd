import { initRepository } from '../repo/open-repository.ts';
import { readPassword } from '../config/password.ts';
import { withRepository, withStorage, type RepositoryAccess } from './repository-access.ts';

export interface InitExtras {
  /** Take the chunker polynomial of this repository (restic init --copy-chunker-params). */
  copyChunkerParamsFrom?: RepositoryAccess;
}

export async function initRepositoryAt(access: RepositoryAccess, version: 1 | 2, signal: AbortSignal, extras: InitExtras = {}): Promise<{ id: string; location: string }> {
  // Read the other repository first: if it cannot be opened, nothing is created.
  const chunkerPolynomial = extras.copyChunkerParamsFrom
    ? await withRepository(extras.copyChunkerParamsFrom, 'none', signal, async (r) => r.config.chunkerPolynomial)
    : undefined;
  return withStorage(access, async (storage) => {
    const password = await readPassword(access.password, signal);
    const repo = await initRepository(storage, password, { version, ...(chunkerPolynomial !== undefined ? { chunkerPolynomial } : {}) });
    try {
      return { id: repo.config.id, location: storage.location };
    } finally {
      await repo.close();
    }
  });
}
