// Where backup targets go in the snapshot's tree, following restic 0.14 (confirmed by running it):
// - an absolute path nests every component: /tmp/x/src → tmp → x → src;
// - a relative path keeps its cleaned components, minus leading `..`: src/data → src → data,
//   ../src/sub → src → sub;
// - `.` (or anything that cleans to no component) puts the directory's content in the root;
// - intermediate directories carry the real metadata of the directories they stand for;
// - snapshot.paths lists the absolute paths, in the order given.

import { posix, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';

export interface PlannedLeaf {
  kind: 'leaf';
  /** Absolute path on disk. */
  fsPath: string;
}

export interface PlannedDir {
  kind: 'dir';
  /** Absolute path on disk (unset for the root). */
  fsPath?: string;
  /** A directory whose whole content is merged in here (`.` targets the root). */
  walk?: string;
  /** Raw component name → entry. */
  children: Map<string, PlannedLeaf | PlannedDir>;
}

export interface TargetPlan {
  root: PlannedDir;
  /** Absolute target paths for snapshot.paths. */
  paths: string[];
}

export function planTargets(targets: readonly string[], cwd: string): TargetPlan {
  const root: PlannedDir = { kind: 'dir', children: new Map() };
  const paths: string[] = [];
  for (const target of targets) {
    if (target === '') throw new UsageError('backup: empty path');
    const abs = resolve(cwd, target);
    if (!paths.includes(abs)) paths.push(abs);
    const isAbs = target.startsWith('/');
    const parts = posix.normalize(target).split('/').filter((s) => s !== '' && s !== '.');
    const prefix: string[] = [];
    if (!isAbs) while (parts[0] === '..') prefix.push(parts.shift()!);
    const fsOf = (n: number) => (isAbs ? '/' + parts.slice(0, n).join('/') : resolve(cwd, ...prefix, ...parts.slice(0, n)));
    if (parts.length === 0) {
      if (root.walk !== undefined && root.walk !== abs) {
        throw new UsageError(`backup: ${target} and ${root.walk} would both fill the snapshot's root directory`);
      }
      root.walk = abs;
      continue;
    }
    let dir = root;
    let covered = false;
    for (let i = 0; i < parts.length - 1; i++) {
      const existing = dir.children.get(parts[i]!);
      if (existing?.kind === 'leaf') { covered = true; break; } // an ancestor is backed up whole
      if (existing) { dir = existing; continue; }
      const next: PlannedDir = { kind: 'dir', fsPath: fsOf(i + 1), children: new Map() };
      dir.children.set(parts[i]!, next);
      dir = next;
    }
    if (covered) continue;
    // A leaf replaces a planned intermediate directory: walking it covers the deeper targets.
    dir.children.set(parts.at(-1)!, { kind: 'leaf', fsPath: fsOf(parts.length) });
  }
  return { root, paths };
}
