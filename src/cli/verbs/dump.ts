import type { Command } from '../command.ts';
import { accessFromContext, announceSnapshot, AT_OPTION, NO_LOCK_OPTION, snapshotChoice, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS, withNoLock } from '../access.ts';
import { runDump } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';

export const dumpCommand: Command = {
  name: 'dump',
  summary: 'write one file of a snapshot to standard output',
  usage: 'Usage: lifeboat dump SNAPSHOT|latest|--at TIME PATH [--host H] [--tag T] [--path P] [--no-lock]\n\nStreams the file (e.g. a database dump) with bounded memory, verifying every blob.\n--at TIME picks the newest snapshot at or before TIME (ISO 8601, or 2026-11-20 14:00 in local time).\n--no-lock reads without locking (a read-only repository is detected by itself).',
  options: { ...SNAPSHOT_FILTER_OPTIONS, ...NO_LOCK_OPTION, ...AT_OPTION },
  async run(ctx, { values, positionals }) {
    const { choice: ref, rest: [path, extra] } = snapshotChoice(values, positionals, 'dump');
    if (!path || extra !== undefined) throw new UsageError('dump: give a snapshot and one path inside it');
    await runDump(withNoLock(accessFromContext(ctx), values), ref, path, ctx.io.stdout, ctx.signal,
      { filter: snapshotFilterFrom(values), onSnapshot: announceSnapshot(ctx) });
  },
};
