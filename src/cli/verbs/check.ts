import { chooseRepository, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import type { Command, CommandContext } from '../command.ts';
import { NO_LOCK_OPTION, withNoLock } from '../access.ts';
import { describeSubset, parseReadDataSubset, runCheck } from '../../app/check.ts';
import type { CheckProblem, CheckProgress, CheckReport, ReadDataSubset } from '../../engine/checker/types.ts';
import { UsageError } from '../../errors.ts';
import type { RepositoryAccess } from '../../app/repository-access.ts';
import { formatBytes, count } from '../progress.ts';

const PHASES: Record<CheckProgress['phase'], string> = {
  index: 'load indexes',
  packs: 'check pack headers',
  'read-data': 'read data',
  snapshots: 'check snapshots, trees and blobs',
  attribute: 'find affected snapshots',
};

export const checkCommand: Command = {
  name: 'check',
  summary: 'check the repository for errors',
  usage: [
    'Usage: lifeboat check [--read-data | --read-data-subset SUBSET]',
    '',
    'Checks that every snapshot, tree and blob is reachable through the index and that every',
    'pack the index lists exists with the right size and header. Problems name the snapshots',
    'and paths they affect. Exit status 0 when no errors were found, 1 otherwise.',
    'An index file that does not load, and packs that snapshots need but no index file lists,',
    'are warnings (exit 0): their packs are read from their headers and checked like the rest;',
    '`lifeboat repair index` rebuilds the index so that restic can use them too.',
    '',
    'Flags:',
    '      --read-data                 also read every pack and verify every blob',
    '      --read-data-subset SUBSET   read a subset of packs: n/t (the n-th of t parts, by pack',
    '                                  ID), x% (random), or a size like 500M (random)',
    '      --no-lock                   do not lock the repository (read-only media; a read-only',
    '                                  repository is detected and checked unlocked anyway)',
    ...REPOSITORY_CHOICE_USAGE,
  ].join('\n'),
  options: {
    'read-data': { type: 'boolean' },
    'read-data-subset': { type: 'string' },
    ...NO_LOCK_OPTION,
    ...REPOSITORY_CHOICE_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    if (positionals.length) throw new UsageError(`check: unexpected argument ${JSON.stringify(positionals[0])}`);
    const subsetText = values['read-data-subset'] as string | undefined;
    if (subsetText !== undefined && values['read-data']) throw new UsageError('--read-data and --read-data-subset exclude each other');
    const subset: ReadDataSubset | undefined = subsetText === undefined ? undefined : parseReadDataSubset(subsetText);
    const readData = values['read-data'] === true;
    const chosen = await chooseRepository(ctx, values);
    const access = withNoLock(chosen.access, values);
    const report = await runCheck(access, {
      readData,
      readDataSubset: subset,
      onProgress: (p) => ctx.progress.update(progressLine(p)),
    }, ctx.signal);
    ctx.progress.done();
    ctx.json({
      message_type: 'summary',
      ok: report.errors.length === 0,
      read_data: readData || subset !== undefined,
      read_data_subset: subset ? describeSubset(subset) : undefined,
      errors: report.errors,
      warnings: report.warnings,
      hints: report.hints,
      stats: report.stats,
    });
    if (!ctx.global.json) printReport(ctx, report, readData ? 'all' : subset ? describeSubset(subset) : undefined);
    const walOk = await checkWalJobs(ctx, values, access, readData);
    return report.errors.length === 0 && walOk ? 0 : 1;
  },
};

/**
 * The WAL archive of the WAL job named by --job, or of every WAL job of the repository named by
 * --repository: no gap from each kept base backup on; with --read-data every file decrypted.
 */
async function checkWalJobs(ctx: CommandContext, values: Record<string, unknown>, access: RepositoryAccess, readData: boolean): Promise<boolean> {
  if (values.job === undefined && values.repository === undefined) return true;
  const { loadConfigFor } = await import('../job-access.ts');
  const { isWalJob } = await import('../../app/wal/archive.ts');
  const { checkWalArchive } = await import('../../app/wal/maintenance.ts');
  const config = await loadConfigFor(ctx);
  const jobs = config.jobs.filter((j) => isWalJob(j) && (values.job !== undefined ? j.name === values.job : j.repositories.includes(values.repository as string)));
  let ok = true;
  for (const job of jobs) {
    const r = await checkWalArchive(access, job.name, { readData }, ctx.signal);
    for (const g of r.gaps) ctx.io.stderr.write(`error: WAL of job ${job.name}: ${g.message}\n`);
    for (const d of r.damaged) ctx.io.stderr.write(`error: WAL of job ${job.name}: ${d.file}: ${d.message}\n`);
    if (r.gaps.length || r.damaged.length) ok = false;
    ctx.say(`WAL of job ${job.name}: ${count(r.files, 'file')}${r.newest ? `, newest ${r.newest}` : ''}, ${count(r.backups.length, 'base backup')}` +
      `${readData ? ', every file read' : ''}: ${r.gaps.length || r.damaged.length ? `${count(r.gaps.length, 'gap')}, ${count(r.damaged.length, 'damaged file')}` : 'no gaps'}`);
    ctx.json({
      message_type: 'wal-check', job: job.name, files: r.files, newest: r.newest, base_backups: r.backups.map((b) => b.id),
      gaps: r.gaps.map((g) => ({ first: g.first, last: g.last, message: g.message })), damaged: r.damaged,
    });
  }
  return ok;
}

function progressLine(p: CheckProgress): string {
  const count = p.total === undefined ? `${p.done}` : `${p.done} / ${p.total}`;
  return `${PHASES[p.phase]}: ${count}${p.bytes !== undefined ? `, ${formatBytes(p.bytes)}` : ''}`;
}

function printReport(ctx: CommandContext, report: CheckReport, read: string | undefined): void {
  const { stats } = report;
  // Problems go to stderr so that --quiet still shows them.
  for (const e of report.errors) ctx.io.stderr.write(`${problemText(e)}\n`);
  for (const w of report.warnings) ctx.io.stderr.write(`${problemText(w, 'warning')}\n`);
  for (const h of report.hints) ctx.say(`hint: ${h}`);
  // Unindexed packs that snapshots need are warnings above, not leftovers for prune.
  const needed = new Set(report.warnings.filter((w) => w.kind === 'pack-unindexed').map((w) => w.pack?.slice(0, 8)));
  const orphans = report.hints.filter((h) => h.endsWith('not referenced in any index') && !needed.has(/^pack ([0-9a-f]+)/.exec(h)?.[1] ?? '')).length;
  if (orphans) ctx.say(`${orphans} pack files are not referenced by any index; this is non-critical (prune removes them)`);
  ctx.say(
    `${count(stats.snapshots, 'snapshot')}, ${count(stats.trees, 'tree')}, ${count(stats.blobs, 'blob')}, ${count(stats.packs, 'pack')}` +
    (read ? `; read ${stats.packsRead} packs (${formatBytes(stats.bytesRead)})${read === 'all' ? '' : ` for subset ${read}`}` : ''),
  );
  if (report.errors.length === 0) {
    ctx.say(report.warnings.length === 0 ? 'no errors were found'
      : `no errors were found, but ${report.warnings.length} warning(s): the data is intact; run \`lifeboat repair index\` so that restic can read all of it`);
  } else ctx.io.stderr.write(`repository contains errors (${report.errors.length})\n`);
}

export function problemText(e: CheckProblem, level: 'error' | 'warning' = 'error'): string {
  const lines = [`${level}: ${e.message}`];
  if (e.snapshots?.length) lines.push(`  affects snapshots: ${e.snapshots.map((s) => s.slice(0, 8)).join(' ')}`);
  if (e.paths?.length) lines.push(`  paths: ${e.paths.join(', ')}${e.pathsTruncated ? ', …' : ''}`);
  return lines.join('\n');
}
