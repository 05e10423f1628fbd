// backupPaths: files and directories → one snapshot. Order of writes follows restic: data packs,
// trees, then flush (packs + index), and only then the snapshot file, so an interrupted or
// failed backup leaves no snapshot and a repository `restic check` accepts.

import { lstat } from 'node:fs/promises';
import { NotFoundError, UsageError } from '../../errors.ts';
import { chunkerTables } from '../../repo/chunker.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry, Tree } from '../../repo/types.ts';
import { createOwnerNames } from '../fs-meta/owner-names.ts';
import { createPathFilter } from '../fs-meta/path-filter.ts';
import { finishSnapshot, linkedAbort, recordError } from './content-saver.ts';
import { interrupted } from './interrupted.ts';
import { createLimiter } from './limiter.ts';
import { backupHost, buildSnapshot, findParent, snapshotTime } from './snapshot-meta.ts';
import { planTargets, type PlannedDir } from './target-plan.ts';
import { emptyStats, type BackupPathsOptions, type BackupResult } from './types.ts';
import { dryRunRepository } from './dry-run.ts';
import { createSelection, hasSelection } from './selection.ts';
import { archivePlanned, type WalkContext } from './walker.ts';

/** Drops targets that do not exist (recorded as errors, as restic warns); all missing → NotFoundError. */
async function dropMissing(ctx: WalkContext, dir: PlannedDir, missing: string[]): Promise<void> {
  for (const [name, child] of [...dir.children]) {
    if (child.kind === 'dir') {
      await dropMissing(ctx, child, missing);
      if (child.children.size === 0 && child.walk === undefined) dir.children.delete(name);
      continue;
    }
    try {
      await lstat(child.fsPath);
    } catch (err) {
      missing.push(child.fsPath);
      recordError(ctx, child.fsPath, err);
      dir.children.delete(name);
    }
  }
}

export async function backupPaths(realRepo: Repository, paths: string[], opts: BackupPathsOptions = {}): Promise<BackupResult> {
  const started = performance.now();
  const repo = opts.dryRun ? dryRunRepository(realRepo) : realRepo;
  if (paths.length === 0) throw new UsageError('backup: no paths given');
  const ac = linkedAbort(opts.signal);
  const signal = ac.signal;
  const plan = planTargets(paths, opts.cwd ?? process.cwd());
  const ctx: WalkContext = {
    repo,
    tables: chunkerTables(repo.config.chunkerPolynomial),
    blobSlots: createLimiter(opts.maxBlobSaves ?? 3),
    fileSlots: createLimiter(opts.maxFiles ?? 2),
    signal,
    stats: emptyStats(),
    started: new Date(),
    errors: [],
    opts,
    owners: createOwnerNames(),
    excludes: opts.excludes && opts.excludes.length > 0 ? createPathFilter(opts.excludes) : undefined,
    selection: opts.selection && hasSelection(opts.selection) ? await createSelection(opts.selection, plan.paths) : undefined,
    hardLinks: new Map(),
    readBuffers: [],
  };
  try {
    const missing: string[] = [];
    await dropMissing(ctx, plan.root, missing);
    if (plan.root.walk !== undefined) {
      try {
        await lstat(plan.root.walk);
      } catch (err) {
        missing.push(plan.root.walk);
        recordError(ctx, plan.root.walk, err);
        plan.root.walk = undefined;
      }
    }
    if (plan.root.children.size === 0 && plan.root.walk === undefined) {
      throw new NotFoundError(`backup: none of the paths exist: ${missing.join(', ')}`);
    }
    const time = snapshotTime(opts);
    let parent: SnapshotEntry | undefined;
    if (opts.parent === 'auto') parent = await findParent(repo, backupHost(opts), plan.paths, signal);
    else parent = opts.parent;
    let parentTree: Tree | undefined;
    if (parent) {
      try {
        parentTree = await repo.loadTree(parent.snapshot.tree, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        parent = undefined; // unreadable parent: read everything
      }
    }
    const nodes = (await archivePlanned(ctx, plan.root, parentTree)) ?? [];
    const tree = await repo.saveTree({ nodes }, signal);
    const snapshot = buildSnapshot(opts, { time, tree, paths: plan.paths, parent, excludes: opts.excludes });
    const snapshotId = await finishSnapshot(ctx, snapshot);
    ctx.stats.durationMs = Math.round(performance.now() - started);
    return { snapshotId, snapshot, stats: ctx.stats, errors: ctx.errors };
  } catch (err) {
    ac.abort();
    if (opts.signal?.aborted) throw interrupted(err);
    throw err;
  }
}
