// Every standby registered in the state directory with its replay lag, for `status` and the
// daemon's metrics. The archive's newest segment is read once per job.

import type { LoadedConfig } from '../../config/types.ts';
import { findJob, findRepository } from '../../config/index.ts';
import { stateDirFor } from '../state-dir.ts';
import { isWalJob } from '../wal/archive.ts';
import { newestArchivedSegment } from './job-source.ts';
import { readStandbys } from './standby-registry.ts';
import { standbyStatus, type StandbyStatus } from './standby.ts';

export async function standbyReport(config: LoadedConfig, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<StandbyStatus[]> {
  const records = await readStandbys(stateDirFor(config, env));
  const newest = new Map<string, Promise<string | undefined>>();
  const newestOf = (jobName: string) => {
    if (!newest.has(jobName)) {
      const job = findJob(config, jobName);
      const repo = job && isWalJob(job) ? findRepository(config, job.repositories[0]!) : undefined;
      // A job gone from the config: the standby is still shown, its lag measured against nothing newer.
      newest.set(jobName, repo ? newestArchivedSegment(config, jobName, repo, signal) : Promise.resolve(undefined));
    }
    return newest.get(jobName)!;
  };
  return Promise.all(records.map(async (r) => {
    try {
      return await standbyStatus(r, () => newestOf(r.job), signal);
    } catch (err) {
      return { record: r, state: 'unreachable' as const, error: (err as Error).message };
    }
  }));
}
