import type { Command } from '../command.ts';
import { announceSnapshot, AT_OPTION, NO_LOCK_OPTION, snapshotChoice, SNAPSHOT_FILTER_OPTIONS, withNoLock } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS, REPOSITORY_CHOICE_USAGE } from '../repo-choice.ts';
import { runDump } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'write a file of a snapshot (or a directory as tar or zip) to standard output',
  usage: [
    'Usage: lifeboat dump SNAPSHOT|latest|--at TIME PATH [--archive tar|zip] [--host H] [--tag T] [--path P] [--job NAME] [--no-lock]',
    '',
    'Streams the file (e.g. a database dump) with bounded memory, verifying every blob. A directory',
    '(or / for the whole snapshot) is written as a tar archive, or a zip with --archive zip, as',
    'restic dump does: `lifeboat dump latest /srv/app > app.tar`.',
    '',
    'Flags:',
    '  -a, --archive tar|zip   archive format for a directory (default tar)',
    '      --at TIME           the newest snapshot at or before TIME (ISO 8601, or 2026-11-20 14:00 in local time)',
    ...REPOSITORY_CHOICE_USAGE,
    '      --no-lock           read without locking (a read-only repository is detected by itself)',
  ].join('\n'),
  options: { archive: { type: 'string', short: 'a' }, ...REPOSITORY_CHOICE_OPTIONS, ...SNAPSHOT_FILTER_OPTIONS, ...NO_LOCK_OPTION, ...AT_OPTION },
  async run(ctx, { values, positionals }) {
    const { choice: ref, rest: [path, extra] } = snapshotChoice(values, positionals, 'dump');
    if (!path || extra !== undefined) throw new UsageError('dump: give a snapshot and one path inside it');
    const archive = values.archive as string | undefined;
    if (archive !== undefined && archive !== 'tar' && archive !== 'zip') throw new UsageError(`dump: --archive "${archive}": give tar or zip`);
    const chosen = await chooseRepository(ctx, values);
    await runDump(withNoLock(chosen.access, values), ref, path, ctx.io.stdout, ctx.signal,
      { filter: chosenFilter(values, chosen), onSnapshot: announceSnapshot(ctx), ...(archive ? { archive } : {}) });
  },
};
