// A database job's drill: every dump of the snapshot restored into a scratch copy of its own
// (a database on the job's server or drill.server; a file; a redis-server of the drill's),
// each copy opened and proven whole, then the job's checks run against it. Each copy's removal
// is registered before its restore starts, so whatever happens next, it goes.

import type { JobConfig } from '../../config/types.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { UsageError } from '../../errors.ts';
import type { DbDriller, DrillPlace, DrillScratch } from '../../sources/registry.ts';
import { dumpNamesIn, restoreDump } from '../db-restore.ts';
import type { DrillCheckResult } from '../events.ts';
import { evaluateQuery, failedQuery, isQueryCheck } from './checks.ts';

export interface CopyResult {
  checks: DrillCheckResult[];
  facts: Record<string, number>;
  /** Where each copy went, for the report. */
  targets: string[];
}

export async function drillDatabases(
  repo: Repository, snap: SnapshotEntry, job: JobConfig, driller: DbDriller, place: DrillPlace,
  cleanups: Array<{ what: string; run: () => Promise<void> }>, signal: AbortSignal,
): Promise<CopyResult> {
  const engineTag = snap.snapshot.tags?.find((t) => t.startsWith('engine='))?.slice('engine='.length);
  if (engineTag !== undefined && engineTag !== driller.engine) {
    throw new UsageError(`snapshot ${snap.id.slice(0, 8)} is a ${engineTag} backup, but job ${job.name} is ${driller.engine}`);
  }
  const names = await dumpNamesIn(repo, snap, driller, signal);
  if (names.length === 0) throw new UsageError(`snapshot ${snap.id.slice(0, 8)} holds no ${driller.engine} dump`);
  const copies = new Map<string, DrillScratch>();
  const facts: Record<string, number> = { dumps: names.length };
  for (const [i, database] of names.entries()) {
    const scratch = driller.scratch({ ...place, name: names.length > 1 ? `${place.name}_${i + 1}` : place.name });
    cleanups.push({ what: scratch.describe, run: () => scratch.remove() });
    // Owners and privileges are not what a drill proves, and the roles may not exist on drill.server.
    await restoreDump(repo, snap, driller, scratch.restorer, database, { target: scratch.target, force: false, tables: [], schemas: [], noOwner: true, signal });
    for (const [k, v] of Object.entries(await scratch.open(signal))) facts[k] = (facts[k] ?? 0) + v;
    copies.set(database, scratch);
  }
  const checks: DrillCheckResult[] = [];
  const snapshotTime = new Date(snap.snapshot.time);
  for (const check of job.drill?.checks ?? []) {
    if (!isQueryCheck(check)) continue;
    const scratch = copies.get(check.database ?? names[0]!);
    if (!scratch) {
      checks.push({ name: check.name ?? check.query, ok: false, detail: `the snapshot has no dump of database ${check.database} (it has ${names.join(', ')})` });
      continue;
    }
    try {
      checks.push(evaluateQuery(check, await scratch.query(check.query, signal), snapshotTime));
    } catch (err) {
      if (signal.aborted) throw err;
      checks.push(failedQuery(check, err));
    }
  }
  return { checks, facts, targets: [...copies.values()].map((c) => c.describe) };
}
