// Editing snapshots after the fact, with restic's rules: a snapshot file is never changed in
// place; a new one is written with `original` naming the first ID it had, then (for tags, and
// for rewrite with forget) the old file is removed. A crash between the two leaves both, which
// `forget` tidies; never neither.
// - tags (restic tag): --set replaces all tags, else --add then --remove; unchanged → nothing written;
// - rewrite (restic 0.15 rewrite --exclude): the excluded paths leave the trees; unchanged
//   trees keep their IDs; a tree that would not encode back to the same bytes is refused, so
//   nothing restic wrote is silently altered.

import { IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, Snapshot, SnapshotEntry, SnapshotId, TreeNode } from '../../repo/types.ts';
import { displayName } from '../fs-meta/node-name.ts';

export interface TagChange {
  set?: string[];
  add?: string[];
  remove?: string[];
}

/** The snapshot with its tags changed, or undefined when the change changes nothing. */
export function withTags(snapshot: Snapshot, change: TagChange): Snapshot | undefined {
  const before = snapshot.tags ?? [];
  let tags: string[];
  if (change.set && change.set.length > 0) {
    // restic: `--set ''` means no tags at all.
    tags = change.set.length === 1 && change.set[0] === '' ? [] : [...change.set];
  } else {
    tags = [...before];
    for (const t of change.add ?? []) if (t !== '' && !tags.includes(t)) tags.push(t);
    const drop = new Set(change.remove ?? []);
    tags = tags.filter((t) => !drop.has(t));
    if (tags.length === before.length && tags.every((t, i) => t === before[i])) return undefined;
  }
  const out: Snapshot = { ...snapshot };
  if (tags.length > 0) out.tags = tags;
  else delete out.tags;
  return out;
}

/**
 * Saves `changed` as the new version of `entry`. `original` names the snapshot's first ID across
 * tag changes (restic tag), or the snapshot just rewritten (restic rewrite: `original: 'this'`).
 */
export async function saveEdited(
  repo: Repository, entry: SnapshotEntry, changed: Snapshot, opts: { removeOld: boolean; original?: 'first' | 'this'; signal?: AbortSignal },
): Promise<SnapshotId> {
  const original = opts.original === 'this' ? entry.id : entry.snapshot.original ?? entry.id;
  const next: Snapshot = { ...changed, original };
  const id = await repo.saveSnapshot(next, opts.signal);
  if (opts.removeOld) await repo.removeSnapshot(entry.id);
  return id;
}

export interface TreeFilter {
  /** True when the node at this snapshot path is to be left out (directories are then not walked). */
  excluded(path: string): boolean;
  onExcluded?(path: string): void;
  /** Write nothing: a changed tree comes back as a placeholder ID (`dry-run:` + its old ID). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** A tree without the excluded nodes: its new ID (the same ID when nothing below it changed). */
export async function filterTree(repo: Repository, path: string, treeId: BlobId, filter: TreeFilter): Promise<BlobId> {
  throwIfAborted(filter.signal);
  const tree = await repo.loadTree(treeId, filter.signal);
  const check = filter.dryRun ? treeId : await repo.saveTree(tree, filter.signal);
  if (check !== treeId) throw new IntegrityError(`rewrite: the tree at ${path || '/'} (${treeId.slice(0, 8)}) cannot be written back unchanged; left as it is`);
  let changed = false;
  const nodes: TreeNode[] = [];
  for (const node of tree.nodes) {
    const p = `${path}/${displayName(node.name)}`;
    if (filter.excluded(p)) {
      filter.onExcluded?.(p);
      changed = true;
      continue;
    }
    if (typeof node.subtree === 'string') {
      const sub = await filterTree(repo, p, node.subtree, filter);
      if (sub !== node.subtree) {
        changed = true;
        nodes.push({ ...node, subtree: sub });
        continue;
      }
    }
    nodes.push(node);
  }
  if (!changed) return treeId;
  return filter.dryRun ? `dry-run:${treeId}` as BlobId : repo.saveTree({ ...tree, nodes }, filter.signal);
}
