// `backup --job NAME…` and `backup --all`: runs jobs of the config file through the app layer
// and renders their events: a progress line, a line per snapshot and copy, failures on stderr.

import type { CommandContext, ParsedArgs } from '../command.ts';
import { stringList, warnTo } from '../access.ts';
import { loadConfigFor, observeRuns } from '../job-access.ts';
import { jobsExitCode, runJobs, type JobOutcome, type JobResult } from '../../app/jobs.ts';
import { EventBus, type RunEvent } from '../../app/events.ts';
import { UsageError } from '../../errors.ts';
import { count, formatBytes, formatTransfer } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { itemPrinter, refuseWithJobs, timeFrom, verbosity } from '../backup-flags.ts';

export async function runJobsCommand(ctx: CommandContext, { values, positionals }: ParsedArgs): Promise<number> {
  if (positionals.length) throw new UsageError('backup --job/--all takes no paths (the job\'s source says what to back up)');
  for (const flag of ['stdin', 'stdin-from-command', 'pass-env', 'exclude', 'parent']) {
    if (values[flag] !== undefined) throw new UsageError(`backup: --${flag} cannot be used with --job/--all`);
  }
  refuseWithJobs(values);
  if (ctx.global.repo !== undefined) throw new UsageError('backup --job/--all: the job\'s repositories come from the config; drop --repo');
  const names = stringList(values.job);
  if (values.all && names.length) throw new UsageError('backup: --all and --job exclude each other');
  const config = await loadConfigFor(ctx);
  const jobs = values.all ? config.jobs.map((j) => j.name) : names;
  if (jobs.length === 0) throw new UsageError(`backup --all: ${config.file} defines no jobs`);

  const events = new EventBus((err) => ctx.io.stderr.write(`lifeboat: internal: event subscriber failed: ${String(err)}\n`));
  // Every unreadable item, as it happens (the run's event carries only the first 100).
  const unreadable = (job: string) => (e: { path: string; message: string }) => {
    ctx.progress.done();
    ctx.io.stderr.write(`lifeboat: job ${job}: cannot read ${e.path}: ${e.message}\n`);
  };
  const dryRun = values['dry-run'] === true;
  events.subscribe(renderer(ctx, jobs.length, { listedAlready: true, dryRun }));
  // A dry run is no backup: it goes into no history, and so counts for no RPO.
  await using _observing = dryRun ? { async [Symbol.asyncDispose]() {} } : observeRuns(ctx, config, events);
  const outcomes = await runJobs(config, jobs, {
    signal: ctx.signal, events, trigger: 'cli', warn: warnTo(ctx),
    host: values.host as string | undefined, time: timeFrom(values), dryRun, copy: !dryRun,
    onItem: itemPrinter(ctx, verbosity(values)), onUnreadableOf: unreadable,
    extraTags: stringList(values.tag).flatMap((t) => t.split(',')).filter(Boolean),
  });
  ctx.progress.done();
  for (const o of outcomes) if (o.ok) ctx.json(summaryJson(o.result));
  const failed = outcomes.filter((o) => !o.ok);
  if (jobs.length > 1) ctx.say(`${outcomes.length - failed.length} of ${count(jobs.length, 'job')} succeeded`);
  // One job: its error is the command's error (message, hint and exit code as for any command).
  if (jobs.length === 1 && failed.length === 1 && !ctx.signal.aborted) throw (failed[0] as Extract<JobOutcome, { ok: false }>).error;
  return jobsExitCode(outcomes, ctx.signal.aborted);
}

