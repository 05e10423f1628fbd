// A WAL job's backup: `pg_basebackup` of the whole cluster as one tar stream into the snapshot
// (`postgres/base.tar`), never on local disk, then `postgres/lifeboat-base-backup.json`
// describing it (timeline, start and stop positions and their segments, times, system
// identifier). `-X none`: the WAL the backup needs is in the job's WAL archive, and
// pg_basebackup waits until the server has archived the last segment it needs, so a saved
// snapshot is restorable from the moment it exists.

import { SourceError } from '../../errors.ts';
import { segmentBeforeLsn, segmentOfLsn } from '../../core/wal-names.ts';
import type { Source, StreamEntry } from '../types.ts';
import { spawnTool } from '../process.ts';
import { bufferEntry, toolEntry } from '../stream-entries.ts';
import type { PgConnection } from './connection.ts';
import { describeServer, pgArgs, pgEnv, pgFdFiles, pgSecrets, withPgClient } from './connection.ts';
import { manifestWalRange, watchTar } from './tar-watch.ts';
import { BASE_BACKUP_TAG, POSTGRES_BASE_INFO_PATH, POSTGRES_BASE_TAR_PATH, type BaseBackupInfo } from './layout.ts';

export interface BaseBackupSourceOptions extends PgConnection {
  job: string;
  /** pg_basebackup binary (default on PATH). */
  pgBasebackupPath?: string;
  signal?: AbortSignal;
  env?: Record<string, string>;
}


const MANIFEST = 'backup_manifest';

export function baseBackupSource(opts: BaseBackupSourceOptions): Source {
  const server = describeServer(opts);

  async function* entries(entrySignal: AbortSignal): AsyncGenerator<StreamEntry> {
    const signal = opts.signal ? AbortSignal.any([entrySignal, opts.signal]) : entrySignal;
    const startTime = new Date();
    const cluster = await withPgClient(opts, 'postgres', 'postgres base backup: connect', signal, async (c) => {
      const r = await c.query<{ sysid: string; version: string; seg: string; archive: string; level: string }>(
        `SELECT (SELECT system_identifier::text FROM pg_control_system()) AS sysid,
                current_setting('server_version') AS version,
                current_setting('wal_segment_size') AS seg,
                current_setting('archive_mode') AS archive,
                current_setting('wal_level') AS level`);
      return r.rows[0]!;
    });
    if (cluster.archive === 'off' || cluster.level === 'minimal') {
      throw new SourceError(
        `postgres base backup of ${server}: WAL archiving is not on (archive_mode=${cluster.archive}, wal_level=${cluster.level})`,
        null, '', { hint: `set archive_mode, wal_level and archive_command as \`lifeboat wal setup --job ${opts.job}\` prints, then restart PostgreSQL` });
    }
    const segSize = parseSegmentSize(cluster.seg);

    const stat = { path: POSTGRES_BASE_TAR_PATH, bytes: 0, durationMs: 0 };
    const tool = spawnTool({
      label: `pg_basebackup of ${server}`,
      command: opts.pgBasebackupPath ?? 'pg_basebackup',
      // Tar to stdout (one tablespace: the backup manifest goes into the same stream), no WAL
      // (the archive has it), a fast checkpoint so the backup starts now.
      args: [...pgArgs(opts), '--pgdata=-', '--format=tar', '--wal-method=none', '--checkpoint=fast', '--manifest-checksums=CRC32C'],
      env: { ...opts.env, ...pgEnv(opts) }, fdFiles: pgFdFiles(opts), secrets: pgSecrets(opts), signal,
      stderrTailBytes: 16384,
      hint: "check that the user has the REPLICATION attribute, pg_hba.conf allows a replication connection, max_wal_senders > 0, and the archive_command succeeds (pg_basebackup waits for the backup's last segment to be archived)",
    });
    // The manifest (last member of the stream) holds the WAL range the backup needs.
    const watch = watchTar(tool.stdout, [MANIFEST]);
    const entry = toolEntry(stat, { ...tool, stdout: watch.stream });
    yield entry;
    await entry.done;
    const result = await tool.done;
    const manifest = watch.members.get(MANIFEST);
    const pos = manifest && manifestWalRange(manifest);
    if (!pos) throw new SourceError(`pg_basebackup of ${server}: no backup_manifest with WAL-Ranges in its tar stream`, null, result.stderrTail);
    const info: BaseBackupInfo = {
      format: 1,
      job: opts.job,
      timeline: pos.timeline,
      startLsn: pos.startLsn,
      startSegment: segmentOfLsn(pos.timeline, pos.startLsn, segSize),
      stopLsn: pos.stopLsn,
      // A backup never ends on another timeline than it started on: promotion during a backup fails it.
      stopSegment: segmentBeforeLsn(pos.timeline, pos.stopLsn, segSize),
      startTime: startTime.toISOString(),
      stopTime: new Date().toISOString(),
      systemIdentifier: cluster.sysid,
      serverVersion: cluster.version,
      bytes: stat.bytes,
      walSegmentSize: segSize,
    };
    yield bufferEntry(POSTGRES_BASE_INFO_PATH, Buffer.from(JSON.stringify(info, null, 2) + '\n'));
  }

  return { kind: 'postgres', entries, tags: () => ['engine=postgres', BASE_BACKUP_TAG] };
}

/** `16MB` (SHOW's unit) or a byte count → bytes. */
function parseSegmentSize(s: string): number {
  const m = /^(\d+)\s*(B|kB|MB|GB)?$/.exec(s.trim());
  if (!m) throw new SourceError(`postgres base backup: unexpected wal_segment_size ${JSON.stringify(s)}`, null, '');
  const units: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
  return Number(m[1]) * units[m[2] ?? 'B']!;
}
