import type { Command } from '../command.ts';
import { AT_OPTION, NO_LOCK_OPTION, snapshotChoice, SNAPSHOT_FILTER_OPTIONS, withNoLock } from '../access.ts';
import { chooseRepository, chosenFilter, REPOSITORY_CHOICE_OPTIONS } from '../repo-choice.ts';
import { goModeString, longNodeLine } from '../restic-format.ts';
import { runList } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';
import { snapshotJson } from './snapshots.ts';

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list files of a snapshot',
  usage: 'Usage: lifeboat ls SNAPSHOT|latest|--at TIME [PATH] [--long] [--no-recursive] [--host H] [--tag T] [--path P] [--job NAME | --repository NAME] [--no-lock]\n\n' +
    '-l, --long shows mode, owner, group, size and time as restic ls -l. --json prints JSON lines (the snapshot, then one node a line).',
  options: {
    long: { type: 'boolean', short: 'l' },
    'no-recursive': { type: 'boolean' },
    ...SNAPSHOT_FILTER_OPTIONS,
    ...REPOSITORY_CHOICE_OPTIONS,
    ...NO_LOCK_OPTION,
    ...AT_OPTION,
  },
  async run(ctx, { values, positionals }) {
    const { choice: ref, rest: [path, extra] } = snapshotChoice(values, positionals, 'ls');
    if (extra !== undefined) throw new UsageError('ls: give a snapshot and at most one path');
    let first = true;
    const chosen = await chooseRepository(ctx, values);
    await runList(withNoLock(chosen.access, values), ref, { path, recursive: !values['no-recursive'], filter: chosenFilter(values, chosen) }, (n, snap) => {
      if (first && ctx.global.json) ctx.json({ ...snapshotJson(snap), struct_type: 'snapshot' });
      first = false;
      const node = n.node;
      if (ctx.global.json) {
        ctx.json({ name: node.name, type: node.type, path: n.path, uid: node.uid, gid: node.gid, size: node.size,
          mode: node.mode, permissions: goModeString(node), mtime: node.mtime, atime: node.atime, ctime: node.ctime, struct_type: 'node' });
      } else if (values.long) {
        ctx.out(longNodeLine(n.path, node));
      } else {
        ctx.out(n.path);
      }
    }, ctx.signal);
  },
};
