// How far a job's replication has got: the time up to which every committed transaction is
// stored in every repository of the job (the end of the last round, including rounds that found
// nothing new). The replicator writes it to the state dir after each round; metrics and the stale
// alert read it from there, whichever process runs the replication (CLI or daemon).

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/types.ts';
import { stateDirFor } from '../state-dir.ts';

export interface ReplicationFreshness {
  job: string;
  generation: string;
  /** Every transaction committed before this time is shipped. */
  shippedAt: Date;
}

function fileFor(config: Pick<Config, 'stateDir'>, job: string): string {
  return join(stateDirFor(config, process.env), 'sqlite-replication', `${encodeURIComponent(job)}.json`);
}

export async function writeFreshness(config: Pick<Config, 'stateDir'>, job: string, f: { generation: string; shippedAt: Date }): Promise<void> {
  const file = fileFor(config, job);
  await mkdir(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ job, generation: f.generation, shipped_at: f.shippedAt.toISOString() }) + '\n');
  await rename(tmp, file);
}

/**
 * The newest time up to which a SQLite job's WAL is shipped, or undefined when it never ran
 * (for lifeboat_wal_last_archived_timestamp_seconds{job} and the stale alert).
 */
export async function sqliteReplicationFreshness(config: Pick<Config, 'stateDir'>, job: string): Promise<ReplicationFreshness | undefined> {
  let text: string;
  try {
    text = await readFile(fileFor(config, job), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const j = JSON.parse(text) as { generation: string; shipped_at: string };
  return { job, generation: j.generation, shippedAt: new Date(j.shipped_at) };
}
