import type { Command } from '../command.ts';
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
    'With --job, `latest` is the job\'s newest snapshot. --json prints JSON lines: one',
    '{"message_type":"change"} per path, then one {"message_type":"statistics"}.',
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
  },
};
