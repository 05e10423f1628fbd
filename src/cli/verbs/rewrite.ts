import type { Command } from '../command.ts';
import { SNAPSHOT_FILTER_OPTIONS, stringList } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runRewrite } from '../../app/snapshot-edit.ts';
import { readPatternFiles } from '../../app/pattern-files.ts';
import { UsageError } from '../../errors.ts';
import { count } from '../progress.ts';

export const rewriteCommand: Command = {
  name: 'rewrite',
  summary: 'drop paths from existing snapshots',
  usage: [
    'Usage: lifeboat rewrite [SNAPSHOT|latest]… --exclude PATTERN… [--forget] [--dry-run]',
    '',
    'Writes each snapshot again without the excluded paths, as restic 0.15 rewrite does: the new',
    'snapshot has `original` set to the old ID and the tag `rewrite`; with --forget the old',
    'snapshot is removed instead (then `lifeboat prune` reclaims the space). Without snapshot IDs,',
    'every snapshot matching the filter (or the job\'s, with --job) is rewritten.',
    '',
    'Flags:',
    '  -e, --exclude PATTERN   drop paths matching PATTERN (restic\'s patterns; repeatable)',
    '      --iexclude PATTERN  the same, ignoring case',
    '      --exclude-file FILE read exclude patterns from FILE (one a line, # comments)',
    '      --iexclude-file FILE',
    '      --forget            remove the original snapshots (exclusive lock)',
    '  -n, --dry-run           only say what would be dropped',
    ...REPOSITORY_CHOICE_USAGE,
  ].join('\n'),
  options: {
    exclude: { type: 'string', short: 'e', multiple: true },
    iexclude: { type: 'string', multiple: true },
    'exclude-file': { type: 'string', multiple: true },
    'iexclude-file': { type: 'string', multiple: true },
    forget: { type: 'boolean' },
    'dry-run': { type: 'boolean', short: 'n' },
    ...REPOSITORY_CHOICE_OPTIONS, ...SNAPSHOT_FILTER_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    const excludes = [...stringList(values.exclude), ...await readPatternFiles(stringList(values['exclude-file']))];
    const iexcludes = [...stringList(values.iexclude), ...await readPatternFiles(stringList(values['iexclude-file']))];
    if (!excludes.length && !iexcludes.length) throw new UsageError('rewrite: nothing to do: give --exclude, --iexclude or an exclude file');
    const chosen = await chooseRepository(ctx, values);
    const dryRun = values['dry-run'] === true;
    const edited = await runRewrite(chosen.access, { refs: positionals, filter: chosenFilter(values, chosen) }, {
      excludes, iexcludes, forget: values.forget === true, dryRun,
      onSnapshot: (e) => ctx.say(`snapshot ${e.id.slice(0, 8)} of [${e.snapshot.paths.join(' ')}] at ${e.snapshot.time}`),
      onExcluded: (_e, p) => ctx.say(`${dryRun ? 'would exclude' : 'excluding'} ${p}`),
    }, ctx.signal);
    const changed = edited.filter((e) => e.changed);
    for (const e of changed) if (e.newId) ctx.say(`snapshot ${e.id.slice(0, 8)} saved as ${e.newId.slice(0, 8)}${values.forget ? ' (original removed)' : ''}`);
    const n = count(changed.length, 'snapshot');
    ctx.say(changed.length === 0 ? `no snapshots ${dryRun ? 'would be' : 'were'} modified` : dryRun ? `would modify ${n}` : `modified ${n}`);
    ctx.json({ message_type: 'summary', dry_run: dryRun, changed_snapshots: changed.map((e) => ({ id: e.id, new_id: e.newId ?? null })), unchanged: edited.length - changed.length });
  },
};
