// Restoring a job's database snapshot into a target: a PostgreSQL or MySQL database (created if
// missing), a SQLite file, or a Redis server's dir. The dump streams straight from the
// repository into the restore tool — blob by blob, verified — never through a temp file.
//
// Safety rules, in this order: the snapshot and the dump are resolved first (a typo fails before
// anything is touched); a target holding data is refused unless `force`; with `force`, the
// caller's `confirm` decides (the CLI asks on a TTY, or takes --yes); then the dump must be
// whole before the target is touched (ensureWholeDump below).

import { IntegrityError, UsageError, NotFoundError } from '../errors.ts';
import { verifyFileContent } from '../engine/checker/verify-file.ts';
import type { Config, JobConfig } from '../config/types.ts';
import type { Repository } from '../repo/repository-api.ts';
import type { SnapshotEntry } from '../repo/types.ts';
import { blobStream, fileContent, findNode } from '../engine/restorer/snapshot-walk.ts';
import { displayName } from '../engine/fs-meta/node-name.ts';
import { loadRestorer, type DbRestorer, type DbRestoreRequest, type DbRestoreResult, type RestoreTarget, type TargetState } from '../sources/registry.ts';
import type { DumpObject, SkippedDumpObject } from '../sources/types.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { createReadStream } from 'node:fs';
import { sqliteReplicationSettings } from '../sources/sqlite/index.ts';
import { buildSqliteAt } from './sqlite-wal/restore-at.ts';
import { jobFilter, selectSnapshot, type SnapshotChoice, type SnapshotFilter } from './snapshots.ts';

export type { TargetState };

export interface DbRestoreOptions {
  /** Snapshot ID (prefix), `latest` (the job's newest snapshot matching `filter`) or `{at}`. */
  ref: SnapshotChoice;
  /** --host/--tag/--path; narrowed to the job's snapshots here. */
  filter?: SnapshotFilter;
  /** Told which snapshot was chosen, before anything is read or touched. */
  onSnapshot?: (entry: SnapshotEntry) => void;
  /** Which dump of the snapshot (a database name); default: the only one. */
  database?: string;
  /** Database name, file path (sqlite) or directory (redis). Not needed with `list`. */
  into?: string;
  tables?: string[];
  schemas?: string[];
  force?: boolean;
  noOwner?: boolean;
  /** postgres: also apply the snapshot's globals.sql (roles, tablespaces) first. */
  globals?: boolean;
  /** Only list the dump's objects. */
  list?: boolean;
  /** Asked before replacing data in a non-empty target (only with `force`). */
  confirm?: (state: TargetState) => Promise<boolean>;
  signal: AbortSignal;
}

export interface DbRestoreOutcome {
  snapshotId: string;
  engine: string;
  /** The dump restored or listed. */
  database: string;
  target?: string;
  bytes?: number;
  created?: boolean;
  /** With `list`: one line per object. */
  objects?: string[];
  /** Table restore: the objects restored, and those left out with the reason. */
  objectsRestored?: DumpObject[];
  objectsSkipped?: SkippedDumpObject[];
  /** With `globals`: statements of globals.sql that failed (existing roles, usually). */
  globalsErrors?: string[];
  /** A replicated SQLite job restored at a moment: WAL batches and transactions replayed, up to when. */
  pointInTime?: { batches: number; transactions: number; upTo: string };
}

/** What of a restorer finding and reading dumps in a snapshot needs: the engine and its layout. */
export type DumpLayout = Pick<DbRestorer, 'engine' | 'root' | 'dumpPath' | 'dumpNames'>;

/** The dumps a snapshot holds (database names; the sqlite file name; `dump.rdb`). */
export async function dumpNamesIn(repo: Repository, snap: SnapshotEntry, r: DumpLayout, signal: AbortSignal): Promise<string[]> {
  const dir = await findNode(repo, snap, `/${r.root}`, signal).catch(() => undefined);
  if (dir?.type !== 'dir' || typeof dir.subtree !== 'string') {
    throw new UsageError(`restore: snapshot ${snap.id.slice(0, 8)} holds no ${r.engine} dump (no /${r.root} directory)`,
      { hint: 'is this a snapshot of this job? see lifeboat snapshots --job NAME' });
  }
  const tree = await repo.loadTree(dir.subtree, signal);
  return r.dumpNames(tree.nodes.filter((n) => n.type === 'file').map((n) => displayName(n.name)));
}

