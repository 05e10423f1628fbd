// `restore --job NAME --at TIME` for a replicated SQLite job: the newest replication snapshot at
// or before TIME (an image of the database at a known WAL position), then every batch of its
// generation from that position on that was observed at or before TIME, applied page by page.
// A batch observed at t holds only transactions committed before t, so the result never holds a
// commit made after TIME, and lacks at most those of the last replication interval before it.

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { JobConfig } from '../../config/types.ts';
import { formatLocalTime } from '../../core/point-in-time.ts';
import { IntegrityError, NotFoundError } from '../../errors.ts';
import { blobStream, fileContent, findNode } from '../../engine/restorer/snapshot-walk.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { listWalFiles, loadWalFile } from '../../repo/wal-files.ts';
import { SQLITE_META_PATH, sqliteReplication, type FrameBatch, type SqliteMeta } from '../../sources/sqlite/index.ts';
import { compareTime, jobFilter, matchesFilter } from '../snapshots.ts';
import { continuityProblems, decodeBatch, parseBatchFileName, type BatchInfo } from './batch-file.ts';

/** The meta file of a replication snapshot: the sqlite source's, plus where in the WAL it stands. */
export interface ReplicationMeta extends Omit<SqliteMeta, 'durationMs'> {
  replication: SnapshotReplication;
}

export interface SnapshotReplication {
  generation: string;
  /** The database file's name in the snapshot (`sqlite/<database>`). */
  database: string;
  /** The first batch not in the image. */
  nextSeq: number;
  /** The WAL and its last frame the image holds; null when there was no WAL. */
  position: { salt1: number; salt2: number; frame: number } | null;
  /** Every transaction in the image committed before this time (also the snapshot's time). */
  at: string;
}

export interface PointInTimeBuild {
  snapshot: SnapshotEntry;
  database: string;
  /** The rebuilt database, integrity_check ok. */
  path: string;
  batches: number;
  transactions: number;
  /** The newest batch applied was observed then (the snapshot's time without batches). */
  upTo: Date;
  cleanup(): Promise<void>;
}

/** Batches applied per write pass (each loaded, verified and decoded in memory first). */
const APPLY_GROUP = 4;

