// `backup --dry-run`: the real walk, read and chunking, against a repository that stores
// nothing. Blobs are hashed and looked up in the index (and among those this run would add), so
// the figures say what a backup would add; no pack, index, tree or snapshot is written.

import { sha256Hex } from '../../repo/crypto.ts';
import { stringifyJson } from '../../repo/json.ts';
import type { Repository, SaveBlobResult } from '../../repo/repository-api.ts';
import type { BlobId, BlobType, SnapshotId, Tree } from '../../repo/types.ts';

export const DRY_RUN_SNAPSHOT_ID = '(dry run: no snapshot saved)' as SnapshotId;

export function dryRunRepository(repo: Repository): Repository {
  const added = new Set<string>();
  const overrides: Partial<Repository> = {
    async saveBlob(type: BlobType, plaintext: Uint8Array, _signal?: AbortSignal, onReleased?: () => void): Promise<SaveBlobResult> {
      const id = sha256Hex(plaintext) as BlobId;
      onReleased?.();
      const known = added.has(`${type}:${id}`) || repo.lookupBlob(type, id) !== undefined;
      added.add(`${type}:${id}`);
      // Without compressing, the plaintext size is what the run would add at most.
      return { id, known, storedSize: known ? 0 : plaintext.length };
    },
    async saveTree(tree: Tree, signal?: AbortSignal): Promise<BlobId> {
      return (await overrides.saveBlob!('tree', new TextEncoder().encode(stringifyJson(tree) + '\n'), signal)).id;
    },
    async flush() {},
    async saveSnapshot() { return DRY_RUN_SNAPSHOT_ID; },
    async saveJson(): Promise<string> { throw new Error('dry run: nothing may be written'); },
  };
  return new Proxy(repo, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop as keyof Repository];
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
