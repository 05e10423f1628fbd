// `find PATTERN…`: restic 0.14's search over snapshots. A node matches when a pattern matches
// its path with restic's rules (a pattern matching a directory matches everything below it;
// `*.sql`, `/srv/**/config`), optionally case-insensitive and within a modification-time window.
// Trees where nothing matched are remembered across snapshots and not walked again.

import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry, TreeNode } from '../../repo/types.ts';
import { createPathFilter } from '../fs-meta/path-filter.ts';
import { parseTimestamp } from '../fs-meta/timestamp.ts';
import { walkTree } from '../walk/tree-walk.ts';

export interface FindQuery {
  patterns: string[];
  ignoreCase?: boolean;
  /** Only nodes modified at or after / at or before (nanoseconds since the epoch). */
  oldestNs?: bigint;
  newestNs?: bigint;
}

export interface FindHit {
  snapshot: SnapshotEntry;
  path: string;
  node: TreeNode;
}

export async function findInSnapshots(
  repo: Repository, snapshots: readonly SnapshotEntry[], query: FindQuery, onHit: (hit: FindHit) => void, signal?: AbortSignal,
): Promise<number> {
  const patterns = query.ignoreCase ? query.patterns.map((p) => p.toLowerCase()) : query.patterns;
  const filter = createPathFilter(patterns);
  const ignoreTrees = new Set<string>();
  let hits = 0;
  for (const snapshot of snapshots) {
    await walkTree(repo, snapshot.snapshot.tree, (node, path) => {
      const subject = query.ignoreCase ? path.toLowerCase() : path;
      const mayDescend = node.type === 'dir' && filter.childMayMatch(subject);
      const noMatch = { ignore: !mayDescend, skip: node.type === 'dir' && !mayDescend };
      if (!filter.matches(subject) || !inWindow(node, query)) return noMatch;
      hits++;
      onHit({ snapshot, path, node });
      return { ignore: false };
    }, { ignoreTrees, signal });
  }
  return hits;
}

function inWindow(node: TreeNode, q: FindQuery): boolean {
  if (q.oldestNs === undefined && q.newestNs === undefined) return true;
  const t = typeof node.mtime === 'string' ? parseTimestamp(node.mtime) : undefined;
  if (t === undefined) return false;
  return (q.oldestNs === undefined || t >= q.oldestNs) && (q.newestNs === undefined || t <= q.newestNs);
}
