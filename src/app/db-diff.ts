// `diff A B --job NAME` for a database job: beside the files, which tables changed between the
// two snapshots' dumps — added, removed, or with rows of another size or checksum. A dump whose
// blobs are the same in both snapshots is unchanged without being read; others are streamed
// through the engine's digest (pg_restore for PostgreSQL), one at a time, never to disk.

import type { JobConfig } from '../config/types.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { findNode } from '../engine/restorer/snapshot-walk.ts';
import { isDeepStrictEqual } from 'node:util';
import { loadRestorer, type TableDigest } from '../sources/registry.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { dumpNamesIn, fileStream } from './db-restore.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { jobFilter, selectSnapshot } from './snapshots.ts';

export interface TableChange {
  database: string;
  table: string;
  /** `+` added, `-` removed, `M` rows changed (size or checksum). */
  modifier: '+' | '-' | 'M';
  before?: TableDigest;
  after?: TableDigest;
}

export interface DbDiff {
  engine: string;
  /** Dumps only one snapshot has. */
  databasesAdded: string[];
  databasesRemoved: string[];
  /** Dumps whose bytes are the same in both snapshots (not read). */
  unchanged: string[];
  tables: TableChange[];
}

export async function runDbDiff(access: RepositoryAccess, job: JobConfig, fromRef: string, toRef: string, signal: AbortSignal): Promise<DbDiff | undefined> {
  const restorer = await loadRestorer(job.source).catch(() => undefined);
  if (!restorer?.digestTables) return undefined;
  const digest = restorer.digestTables.bind(restorer);
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const filter = jobFilter(job.name);
    const [from, to] = [await selectSnapshot(repo, fromRef, filter, signal), await selectSnapshot(repo, toRef, filter, signal)];
    const [a, b] = [await dumpNamesIn(repo, from, restorer, signal), await dumpNamesIn(repo, to, restorer, signal)];
    const out: DbDiff = { engine: restorer.engine, databasesAdded: b.filter((n) => !a.includes(n)), databasesRemoved: a.filter((n) => !b.includes(n)), unchanged: [], tables: [] };
    const content = async (s: SnapshotEntry, path: string) => (await findNode(repo, s, path, signal))?.content;
    for (const db of a.filter((n) => b.includes(n))) {
      const path = `/${restorer.dumpPath(db)}`;
      if (isDeepStrictEqual(await content(from, path), await content(to, path))) {
        out.unchanged.push(db);
        continue;
      }
      const before = new Map((await digest(await fileStream(repo, from, path, signal), signal)).map((t) => [t.table, t]));
      const after = new Map((await digest(await fileStream(repo, to, path, signal), signal)).map((t) => [t.table, t]));
      for (const table of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const x = before.get(table);
        const y = after.get(table);
        if (x && y && x.bytes === y.bytes && x.sha256 === y.sha256) continue;
        out.tables.push({ database: db, table, modifier: !x ? '+' : !y ? '-' : 'M', ...(x ? { before: x } : {}), ...(y ? { after: y } : {}) });
      }
    }
    return out;
  });
}
