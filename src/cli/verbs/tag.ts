import type { Command } from '../command.ts';
import { SNAPSHOT_FILTER_OPTIONS, stringList } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runTag } from '../../app/snapshot-edit.ts';
import { UsageError } from '../../errors.ts';
import { count } from '../progress.ts';

const tagList = (v: unknown) => stringList(v).flatMap((t) => t.split(','));

export const tagCommand: Command = {
  name: 'tag',
  summary: 'add, remove or replace the tags of snapshots',
  usage: [
    'Usage: lifeboat tag [SNAPSHOT|latest]… (--add T[,T…] | --remove T[,T…] | --set T[,T…])… [--host H] [--tag T] [--path P]',
    '',
    'Changes the tags of the snapshots given, or of every snapshot matching the filter, as restic',
    'tag does: each changed snapshot is saved anew (with `original` naming its first ID) and the',
    'old file is removed, under an exclusive lock. `--set ""` removes every tag.',
    '',
    'Flags:',
    '      --add T[,T…]        add tags (repeatable)',
    '      --remove T[,T…]     remove tags (repeatable)',
    '      --set T[,T…]        replace all tags (repeatable; not with --add/--remove)',
    ...REPOSITORY_CHOICE_USAGE,
  ].join('\n'),
  options: {
    add: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    set: { type: 'string', multiple: true },
    ...REPOSITORY_CHOICE_OPTIONS, ...SNAPSHOT_FILTER_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    const change = { add: tagList(values.add), remove: tagList(values.remove), set: stringList(values.set).flatMap((t) => (t === '' ? [''] : t.split(','))) };
    if (!change.add.length && !change.remove.length && !change.set.length) throw new UsageError('tag: nothing to do: give --add, --remove or --set');
    if (change.set.length && (change.add.length || change.remove.length)) throw new UsageError('tag: --set and --add/--remove cannot be given at the same time');
    const chosen = await chooseRepository(ctx, values);
    const edited = await runTag(chosen.access, { refs: positionals, filter: chosenFilter(values, chosen) }, change, ctx.signal);
    const changed = edited.filter((e) => e.changed);
    for (const e of changed) ctx.say(`snapshot ${e.id.slice(0, 8)} saved as ${e.newId!.slice(0, 8)}`);
    ctx.say(changed.length === 0 ? 'no snapshots were modified' : `modified tags on ${count(changed.length, 'snapshot')}`);
    ctx.json({ message_type: 'summary', changed_snapshots: changed.map((e) => ({ id: e.id, new_id: e.newId })), unchanged: edited.length - changed.length });
  },
};
