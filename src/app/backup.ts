// Backup use-cases: paths, or streams (stdin, a command, a database source). Each holds a
// shared lock for its whole run, so prune waits for it and it waits for prune. Blobs whose pack
// is gone from storage count as absent and are stored again (loadIndexForWriting).

import { backupPaths } from '../engine/archiver/archiver.ts';
import { backupStreams } from '../engine/archiver/stream-archiver.ts';
import type { BackupPathsOptions, BackupResult, BackupStreamsOptions } from '../engine/archiver/types.ts';
import { NotFoundError } from '../errors.ts';
import type { StreamEntry } from '../sources/types.ts';
import { commandStream, stdinStream } from '../sources/command/index.ts';
import { jobEnvOverlay } from '../sources/child-env.ts';
import type { Readable } from 'node:stream';
import { loadIndexForWriting } from '../engine/repair/load-index.ts';
import { withRepository, type RepositoryAccess } from './repository-access.ts';
import { PROGRAM_VERSION } from '../version.ts';


export interface PathsBackupRequest extends Omit<BackupPathsOptions, 'parent' | 'signal'> {
  paths: string[];
  /** Snapshot ID (prefix) to compare against, `none`, or undefined for restic's automatic choice. */
  parent?: string;
}

export function runPathsBackup(access: RepositoryAccess, req: PathsBackupRequest, signal: AbortSignal): Promise<BackupResult> {
  return withRepository(access, 'shared', signal, async (repo, signal) => {
    await loadIndexForWriting(repo, { warn: access.warn, signal });
    const parent = req.parent === undefined ? 'auto' as const
      : req.parent === 'none' ? undefined
      : await repo.findSnapshot(req.parent, signal).catch((cause: unknown) => {
        throw new NotFoundError(`backup: parent snapshot ${req.parent} not found`, { cause });
      });
    return backupPaths(repo, req.paths, { ...req, parent, signal, extra: { program_version: PROGRAM_VERSION, ...req.extra } });
  });
}

export function runStreamBackup(
  access: RepositoryAccess,
  entries: AsyncIterable<StreamEntry>,
  opts: Omit<BackupStreamsOptions, 'signal'>,
  signal: AbortSignal,
): Promise<BackupResult> {
  return withRepository(access, 'shared', signal, async (repo, signal) => {
    await loadIndexForWriting(repo, { warn: access.warn, signal });
    return backupStreams(repo, entries, { ...opts, signal, extra: { program_version: PROGRAM_VERSION, ...opts.extra } });
  });
}

/** `backup --stdin`: standard input stored as one file named `filename`. */
export function runStdinBackup(
  access: RepositoryAccess, input: { filename: string; stdin: Readable }, opts: Omit<BackupStreamsOptions, 'signal'>, signal: AbortSignal,
): Promise<BackupResult> {
  return runStreamBackup(access, one(stdinStream(input.filename, { stdin: input.stdin as never })), opts, signal);
}

/** `backup --stdin-from-command -- CMD…`: the command's output; a failing command leaves no snapshot. */
export function runCommandBackup(
  access: RepositoryAccess, input: { filename: string; argv: string[]; passEnv?: string[]; env?: NodeJS.ProcessEnv },
  opts: Omit<BackupStreamsOptions, 'signal'>, signal: AbortSignal,
): Promise<BackupResult> {
  // The command sees a scrubbed environment: no repository password, no cloud secrets, unless passed on.
  const env = jobEnvOverlay({ passEnv: input.passEnv ?? [] }, input.env ?? process.env);
  return runStreamBackup(access, one(commandStream(input.argv, { path: input.filename, signal, env })), opts, signal);
}

async function* one<T>(item: T): AsyncGenerator<T> {
  yield item;
}