export async function buildSqliteAt(repo: Repository, job: JobConfig, at: Date, signal: AbortSignal, workDir?: string): Promise<PointInTimeBuild> {
  const { snapshot, replication: r } = await replicationSnapshotAt(repo, job, at, signal);
  const dir = await mkdtemp(join(workDir ?? tmpdir(), 'lifeboat-sqlite-at-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const path = join(dir, r.database);
    await pipeline(Readable.from(await snapshotFile(repo, snapshot, `/${dirname(SQLITE_META_PATH)}/${r.database}`, signal)), createWriteStream(path), { signal });

    const wanted = await batchesAfter(repo, job.name, r.generation, r.nextSeq, at, signal);
    checkFollows(r, wanted);
    let transactions = 0;
    for (let i = 0; i < wanted.length; i += APPLY_GROUP) {
      const group: FrameBatch[] = [];
      for (const b of wanted.slice(i, i + APPLY_GROUP)) group.push(await loadBatch(repo, job.name, b, signal));
      transactions += (await sqliteReplication.applyFrameBatches(path, group)).transactions;
    }
    await sqliteReplication.inspectImage(path);
    const last = wanted.at(-1);
    return { snapshot, database: r.database, path, batches: wanted.length, transactions, upTo: last ? new Date(last.file.observedMs) : new Date(r.at), cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/**
 * The replication facts of a snapshot, from the snapshot file itself (`lifeboat_sqlite_replication`,
 * which restic ignores): read without the index, so retention and check need none. The same facts
 * are in the snapshot's `sqlite/lifeboat-meta.json` for people and scripts.
 */
export function replicationOf(e: SnapshotEntry): SnapshotReplication | undefined {
  const r = e.snapshot.lifeboat_sqlite_replication as SnapshotReplication | undefined;
  if (!r || typeof r !== 'object' || typeof r.generation !== 'string' || typeof r.nextSeq !== 'number' || typeof r.database !== 'string') return undefined;
  return r;
}

/** The newest snapshot of the job at or before `at` that carries a replication position. */
async function replicationSnapshotAt(repo: Repository, job: JobConfig, at: Date, signal: AbortSignal): Promise<{ snapshot: SnapshotEntry; replication: SnapshotReplication }> {
  const all = (await repo.listSnapshots(signal)).filter((e) => matchesFilter(e, jobFilter(job.name)));
  const limit = at.toISOString();
  const candidates = all.filter((e) => compareTime(e.snapshot.time, limit) <= 0 && replicationOf(e))
    .sort((a, b) => compareTime(b.snapshot.time, a.snapshot.time));
  if (candidates[0]) return { snapshot: candidates[0], replication: replicationOf(candidates[0])! };
  const oldest = all.filter((e) => replicationOf(e)).sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time))[0];
  throw new NotFoundError(`restore --at ${formatLocalTime(at)}: job ${job.name} has no replication snapshot taken at or before that time` +
    (oldest ? ` (its oldest is ${oldest.id.slice(0, 8)} of ${formatLocalTime(new Date(oldest.snapshot.time))})` : ' (it has none)'),
    { hint: 'pick a later --at time: point-in-time restores start at the first full snapshot `lifeboat replicate` stored' });
}

async function snapshotFile(repo: Repository, snap: SnapshotEntry, path: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const node = await findNode(repo, snap, path, signal);
  if (!node) throw new NotFoundError(`snapshot ${snap.id.slice(0, 8)}: no file ${path}`);
  return blobStream(repo, fileContent(node, `restore ${path}`), signal, 3);
}

interface WantedBatch { name: string; file: BatchInfo }

/** The generation's batches from `fromSeq` observed at or before `at`, in order; a gap is an error. */
async function batchesAfter(repo: Repository, job: string, generation: string, fromSeq: number, at: Date, signal: AbortSignal): Promise<WantedBatch[]> {
  const out: WantedBatch[] = [];
  for (const f of await listWalFiles(repo, job, signal)) {
    const file = parseBatchFileName(f.name.slice(job.length + 1));
    if (file && file.generation === generation && file.seq >= fromSeq) out.push({ name: f.name, file });
  }
  out.sort((a, b) => a.file.seq - b.file.seq);
  // The prefix observed at or before `at` (observed times grow with seq; the follower keeps them
  // so), checked for gaps together with the first batch after it: a batch missing just before
  // that one may have been observed before `at`, so it counts as needed.
  const end = out.findIndex((b) => b.file.observedMs > at.getTime());
  const checked = end >= 0 ? out.slice(0, end + 1) : out;
  const firstGap = checked.length && checked[0]!.file.seq !== fromSeq ? [`batches ${fromSeq}–${checked[0]!.file.seq - 1} missing`] : [];
  const problems = [...firstGap, ...continuityProblems(checked.map((b) => b.file))];
  if (problems.length) {
    throw new IntegrityError(`restore --at: job ${job}'s shipped WAL has a gap: ${problems[0]}; nothing was restored`,
      { hint: 'restore an earlier time (before the gap), or a later one from a newer full snapshot; lifeboat check lists every gap' });
  }
  if (end >= 0) out.length = end;
  return out;
}

function checkFollows(r: SnapshotReplication, wanted: WantedBatch[]): void {
  const first = wanted[0]?.file;
  const pos = r.position;
  if (!first || !pos) return;
  const follows = (first.salt1 === pos.salt1 && first.firstFrame === pos.frame + 1) || (first.salt1 === ((pos.salt1 + 1) >>> 0) && first.firstFrame === 1);
  if (!follows) throw new IntegrityError(`restore --at: batch ${wanted[0]!.name} does not follow the snapshot's WAL position (frame ${pos.frame}); nothing was restored`);
}

async function loadBatch(repo: Repository, job: string, b: WantedBatch, signal: AbortSignal): Promise<FrameBatch> {
  const { header, frames } = decodeBatch(b.name, await loadWalFile(repo, b.name, signal));
  const f = b.file;
  if (header.generation !== f.generation || header.seq !== f.seq || header.salt1 !== f.salt1 || header.firstFrame !== f.firstFrame || header.lastFrame !== f.lastFrame) {
    throw new IntegrityError(`wal/${b.name}: its content does not match its name`);
  }
  void job;
  return { name: `wal/${b.name}`, salt1: header.salt1, salt2: header.salt2, pageSize: header.pageSize, firstFrame: header.firstFrame, lastFrame: header.lastFrame, frames };
}
