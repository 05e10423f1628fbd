// `restore --all [--at TIME]` / `restore --jobs a,b …`: parses, shows the plan, confirms what
// will be replaced (typed, or --yes), runs it through app/restore-all.ts and reports each job
// and the total time (the achieved RTO). --dry-run stops after the plan.

import { createInterface } from 'node:readline/promises';
import type { CommandContext, ParsedArgs } from '../command.ts';
import { atTime, warnTo } from '../access.ts';
import { loadConfigFor, observeRuns } from '../job-access.ts';
import { executeRestoreAll, planRestoreAll, type PlanItem } from '../../app/restore-all.ts';
import { EventBus } from '../../app/events.ts';
import { UsageError } from '../../errors.ts';
import { formatDurationMs } from '../../core/duration.ts';
import { formatBytes } from '../progress.ts';
import { printTable } from './snapshots.ts';

export const RESTORE_ALL_OPTIONS = {
  all: { type: 'boolean' },
  jobs: { type: 'string' },
  suffix: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export const RESTORE_ALL_USAGE = [
  '       lifeboat [--config FILE] restore --all|--jobs A,B [--at TIME] [--suffix S] [--target DIR] [--dry-run] [--yes]',
  '',
  'Whole-system restore (--all, or --jobs): per job its newest snapshot at or before --at TIME (default',
  'the latest), in restore_order then config order. Databases go back into their original names (a',
  'typed confirmation lists every target that holds data, or --yes), or into <name>S with --suffix S',
  '(SQLite: app.db → appS.db); file jobs under --target DIR (their absolute paths below it; --target /',
  'puts them back in place). --dry-run prints the plan and changes nothing. A job that fails is',
  'reported and the others go on; the total time is reported as the achieved RTO.',
];

const CONFIRM_WORD = 'replace';

export async function runRestoreAll(ctx: CommandContext, { values, positionals }: ParsedArgs): Promise<number> {
  if (positionals.length) throw new UsageError('restore --all/--jobs: no SNAPSHOT (each job\'s is picked by --at TIME, or its latest)');
  if (values.all && values.jobs !== undefined) throw new UsageError('restore: --all and --jobs exclude each other');
  for (const flag of ['job', 'into', 'database', 'table', 'schema', 'include', 'list', 'host', 'tag', 'path']) {
    if (values[flag] !== undefined) throw new UsageError(`restore --all/--jobs: --${flag} applies to one job's restore`);
  }
  const at = atTime(values);
  const jobs = values.jobs !== undefined ? String(values.jobs).split(',').map((j) => j.trim()).filter(Boolean) : undefined;
  const config = await loadConfigFor(ctx);
  const opts = {
    ...(at ? { at } : {}), ...(jobs ? { jobs } : {}), signal: ctx.signal, warn: warnTo(ctx),
    ...(values.suffix !== undefined ? { suffix: String(values.suffix) } : {}),
    ...(values.target !== undefined ? { target: String(values.target) } : {}),
  };
  const plan = await planRestoreAll(config, opts);
  showPlan(ctx, plan, at);
  if (values['dry-run']) {
    ctx.json({ message_type: 'plan', at: at?.toISOString() ?? null, jobs: plan.map(planJson) });
    ctx.say('dry run: nothing was changed');
    return plan.some((p) => p.error !== undefined) ? 3 : 0;
  }
  await confirm(ctx, plan, values.yes === true);
  const events = new EventBus((err) => ctx.io.stderr.write(`lifeboat: internal: event subscriber failed: ${String(err)}\n`));
  await using _observing = observeRuns(ctx, config, events);
  const { results, totalMs } = await executeRestoreAll(config, plan, {
    ...opts, events,
    onJob: (r) => {
      if (r.ok) ctx.say(`job ${r.job}: restored in ${formatDurationMs(r.durationMs)}`);
      else ctx.io.stderr.write(`lifeboat: job ${r.job}: NOT restored: ${r.error}\n`);
    },
  });
  const failed = results.filter((r) => !r.ok);
  ctx.json({ message_type: 'summary', at: at?.toISOString() ?? null, jobs: plan.map((p) => ({ ...planJson(p), ...resultJson(results.find((r) => r.job === p.job)) })),
    restored: results.length - failed.length, failed: failed.length, total_seconds: totalMs / 1000 });
  ctx.say(`${results.length - failed.length} of ${plan.length} jobs restored in ${formatDurationMs(totalMs)} (the achieved RTO)`);
  if (ctx.signal.aborted) return 130;
  return failed.length === 0 ? 0 : failed.length === plan.length ? 1 : 3;
}

function showPlan(ctx: CommandContext, plan: readonly PlanItem[], at: Date | undefined): void {
  ctx.out(`Restore plan${at ? ` for ${at.toISOString()}` : ' (latest snapshots)'}:`);
  const rows = plan.flatMap((p) => p.error !== undefined
    ? [[p.job, p.engine, '-', '-', `cannot restore: ${p.error}`, '-']]
    : p.restores.map((r, i) => [
      i === 0 ? p.job : '', i === 0 ? p.engine : '', i === 0 ? p.snapshotId!.slice(0, 8) : '',
      i === 0 ? p.snapshotTime!.replace('T', ' ').slice(0, 19) : '',
      `${r.source} → ${r.describe}${r.replaces ? ' (REPLACES DATA)' : ''}`, i === 0 && p.size !== undefined ? formatBytes(p.size) : '',
    ]));
  printTable(ctx.out, ['Job', 'Engine', 'Snapshot', 'Time', 'Source → target', 'Size'], rows);
}

/** Every target holding data is listed; --yes, or the word typed on a terminal, confirms. */
async function confirm(ctx: CommandContext, plan: readonly PlanItem[], yes: boolean): Promise<void> {
  const replaced = plan.flatMap((p) => p.restores.filter((r) => r.replaces).map((r) => `${p.job}: ${r.describe} (${r.detail})`));
  if (replaced.length === 0 || yes) return;
  if (!ctx.io.stdin.isTTY) {
    throw new UsageError(`restore would replace data in ${replaced.length} target(s): ${replaced.join('; ')}`,
      { hint: 'no terminal to ask on: pass --yes to confirm, or --suffix _restored to restore beside the originals' });
  }
  ctx.io.stderr.write(`This restore REPLACES the data in:\n${replaced.map((r) => `  ${r}\n`).join('')}`);
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = await rl.question(`Type "${CONFIRM_WORD}" to go on: `, { signal: ctx.signal });
    if (answer.trim() !== CONFIRM_WORD) throw new UsageError('restore: not confirmed, nothing changed');
  } finally {
    rl.close();
  }
}

function planJson(p: PlanItem): Record<string, unknown> {
  return {
    job: p.job, engine: p.engine, repository: p.repository, snapshot_id: p.snapshotId ?? null, snapshot_time: p.snapshotTime ?? null,
    size: p.size ?? null, error: p.error ?? null,
    restores: p.restores.map((r) => ({ source: r.source, target: r.target, describe: r.describe, replaces: r.replaces, detail: r.detail })),
  };
}

function resultJson(r: { ok: boolean; durationMs: number; error?: string } | undefined): Record<string, unknown> {
  return r ? { restored: r.ok, seconds: r.durationMs / 1000, error: r.error ?? null } : { restored: false, error: 'not attempted' };
}
