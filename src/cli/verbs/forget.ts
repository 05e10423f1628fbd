import { count } from '../progress.ts';
import { chooseRepository } from '../repo-choice.ts';
import type { Command, CommandContext } from '../command.ts';
import { stringList } from '../access.ts';
import { jobRetention, runForget, type ForgetOutcome } from '../../app/forget.ts';
import type { SnapshotFilter } from '../../app/snapshots.ts';
import { DEFAULT_GROUP_BY, type GroupBy, type RetentionGroup } from '../../core/retention.ts';
import type { RepositoryAccess } from '../../app/repository-access.ts';
import { accessForJob } from '../job-access.ts';
import { isWalJob } from '../../app/wal/archive.ts';
import { RETENTION_FLAGS, describePolicy, policyFromFlags, type RetentionFlag } from '../../core/retention-schema.ts';
import type { SnapshotEntry } from '../../repo/types.ts';
import { PRUNE_OPTIONS, PRUNE_USAGE, pruneJson, pruneRequestFromArgs, reportPrune } from './prune.ts';
import { printTable, snapshotJson } from './snapshots.ts';

const retentionOptions = Object.fromEntries(
  Object.keys(RETENTION_FLAGS).map((f) => [f, f === 'keep-tag' ? { type: 'string', multiple: true } : { type: 'string' }]),
) as Record<RetentionFlag, { type: 'string'; multiple?: boolean }>;

export const forgetCommand: Command = {
  name: 'forget',
  summary: 'remove snapshots by a retention policy (or by ID), optionally prune',
  usage: [
    'Usage: lifeboat forget [policy flags] [--group-by host,paths,tags,job] [--host H] [--tag T] [--dry-run] [--prune]',
    '       lifeboat forget [--dry-run] [--prune] SNAPSHOT-ID…',
    '',
    'Policy flags (as restic; counts accept "unlimited"; durations like 30d, 1y6m, 12h):',
    '  --keep-last N  --keep-hourly N  --keep-daily N  --keep-weekly N  --keep-monthly N  --keep-yearly N',
    '  --keep-within D  --keep-within-hourly D  --keep-within-daily D  --keep-within-weekly D',
    '  --keep-within-monthly D  --keep-within-yearly D  --keep-tag TAG[,TAG…] (repeatable)',
    'An empty policy is refused (restic would keep everything and say nothing).',
    '',
    'Flags:',
    '  -g, --group-by FIELDS       group snapshots by host, paths, tags and/or job (default host,paths; "" = one group)',
    '      --job NAME              the job\'s retention policy (config file) on its snapshots in its repository',
    '      --repository NAME       the repository NAME of the config (instead of --repo and a password)',
    '      --host HOST             only snapshots of HOST',
    '      --tag T[,T…]            only snapshots with these tags (repeatable: any of the sets)',
    '      --path PATH             only snapshots with PATH (repeatable)',
    '  -n, --dry-run               show what would be removed, change nothing',
    '      --prune                 prune after removing snapshots',
    ...PRUNE_USAGE,
    '--json prints the groups as one JSON document; with --prune, a second line with the prune.',
  ].join('\n'),
  options: {
    ...retentionOptions,
    'group-by': { type: 'string', short: 'g' },
    job: { type: 'string' },
    repository: { type: 'string' },
    host: { type: 'string' },
    tag: { type: 'string', multiple: true },
    path: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', short: 'n' },
    prune: { type: 'boolean' },
    ...PRUNE_OPTIONS,
  },
  async run(ctx, args) {
    const { values, positionals } = args;
    const flags: Partial<Record<RetentionFlag, string | string[]>> = {};
    for (const f of Object.keys(RETENTION_FLAGS) as RetentionFlag[]) {
      const v = values[f];
      if (v !== undefined) flags[f] = Array.isArray(v) ? v.map(String) : String(v);
    }
    let policy = policyFromFlags(flags);
    let access = undefined as RepositoryAccess | undefined;
    let filter: SnapshotFilter = { host: values.host as string | undefined, tags: stringList(values.tag).map((t) => t.split(',').filter(Boolean)), paths: stringList(values.path) };
    const jobName = values.job as string | undefined;
    let walJob: string | undefined;
    if (jobName !== undefined) {
      const j = await accessForJob(ctx, jobName);
      access = j.access;
      ({ policy, filter } = jobRetention(j.job, policy, filter));
      if (isWalJob(j.job) && positionals.length === 0) walJob = j.job.name;
    }
    const groupByText = values['group-by'] as string | undefined;
    const groupBy = groupByText === undefined ? DEFAULT_GROUP_BY : (groupByText.split(',').map((s) => s.trim()).filter(Boolean) as GroupBy[]);
    const dryRun = values['dry-run'] === true;
    let out: ForgetOutcome;
    try {
      out = await runForget(access ?? (await chooseRepository(ctx, { repository: values.repository })).access, {
        policy,
        groupBy,
        filter,
        ids: positionals,
        dryRun,
        prune: values.prune === true ? pruneRequestFromArgs(ctx, args) : undefined,
        ...(walJob !== undefined ? { walJob } : {}),
      }, ctx.signal);
    } finally {
      ctx.progress.done();
    }
    if (positionals.length === 0) ctx.say(`Applying Policy: ${describePolicy(policy)}`);
    for (const g of out.groups) reportGroup(ctx, g);
    if (positionals.length > 0) for (const e of out.removed) ctx.say(`${dryRun ? 'would remove' : 'removed'} snapshot ${e.id.slice(0, 8)}`);
    ctx.say(`${dryRun ? 'would remove' : 'removed'} ${count(out.removed.length, 'snapshot')}`);
    if (out.walRemoved) ctx.say(`${dryRun ? 'would remove' : 'removed'} ${count(out.walRemoved.length, 'WAL file')} no kept base backup needs${out.walRemoved.length ? ` (${out.walRemoved[0]}${out.walRemoved.length > 1 ? ` … ${out.walRemoved[out.walRemoved.length - 1]}` : ''})` : ''}`);
    if (out.prune) reportPrune(ctx, out.prune);
    if (ctx.global.json) {
      // restic's shape: one object per group; with --prune a second document follows.
      ctx.json(out.groups.map(groupJson));
      if (out.prune) ctx.json(pruneJson(out.prune));
    }
  },
};

