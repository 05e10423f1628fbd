import type { Command, CommandContext } from '../command.ts';
import { accessFromContext, stringList } from '../access.ts';
import { runCommandBackup, runPathsBackup, runStdinBackup } from '../../app/backup.ts';
import { scanTotalBytes } from '../../app/scan.ts';
import type { BackupProgress, BackupResult } from '../../engine/archiver/types.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes, formatTransfer, count } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { itemPrinter, RUN_OPTIONS, SELECTION_OPTIONS, SELECTION_USAGE, selectionFrom, timeFrom, verbosity } from '../backup-flags.ts';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up files, directories or a stream',
  usage: [
    'Usage: lifeboat backup [flags] PATH…',
    '       lifeboat backup --stdin --stdin-filename NAME',
    '       lifeboat backup --stdin-from-command [--stdin-filename NAME] -- COMMAND [ARG…]',
    '       lifeboat [--config FILE] backup --job NAME [--job NAME]…',
    '       lifeboat [--config FILE] backup --all',
    '',
    'Flags:',
    '  -e, --exclude PATTERN   leave out paths matching PATTERN (repeatable)',
    '      --tag TAG[,TAG…]    add tags to the snapshot (repeatable)',
    '      --host HOST         hostname recorded in the snapshot',
    '      --parent ID|none    snapshot to detect unchanged files against (default: latest with same host and paths)',
    '      --stdin             read the file content from standard input',
    '      --stdin-filename    name of the file for --stdin / --stdin-from-command (default: stdin)',
    '      --stdin-from-command  store the output of COMMAND; a command that fails leaves no snapshot',
    '                          (COMMAND does not see LIFEBOAT_*, RESTIC_* or cloud credentials)',
    '      --pass-env NAME     pass the variable NAME on to COMMAND all the same (repeatable)',
    '      --job NAME          run the job NAME of the config file (repeatable), into the job\'s',
    '                          primary repository (the config\'s repositories, not --repo)',
    '      --all               run every job of the config file; a failed job does not stop the others',
    ...SELECTION_USAGE,
    '',
    'With --job/--all, --time, --dry-run (files jobs), -v, --host and --tag apply; the selection',
    'options above go in a files job\'s source: block (exclude_file, iexclude, files_from,',
    'one_file_system, exclude_caches, exclude_if_present, exclude_larger_than).',
    'The config file is --config FILE, else LIFEBOAT_CONFIG, else ./lifeboat.yaml.',
    '--json prints one summary; with --job/--all, JSON lines: one summary per job.',
  ].join('\n'),
  options: {
    exclude: { type: 'string', short: 'e', multiple: true },
    tag: { type: 'string', multiple: true },
    host: { type: 'string' },
    parent: { type: 'string' },
    stdin: { type: 'boolean' },
    'stdin-filename': { type: 'string' },
    'stdin-from-command': { type: 'boolean' },
    'pass-env': { type: 'string', multiple: true },
    job: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    ...SELECTION_OPTIONS,
    ...RUN_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    if (values.job !== undefined || values.all) {
      // Jobs need the config layer and the database sources; plain backups do not load them.
      const { runJobsCommand } = await import('./backup-jobs.ts');
      return runJobsCommand(ctx, { values, positionals });
    }
    const access = accessFromContext(ctx);
    const tags = stringList(values.tag).flatMap((t) => t.split(',')).filter(Boolean);
    const host = values.host as string | undefined;
    const time = timeFrom(values);
    const dryRun = values['dry-run'] === true;
    const started = Date.now();
    let total: number | undefined;
    const onProgress = (p: BackupProgress) =>
      ctx.progress.update(formatTransfer({ files: p.files, bytes: p.bytesRead, totalBytes: total, elapsedMs: Date.now() - started }));
    let result: BackupResult;
    try {
      if (values.stdin || values['stdin-from-command']) {
        const filename = (values['stdin-filename'] as string | undefined) ?? 'stdin';
        if (filename.includes('/') || filename === '..' || filename === '.') throw new UsageError(`--stdin-filename: "${filename}" must be a plain file name`);
        if (values.stdin && values['stdin-from-command']) throw new UsageError('--stdin and --stdin-from-command exclude each other');
        if (values.stdin && positionals.length) throw new UsageError('--stdin takes no paths');
        if (values['stdin-from-command'] && !positionals.length) throw new UsageError('--stdin-from-command needs a command after --');
        if (dryRun) throw new UsageError('backup --dry-run applies to files and directories (a stream is read only once)');
        result = values.stdin
          ? await runStdinBackup(access, { filename, stdin: ctx.io.stdin }, { tags, host, time, onProgress }, ctx.signal)
          : await runCommandBackup(access, { filename, argv: positionals, passEnv: stringList(values['pass-env']), env: ctx.io.env }, { tags, host, time, onProgress }, ctx.signal);
      } else {
        const { excludes, selection, filesFrom } = await selectionFrom(ctx, values);
        const paths = [...positionals, ...filesFrom];
        if (!paths.length) throw new UsageError('backup: give at least one PATH (or --files-from FILE, or --stdin)');
        void scanTotalBytes(paths, ctx.signal).then((t) => { total = t; }, () => {});
        result = await runPathsBackup(access, {
          paths,
          excludes,
          selection,
          dryRun,
          tags,
          host,
          time,
          parent: values.parent as string | undefined,
          onProgress,
          onItem: itemPrinter(ctx, verbosity(values)),
          onError: (e) => { ctx.progress.done(); ctx.io.stderr.write(`error: ${e.path}: ${e.message}\n`); },
        }, ctx.signal);
      }
    } finally {
      ctx.progress.done();
    }
    report(ctx, result, dryRun);
    return result.stats.errors > 0 ? 3 : 0;
  },
};

function report(ctx: CommandContext, r: BackupResult, dryRun = false): void {
  const s = r.stats;
  ctx.say(`Files:       ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnchanged} unchanged`);
  ctx.say(`Dirs:        ${s.dirs}`);
  ctx.say(`${dryRun ? 'Would add' : 'Added'} to the repository: ${formatBytes(s.bytesAdded)}${dryRun ? ' (before compression)' : ''} (${count(s.blobsNew, 'new blob')}, ${s.blobsKnown} already stored)`);
  ctx.say(`processed ${count(s.files, 'file')}, ${formatBytes(s.bytesRead)} read in ${formatDurationMs(s.durationMs)}`);
  // On stderr even with --quiet: an incomplete snapshot must not go unnoticed.
  if (s.errors > 0) ctx.io.stderr.write(`lifeboat: warning: ${count(s.errors, 'item')} could not be read (listed above); the snapshot is incomplete\n`);
  ctx.say(dryRun ? 'dry run: nothing was stored, no snapshot saved' : `snapshot ${r.snapshotId.slice(0, 8)} saved`);
  ctx.json({
    message_type: 'summary',
    files_new: s.filesNew,
    files_changed: s.filesChanged,
    files_unmodified: s.filesUnchanged,
    dirs: s.dirs,
    data_blobs: s.blobsNew,
    data_added: s.dataAdded,
    data_added_packed: s.bytesAdded,
    total_files_processed: s.files,
    total_bytes_processed: s.bytesProcessed,
    total_duration: s.durationMs / 1000,
    errors: r.errors,
    snapshot_id: dryRun ? null : r.snapshotId,
    dry_run: dryRun,
  });
}
