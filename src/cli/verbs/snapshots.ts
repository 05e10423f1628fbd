import type { Command } from '../command.ts';
import { accessFromContext, atTime, AT_OPTION, NO_LOCK_OPTION, stringList, withNoLock } from '../access.ts';
import { jobFilter, listSnapshotsAt, newestPerGroupAt, type SnapshotFilter } from '../../app/snapshots.ts';
import { jobInfo, snapshotJson } from '../../app/snapshot-info.ts';
import { latestPerHostAndPaths } from '../../app/snapshot-set.ts';
import { UsageError } from '../../errors.ts';

export { snapshotJson };
import { accessForJob } from '../job-access.ts';
import { chooseRepository } from '../repo-choice.ts';
import { formatBytes, count } from '../progress.ts';
import { runAllRepos } from './snapshots-all-repos.ts';

export const snapshotsCommand: Command = {
  name: 'snapshots',
  summary: 'list snapshots',
  usage: [
    'Usage: lifeboat snapshots [--host HOST] [--tag T[,T…]]… [--path PATH]… [--job NAME] [--latest N] [--compact]',
    '',
    '--latest N shows the newest N snapshots of each host and set of paths; -c, --compact leaves',
    'out the paths (and, for jobs, the engine and databases).',
    'Snapshots made by jobs show their job, engine, database(s), dump size and duration.',
    '--repository NAME lists the snapshots of that repository of the config file.',
    '--job NAME lists that job\'s snapshots, from its primary repository in the config file',
    '(unless --repo is given). --json prints restic\'s fields plus a "lifeboat" object.',
    '--all-repos shows, for every repository in the config (or of --job), which holds each snapshot.',
    '--no-lock is accepted for restic compatibility (listing snapshots never takes a lock).',
    '--at TIME shows, per job, the newest snapshot at or before TIME: what restore --at TIME picks.',
  ].join('\n'),
  options: {
    host: { type: 'string' },
    tag: { type: 'string', multiple: true },
    path: { type: 'string', multiple: true },
    job: { type: 'string' },
    repository: { type: 'string' },
    'all-repos': { type: 'boolean' },
    latest: { type: 'string' },
    compact: { type: 'boolean', short: 'c' },
    ...NO_LOCK_OPTION,
    ...AT_OPTION,
  },
  async run(ctx, { values }) {
    const at = atTime(values);
    const tags = stringList(values.tag).map((t) => t.split(',').filter(Boolean));
    const job = values.job as string | undefined;
    // Every repository of the config (or of --job): which of them holds each snapshot.
    if (values['all-repos']) return runAllRepos(ctx, { host: values.host as string | undefined, tags, paths: stringList(values.path) }, job);
    const filter: SnapshotFilter = { host: values.host as string | undefined, tags, paths: stringList(values.path) };
    const access = withNoLock(job !== undefined ? (await accessForJob(ctx, job)).access
      : values.repository !== undefined ? (await chooseRepository(ctx, values)).access : accessFromContext(ctx), values);
    const listed = await listSnapshotsAt(access, job !== undefined ? jobFilter(job, filter) : filter, ctx.signal);
    let entries = at ? newestPerGroupAt(listed, at) : listed;
    if (values.latest !== undefined) {
      const n = Number(values.latest);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--latest: "${String(values.latest)}" is not a positive whole number`);
      entries = latestPerHostAndPaths(entries, n);
    }
    const compact = values.compact === true;
    ctx.json(entries.map(snapshotJson));
    if (ctx.global.json) return;
    const infos = entries.map((e) => jobInfo(e.snapshot));
    const withJobs = infos.some((i) => i.job !== undefined || i.engine !== undefined);
    const rows = entries.map((e, n) => {
      const base = [e.id.slice(0, 8), e.snapshot.time.replace('T', ' ').slice(0, 19), e.snapshot.hostname ?? ''];
      if (!withJobs) return [...base, (e.snapshot.tags ?? []).join(','), ...(compact ? [] : [e.snapshot.paths.join(' ')])];
      const i = infos[n]!;
      const known = /^(job|engine|db|size|duration)=/;
      const tags = (e.snapshot.tags ?? []).filter((t) => !known.test(t) && !/-version=|^dump-format=/.test(t)).join(',');
      const size = i.size === undefined ? '' : formatBytes(i.size);
      if (compact) return [...base, i.job ?? '', size, tags];
      return [...base, i.job ?? '', i.engine ?? '', i.databases.join(','), size, i.duration ?? '', tags, e.snapshot.paths.join(' ')];
    });
    const header = withJobs
      ? (compact ? ['ID', 'Time', 'Host', 'Job', 'Size', 'Tags'] : ['ID', 'Time', 'Host', 'Job', 'Engine', 'Database', 'Size', 'Duration', 'Tags', 'Paths'])
      : (compact ? ['ID', 'Time', 'Host', 'Tags'] : ['ID', 'Time', 'Host', 'Tags', 'Paths']);
    printTable(ctx.out, header, rows);
    ctx.say(`${count(entries.length, 'snapshot')}`);
  },
};

export function printTable(say: (line: string) => void, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  say(line(header));
  say('-'.repeat(widths.reduce((a, w) => a + w + 2, -2)));
  for (const r of rows) say(line(r));
  say('-'.repeat(widths.reduce((a, w) => a + w + 2, -2)));
}
