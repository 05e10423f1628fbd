import type { Command } from '../command.ts';
import { accessFromContext, announceSnapshot, AT_OPTION, NO_LOCK_OPTION, snapshotChoice, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS, stringList, withNoLock } from '../access.ts';
import { accessForJob } from '../job-access.ts';
import { runRestore } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes, formatTransfer, count } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { DB_RESTORE_USAGE, runDbRestore } from './restore-db.ts';
import { RESTORE_ALL_OPTIONS, RESTORE_ALL_USAGE, runRestoreAll } from './restore-all.ts';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a snapshot (or some paths of it) into a directory, or a database dump into a database',
  usage: [
    'Usage: lifeboat restore SNAPSHOT|latest --target DIR [--include PATTERN]… [--host H] [--tag T] [--path P]',
    '       lifeboat [--config FILE] restore SNAPSHOT|latest --job NAME --target DIR   (a files job)',
    ...DB_RESTORE_USAGE,
    ...RESTORE_ALL_USAGE,
    '',
    'Instead of SNAPSHOT, --at TIME picks the newest snapshot at or before TIME (ISO 8601, or',
    '2026-11-20 14:00 in local time).',
    '',
    'File restore (--target):',
    'Every restored byte is verified against its blob ID. --include takes paths or globs',
    'inside the snapshot (e.g. /srv/app/config, *.sql). `latest` is the newest snapshot matching',
    '--host/--tag/--path (and --job), as restic picks it. --no-lock restores without locking the',
    'repository (for read-only media; a read-only repository is detected and read unlocked anyway).',
  ].join('\n'),
  options: {
    target: { type: 'string', short: 't' },
    include: { type: 'string', short: 'i', multiple: true },
    job: { type: 'string' },
    into: { type: 'string' },
    database: { type: 'string' },
    table: { type: 'string', multiple: true },
    schema: { type: 'string', multiple: true },
    'no-owner': { type: 'boolean' },
    globals: { type: 'boolean' },
    force: { type: 'boolean' },
    yes: { type: 'boolean' },
    list: { type: 'boolean' },
    ...SNAPSHOT_FILTER_OPTIONS,
    ...NO_LOCK_OPTION,
    ...AT_OPTION,
    ...RESTORE_ALL_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    if (values.all !== undefined || values.jobs !== undefined) return runRestoreAll(ctx, { values, positionals });
    const dbFlags = ['job', 'into', 'database', 'table', 'schema', 'no-owner', 'globals', 'force', 'yes', 'list'];
    // --job with --target restores a files job's snapshot; with --into (or --list), a dump into a database.
    const filesOfJob = values.job !== undefined && values.target !== undefined && values.into === undefined && !values.list;
    if (!filesOfJob && dbFlags.some((f) => values[f] !== undefined)) return runDbRestore(ctx, { values, positionals });
    const { choice: ref, rest } = snapshotChoice(values, positionals, 'restore');
    if (rest.length > 0) throw new UsageError('restore: give exactly one snapshot ID, "latest", or --at TIME');
    const target = values.target as string | undefined;
    if (!target) throw new UsageError('restore: --target DIR is required');
    const started = Date.now();
    let result;
    try {
      const job = values.job as string | undefined;
      const access = withNoLock(job ? (await accessForJob(ctx, job)).access : accessFromContext(ctx), values);
      result = await runRestore(access, ref, target, {
        include: stringList(values.include),
        filter: snapshotFilterFrom(values, job),
        onSnapshot: announceSnapshot(ctx),
        onProgress: (p) => ctx.progress.update(formatTransfer({ files: p.files, bytes: p.bytesWritten, elapsedMs: Date.now() - started })),
        onError: (e) => { ctx.progress.done(); ctx.io.stderr.write(`error: ${e.path}: ${e.message}\n`); },
      }, ctx.signal);
    } finally {
      ctx.progress.done();
    }
    const s = result.stats;
    ctx.say(`restored snapshot ${result.snapshotId.slice(0, 8)} to ${target}: ${count(s.files, 'file')}, ${count(s.dirs, 'dir')}, ` +
      `${formatBytes(s.bytesWritten)} in ${formatDurationMs(s.durationMs)}${s.errors ? `, ${s.errors} errors` : ''}`);
    ctx.json({ message_type: 'summary', snapshot_id: result.snapshotId, target, files_restored: s.files, dirs_restored: s.dirs,
      bytes_restored: s.bytesWritten, hard_links: s.hardLinks, errors: result.errors, unmatched_includes: result.unmatchedIncludes, total_duration: s.durationMs / 1000 });
    for (const p of result.unmatchedIncludes) ctx.io.stderr.write(`lifeboat: warning: --include ${p} matched nothing in snapshot ${result.snapshotId.slice(0, 8)}\n`);
    // Nothing selected at all is a failed restore; some includes matching nothing, a partial one.
    if (result.unmatchedIncludes.length > 0) return s.files + s.dirs + s.others === 0 ? 1 : 3;
    return s.errors > 0 ? 3 : 0;
  },
};
