// Key management: several passwords can open one repository (one key file each).

import { addKey, changePassword, listKeys, removeKey, type KeyedRepository, type KeyInfo } from '../repo/key.ts';
import type { KeyId } from '../repo/types.ts';
import type { Repository } from '../repo/repository-api.ts';
import { readPassword, type PasswordSource } from '../config/password.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';

function keyed(repo: Repository): KeyedRepository {
  return repo as unknown as KeyedRepository;
}

export function listKeysAt(access: RepositoryAccess, signal: AbortSignal): Promise<KeyInfo[]> {
  return withRepository(access, 'none', signal, (repo, signal) => listKeys(keyed(repo), signal));
}

export function addKeyAt(access: RepositoryAccess, newPassword: PasswordSource, signal: AbortSignal): Promise<KeyId> {
  return withRepository(access, 'shared', signal, async (repo, signal) => addKey(keyed(repo), await readPassword(newPassword, signal), { signal }));
}

export function removeKeyAt(access: RepositoryAccess, idOrPrefix: string, signal: AbortSignal): Promise<KeyId> {
  return withRepository(access, 'exclusive', signal, (repo, signal) => removeKey(keyed(repo), idOrPrefix, signal));
}

export function changePasswordAt(access: RepositoryAccess, newPassword: PasswordSource, signal: AbortSignal): Promise<KeyId> {
  return withRepository(access, 'exclusive', signal, async (repo, signal) =>
    changePassword(keyed(repo), await readPassword(newPassword, signal), { signal }));
}
