import type { Command } from '../command.ts';
import { NO_LOCK_OPTION, withNoLock } from '../access.ts';
import { chooseRepository, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { CAT_TYPES, runCat, type CatType } from '../../app/repo-debug.ts';
import { UsageError } from '../../errors.ts';

export const catCommand: Command = {
  name: 'cat',
  summary: 'print a repository object (config, snapshot, index, tree, blob, key, lock), for debugging',
  usage: [
    'Usage: lifeboat cat config',
    '       lifeboat cat snapshot|index|key|lock ID',
    '       lifeboat cat tree ID|SNAPSHOT:PATH',
    '       lifeboat cat blob ID',
    '',
    'Prints the decrypted object as JSON (a blob as its raw bytes), as restic cat does. IDs may',
    'be abbreviated when unique. The master key is never printed.',
    '',
    'Flags:',
    ...REPOSITORY_CHOICE_USAGE,
    '      --no-lock           do not lock the repository',
  ].join('\n'),
  options: { ...REPOSITORY_CHOICE_OPTIONS, ...NO_LOCK_OPTION },
  async run(ctx, { values, positionals }) {
    const [type, id, extra] = positionals;
    if (!type || !(CAT_TYPES as readonly string[]).includes(type) || extra !== undefined) {
      throw new UsageError(`cat: give a type (${CAT_TYPES.join(', ')}) and an ID`);
    }
    const chosen = await chooseRepository(ctx, values);
    const r = await runCat(withNoLock(chosen.access, values), type as CatType, id, ctx.signal);
    if (r.kind === 'bytes') ctx.io.stdout.write(r.bytes);
    // The object is the answer with or without --json: pretty JSON, uint64 values exact.
    else ctx.io.stdout.write(`${JSON.stringify(r.value, (_k, v) => (typeof v === 'bigint' ? (JSON as unknown as { rawJSON(s: string): unknown }).rawJSON(v.toString()) : v), 2)}\n`);
  },
};
