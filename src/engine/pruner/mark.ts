// Mark phase of prune: every tree reachable from every snapshot is read exactly once, and the
// tree and data blobs they reference are collected. A referenced blob the index does not know
// means the repository is already damaged: prune refuses rather than deleting around it.

import { IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, SnapshotEntry } from '../../repo/types.ts';

export interface UsedBlobs {
  trees: Set<BlobId>;
  data: Set<BlobId>;
}

const short = (id: string) => id.slice(0, 8);

export async function markUsedBlobs(
  repo: Pick<Repository, 'loadTree' | 'lookupBlob'>,
  snapshots: readonly SnapshotEntry[],
  opts: { signal?: AbortSignal; concurrency?: number; onTree?: (done: number) => void | Promise<void> } = {},
): Promise<UsedBlobs> {
  const trees = new Set<BlobId>();
  const data = new Set<BlobId>();
  const queue: Array<{ id: BlobId; where: string }> = [];
  const missing: string[] = [];
  const visit = (id: BlobId, where: string) => {
    if (trees.has(id)) return;
    trees.add(id);
    if (!repo.lookupBlob('tree', id)) missing.push(`tree ${short(id)} (${where})`);
    else queue.push({ id, where });
  };
  for (const s of snapshots) visit(s.snapshot.tree, `snapshot ${short(s.id)}`);

  let done = 0;
  let active = 0;
  let failure: unknown;
  // A small worker pool: trees are tiny and latency-bound on remote stores.
  await new Promise<void>((resolve) => {
    const pump = () => {
      if (failure !== undefined) {
        if (active === 0) resolve();
        return;
      }
      while (active < (opts.concurrency ?? 8) && queue.length > 0) {
        const { id, where } = queue.pop()!;
        active++;
        void (async () => {
          throwIfAborted(opts.signal);
          const tree = await repo.loadTree(id, opts.signal);
          for (const node of tree.nodes) {
            const path = `${where}/${node.name}`;
            if (node.type === 'dir' && node.subtree) visit(node.subtree, path);
            for (const b of node.content ?? []) {
              if (data.has(b)) continue;
              data.add(b);
              if (!repo.lookupBlob('data', b)) missing.push(`data ${short(b)} (${path})`);
            }
          }
          done++;
          await opts.onTree?.(done);
        })().then(
          () => { active--; pump(); },
          (err: unknown) => { failure ??= err; active--; pump(); },
        );
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw failure;
  if (missing.length > 0) {
    throw new IntegrityError(`prune: ${missing.length} blobs referenced by snapshots are not in the index: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`, {
      hint: 'the repository is damaged; run check, and do not prune until it is repaired',
    });
  }
  return { trees, data };
}