function groupTitle(g: RetentionGroup): string {
  const parts: string[] = [];
  if (g.key.host !== undefined) parts.push(`host [${g.key.host}]`);
  if (g.key.paths !== undefined) parts.push(`paths [${g.key.paths.join(', ')}]`);
  if (g.key.tags !== undefined) parts.push(`tags [${g.key.tags.join(', ')}]`);
  if (g.key.job !== undefined) parts.push(`job [${g.key.job ?? ''}]`);
  return parts.length ? `snapshots for (${parts.join(', ')}):` : 'snapshots:';
}

function row(e: SnapshotEntry, reasons?: string[]): string[] {
  const s = e.snapshot;
  const r = [e.id.slice(0, 8), s.time.replace('T', ' ').slice(0, 19), s.hostname ?? '', (s.tags ?? []).join(',')];
  if (reasons) r.push(reasons.join(', '));
  r.push(s.paths.join(' '));
  return r;
}

function reportGroup(ctx: CommandContext, g: RetentionGroup): void {
  ctx.say('');
  ctx.say(groupTitle(g));
  ctx.say(`keep ${count(g.keep.length, 'snapshot')}:`);
  printTable(ctx.say, ['ID', 'Time', 'Host', 'Tags', 'Reasons', 'Paths'], g.reasons.map((r) => row(r.entry, r.matches)));
  if (g.remove.length > 0) {
    ctx.say('');
    ctx.say(`remove ${count(g.remove.length, 'snapshot')}:`);
    printTable(ctx.say, ['ID', 'Time', 'Host', 'Tags', 'Paths'], g.remove.map((e) => row(e)));
  }
}

function groupJson(g: RetentionGroup): Record<string, unknown> {
  return {
    tags: g.key.tags ?? null,
    host: g.key.host ?? '',
    paths: g.key.paths ?? null,
    ...(g.key.job !== undefined ? { job: g.key.job } : {}),
    keep: g.keep.map(snapshotJson),
    remove: g.remove.length ? g.remove.map(snapshotJson) : null,
    reasons: g.reasons.map((r) => ({ snapshot: snapshotJson(r.entry), matches: r.matches, counters: r.counters })),
  };
}
