// restic's tree walker (internal/walker, 0.14), which `stats`, `find` and `diff` rely on for
// their exact figures: nodes in tree order, each directory's subtree walked after the directory
// itself, and a set of trees to leave out. A visitor that answers `ignore` for every node of a
// tree gets that tree added to the set, so an identical tree met again (in this snapshot, or in
// the next one when the set is shared) is not walked twice. Memory: one tree per level.

import { IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, TreeNode } from '../../repo/types.ts';
import { displayName } from '../fs-meta/node-name.ts';

export interface VisitAnswer {
  /** Nothing of interest here: counts towards leaving the enclosing tree out next time. */
  ignore: boolean;
  /** For a directory: do not walk its subtree (restic's ErrSkipNode). */
  skip?: boolean;
}

/** `path` is the node's path in the snapshot (`/srv/app/a.txt`); `parentTree` the tree holding it. */
export type Visitor = (node: TreeNode, path: string, parentTree: BlobId) => VisitAnswer | Promise<VisitAnswer>;

export async function walkTree(
  repo: Repository, root: BlobId, visit: Visitor, opts: { ignoreTrees?: Set<string>; signal?: AbortSignal } = {},
): Promise<void> {
  await walk(repo, '', root, opts.ignoreTrees ?? new Set(), visit, opts.signal);
}

async function walk(repo: Repository, prefix: string, treeId: BlobId, ignoreTrees: Set<string>, visit: Visitor, signal?: AbortSignal): Promise<boolean> {
  throwIfAborted(signal);
  const tree = await repo.loadTree(treeId, signal);
  let allIgnored = tree.nodes.length > 0;
  for (const node of tree.nodes) {
    const path = `${prefix}/${displayName(node.name)}`;
    if (node.type !== 'dir') {
      if (!(await visit(node, path, treeId)).ignore) allIgnored = false;
      continue;
    }
    if (typeof node.subtree !== 'string') throw new IntegrityError(`tree ${treeId.slice(0, 8)}: directory ${path} has no subtree`);
    if (ignoreTrees.has(node.subtree)) continue;
    const answer = await visit(node, path, treeId);
    if (answer.ignore) ignoreTrees.add(node.subtree);
    else allIgnored = false;
    if (answer.skip) continue;
    if (await walk(repo, path, node.subtree, ignoreTrees, visit, signal)) ignoreTrees.add(node.subtree);
    else allIgnored = false;
  }
  return allIgnored;
}

/** Every tree and data blob a snapshot's tree refers to (restic's FindUsedBlobs), each tree loaded once. */
export async function collectUsedBlobs(
  repo: Repository, root: BlobId, seen: { trees: Set<string>; data: Set<string> }, signal?: AbortSignal,
): Promise<void> {
  if (seen.trees.has(root)) return;
  seen.trees.add(root);
  throwIfAborted(signal);
  const tree = await repo.loadTree(root, signal);
  for (const node of tree.nodes) {
    if (node.type === 'file' && Array.isArray(node.content)) for (const id of node.content) seen.data.add(id);
    else if (node.type === 'dir' && typeof node.subtree === 'string') await collectUsedBlobs(repo, node.subtree, seen, signal);
  }
}