export function renderer(ctx: CommandContext, jobCount: number, opts: { listedAlready?: boolean; dryRun?: boolean } = {}): (e: RunEvent) => void {
  const started = new Map<string, number>();
  return (e) => {
    const job = e.job ?? '';
    switch (e.type) {
      case 'started':
        if (e.kind === 'backup') started.set(e.runId, e.at.getTime());
        break;
      case 'progress':
        ctx.progress.update(`job ${job}: ${formatTransfer({ files: e.files, bytes: e.bytesRead, elapsedMs: e.at.getTime() - (started.get(e.runId) ?? e.at.getTime()) })}`);
        break;
      case 'snapshot-saved':
        ctx.progress.done();
        if (opts.dryRun) ctx.say(`job ${job}: dry run: ${formatBytes(e.bytesProcessed)} read, ${formatBytes(e.bytesAdded)} would be added (before compression); nothing stored`);
        else {
          ctx.say(`job ${job}: snapshot ${e.snapshotId.slice(0, 8)} saved to ${e.repository}: ` +
            `${formatBytes(e.bytesProcessed)} processed, ${formatBytes(e.bytesAdded)} added, in ${formatDurationMs(e.durationMs)}`);
        }
        if (e.unreadable > 0) {
          // On stderr even with --quiet/--json: an incomplete backup must not go unnoticed.
          if (opts.listedAlready) {
            ctx.io.stderr.write(`lifeboat: job ${job}: ${count(e.unreadable, 'item')} could not be read (listed above); the snapshot is incomplete\n`);
          } else {
            ctx.io.stderr.write(`lifeboat: job ${job}: ${count(e.unreadable, 'item')} could not be read; the snapshot is incomplete:\n`);
            for (const p of e.unreadablePaths) ctx.io.stderr.write(`  ${p}\n`);
            if (e.unreadablePaths.length < e.unreadable) ctx.io.stderr.write(`  … and ${e.unreadable - e.unreadablePaths.length} more\n`);
          }
        }
        break;
      case 'copy-finished':
        if (e.ok) ctx.say(`job ${job}: copied to ${e.target}: ${count(e.snapshotsCopied, 'snapshot')}, ${formatBytes(e.bytesAdded)} added`);
        else {
          ctx.io.stderr.write(`lifeboat: job ${job}: copy to ${e.target} failed: ${e.message}\n` +
            'hint: the snapshot is safe in the primary repository; the next run copies whatever is missing\n');
        }
        break;
      case 'forget-finished':
        ctx.say(`job ${job}: retention in ${e.repository}: kept ${count(e.kept, 'snapshot')}, removed ${e.removed}`);
        break;
      case 'prune-finished':
        ctx.say(`repository ${e.repository}: pruned: ${count(e.packsDeleted, 'pack')} deleted, ${count(e.packsRepacked, 'pack')} repacked, ${formatBytes(e.bytesFreed)} freed`);
        break;
      case 'check-finished':
        if (e.ok) ctx.say(`repository ${e.repository}: check: no errors were found`);
        else ctx.io.stderr.write(`lifeboat: repository ${e.repository}: check found ${count(e.errors, 'problem')}; damaged snapshots: ${e.damagedSnapshots.map((id) => id.slice(0, 8)).join(', ') || 'none named'}\n`);
        break;
      case 'finished':
        if (e.kind !== 'backup' && e.status === 'failed' && e.kind !== 'check') {
          ctx.io.stderr.write(`lifeboat: ${e.kind} ${e.job ? `of job ${e.job} ` : ''}in ${e.repository} failed: ${e.message ?? ''}\n`);
        }
        if (e.kind !== 'backup' || e.status === 'succeeded' || e.status === 'partial') break;
        ctx.progress.done();
        // A single job's failure is the command's error, reported the way every command's is.
        if (jobCount > 1) reportFailure(ctx, job, e);
        break;
    }
  };
}

function reportFailure(ctx: CommandContext, job: string, e: Extract<RunEvent, { type: 'finished' }>): void {
  if (ctx.global.json) {
    ctx.io.stderr.write(`${JSON.stringify({ message_type: 'error', job, code: e.errorCode ?? 'error', exit_code: e.exitCode, message: e.message, hint: e.hint })}\n`);
    return;
  }
  ctx.io.stderr.write(`lifeboat: job ${job} failed: ${(e.message ?? '').replace(new RegExp(`^job ${job}: `), '')}\n`);
  if (e.hint) ctx.io.stderr.write(`hint: ${e.hint}\n`);
}

function summaryJson(r: JobResult): Record<string, unknown> {
  const s = r.stats;
  return {
    message_type: 'summary', job: r.job, run_id: r.runId, repository: r.repository, snapshot_id: r.snapshotId, tags: r.snapshot.tags ?? [],
    files_new: s.filesNew, files_changed: s.filesChanged, files_unmodified: s.filesUnchanged, data_blobs: s.blobsNew,
    data_added: s.dataAdded, data_added_packed: s.bytesAdded, total_files_processed: s.files,
    total_bytes_processed: s.bytesProcessed, total_duration: r.durationMs / 1000, errors: r.errors,
    copies: r.copies.map((c) => c.ok
      ? { repository: c.target, ok: true, snapshots_copied: c.result.stats.snapshotsCopied, data_added: c.result.stats.bytesAdded }
      : { repository: c.target, ok: false, message: c.message }),
  };
}
