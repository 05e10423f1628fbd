// Creating and opening a repository (the config marks it complete; every key is tried).

import { LifeboatError, NoRepositoryError, NotFoundError, StorageError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';
import { loadConfig, newConfig, saveConfig } from './config-file.ts';
import { newRandomKey } from './crypto.ts';
import { type ScryptParams, createKey, openWithPassword } from './key.ts';
import { ResticRepository, type RepositoryOptions } from './repository.ts';

export interface InitOptions extends RepositoryOptions {
  version?: 1 | 2;
  scrypt?: ScryptParams;
  /** Another repository's chunker polynomial (restic init --copy-chunker-params), so copied data keeps deduplicating. */
  chunkerPolynomial?: bigint;
}

/** Creates a new repository: layout, first key, then config (the config marks it complete). */
export async function initRepository(storage: Storage, password: string, opts: InitOptions = {}): Promise<ResticRepository> {
  // Checked here too, because not every store can refuse it atomically in create().
  const exists = await storage.stat({ type: 'config', name: 'config' }).then(
    () => true,
    (err) => {
      if (err instanceof NotFoundError) return false;
      throw err;
    },
  );
  if (exists) throw new LifeboatError('error', `init repository at ${storage.location}: a repository already exists there`);
  await storage.create();
  const master = newRandomKey();
  const config = newConfig(opts.version ?? 2);
  if (opts.chunkerPolynomial !== undefined) config.chunkerPolynomial = opts.chunkerPolynomial;
  const keyId = await createKey(storage, password, master, { params: opts.scrypt, signal: opts.signal });
  await saveConfig(storage, master, config, opts.signal);
  const repo = new ResticRepository(storage, config, keyId, master, opts);
  await repo.loadIndex(opts.signal);
  return repo;
}

/** Opens an existing repository. NoRepositoryError without a config; WrongPasswordError if no key fits. */
export async function openRepository(storage: Storage, password: string, opts: RepositoryOptions & { keyHint?: string } = {}): Promise<ResticRepository> {
  try {
    await storage.stat({ type: 'config', name: 'config' });
  } catch (err) {
    if (err instanceof NotFoundError) {
      // A store may know more than "not found" (an S3 bucket that does not exist at all).
      const detail = typeof err.context.detail === 'string' ? err.context.detail : 'config file missing';
      throw new NoRepositoryError(`open repository at ${storage.location}: no repository found (${detail})`, {
        hint: err.hint ?? 'run init first, or check the repository location',
        cause: err,
      });
    }
    if (err instanceof StorageError || err instanceof LifeboatError) throw err;
    throw new StorageError(`open repository at ${storage.location}: ${(err as Error).message}`, false, { cause: err });
  }
  const { keyId, masterKey } = await openWithPassword(storage, password, { signal: opts.signal, keyHint: opts.keyHint });
  const config = await loadConfig(storage, masterKey, opts.signal);
  return new ResticRepository(storage, config, keyId, masterKey, opts);
}
