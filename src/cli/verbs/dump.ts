import type { Command } from '../command.ts';
import { accessFromContext, announceSnapshot, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS } from '../access.ts';
import { runDump } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'write one file of a snapshot to standard output',
  usage: 'Usage: lifeboat dump SNAPSHOT|latest PATH [--host H] [--tag T] [--path P]\n\nStreams the file (e.g. a database dump) with bounded memory, verifying every blob.',
  options: { ...SNAPSHOT_FILTER_OPTIONS },
  async run(ctx, { values, positionals }) {
    const [ref, path, extra] = positionals;
    if (!ref || !path || extra !== undefined) throw new UsageError('dump: give a snapshot and one path inside it');
    await runDump(accessFromContext(ctx), ref, path, ctx.io.stdout, ctx.signal,
      { filter: snapshotFilterFrom(values), onSnapshot: announceSnapshot(ctx) });
  },
};
