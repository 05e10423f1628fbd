// Repair use-cases: `repair index` (a new index from the packs in storage) and `repair snapshots`
// (new snapshots without lost data). Both hold an exclusive lock: they replace index files and
// may delete packs and snapshots, which nobody may be reading or writing meanwhile.

import { LifeboatError } from '../errors.ts';
import type { MasterKey } from '../repo/crypto.ts';
import { hasMasterKey } from '../repo/repack.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { repairIndex, type RepairIndexOptions, type RepairIndexResult } from '../engine/repair/index-rebuild.ts';
import { indexFirst, repairSnapshots, type RepairSnapshotsOptions, type RepairSnapshotsResult } from '../engine/repair/snapshots.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { compareTime, matchesFilter, type SnapshotFilter } from './snapshots.ts';

function keyed<T extends Repository>(repo: T, op: string): T & { masterKey: MasterKey } {
  if (!hasMasterKey(repo)) throw new LifeboatError('error', `${op}: this repository implementation does not expose its key`);
  return repo;
}

export function runRepairIndex(
  access: RepositoryAccess, req: Omit<RepairIndexOptions, 'signal'>, signal: AbortSignal,
): Promise<RepairIndexResult> {
  return withRepository(access, 'exclusive', signal, (repo, signal) => repairIndex(keyed(repo, 'repair index'), { ...req, signal }));
}

export interface RepairSnapshotsRequest extends Omit<RepairSnapshotsOptions, 'signal' | 'snapshots'> {
  /** Snapshot IDs (prefixes) or `latest`; empty = all matching `filter`. */
  snapshots?: string[];
  filter?: SnapshotFilter;
}

export function runRepairSnapshots(access: RepositoryAccess, req: RepairSnapshotsRequest, signal: AbortSignal): Promise<RepairSnapshotsResult> {
  // A dry run writes nothing: a shared lock keeps packs from vanishing under it.
  return withRepository(access, req.dryRun ? 'read' : 'exclusive', signal, async (repo, signal) => {
    await repo.loadIndex(signal).catch((err: unknown) => { throw indexFirst(err); });
    const snapshots = await select(repo, req, signal);
    return repairSnapshots(keyed(repo, 'repair snapshots'), { ...req, snapshots, signal });
  });
}

async function select(repo: Repository, req: RepairSnapshotsRequest, signal: AbortSignal): Promise<SnapshotEntry[]> {
  let out: SnapshotEntry[];
  if (req.snapshots?.length) {
    const byId = new Map<string, SnapshotEntry>();
    for (const ref of req.snapshots) {
      const e = await repo.findSnapshot(ref, signal);
      byId.set(e.id, e);
    }
    out = [...byId.values()];
  } else {
    out = await repo.listSnapshots(signal);
    if (req.filter) out = out.filter((e) => matchesFilter(e, req.filter!));
  }
  return out.sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
}
