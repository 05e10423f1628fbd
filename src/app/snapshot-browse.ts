// Looking into a job's snapshots from the dashboard: its snapshots in each of its repositories,
// one directory of a snapshot's tree, one file streamed out (every blob verified, the length
// checked against the tree), and the objects of a database dump. Each opens the repository
// through withRepository like the CLI's ls, dump and restore --list, and only ever sees the
// job's own snapshots (the job= tag filter), in one of the job's own repositories.

import type { Writable } from 'node:stream';
import type { Config, JobConfig, RepositoryConfig } from '../config/types.ts';
import { dumpFile } from '../engine/restorer/dump.ts';
import { findNode, listSnapshot } from '../engine/restorer/snapshot-walk.ts';
import { loadIndexForReading } from '../engine/repair/load-index.ts';
import { IntegrityError, NotFoundError, UsageError } from '../errors.ts';
import type { SnapshotEntry, TreeNode } from '../repo/types.ts';
import { findSourceDescriptor, loadRestorer } from '../sources/registry.ts';
import { requireRepository } from './api-queries.ts';
import { repositoryAccessFor, requireJob } from './config-access.ts';
import { runDatabaseRestore } from './db-restore.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { jobInfo, snapshotJson } from './snapshot-info.ts';
import { jobFilter, listSnapshotsAt, selectSnapshot } from './snapshots.ts';

/** A person waits for a page: a repository locked by a prune answers soon rather than in 10 minutes. */
const BROWSE_RETRY_LOCK_MS = 5_000;

export interface BrowseEntry {
  name: string;
  /** Path inside the snapshot, `/`-separated. */
  path: string;
  type: TreeNode['type'];
  size?: number;
  mtime?: string;
  linkTarget?: string;
}

export interface DirectoryPage {
  snapshot: Record<string, unknown>;
  repository: string;
  path: string;
  entries: BrowseEntry[];
  /** More entries follow this page (pass `offset + entries.length`). */
  more: boolean;
}

async function jobRepository(config: Config, jobName: string, repoName: string | undefined): Promise<{ job: JobConfig; repo: RepositoryConfig; access: RepositoryAccess }> {
  const job = requireJob(config, jobName);
  const name = repoName ?? job.repositories[0]!;
  if (!job.repositories.includes(name)) {
    throw new NotFoundError(`repository ${name}: job ${job.name} does not write to it`, { hint: `its repositories: ${job.repositories.join(', ')}` });
  }
  const repo = requireRepository(config, name);
  const access = await repositoryAccessFor(config, repo);
  return { job, repo, access: { ...access, retryLockMs: BROWSE_RETRY_LOCK_MS } };
}

/** The job's snapshots in each of its repositories (oldest first); a repository that cannot be read has `error`. */
export async function jobSnapshotsByRepository(config: Config, jobName: string, signal: AbortSignal): Promise<Array<{ repository: string; snapshots: Array<Record<string, unknown>>; error?: string }>> {
  const job = requireJob(config, jobName);
  return Promise.all(job.repositories.map(async (name) => {
    try {
      const access = await repositoryAccessFor(config, requireRepository(config, name), signal);
      const entries = await listSnapshotsAt(access, jobFilter(job.name), signal);
      return { repository: name, snapshots: entries.map(snapshotJson) };
    } catch (err) {
      return { repository: name, snapshots: [], error: err instanceof Error ? err.message : String(err) };
    }
  }));
}

