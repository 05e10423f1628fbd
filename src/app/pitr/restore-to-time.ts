// `restore --job NAME --at TIME|latest --data-dir DIR [--start --port P]`: a data directory
// replaying the job's WAL archive up to TIME (inclusive) and promoting there, or to the end of the
// archive; with `start`, the server is started and awaited until recovery is over and it
// accepts writes.

import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError, SourceError } from '../../errors.ts';
import { formatLocalTime } from '../../core/point-in-time.ts';
import { postgresServer, type ServerUser } from '../../sources/postgres/index.ts';
import type { BaseBackupRef, RecoveryTarget } from './base-backup-choice.ts';
import { buildDataDir } from './build-data-dir.ts';
import type { RecoverySource } from './recovery-source.ts';

export interface PitrOptions {
  target: RecoveryTarget;
  dataDir: string;
  user: ServerUser;
  port?: number;
  start?: boolean;
  /** Seconds to wait for recovery to finish (default 3600: replay of a long archive takes time). */
  timeoutS?: number;
  signal?: AbortSignal;
  onBaseBackup?(b: BaseBackupRef): void;
  onPhase?(phase: 'building' | 'starting' | 'replaying'): void;
}

export interface PitrResult {
  baseBackup: BaseBackupRef;
  dataDir: string;
  started?: Running;
}

export interface Running {
  port: number;
  socketDir: string;
  timeline?: number;
  /** Commit time of the last transaction replayed. */
  lastReplayedCommit?: Date;
  recoverySeconds: number;
}

export async function restoreToPointInTime(source: RecoverySource, opts: PitrOptions): Promise<PitrResult> {
  opts.onPhase?.('building');
  const built = await buildDataDir(source, 'recovery', opts.target, opts);
  if (!opts.start) return { baseBackup: built.baseBackup, dataDir: opts.dataDir };
  const started = await startAndAwaitRecovery(opts.dataDir, opts.user, opts.target, opts.timeoutS ?? 3600, opts.onPhase, opts.signal);
  return { baseBackup: built.baseBackup, dataDir: opts.dataDir, started };
}

/** PostgreSQL 15 stops with this FATAL when the archive ends before the recovery target. */
const TARGET_NOT_REACHED = /recovery ended before configured recovery target was reached/;

export async function startAndAwaitRecovery(dataDir: string, user: ServerUser, target: RecoveryTarget, timeoutS: number,
  onPhase?: PitrOptions['onPhase'], signal?: AbortSignal): Promise<Running> {
  const server = await postgresServer();
  const began = Date.now();
  onPhase?.('starting');
  try {
    await server.startServer(dataDir, user, timeoutS, signal);
  } catch (err) {
    throw await explainFailedRecovery(dataDir, target, err);
  }
  onPhase?.('replaying');
  for (;;) {
    signal?.throwIfAborted();
    let state;
    try {
      state = await server.replayState(dataDir, user, signal);
    } catch (err) {
      if (!(await server.serverRunning(dataDir, user))) throw await explainFailedRecovery(dataDir, target, err);
      state = undefined; // not accepting connections yet
    }
    if (state && !state.inRecovery) {
      const addr = await server.serverAddress(dataDir);
      return {
        port: addr?.port ?? 0, socketDir: addr?.socketDir ?? '',
        ...(state.timeline !== undefined ? { timeline: state.timeline } : {}),
        ...(state.lastReplayedCommit ? { lastReplayedCommit: state.lastReplayedCommit } : {}),
        recoverySeconds: (Date.now() - began) / 1000,
      };
    }
    if (Date.now() - began > timeoutS * 1000) {
      throw new SourceError(`PostgreSQL in ${dataDir} is still replaying WAL after ${timeoutS} s; it goes on in the background`, null, '',
        { hint: `watch ${dataDir}/log or ${dataDir}/lifeboat-server.log; stop it with pg_ctl stop -D ${dataDir}` });
    }
    await sleep(250, undefined, { signal });
  }
}

async function explainFailedRecovery(dataDir: string, target: RecoveryTarget, err: unknown): Promise<Error> {
  const server = await postgresServer();
  const tail = await server.serverLogTail(dataDir, 30);
  if (TARGET_NOT_REACHED.test(tail) && target !== 'latest') {
    return new SourceError(
      `the archive ends before ${formatLocalTime(target.at)}: PostgreSQL replayed every archived WAL file without reaching a ` +
      `transaction committed after that time, so it cannot tell that the target was reached, and stopped`,
      null, tail,
      {
        hint: `restore with --at latest for everything archived (the newest commits may still be waiting in the primary's ` +
          `pg_wal until its next segment switch, at most archive_timeout); remove ${dataDir} first`,
        cause: err,
      });
  }
  if (err instanceof LifeboatError && /the end of its log/.test(err.message)) return err;
  return new SourceError(`PostgreSQL in ${dataDir} stopped during recovery${tail ? `; the end of its log:\n${tail}` : ''}`, null, tail, { cause: err });
}
