// The standbys Lifeboat built on this machine, so `status` and the daemon's metrics can report
// their replay lag and `promote` can record the takeover: one JSON file in the state directory,
// rewritten whole (write to a temporary name, then rename).

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface StandbyRecord {
  job: string;
  dataDir: string;
  port: number;
  osUser: string;
  binDir?: string;
  createdAt: string;
  baseBackup: string;
  /** When that base backup became consistent (ISO): the lag's reference before any commit is replayed. */
  baseBackupStopTime?: string;
  promotedAt?: string;
  timeline?: number;
}

const FILE = 'standbys.json';

export async function readStandbys(stateDir: string): Promise<StandbyRecord[]> {
  try {
    const doc = JSON.parse(await readFile(join(stateDir, FILE), 'utf8')) as { standbys?: StandbyRecord[] };
    return Array.isArray(doc.standbys) ? doc.standbys : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Adds or replaces the record of `record.dataDir`. */
export async function saveStandby(stateDir: string, record: StandbyRecord): Promise<void> {
  const others = (await readStandbys(stateDir)).filter((s) => resolve(s.dataDir) !== resolve(record.dataDir));
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const tmp = join(stateDir, `${FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify({ standbys: [...others, record] }, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, join(stateDir, FILE));
}

export async function findStandby(stateDir: string, dataDir: string): Promise<StandbyRecord | undefined> {
  return (await readStandbys(stateDir)).find((s) => resolve(s.dataDir) === resolve(dataDir));
}
