// A WAL job's base backups: ordinary snapshots tagged `job=NAME` and `kind=base-backup`, holding
// `postgres/base.tar` (pg_basebackup's tar of the cluster, backup_manifest inside) and
// `postgres/lifeboat-base-backup.json` (BaseBackupInfo). Restic restores them like any other
// snapshot; these functions are how point-in-time restore, retention and check find them.

import { IntegrityError, NotFoundError } from '../../errors.ts';
import type { Repository } from '../../repo/repository-api.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { blobStream, fileContent, findNode } from '../../engine/restorer/snapshot-walk.ts';
import { loadIndexForReading } from '../../engine/repair/load-index.ts';
import { BASE_BACKUP_TAG, POSTGRES_BASE_INFO_PATH, POSTGRES_BASE_TAR_PATH, type BaseBackupInfo } from '../../sources/postgres/index.ts';
import { withRepository, type RepositoryAccess } from '../repository-access.ts';
import { compareTime, jobTag } from '../snapshots.ts';

export type { BaseBackupInfo };

export interface BaseBackup {
  snapshot: SnapshotEntry;
  /** The snapshot's ID (hex). */
  id: string;
  info: BaseBackupInfo;
}

export function isBaseBackupSnapshot(entry: SnapshotEntry, job: string): boolean {
  const tags = entry.snapshot.tags ?? [];
  return tags.includes(jobTag(job)) && tags.includes(BASE_BACKUP_TAG);
}

/**
 * The job's base backups in an open repository (index loaded), oldest first (newest last), each
 * with its info file. A base-backup snapshot without a readable info file is an IntegrityError:
 * it cannot be used for point-in-time restore and must not pass silently.
 */
export async function readBaseBackups(repo: Repository, job: string, signal?: AbortSignal, snapshots?: readonly SnapshotEntry[]): Promise<BaseBackup[]> {
  const all = snapshots ?? await repo.listSnapshots(signal);
  const mine = all.filter((e) => isBaseBackupSnapshot(e, job)).sort((a, b) => compareTime(a.snapshot.time, b.snapshot.time));
  const out: BaseBackup[] = [];
  for (const snapshot of mine) out.push({ snapshot, id: snapshot.id, info: await readBaseBackupInfo(repo, snapshot, signal) });
  return out;
}

export async function readBaseBackupInfo(repo: Repository, snapshot: SnapshotEntry, signal?: AbortSignal): Promise<BaseBackupInfo> {
  const path = `/${POSTGRES_BASE_INFO_PATH}`;
  const where = `base backup ${snapshot.id.slice(0, 8)}: ${path}`;
  const node = await findNode(repo, snapshot, path, signal);
  if (!node) throw new IntegrityError(`${where} is missing`);
  const parts: Uint8Array[] = [];
  for await (const b of blobStream(repo, fileContent(node, where), signal)) parts.push(b);
  let info: BaseBackupInfo;
  try {
    info = JSON.parse(Buffer.concat(parts).toString('utf8')) as BaseBackupInfo;
  } catch (e) {
    throw new IntegrityError(`${where} is not valid JSON`, { cause: e });
  }
  if (info.format !== 1 || typeof info.startSegment !== 'string' || typeof info.stopSegment !== 'string') {
    throw new IntegrityError(`${where}: unknown format ${JSON.stringify(info.format)}`);
  }
  return info;
}

/** base.tar of a base backup as a verified byte stream (blob by blob, never whole in memory). */
export async function baseTarStream(repo: Repository, snapshot: SnapshotEntry, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const path = `/${POSTGRES_BASE_TAR_PATH}`;
  const node = await findNode(repo, snapshot, path, signal);
  if (!node) throw new NotFoundError(`snapshot ${snapshot.id.slice(0, 8)} holds no ${path}: not a base backup`);
  return blobStream(repo, fileContent(node, `base backup ${snapshot.id.slice(0, 8)}: ${path}`), signal, 3);
}

/** listBaseBackups on a repository reached by its access (shared read lock, index loaded). */
export function listBaseBackups(access: RepositoryAccess, job: string, signal: AbortSignal): Promise<BaseBackup[]> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    return readBaseBackups(repo, job, signal);
  });
}

/**
 * Runs `fn` with base.tar of the snapshot `id` (a full ID or a unique prefix) streaming out of
 * the repository, under a read lock held until `fn` settles.
 */
export function withBaseTar<T>(
  access: RepositoryAccess, job: string, id: string, signal: AbortSignal,
  fn: (tar: AsyncIterable<Uint8Array>, backup: BaseBackup) => Promise<T>,
): Promise<T> {
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    const backups = await readBaseBackups(repo, job, signal);
    const matches = backups.filter((b) => b.id.startsWith(id));
    if (matches.length !== 1) {
      throw new NotFoundError(`job ${job}: ${matches.length === 0 ? 'no' : 'more than one'} base backup matches ${id}`, {
        hint: `base backups: ${backups.map((b) => b.id.slice(0, 8)).join(', ') || 'none'}`,
      });
    }
    return fn(await baseTarStream(repo, matches[0]!.snapshot, signal), matches[0]!);
  });
}

/**
 * The base backup to restore for a point in time: the newest one that was consistent at or
 * before `at` (its stopTime; replay must run past the backup's end before any target counts),
 * or the newest of all for `latest`. `backups` oldest first, as listBaseBackups returns them.
 */
export function chooseBaseBackup<B extends { id: string; info: BaseBackupInfo }>(backups: readonly B[], at: Date | 'latest'): B {
  if (backups.length === 0) throw new NotFoundError('no base backup of the job in the repository', { hint: 'run lifeboat backup --job NAME (a WAL job\'s backup is a base backup)' });
  if (at === 'latest') return backups[backups.length - 1]!;
  const fit = backups.filter((b) => Date.parse(b.info.stopTime) <= at.getTime());
  if (fit.length === 0) {
    throw new NotFoundError(`no base backup was consistent by ${at.toISOString()}: the oldest kept one ended at ${backups[0]!.info.stopTime}`, {
      hint: 'choose a later time; WAL before the oldest kept base backup is removed by retention',
    });
  }
  return fit.reduce((best, b) => (Date.parse(b.info.stopTime) >= Date.parse(best.info.stopTime) ? b : best));
}
