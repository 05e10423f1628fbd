// The drill of a WAL job: the archive restored to its end (or --at TIME) into a data directory in
// the drill's scratch folder, started on a free loopback port, the job's checks run against it,
// then stopped (and the folder removed by the drill's cleanups). Proves the base backup and the
// whole WAL chain after it restore, and times it: the RTO of a point-in-time restore.

import { chmod } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { JobConfig, LoadedConfig } from '../../config/types.ts';
import { UsageError } from '../../errors.ts';
import { DEFAULT_OS_USER, postgresServer } from '../../sources/postgres/index.ts';
import { evaluateQuery, failedQuery, isQueryCheck } from '../drill/checks.ts';
import type { DrillCheckResult } from '../events.ts';
import type { SnapshotChoice } from '../snapshots.ts';
import type { BaseBackupRef } from './base-backup-choice.ts';
import { openJobRecoverySource } from './job-source.ts';
import { restoreToPointInTime } from './restore-to-time.ts';

export interface WalDrillResult {
  checks: DrillCheckResult[];
  facts: Record<string, number>;
  targets: string[];
  backup: BaseBackupRef;
  /** The time the restored data stands at: its last replayed commit, else the base backup's end. */
  recoveredTo: Date;
}

export async function drillWalJob(config: LoadedConfig, job: JobConfig, ref: SnapshotChoice, dir: string,
  cleanups: Array<{ what: string; run: () => Promise<void> }>, signal: AbortSignal): Promise<WalDrillResult> {
  if (typeof ref === 'string' && ref !== 'latest') {
    throw new UsageError(`drill: job ${job.name} archives its WAL: drill the end of the archive (latest) or --at TIME, not a snapshot ID`);
  }
  const target = ref === 'latest' ? 'latest' as const : { at: (ref as { at: Date }).at };
  const user = { osUser: DEFAULT_OS_USER };
  const server = await postgresServer();
  // The scratch folder is root's and private; the server's user only needs to pass through it.
  await chmod(dir, 0o711);
  const dataDir = join(dir, 'data');
  const port = await freeLoopbackPort();
  cleanups.push({ what: `PostgreSQL in ${dataDir}`, run: async () => { if (await server.serverRunning(dataDir, user)) await server.stopServer(dataDir, user); } });
  const source = await openJobRecoverySource(config, job.name, signal);
  const r = await restoreToPointInTime(source, { target, dataDir, user, port, start: true, timeoutS: 24 * 3600, signal });
  const recoveredTo = r.started?.lastReplayedCommit ?? r.baseBackup.stopTime;
  const databases = 'databases' in job.source && Array.isArray(job.source.databases) ? job.source.databases as string[] : [];
  const checks: DrillCheckResult[] = [];
  for (const check of job.drill?.checks ?? []) {
    if (!isQueryCheck(check)) continue;
    try {
      const rows = await server.queryRows(dataDir, check.database ?? databases[0] ?? 'postgres', check.query, user, signal);
      checks.push(evaluateQuery(check, rows, recoveredTo));
    } catch (err) {
      if (signal.aborted) throw err;
      checks.push(failedQuery(check, err));
    }
  }
  return {
    checks, backup: r.baseBackup, recoveredTo, targets: [`PostgreSQL in ${dataDir} on port ${port}`],
    facts: { 'seconds replaying WAL': Math.round(r.started?.recoverySeconds ?? 0) },
  };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
