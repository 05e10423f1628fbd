import type { Command, CommandContext } from '../command.ts';
import type { RepositoryAccess } from '../../app/repository-access.ts';
import { NO_LOCK_OPTION, withNoLock } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runDiff } from '../../app/inspect.ts';
import { UsageError } from '../../errors.ts';
import { resticBytes } from '../restic-format.ts';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'what changed between two snapshots',
  usage: [
    'Usage: lifeboat diff SNAPSHOT1 SNAPSHOT2 [--metadata] [--job NAME]',
    '',
    'Lists what changed from the first snapshot to the second, as restic diff does:',
    '  +  added   -  removed   M  content modified   T  type changed   U  metadata changed',
    '(U only with --metadata), then counts of files, directories and blobs added and removed.',
    'With --job, `latest` is the job\'s newest snapshot, and for a database job (PostgreSQL, MySQL)',
    'the tables whose rows changed in size or checksum follow. --json prints JSON lines: one',
    '{"message_type":"change"} per path, one {"message_type":"statistics"}, then one',
    '{"message_type":"table_change"} per table.',
    '',
    'Flags:',
    '      --metadata          also show changes of metadata only (mode, times, owner)',
    ...REPOSITORY_CHOICE_USAGE,
    '      --no-lock           do not lock the repository',
  ].join('\n'),
  options: { metadata: { type: 'boolean' }, ...REPOSITORY_CHOICE_OPTIONS, ...NO_LOCK_OPTION },
  async run(ctx, { values, positionals }) {
    if (positionals.length !== 2) throw new UsageError('diff: give two snapshots (IDs or "latest")');
    const chosen = await chooseRepository(ctx, values);
    const [from, to] = positionals as [string, string];
    const r = await runDiff(withNoLock(chosen.access, values), {
      from, to, filter: chosenFilter(values, chosen), metadata: values.metadata === true,
      onSnapshots: (a, b) => ctx.say(`comparing snapshot ${a.id.slice(0, 8)} to ${b.id.slice(0, 8)}:\n`),
      onChange: (c) => {
        ctx.json({ message_type: 'change', path: c.path, modifier: c.modifier });
        if (!ctx.global.quiet) ctx.out(`${c.modifier.padEnd(5)}${c.path}`);
      },
      onWarning: (m) => ctx.io.stderr.write(`${m}\n`),
    }, ctx.signal);
    const side = (s: typeof r.added) => ({ files: s.files, dirs: s.dirs, others: s.others, data_blobs: s.dataBlobs, tree_blobs: s.treeBlobs, bytes: s.bytes });
    ctx.json({ message_type: 'statistics', source_snapshot: from, target_snapshot: to, changed_files: r.changedFiles, added: side(r.added), removed: side(r.removed) });
    const n = (v: number) => String(v).padStart(5);
    ctx.out('');
    ctx.out(`Files:       ${n(r.added.files)} new, ${n(r.removed.files)} removed, ${n(r.changedFiles)} changed`);
    ctx.out(`Dirs:        ${n(r.added.dirs)} new, ${n(r.removed.dirs)} removed`);
    ctx.out(`Others:      ${n(r.added.others)} new, ${n(r.removed.others)} removed`);
    ctx.out(`Data Blobs:  ${n(r.added.dataBlobs)} new, ${n(r.removed.dataBlobs)} removed`);
    ctx.out(`Tree Blobs:  ${n(r.added.treeBlobs)} new, ${n(r.removed.treeBlobs)} removed`);
    ctx.out(`  Added:   ${resticBytes(r.added.bytes)}`);
    ctx.out(`  Removed: ${resticBytes(r.removed.bytes)}`);
    if (chosen.job !== undefined) await diffTables(ctx, chosen.job, from, to, chosen.access);
  },
};

/** A database job: the tables whose rows changed between the two dumps. */
async function diffTables(ctx: CommandContext, jobName: string, from: string, to: string, access: RepositoryAccess): Promise<void> {
  const { loadConfigFor } = await import('../job-access.ts');
  const { runDbDiff } = await import('../../app/db-diff.ts');
  const { requireJob } = await import('../../app/config-access.ts');
  const job = requireJob(await loadConfigFor(ctx), jobName);
  const d = await runDbDiff(access, job, from, to, ctx.signal);
  if (!d) return;
  ctx.out('');
  ctx.out(`Tables (${d.engine}):`);
  for (const db of d.databasesAdded) ctx.out(`+    database ${db}`);
  for (const db of d.databasesRemoved) ctx.out(`-    database ${db}`);
  for (const t of d.tables) {
    const size = t.before && t.after ? `${resticBytes(t.before.bytes)} -> ${resticBytes(t.after.bytes)}` : resticBytes((t.after ?? t.before)!.bytes);
    ctx.out(`${t.modifier.padEnd(5)}${t.database}: ${t.table} (${size})`);
    ctx.json({ message_type: 'table_change', engine: d.engine, database: t.database, table: t.table, modifier: t.modifier,
      bytes_before: t.before?.bytes ?? null, bytes_after: t.after?.bytes ?? null, sha256_before: t.before?.sha256 ?? null, sha256_after: t.after?.sha256 ?? null });
  }
  if (d.tables.length === 0 && d.databasesAdded.length === 0 && d.databasesRemoved.length === 0) ctx.out('no table changed');
}
