// `stats`: restic 0.14's four counting modes over a set of snapshots, with its exact rules so
// the figures equal `restic stats` on the same repository:
// - restore-size: every node counts as a file; sizes add up, a hard-linked inode once per snapshot;
// - files-by-contents: each distinct content (the sequence of blob IDs) once, wherever it is;
// - blobs-per-file: the plaintext size of each blob once per file path (and distinct content);
// - raw-data: each referenced blob once, at its stored size in the packs. This mode also reports
//   the plaintext size, hence the compression ratio (as restic ≥ 0.16 does).

import { createHash } from 'node:crypto';
import { IntegrityError, throwIfAborted } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { BlobId, BlobLocation, SnapshotEntry, TreeNode } from '../../repo/types.ts';
import { collectUsedBlobs, walkTree } from '../walk/tree-walk.ts';

export const STATS_MODES = ['restore-size', 'files-by-contents', 'blobs-per-file', 'raw-data'] as const;
export type StatsMode = (typeof STATS_MODES)[number];

export interface RepoStats {
  mode: StatsMode;
  snapshotsCount: number;
  totalSize: number;
  totalFileCount: number;
  /** blobs-per-file and raw-data only. */
  totalBlobCount: number;
  /** raw-data only: the same blobs before compression (and without encryption overhead). */
  totalUncompressedSize?: number;
}

/** Bytes of a blob's plaintext: its uncompressed length, else the stored length minus IV and MAC. */
export function plaintextSize(loc: BlobLocation): number {
  return loc.uncompressedLength ?? loc.length - 32;
}

export async function collectStats(repo: Repository, snapshots: readonly SnapshotEntry[], mode: StatsMode, signal?: AbortSignal): Promise<RepoStats> {
  const stats: RepoStats = { mode, snapshotsCount: 0, totalSize: 0, totalFileCount: 0, totalBlobCount: 0 };
  const used = { trees: new Set<string>(), data: new Set<string>() };
  const uniqueContents = new Set<string>();
  const fileBlobs = new Map<string, Set<string>>();
  for (const { snapshot } of snapshots) {
    throwIfAborted(signal);
    stats.snapshotsCount++;
    if (mode === 'raw-data') {
      await collectUsedBlobs(repo, snapshot.tree, used, signal);
      continue;
    }
    const inodes = new Set<string>();
    await walkTree(repo, snapshot.tree, (node, path, parentTree) => {
      if (mode === 'restore-size') {
        stats.totalFileCount++;
        const inode = String(node.inode ?? 0);
        if (inode === '0' || !inodes.has(inode)) {
          inodes.add(inode);
          stats.totalSize += node.size ?? 0;
        }
        return { ignore: false };
      }
      const contentKey = contentId(node);
      if (!uniqueContents.has(contentKey)) {
        uniqueContents.add(contentKey);
        if (mode === 'files-by-contents') {
          stats.totalSize += node.size ?? 0;
          stats.totalFileCount++;
        } else {
          countFileBlobs(repo, stats, fileBlobs, node, path, parentTree);
        }
      }
      return { ignore: true };
    }, { signal });
  }
  if (mode === 'raw-data') {
    let plain = 0;
    for (const [type, ids] of [['tree', used.trees], ['data', used.data]] as const) {
      for (const id of ids) {
        const loc = repo.lookupBlob(type, id as BlobId);
        if (!loc) throw new IntegrityError(`stats: ${type} blob ${id.slice(0, 8)} is not in the index`, { hint: 'run lifeboat check' });
        stats.totalSize += loc.length;
        plain += plaintextSize(loc);
        stats.totalBlobCount++;
      }
    }
    stats.totalUncompressedSize = plain;
  }
  return stats;
}

/** restic's file identity by contents: sha256 over the raw blob IDs in order (dirs all share one). */
function contentId(node: TreeNode): string {
  const h = createHash('sha256');
  for (const id of node.content ?? []) h.update(Buffer.from(id, 'hex'));
  return h.digest('hex');
}

function countFileBlobs(repo: Repository, stats: RepoStats, fileBlobs: Map<string, Set<string>>, node: TreeNode, path: string, parentTree: string): void {
  // restic keys by filepath.Join(path, name) with a path that already ends in the name: kept,
  // since only its uniqueness matters.
  const key = `${path}/${node.name}`;
  for (const id of node.content ?? []) {
    let seen = fileBlobs.get(key);
    if (!seen) {
      seen = new Set();
      fileBlobs.set(key, seen);
      stats.totalFileCount++;
    }
    if (seen.has(id)) continue;
    const loc = repo.lookupBlob('data', id);
    if (!loc) throw new IntegrityError(`stats: blob ${id.slice(0, 8)} of tree ${parentTree.slice(0, 8)} is not in the index`, { hint: 'run lifeboat check' });
    stats.totalSize += plaintextSize(loc);
    seen.add(id);
    stats.totalBlobCount++;
  }
}
