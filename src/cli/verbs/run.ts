// `lifeboat run [--job NAME]…`: borgmatic's default action for every job (or the chosen ones):
// backup, the job's retention in each repository, then prune and check where due.

import type { Command } from '../command.ts';
import { stringList } from '../access.ts';
import { loadConfigFor, observeRuns } from '../job-access.ts';
import { EventBus } from '../../app/events.ts';
import { jobsExitCode } from '../../app/jobs.ts';
import { runCycles } from '../../app/run-cycle.ts';
import { UsageError } from '../../errors.ts';
import { count } from '../progress.ts';
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
  ].join('\n'),
  options: { job: { type: 'string', multiple: true } },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError('run takes no arguments (name jobs with --job)');
    const config = await loadConfigFor(ctx);
    const names = stringList(values.job);
    const jobs = names.length ? names : config.jobs.map((j) => j.name);
    if (jobs.length === 0) throw new UsageError(`run: ${config.file} defines no jobs`);
    const events = new EventBus((err) => ctx.io.stderr.write(`lifeboat: internal: event subscriber failed: ${String(err)}\n`));
    events.subscribe(renderer(ctx, Math.max(2, jobs.length)));
    await using recording = observeRuns(ctx, config, events);
    const out = await runCycles(config, jobs, recording.history, { signal: ctx.signal, events, trigger: 'cli' });
    ctx.progress.done();
    const backups = out.jobs.map((o) => (o.ok ? { job: o.job, ok: true as const, result: o.result.backup } : o));
    const failedMaintenance = out.maintenance.filter((m) => !m.ok);
    const failedRetention = out.jobs.flatMap((o) => (o.ok ? o.result.retention.filter((r) => !r.ok) : []));
    ctx.say(`${backups.filter((b) => b.ok).length} of ${count(jobs.length, 'job')} backed up` +
      `${out.maintenance.length ? `; ${out.maintenance.filter((m) => m.ok).length} of ${count(out.maintenance.length, 'prune/check')} succeeded` : ''}`);
    ctx.json({
      message_type: 'summary',
      jobs: out.jobs.map((o) => ({ job: o.job, ok: o.ok, snapshot_id: o.ok ? o.result.backup.snapshotId : null })),
      maintenance: out.maintenance.map((m) => ({ repository: m.repository, kind: m.kind, ok: m.ok, problems: m.problems ?? null })),
    });
    const code = jobsExitCode(backups, ctx.signal.aborted);
    return code === 0 && (failedMaintenance.length > 0 || failedRetention.length > 0) ? 1 : code;
  },
};
