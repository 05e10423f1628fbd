// `lifeboat run [--job NAME]…`: borgmatic's default action for every job (or the chosen ones):
// backup, the job's retention in each repository, then prune and check where due.

import type { Command, CommandContext } from '../command.ts';
import { stringList } from '../access.ts';
import { loadConfigFor, observeRuns } from '../job-access.ts';
import { EventBus } from '../../app/events.ts';
import { jobsExitCode, type JobResult } from '../../app/jobs.ts';
import { runCycles } from '../../app/run-cycle.ts';
import { UsageError } from '../../errors.ts';
import { count, formatBytes } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { renderer } from './backup-jobs.ts';

export const runCommand: Command = {
  name: 'run',
  summary: 'run jobs as the daemon would: backup, retention, then prune and check where due',
  usage: [
    'Usage: lifeboat [--config FILE] run [--job NAME]…',
    '',
    'For every job of the config (or each --job): the backup and its copies, then the job\'s',
    'retention in each of its repositories (a repository\'s own retention where the job sets one).',
    'Then, for the repositories those jobs use, a prune and a check when the repository\'s',
    'prune/check schedule says one is due. Every run is recorded in the history. For cron and',
    'systemd timers that run Lifeboat instead of the daemon.',
    '',
    'Flags:',
    '      --job NAME          run this job only (repeatable)',
    '      --stats             after each backup, its figures as borgmatic --stats shows them: files',
    '                          new, changed and unchanged, bytes read, added (deduplicated, compressed)',
  ].join('\n'),
  options: { job: { type: 'string', multiple: true }, stats: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError('run takes no arguments (name jobs with --job)');
    const config = await loadConfigFor(ctx);
    const names = stringList(values.job);
    const jobs = names.length ? names : config.jobs.map((j) => j.name);
    if (jobs.length === 0) throw new UsageError(`run: ${config.file} defines no jobs`);
    const events = new EventBus((err) => ctx.io.stderr.write(`lifeboat: internal: event subscriber failed: ${String(err)}\n`));
    events.subscribe(renderer(ctx, Math.max(2, jobs.length), { listedAlready: true }));
    await using recording = observeRuns(ctx, config, events);
    const onUnreadableOf = (job: string) => (e: { path: string; message: string }) => {
      ctx.progress.done();
      ctx.io.stderr.write(`lifeboat: job ${job}: cannot read ${e.path}: ${e.message}\n`);
    };
    const out = await runCycles(config, jobs, recording.history, { signal: ctx.signal, events, trigger: 'cli', onUnreadableOf });
    ctx.progress.done();
    if (values.stats) for (const o of out.jobs) if (o.ok) printStats(ctx, o.result.backup);
    const backups = out.jobs.map((o) => (o.ok ? { job: o.job, ok: true as const, result: o.result.backup } : o));
    const failedMaintenance = out.maintenance.filter((m) => !m.ok);
    const failedRetention = out.jobs.flatMap((o) => (o.ok ? o.result.retention.filter((r) => !r.ok) : []));
    ctx.say(`${backups.filter((b) => b.ok).length} of ${count(jobs.length, 'job')} backed up` +
      `${out.maintenance.length ? `; ${out.maintenance.filter((m) => m.ok).length} of ${count(out.maintenance.length, 'prune/check')} succeeded` : ''}`);
    ctx.json({
      message_type: 'summary',
      jobs: out.jobs.map((o) => ({ job: o.job, ok: o.ok, snapshot_id: o.ok ? o.result.backup.snapshotId : null,
        ...(values.stats && o.ok ? { stats: statsJson(o.result.backup) } : {}) })),
      maintenance: out.maintenance.map((m) => ({ repository: m.repository, kind: m.kind, ok: m.ok, problems: m.problems ?? null })),
    });
    const code = jobsExitCode(backups, ctx.signal.aborted);
    return code === 0 && (failedMaintenance.length > 0 || failedRetention.length > 0) ? 1 : code;
  },
};

function printStats(ctx: CommandContext, r: JobResult): void {
  const s = r.stats;
  ctx.say(`job ${r.job}: snapshot ${r.snapshotId.slice(0, 8)} in ${r.repository}`);
  ctx.say(`  Files:      ${s.filesNew} new, ${s.filesChanged} changed, ${s.filesUnchanged} unchanged, ${count(s.errors, 'error')}`);
  ctx.say(`  This backup: ${formatBytes(s.bytesProcessed)} processed, ${formatBytes(s.bytesRead)} read, ${formatBytes(s.dataAdded)} new data, ` +
    `${formatBytes(s.bytesAdded)} added to the repository (${count(s.blobsNew, 'new blob')}, ${s.blobsKnown} deduplicated)`);
  ctx.say(`  Duration:   ${formatDurationMs(r.durationMs)}`);
}

function statsJson(r: JobResult): Record<string, number> {
  const s = r.stats;
  return { files_new: s.filesNew, files_changed: s.filesChanged, files_unmodified: s.filesUnchanged, total_bytes_processed: s.bytesProcessed,
    data_added: s.dataAdded, data_added_packed: s.bytesAdded, data_blobs: s.blobsNew, total_duration: r.durationMs / 1000 };
}
