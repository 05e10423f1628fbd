// `backup --job NAME…` and `backup --all`: run jobs of the config file and report each.

import type { CommandContext, ParsedArgs } from '../command.ts';
import { stringList, warnTo } from '../access.ts';
import { configFileFrom, loadConfigFile } from '../../app/config-file.ts';
import { requireJob, runJob, type JobOutcome, type JobResult } from '../../app/jobs.ts';
import { LifeboatError, UsageError, exitCodeFor } from '../../errors.ts';
import { formatBytes, formatTransfer } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';

export async function runJobsCommand(ctx: CommandContext, { values, positionals }: ParsedArgs): Promise<number> {
  if (positionals.length) throw new UsageError('backup --job/--all takes no paths (the job\'s source says what to back up)');
  for (const flag of ['stdin', 'stdin-from-command', 'pass-env', 'exclude', 'parent', 'tag']) {
    if (values[flag] !== undefined) throw new UsageError(`backup: --${flag} cannot be used with --job/--all`);
  }
  if (ctx.global.repo !== undefined) throw new UsageError('backup --job/--all: the job\'s repositories come from the config; drop --repo');
  const names = stringList(values.job);
  if (values.all && names.length) throw new UsageError('backup: --all and --job exclude each other');
  const config = await loadConfigFile(configFileFrom(ctx.global.config, ctx.io.env), ctx.io.env);
  const jobs = values.all ? config.jobs.map((j) => j.name) : names;
  if (jobs.length === 0) throw new UsageError(`backup --all: ${config.file} defines no jobs`);
  for (const name of jobs) requireJob(config, name); // a typo fails before any job runs

  const outcomes: JobOutcome[] = [];
  for (const name of jobs) {
    if (ctx.signal.aborted) break;
    const started = Date.now();
    try {
      const result = await runJob(config, name, {
        signal: ctx.signal,
        host: values.host as string | undefined,
        warn: warnTo(ctx),
        onProgress: (p) => ctx.progress.update(`job ${name}: ${formatTransfer({ files: p.files, bytes: p.bytesRead, elapsedMs: Date.now() - started })}`),
      });
      ctx.progress.done();
      outcomes.push({ job: name, ok: true, result });
      reportJob(ctx, result);
    } catch (error) {
      ctx.progress.done();
      outcomes.push({ job: name, ok: false, error });
      // One job: the error is the command's error (message, hint, exit code as usual).
      if (jobs.length === 1) throw error;
      reportFailure(ctx, name, error);
    }
  }
  const failed = outcomes.filter((o) => !o.ok);
  if (jobs.length > 1) ctx.say(`${outcomes.length - failed.length} of ${jobs.length} jobs succeeded`);
  if (ctx.signal.aborted) return 130;
  if (failed.length > 0) return 1;
  // 3: partial — a snapshot is saved, but some files were unreadable or a copy failed.
  return outcomes.some((o) => o.ok && (o.result.stats.errors > 0 || o.result.copies.some((c) => !c.ok))) ? 3 : 0;
}

function reportJob(ctx: CommandContext, r: JobResult): void {
  const s = r.stats;
  ctx.say(`job ${r.job}: snapshot ${r.snapshotId.slice(0, 8)} saved to ${r.repository}: ` +
    `${formatBytes(s.bytesRead)} read, ${formatBytes(s.bytesAdded)} added, in ${formatDurationMs(r.durationMs)}`);
  if (s.errors > 0) ctx.say(`job ${r.job}: warning: ${s.errors} items could not be read; the snapshot is incomplete`);
  for (const c of r.copies) {
    if (c.ok) {
      const st = c.result.stats;
      ctx.say(`job ${r.job}: copied to ${c.target}: ${st.snapshotsCopied} snapshots, ${formatBytes(st.bytesAdded)} added`);
    } else {
      // On stderr even with --quiet/--json: an offsite copy that failed must not go unnoticed.
      ctx.io.stderr.write(`lifeboat: job ${r.job}: copy to ${c.target} failed: ${c.message}\n` +
        'hint: the snapshot is safe in the primary repository; the next run copies whatever is missing\n');
    }
  }
  ctx.json({
    message_type: 'summary', job: r.job, repository: r.repository, snapshot_id: r.snapshotId, tags: r.snapshot.tags ?? [],
    files_new: s.files - s.filesUnchanged, files_unmodified: s.filesUnchanged, data_blobs: s.blobsNew, data_added: s.bytesAdded,
    total_bytes_processed: s.bytesRead, total_duration: r.durationMs / 1000, errors: r.errors,
    copies: r.copies.map((c) => c.ok
      ? { repository: c.target, ok: true, snapshots_copied: c.result.stats.snapshotsCopied, data_added: c.result.stats.bytesAdded }
      : { repository: c.target, ok: false, message: c.message }),
  });
}

function reportFailure(ctx: CommandContext, job: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const hint = err instanceof LifeboatError ? err.hint : undefined;
  if (ctx.global.json) {
    ctx.io.stderr.write(`${JSON.stringify({ message_type: 'error', job, code: err instanceof LifeboatError ? err.code : 'error', exit_code: exitCodeFor(err), message, hint })}\n`);
    return;
  }
  ctx.io.stderr.write(`lifeboat: job ${job} failed: ${message.replace(new RegExp(`^job ${job}: `), '')}\n`);
  if (hint) ctx.io.stderr.write(`hint: ${hint}\n`);
}