export async function fileStream(repo: Repository, snap: SnapshotEntry, path: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  const node = await findNode(repo, snap, path, signal);
  if (!node) throw new UsageError(`restore: ${path} is a directory`);
  return named(blobStream(repo, fileContent(node, `restore ${path}`), signal, 3), snap, path);
}

/** A damaged blob met while streaming names the snapshot and the file, not only blob and pack. */
async function* named(stream: AsyncIterable<Uint8Array>, snap: SnapshotEntry, path: string): AsyncGenerator<Uint8Array> {
  try {
    yield* stream;
  } catch (err) {
    if (!(err instanceof IntegrityError || err instanceof NotFoundError)) throw err;
    throw new IntegrityError(`restore: snapshot ${snap.id.slice(0, 8)}: ${path} is unusable: ${err.message}`, { cause: err });
  }
}

/**
 * Refuses a dump with a missing or damaged blob before the target is touched, naming snapshot,
 * file, blob and pack. `read`: every blob is read and verified first (a second read of the dump,
 * in parallel) — for MySQL, SQLite and Redis, whose restores cannot be undone. PostgreSQL only
 * needs the cheap presence check: pg_restore runs in one transaction (--single-transaction), so
 * damage met while streaming rolls everything back, and a database we created is dropped again.
 */
