// A files job's drill: the snapshot restored into the drill's scratch directory, every restored
// file read back and checked against its blob IDs, then the job's path checks.

import type { JobConfig } from '../../config/types.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { restoreSnapshot } from '../../engine/restorer/restorer.ts';
import { verifyRestoredFiles } from '../../engine/restorer/verify-restored.ts';
import type { CopyResult } from './database.ts';
import { evaluatePath, isQueryCheck } from './checks.ts';

export async function drillFiles(repo: Repository, snap: SnapshotEntry, job: JobConfig, dir: string, signal: AbortSignal): Promise<CopyResult> {
  // Owners and modes that cannot be set (not root) do not make data unrestorable: counted, not failed.
  const restored = await restoreSnapshot(repo, snap, dir, { signal });
  const verified = await verifyRestoredFiles(repo, snap, dir, signal);
  const paths = job.source.type === 'files' ? job.source.paths : [];
  const checks = [];
  for (const check of job.drill?.checks ?? []) if (!isQueryCheck(check)) checks.push(await evaluatePath(check, dir, paths));
  return {
    checks,
    facts: { files: verified.files, bytes: verified.bytes, dirs: restored.stats.dirs, metadataErrors: restored.stats.errors },
    targets: [dir],
  };
}
