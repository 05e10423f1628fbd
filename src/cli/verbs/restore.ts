import type { Command } from '../command.ts';
import { accessFromContext, announceSnapshot, AT_OPTION, NO_LOCK_OPTION, snapshotChoice, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS, stringList, withNoLock } from '../access.ts';
import { accessForJob } from '../job-access.ts';
import { runRestore } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes, formatTransfer, count } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { DB_RESTORE_USAGE, runDbRestore } from './restore-db.ts';
import { OVERWRITE_POLICIES, type OverwritePolicy } from '../../app/restore-options.ts';
import { RESTORE_ALL_OPTIONS, RESTORE_ALL_USAGE, runRestoreAll } from './restore-all.ts';
import { PITR_HELP, PITR_OPTIONS, PITR_USAGE, runPitrRestore } from './restore-pitr.ts';

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'restore a snapshot (or some paths of it) into a directory, or a database dump into a database',
  usage: [
    'Usage: lifeboat restore SNAPSHOT|latest --target DIR [--include PATTERN]… [--host H] [--tag T] [--path P]',
    '       lifeboat [--config FILE] restore SNAPSHOT|latest --job NAME --target DIR   (a files job)',
    ...DB_RESTORE_USAGE,
    ...RESTORE_ALL_USAGE,
    ...PITR_USAGE,
    '',
    'Instead of SNAPSHOT, --at TIME picks the newest snapshot at or before TIME (ISO 8601, or',
    '2026-11-20 14:00 in local time).',
    '',
    'File restore (--target):',
    'Every restored byte is verified against its blob ID. --include takes paths or globs',
    'inside the snapshot (e.g. /srv/app/config, *.sql). `latest` is the newest snapshot matching',
    '--host/--tag/--path (and --job), as restic picks it. --no-lock restores without locking the',
    'repository (for read-only media; a read-only repository is detected and read unlocked anyway).',
    '  -e, --exclude PATTERN     leave out paths matching PATTERN (repeatable); --iexclude ignoring case',
    '      --overwrite always|if-changed|never   what to do with files already at the target: replace',
    '                            them (default), replace only those whose content differs, or keep them',
    '  -n, --dry-run             write nothing: say what would be written (with -v, each file)',
    '      --verify              read every written file back and compare it with its blobs',
    '  -v, --verbose             list each file written (or skipped)',
    ...PITR_HELP,
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
    exclude: { type: 'string', short: 'e', multiple: true },
    iexclude: { type: 'string', multiple: true },
    overwrite: { type: 'string' },
    verify: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v', multiple: true },
    ...SNAPSHOT_FILTER_OPTIONS,
    ...NO_LOCK_OPTION,
    ...AT_OPTION,
    ...RESTORE_ALL_OPTIONS,
    ...PITR_OPTIONS,
    // Both restore --all and a file restore take it.
    'dry-run': { type: 'boolean', short: 'n' },
  },
  async run(ctx, { values, positionals }) {
    if (values['data-dir'] !== undefined) return runPitrRestore(ctx, { values, positionals });
    for (const f of ['start', 'port', 'os-user', 'pg-bin', 'timeout']) {
      if (values[f] !== undefined) throw new UsageError(`restore: --${f} goes with --data-dir (a point-in-time restore of a PostgreSQL job)`);
    }
    if (values.all !== undefined || values.jobs !== undefined) return runRestoreAll(ctx, { values, positionals });
    const dbFlags = ['job', 'into', 'database', 'table', 'schema', 'no-owner', 'globals', 'force', 'yes', 'list'];
    // --job with --target restores a files job's snapshot; with --into (or --list), a dump into a database.
    const filesOfJob = values.job !== undefined && values.target !== undefined && values.into === undefined && !values.list;
    if (!filesOfJob && dbFlags.some((f) => values[f] !== undefined)) return runDbRestore(ctx, { values, positionals });
    const { choice: ref, rest } = snapshotChoice(values, positionals, 'restore');
    if (rest.length > 0) throw new UsageError('restore: give exactly one snapshot ID, "latest", or --at TIME');
    const target = values.target as string | undefined;
    if (!target) throw new UsageError('restore: --target DIR is required');
    const overwrite = (values.overwrite as string | undefined) ?? 'always';
    if (!(OVERWRITE_POLICIES as readonly string[]).includes(overwrite)) throw new UsageError(`restore: --overwrite "${overwrite}": give always, if-changed or never`);
    const dryRun = values['dry-run'] === true;
    const verbose = Array.isArray(values.verbose) && values.verbose.length > 0;
    const started = Date.now();
    let result;
    try {
      const job = values.job as string | undefined;
      const access = withNoLock(job ? (await accessForJob(ctx, job)).access : accessFromContext(ctx), values);
      result = await runRestore(access, ref, target, {
        include: stringList(values.include),
        exclude: stringList(values.exclude),
        iexclude: stringList(values.iexclude),
        overwrite: overwrite as OverwritePolicy,
        dryRun,
        verify: values.verify === true,
        ...(verbose || dryRun ? { onItem: (i: { path: string; action: string; size: number }) => {
          if (!verbose && !(dryRun && !ctx.global.json)) return;
          ctx.progress.done();
          ctx.out(`${dryRun ? `would ${i.action}` : i.action === 'write' ? 'restored' : 'skipped'} ${i.path}${i.action === 'write' ? ` (${formatBytes(i.size)})` : ''}`);
        } } : {}),
        filter: snapshotFilterFrom(values, job),
        onSnapshot: announceSnapshot(ctx),
        onProgress: (p) => ctx.progress.update(formatTransfer({ files: p.files, bytes: p.bytesWritten, elapsedMs: Date.now() - started })),
        onError: (e) => { ctx.progress.done(); ctx.io.stderr.write(`error: ${e.path}: ${e.message}\n`); },
      }, ctx.signal);
    } finally {
      ctx.progress.done();
    }
    const s = result.stats;
    ctx.say(`${dryRun ? 'would restore' : 'restored'} snapshot ${result.snapshotId.slice(0, 8)} to ${target}: ${count(s.files, 'file')}, ${count(s.dirs, 'dir')}, ` +
      `${formatBytes(s.bytesWritten)}${dryRun ? '' : ` in ${formatDurationMs(s.durationMs)}`}${s.skipped ? `, ${count(s.skipped, 'file')} left as they were` : ''}` +
      `${values.verify ? `, ${count(s.verified, 'file')} verified` : ''}${s.errors ? `, ${count(s.errors, 'error')}` : ''}`);
    ctx.json({ message_type: 'summary', snapshot_id: result.snapshotId, target, dry_run: dryRun, files_restored: s.files, files_skipped: s.skipped, dirs_restored: s.dirs,
      bytes_restored: s.bytesWritten, hard_links: s.hardLinks, files_verified: s.verified, verify_failures: s.verifyFailed,
      errors: result.errors, unmatched_includes: result.unmatchedIncludes, total_duration: s.durationMs / 1000 });
    // A file that did not read back as written is a failed restore, not a partial one.
    if (s.verifyFailed > 0) return 1;
    for (const p of result.unmatchedIncludes) ctx.io.stderr.write(`lifeboat: warning: --include ${p} matched nothing in snapshot ${result.snapshotId.slice(0, 8)}\n`);
    // Nothing selected at all is a failed restore; some includes matching nothing, a partial one.
    if (result.unmatchedIncludes.length > 0) return s.files + s.dirs + s.others === 0 ? 1 : 3;
    return s.errors > 0 ? 3 : 0;
  },
};
