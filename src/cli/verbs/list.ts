import type { Command } from '../command.ts';
import { NO_LOCK_OPTION, withNoLock } from '../access.ts';
import { chooseRepository, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { LIST_TYPES, runListFiles, type ListType } from '../../app/repo-debug.ts';
import { UsageError } from '../../errors.ts';

export const listCommand: Command = {
  name: 'list',
  summary: 'list the IDs of packs, index files, snapshots, keys, locks or blobs, for debugging',
  usage: [
    `Usage: lifeboat list ${LIST_TYPES.join('|')}`,
    '',
    'One ID a line, as restic list prints them (blobs: "data ID" / "tree ID", one per index',
    'entry). --json prints the same as a JSON array.',
    '',
    'Flags:',
    ...REPOSITORY_CHOICE_USAGE,
    '      --no-lock           do not lock the repository',
  ].join('\n'),
  options: { ...REPOSITORY_CHOICE_OPTIONS, ...NO_LOCK_OPTION },
  async run(ctx, { values, positionals }) {
    const [type, extra] = positionals;
    if (!type || !(LIST_TYPES as readonly string[]).includes(type) || extra !== undefined) throw new UsageError(`list: give one type: ${LIST_TYPES.join(', ')}`);
    const chosen = await chooseRepository(ctx, values);
    const lines: string[] = [];
    await runListFiles(withNoLock(chosen.access, values), type as ListType, (l) => (ctx.global.json ? lines.push(l) : ctx.out(l)), ctx.signal);
    ctx.json(lines);
  },
};
