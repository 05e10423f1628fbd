// `lifeboat restore --job NAME --at TIME|latest --data-dir DIR [--start --port P]`: a WAL job's
// PostgreSQL data directory as of TIME, replayed from its archive (app/pitr/restore-to-time.ts).

import { resolve } from 'node:path';
import type { CommandContext, ParsedArgs } from '../command.ts';
import { atTime } from '../access.ts';
import { loadConfigFor } from '../job-access.ts';
import { UsageError } from '../../errors.ts';
import { formatLocalTime } from '../../core/point-in-time.ts';
import { restoreToPointInTime } from '../../app/pitr/restore-to-time.ts';
import { openJobRecoverySource } from '../../app/pitr/job-source.ts';
import type { BaseBackupRef, RecoveryTarget } from '../../app/pitr/base-backup-choice.ts';
import { DEFAULT_OS_USER, type ServerUser } from '../../app/pitr/build-data-dir.ts';

export const PITR_USAGE = [
  '       lifeboat [--config FILE] restore --job NAME --at TIME|latest --data-dir DIR [--start --port P]',
  '                                  (a PostgreSQL job with wal enabled: a data directory as of TIME)',
];

export const PITR_HELP = [
  '',
  'Point in time (a postgres job with `wal: {enabled: true}`, --data-dir):',
  'Builds DIR (absent or empty) from the newest base backup consistent at or before TIME and sets',
  'PostgreSQL to replay the archived WAL up to TIME, inclusive, then promote; --at latest replays',
  'everything archived. Archiving is off in the restored server.',
  '      --data-dir DIR        the new data directory (owned by --os-user, mode 0700)',
  '      --start               start it and wait until recovery is over and it takes writes',
  '      --port P              the port it listens on (required with --start)',
  '      --os-user USER        the OS user the server runs as when Lifeboat is root (default postgres)',
  '      --pg-bin DIR          where pg_ctl and psql are (default: PATH, else /usr/lib/postgresql/N/bin)',
  '      --timeout SECONDS     how long --start waits for recovery (default 3600)',
];

export const SERVER_OPTIONS = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  'os-user': { type: 'string' },
  'pg-bin': { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const PITR_OPTIONS = { ...SERVER_OPTIONS, start: { type: 'boolean' } } as const;

export function serverUserFrom(values: Record<string, unknown>): ServerUser {
  const bin = values['pg-bin'] as string | undefined;
  return { osUser: (values['os-user'] as string | undefined) ?? DEFAULT_OS_USER, ...(bin ? { binDir: resolve(bin) } : {}) };
}

export function portFrom(values: Record<string, unknown>, verb: string, required: boolean): number | undefined {
  const text = values.port as string | undefined;
  if (text === undefined) {
    if (required) throw new UsageError(`${verb}: --port P is required`, { hint: 'a free port: the restored server must not collide with the one it replaces' });
    return undefined;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${verb}: --port "${text}" is not a port number`);
  return port;
}

export function timeoutFrom(values: Record<string, unknown>, fallback: number): number {
  const text = values.timeout as string | undefined;
  if (text === undefined) return fallback;
  const s = Number(text);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError(`--timeout "${text}": give a number of seconds`);
  return s;
}

export function announceBaseBackup(ctx: CommandContext): (b: BaseBackupRef) => void {
  return (b) => {
    if (ctx.global.quiet || ctx.global.json) return;
    ctx.io.stderr.write(`using base backup ${b.snapshotId.slice(0, 8)}, consistent from ${formatLocalTime(b.stopTime)}\n`);
  };
}

export async function runPitrRestore(ctx: CommandContext, { values, positionals }: ParsedArgs): Promise<number> {
  const job = values.job as string | undefined;
  if (!job) throw new UsageError('restore --data-dir: --job NAME is required (a postgres job with wal enabled)');
  if (positionals.length > 0) throw new UsageError('restore --data-dir: no snapshot argument; give --at TIME or --at latest');
  const atText = values.at as string | undefined;
  if (atText === undefined) throw new UsageError('restore --data-dir: give --at TIME (or --at latest)');
  const target: RecoveryTarget = atText.trim() === 'latest' ? 'latest' : { at: atTime(values)! };
  const dataDir = resolve(values['data-dir'] as string);
  const start = values.start === true;
  const port = portFrom(values, 'restore --start', start);
  const config = await loadConfigFor(ctx);
  const source = await openJobRecoverySource(config, job, ctx.signal);
  try {
    const r = await restoreToPointInTime(source, {
      target, dataDir, user: serverUserFrom(values), ...(port !== undefined ? { port } : {}), start,
      timeoutS: timeoutFrom(values, 3600), signal: ctx.signal, onBaseBackup: announceBaseBackup(ctx),
      onPhase: (p) => { if (p === 'replaying') ctx.progress.update(`replaying WAL from the archive of job ${job}…`); },
    });
    ctx.progress.done();
    const to = target === 'latest' ? 'the end of the archive' : formatLocalTime(target.at);
    ctx.json({
      message_type: 'summary', job, data_dir: dataDir, target: target === 'latest' ? 'latest' : target.at.toISOString(),
      base_backup: r.baseBackup.snapshotId, started: r.started !== undefined,
      ...(r.started ? { port: r.started.port, socket_dir: r.started.socketDir, timeline: r.started.timeline,
        last_replayed_commit: r.started.lastReplayedCommit?.toISOString(), recovery_seconds: r.started.recoverySeconds } : {}),
    });
    if (!r.started) {
      ctx.say(`built ${dataDir} from base backup ${r.baseBackup.snapshotId.slice(0, 8)}, set to replay job ${job}'s archive to ${to}`);
      ctx.say(`start it with: pg_ctl start -D ${dataDir}${port === undefined ? ' -o "-p PORT"' : ''} (as ${serverUserFrom(values).osUser}); it promotes itself when the target is reached`);
      return 0;
    }
    const s = r.started;
    ctx.say(`restored job ${job} to ${to} in ${dataDir}: recovery done in ${s.recoverySeconds.toFixed(1)} s, timeline ${s.timeline ?? '?'}` +
      `${s.lastReplayedCommit ? `, last transaction committed ${formatLocalTime(s.lastReplayedCommit)}` : ''}`);
    ctx.say(`connect with: psql -h ${s.socketDir || '127.0.0.1'} -p ${s.port} -U ${serverUserFrom(values).osUser} (or -h 127.0.0.1); archiving is off`);
    return 0;
  } finally {
    ctx.progress.done();
    await source.close();
  }
}
