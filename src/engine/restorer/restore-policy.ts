// What a restore leaves alone: paths excluded by restic's patterns (--exclude, --iexclude), and
// what is already at the target under --overwrite never (anything there) or if-changed (a file
// whose content already equals the node's, checked against the blob IDs without downloading).

import { lstat } from 'node:fs/promises';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId } from '../../repo/types.ts';
import { createPathFilter } from '../fs-meta/path-filter.ts';
import { contentMismatch } from './file-check.ts';

export type OverwritePolicy = 'always' | 'if-changed' | 'never';
export const OVERWRITE_POLICIES: readonly OverwritePolicy[] = ['always', 'if-changed', 'never'];

export function excludeMatcher(exclude: string[], iexclude: string[]): ((path: string) => boolean) | undefined {
  if (exclude.length === 0 && iexclude.length === 0) return undefined;
  const exact = exclude.length ? createPathFilter(exclude) : undefined;
  const folded = iexclude.length ? createPathFilter(iexclude.map((p) => p.toLowerCase())) : undefined;
  return (p) => (exact?.matches(p) ?? false) || (folded?.matches(p.toLowerCase()) ?? false);
}

/** True when the file at dst stays as it is. */
export async function keepExisting(repo: Repository, dst: Buffer, ids: BlobId[], policy: OverwritePolicy = 'always', signal?: AbortSignal): Promise<boolean> {
  if (policy === 'always') return false;
  const exists = await lstat(dst).then(() => true, () => false);
  if (!exists) return false;
  return policy === 'never' || (await contentMismatch(repo, dst, ids, signal)) === undefined;
}