async function ensureWholeDump(repo: Repository, snap: SnapshotEntry, path: string, read: boolean, signal: AbortSignal): Promise<void> {
  const node = await findNode(repo, snap, path, signal);
  if (!node) throw new UsageError(`restore: ${path} is a directory`);
  const problems = await verifyFileContent(repo, fileContent(node, `restore ${path}`), { read, signal });
  if (problems.length === 0) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more damaged blob${problems.length > 2 ? 's' : ''})` : '';
  throw new IntegrityError(`restore: snapshot ${snap.id.slice(0, 8)}: ${path} is unusable: ${problems[0]!.message}${more}; nothing was restored`, {
    hint: 'restore an older snapshot of the job (lifeboat snapshots --job NAME); `lifeboat check --read-data` lists all damage',
    context: { snapshot: snap.id, file: path, blobs: problems.map((p) => ({ blob: p.blob, pack: p.pack })) },
  });
}

export async function runDatabaseRestore(
  config: Config, access: RepositoryAccess, job: JobConfig, opts: DbRestoreOptions,
): Promise<DbRestoreOutcome> {
  void config;
  const { signal } = opts;
  const restorer = await loadRestorer(job.source);
  if (!opts.list && !opts.into) throw new UsageError('restore: --into TARGET is required (database name, file path or directory)');
  if (opts.globals && !restorer.restoreGlobals) throw new UsageError('restore: --globals applies to postgres only');
  return withRepository(access, 'read', signal, async (repo, signal) => {
    await loadIndexForReading(repo, { warn: access.warn, signal });
    if (typeof opts.ref === 'object' && !opts.list && job.source.type === 'sqlite' && sqliteReplicationSettings(job.source)) {
      return restoreReplicatedSqliteAt(repo, job, restorer, opts.ref.at, opts, signal);
    }
    const snap = await selectSnapshot(repo, opts.ref, jobFilter(job.name, opts.filter), signal);
    opts.onSnapshot?.(snap);
    const engineTag = snap.snapshot.tags?.find((t) => t.startsWith('engine='))?.slice('engine='.length);
    if (engineTag !== undefined && engineTag !== restorer.engine) {
      throw new UsageError(`restore: snapshot ${snap.id.slice(0, 8)} is a ${engineTag} backup, but job ${job.name} is ${restorer.engine}`);
    }
    const names = await dumpNamesIn(repo, snap, restorer, signal);
    let database = opts.database;
    if (database === undefined) {
      if (names.length !== 1) {
        throw new UsageError(`restore: snapshot ${snap.id.slice(0, 8)} holds ${names.length} ${restorer.engine} dumps; choose one with --database`,
          { hint: `dumps: ${names.join(', ')}` });
      }
      database = names[0]!;
    } else if (!names.includes(database)) {
      throw new NotFoundError(`restore: snapshot ${snap.id.slice(0, 8)} has no dump of ${database}`, { hint: `dumps: ${names.join(', ') || 'none'}` });
    }
    const dumpPath = `/${restorer.dumpPath(database)}`;
    const base = { snapshotId: snap.id, engine: restorer.engine, database };

    if (opts.list) {
      if (!restorer.list) throw new UsageError(`restore --list: ${restorer.engine} dumps have no object list`);
      return { ...base, objects: await restorer.list(await fileStream(repo, snap, dumpPath, signal), signal) };
    }

    const target = opts.into!;
    await confirmTarget(restorer, target, opts);

    let globalsErrors: string[] | undefined;
    if (opts.globals) {
      await ensureWholeDump(repo, snap, `/${restorer.root}/globals.sql`, true, signal);
      globalsErrors = await restorer.restoreGlobals!(await fileStream(repo, snap, `/${restorer.root}/globals.sql`, signal), signal);
    }
    const r = await restoreDump(repo, snap, restorer, restorer, database, {
      target, force: opts.force ?? false, tables: opts.tables ?? [], schemas: opts.schemas ?? [], noOwner: opts.noOwner ?? false, signal,
    });
    return { ...base, target: r.target, bytes: r.bytes, created: r.created, ...(globalsErrors ? { globalsErrors } : {}),
      ...(r.objects ? { objectsRestored: r.objects, objectsSkipped: r.skipped ?? [] } : {}) };
  });
}

/** A target holding data needs `force` and the caller's confirmation. */
async function confirmTarget(restorer: DbRestorer, target: string, opts: DbRestoreOptions): Promise<void> {
  const state = await restorer.inspect(target, opts.signal);
  if (!state.nonEmpty) return;
  if (!opts.force) {
    throw new UsageError(`restore into ${state.describe}: the target is not empty (${state.detail})`,
      { hint: 'restore into a new target, or pass --force to replace the dump\'s objects there' });
  }
  const ok = opts.confirm ? await opts.confirm(state) : false;
  if (!ok) throw new UsageError(`restore into ${state.describe}: not confirmed, nothing changed`);
}

/**
 * A replicated SQLite job at a moment: rebuilt from a full snapshot plus the shipped WAL
 * (sqlite-wal/restore-at.ts) in a private temp dir, checked, then restored like a snapshot's copy.
 */
async function restoreReplicatedSqliteAt(
  repo: Repository, job: JobConfig, restorer: DbRestorer, at: Date, opts: DbRestoreOptions, signal: AbortSignal,
): Promise<DbRestoreOutcome> {
  const built = await buildSqliteAt(repo, job, at, signal);
  try {
    opts.onSnapshot?.(built.snapshot);
    const target = opts.into!;
    await confirmTarget(restorer, target, opts);
    const r = await restorer.restore(createReadStream(built.path), { target, force: opts.force ?? false, tables: [], schemas: [], noOwner: false, signal });
    return {
      snapshotId: built.snapshot.id, engine: restorer.engine, database: built.database, target: r.target, bytes: r.bytes, created: r.created,
      pointInTime: { batches: built.batches, transactions: built.transactions, upTo: built.upTo.toISOString() },
    };
  } finally {
    await built.cleanup();
  }
}

/**
 * One dump of a selected snapshot into `req.target` with `target`'s operations (the job's
 * server, or a drill's scratch server): refused before anything is touched when the dump is not
 * whole (see ensureWholeDump), then streamed, blob by blob, into the restore tool.
 */
export async function restoreDump(
  repo: Repository, snap: SnapshotEntry, layout: DumpLayout, target: RestoreTarget, database: string, req: DbRestoreRequest,
): Promise<DbRestoreResult> {
  const dumpPath = `/${layout.dumpPath(database)}`;
  await ensureWholeDump(repo, snap, dumpPath, layout.engine !== 'postgres', req.signal);
  return target.restore(await fileStream(repo, snap, dumpPath, req.signal), req);
}
