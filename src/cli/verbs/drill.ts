// `lifeboat drill --job NAME [SNAPSHOT|latest] [--at TIME] [--json]`: restores the job's
// snapshot into a scratch target, proves it, reports the RTO, removes the target. The run is
// recorded (history, metrics, alerts) like a daemon's. Exit 0 passed, 1 failed (the failing
// check named), 3 passed but slower than the job's rto, 130 interrupted (target removed).

import type { Command } from '../command.ts';
import { announceSnapshot, AT_OPTION, snapshotChoice, warnTo } from '../access.ts';
import { loadConfigFor, observeRuns } from '../job-access.ts';
import { runDrill, type DrillOutcome } from '../../app/drill/run-drill.ts';
import { EventBus } from '../../app/events.ts';
import { UsageError } from '../../errors.ts';
import { formatBytes } from '../progress.ts';
import { formatDurationMs } from '../../core/duration.ts';

export const drillCommand: Command = {
  name: 'drill',
  summary: 'restore a job\'s snapshot into a scratch target, check it, time it, remove it',
  usage: [
    'Usage: lifeboat [--config FILE] drill --job NAME [SNAPSHOT|latest] [--at TIME] [--json]',
    '',
    'Restores the job\'s snapshot (default latest; --at TIME: the newest at or before TIME) into an',
    'isolated scratch target — a database lifeboat_drill_<job>_<time> on the job\'s server or',
    'drill.server; a SQLite file (PRAGMA integrity_check); a redis-server of its own on a free',
    'loopback port; a directory whose files are read back against their blob IDs — runs the job\'s',
    'drill checks, measures the RTO against the job\'s rto, and removes the target whatever happens.',
    'Exit 0 passed, 1 failed (the failing check named), 3 passed but over the RTO target.',
  ].join('\n'),
  options: { job: { type: 'string' }, ...AT_OPTION },
  async run(ctx, { values, positionals }) {
    const job = values.job as string | undefined;
    if (!job) throw new UsageError('drill: --job NAME is required');
    const { choice, rest } = positionals.length || values.at !== undefined ? snapshotChoice(values, positionals, 'drill') : { choice: 'latest', rest: [] };
    if (rest.length) throw new UsageError('drill: give at most one snapshot ID, "latest", or --at TIME');
    const config = await loadConfigFor(ctx);
    const events = new EventBus((err) => ctx.io.stderr.write(`lifeboat: internal: event subscriber failed: ${String(err)}\n`));
    await using _observing = observeRuns(ctx, config, events);
    ctx.say(`drill of job ${job}: restoring into a scratch target…`);
    const o = await runDrill(config, job, {
      ref: choice, signal: ctx.signal, events, trigger: 'cli', warn: warnTo(ctx), onSnapshot: announceSnapshot(ctx),
    });
    render(ctx, o);
    return !o.passed ? 1 : o.rtoExceeded ? 3 : 0;
  },
};

function render(ctx: Parameters<Command['run']>[0], o: DrillOutcome): void {
  ctx.json({
    message_type: 'drill', job: o.job, engine: o.engine, snapshot_id: o.snapshotId, snapshot_time: o.snapshotTime, passed: o.passed,
    failed_check: o.failedCheck ?? null, checks: o.checks, facts: o.facts, scratch_targets: o.targets, scratch_removed: true,
    rto_seconds: o.rtoSeconds, rto_target_seconds: o.rtoTargetSeconds ?? null, rto_exceeded: o.rtoExceeded,
  });
  const facts = Object.entries(o.facts).map(([k, v]) => (k === 'bytes' ? formatBytes(v) : `${v} ${k}`)).join(', ');
  ctx.say(`restored snapshot ${o.snapshotId.slice(0, 8)} into ${o.targets.join(', ')}${facts ? ` (${facts})` : ''}`);
  for (const c of o.checks) ctx.say(`  ${c.ok ? 'ok    ' : 'FAILED'} ${c.name}: ${c.detail}`);
  const rto = `RTO ${formatDurationMs(o.rtoSeconds * 1000)}`;
  const target = o.rtoTargetSeconds !== undefined ? ` (target ${formatDurationMs(o.rtoTargetSeconds * 1000)}${o.rtoExceeded ? ': EXCEEDED' : ': met'})` : ' (no rto target set)';
  ctx.say(`${rto}${target}; scratch target removed`);
  if (!o.passed) ctx.io.stderr.write(`lifeboat: drill of job ${o.job} FAILED: check "${o.failedCheck}" did not hold\n`);
  else if (o.rtoExceeded) ctx.io.stderr.write(`lifeboat: drill of job ${o.job} passed, but took longer than its RTO target\n`);
  else ctx.say(`drill of job ${o.job} PASSED`);
}
