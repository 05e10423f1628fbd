// `standby`: a warm standby built from the job's newest base backup, replaying the archive as it
// grows (PostgreSQL asks restore_command for the next segment every wal_retrieve_retry_interval);
// `promote`: it leaves recovery and takes writes on a new timeline; the replay lag `status` shows.

import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceError } from '../../errors.ts';
import { postgresServer, type ServerUser } from '../../sources/postgres/index.ts';
import type { BaseBackupRef } from './base-backup-choice.ts';
import { buildDataDir } from './build-data-dir.ts';
import type { RecoverySource } from './recovery-source.ts';
import { findStandby, saveStandby, type StandbyRecord } from './standby-registry.ts';

export interface StandbyOptions {
  dataDir: string;
  port: number;
  user: ServerUser;
  stateDir: string;
  timeoutS?: number;
  signal?: AbortSignal;
  onBaseBackup?(b: BaseBackupRef): void;
}

export async function createStandby(source: RecoverySource, opts: StandbyOptions): Promise<StandbyRecord> {
  const dataDir = resolve(opts.dataDir);
  const built = await buildDataDir(source, 'standby', 'latest', { ...opts, dataDir });
  const server = await postgresServer();
  // pg_ctl -w returns once the standby is consistent and takes read-only connections.
  await server.startServer(dataDir, opts.user, opts.timeoutS ?? 3600, opts.signal);
  const record: StandbyRecord = {
    job: source.job, dataDir, port: opts.port, osUser: opts.user.osUser, ...(opts.user.binDir ? { binDir: opts.user.binDir } : {}),
    createdAt: new Date().toISOString(), baseBackup: built.baseBackup.snapshotId, baseBackupStopTime: built.baseBackup.stopTime.toISOString(),
  };
  await saveStandby(opts.stateDir, record);
  return record;
}

export interface Promoted {
  dataDir: string;
  timeline: number;
  record?: StandbyRecord;
  seconds: number;
}

/** Promote the standby in `dataDir` and wait until it accepts writes. */
export async function promoteStandby(dataDir: string, user: ServerUser, stateDir: string, timeoutS = 300, signal?: AbortSignal): Promise<Promoted> {
  const dir = resolve(dataDir);
  const began = Date.now();
  const record = await findStandby(stateDir, dir);
  const as: ServerUser = record ? { osUser: record.osUser, ...(record.binDir ? { binDir: record.binDir } : {}) } : user;
  const server = await postgresServer();
  if (!(await server.serverRunning(dir, as))) throw new SourceError(`no PostgreSQL server runs in ${dir}: start the standby before promoting it`, null, '');
  await server.promoteServer(dir, as, timeoutS, signal);
  for (;;) {
    const state = await server.replayState(dir, as, signal);
    if (!state.inRecovery && state.timeline !== undefined) {
      // A transaction ID is only assigned on a server that takes writes.
      await server.queryServer(dir, 'select txid_current()', as, signal);
      const promoted = record ? { ...record, promotedAt: new Date().toISOString(), timeline: state.timeline } : undefined;
      if (promoted) await saveStandby(stateDir, promoted);
      return { dataDir: dir, timeline: state.timeline, ...(promoted ? { record: promoted } : {}), seconds: (Date.now() - began) / 1000 };
    }
    if (Date.now() - began > timeoutS * 1000) throw new SourceError(`the standby in ${dir} did not leave recovery within ${timeoutS} s`, null, await server.serverLogTail(dir));
    await sleep(200, undefined, { signal });
  }
}

export interface StandbyStatus {
  record: StandbyRecord;
  state: 'replaying' | 'promoted' | 'stopped' | 'unreachable';
  /**
   * Seconds the standby is behind, as defined in docs/wal.md: 0 when it has replayed up to the
   * newest WAL segment the archive holds; otherwise the server's clock minus the commit time of
   * the last transaction it replayed (or of the base backup's end, when it replayed none).
   */
  lagSeconds?: number;
  caughtUp?: boolean;
  replayLsn?: string;
  lastReplayedCommit?: Date;
  newestArchived?: string;
  error?: string;
}

export async function standbyStatus(record: StandbyRecord, newestArchived: (signal?: AbortSignal) => Promise<string | undefined>,
  signal?: AbortSignal): Promise<StandbyStatus> {
  const baseBackupEnd = record.baseBackupStopTime ? new Date(record.baseBackupStopTime) : undefined;
  const server = await postgresServer();
  const user: ServerUser = { osUser: record.osUser, ...(record.binDir ? { binDir: record.binDir } : {}) };
  if (!(await server.serverRunning(record.dataDir, user))) return { record, state: record.promotedAt ? 'promoted' : 'stopped' };
  let state;
  try {
    state = await server.replayState(record.dataDir, user, signal);
  } catch (err) {
    return { record, state: 'unreachable', error: (err as Error).message };
  }
  if (!state.inRecovery) return { record, state: 'promoted' };
  const newest = await newestArchived(signal);
  const lag = replayLag(state, newest, baseBackupEnd);
  return {
    record, state: 'replaying', ...lag, replayLsn: state.lsn,
    ...(state.lastReplayedCommit ? { lastReplayedCommit: state.lastReplayedCommit } : {}),
    ...(newest ? { newestArchived: newest } : {}),
  };
}

/** The lag definition (pure): see StandbyStatus.lagSeconds. */
export function replayLag(state: { lsn: string; lastReplayedCommit?: Date; now: Date; walSegmentBytes: number }, newestArchived: string | undefined,
  baseBackupEnd?: Date): { caughtUp: boolean; lagSeconds?: number } {
  const replayed = state.lsn ? segmentPart(state.lsn, state.walSegmentBytes) : undefined;
  const caughtUp = replayed !== undefined && (newestArchived === undefined || newestArchived.slice(8) <= replayed);
  if (caughtUp) return { caughtUp, lagSeconds: 0 };
  const since = state.lastReplayedCommit ?? baseBackupEnd;
  return { caughtUp, ...(since ? { lagSeconds: Math.max(0, (state.now.getTime() - since.getTime()) / 1000) } : {}) };
}

/** Log and segment (the last 16 hex digits of a WAL file name) holding `lsn`. */
export function segmentPart(lsn: string, segmentBytes: number): string {
  const [hi = 0, lo = 0] = lsn.split('/').map((h) => parseInt(h, 16));
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(hi) + hex(Math.floor(lo / segmentBytes));
}