/** One directory of a snapshot (not recursive), `limit` entries from `offset`, in tree order. */
export async function listSnapshotDirectory(
  config: Config, jobName: string, opts: { repository?: string; snapshot: string; path: string; offset: number; limit: number }, signal: AbortSignal,
): Promise<DirectoryPage> {
  const { job, repo, access } = await jobRepository(config, jobName, opts.repository);
  return withRepository(access, 'none', signal, async (r, signal) => {
    await loadIndexForReading(r, { warn: access.warn, signal });
    const snap = await selectSnapshot(r, opts.snapshot, jobFilter(job.name), signal);
    const path = normalise(opts.path);
    const entries: BrowseEntry[] = [];
    let seen = 0;
    let more = false;
    for await (const { path: p, node } of listSnapshot(r, snap, { path, recursive: false, signal })) {
      if (p === path && path !== '/') {
        if (node.type !== 'dir') throw new UsageError(`snapshot ${snap.id.slice(0, 8)}: ${path} is not a directory`);
        continue;
      }
      if (seen++ < opts.offset) continue;
      if (entries.length === opts.limit) { more = true; break; }
      entries.push({
        name: p.slice(p.lastIndexOf('/') + 1), path: p, type: node.type,
        ...(node.type === 'file' && node.size !== undefined ? { size: node.size } : {}),
        ...(node.mtime !== undefined ? { mtime: node.mtime } : {}),
        ...(node.linktarget !== undefined ? { linkTarget: node.linktarget } : {}),
      });
    }
    return { snapshot: snapshotJson(snap), repository: repo.name, path, entries, more };
  });
}

export interface FileStart {
  snapshotId: string;
  /** The file's name (last path component), for Content-Disposition. */
  name: string;
  size: number;
}

/**
 * Streams one file of a job's snapshot to `out` (not ended here), each blob verified against its
 * ID as it is read. `onStart` is called once the file is found, before the first byte, so the
 * caller can answer "not found" cleanly or set headers. A length that differs from the tree's is
 * an IntegrityError thrown after the last byte: the caller must then fail the transfer.
 */
export async function streamSnapshotFile(
  config: Config, jobName: string, opts: { repository?: string; snapshot: string; path: string },
  out: Writable, onStart: (f: FileStart) => void, signal: AbortSignal,
): Promise<{ bytes: number }> {
  const { job, access } = await jobRepository(config, jobName, opts.repository);
  return withRepository(access, 'read', signal, async (r, signal) => {
    await loadIndexForReading(r, { warn: access.warn, signal });
    const snap = await selectSnapshot(r, opts.snapshot, jobFilter(job.name), signal);
    const path = normalise(opts.path);
    const node = await findNode(r, snap, path, signal);
    if (node?.type !== 'file') throw new UsageError(`snapshot ${snap.id.slice(0, 8)}: ${path} is not a regular file`);
    onStart({ snapshotId: snap.id, name: path.slice(path.lastIndexOf('/') + 1), size: node.size ?? 0 });
    const { bytes, size } = await dumpFile(r, snap, path, out, signal);
    if (bytes !== size) {
      throw new IntegrityError(`snapshot ${snap.id.slice(0, 8)}: ${path}: read ${bytes} bytes, the tree says ${size}`);
    }
    return { bytes };
  });
}

export interface DumpObjects {
  database: string;
  /** One line per object, as `lifeboat restore --list` prints them. */
  objects?: string[];
  error?: string;
}

/**
 * The objects of each dump in a database job's snapshot (`restore --list`); undefined when the
 * job's engine has no object list (files, command, sqlite, redis).
 */
export async function snapshotDumpObjects(
  config: Config, jobName: string, opts: { repository?: string; snapshot: string }, signal: AbortSignal,
): Promise<DumpObjects[] | undefined> {
  const { job, access } = await jobRepository(config, jobName, opts.repository);
  if (!findSourceDescriptor(job.source.type)?.restore || !(await loadRestorer(job.source)).list) return undefined;
  const snap: SnapshotEntry = await withRepository(access, 'none', signal, (r, s) => selectSnapshot(r, opts.snapshot, jobFilter(job.name), s));
  const databases = jobInfo(snap.snapshot).databases;
  const out: DumpObjects[] = [];
  for (const database of databases.length ? databases : [undefined]) {
    try {
      const r = await runDatabaseRestore(config, access, job, { ref: snap.id, list: true, ...(database ? { database } : {}), signal });
      out.push({ database: r.database, objects: r.objects ?? [] });
    } catch (err) {
      out.push({ database: database ?? '(default)', error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

function normalise(path: string): string {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new UsageError(`path ${path}: .. is not allowed`);
  return `/${parts.join('/')}`;
}
