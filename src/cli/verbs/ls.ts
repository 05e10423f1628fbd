import type { Command } from '../command.ts';
import { accessFromContext, AT_OPTION, NO_LOCK_OPTION, snapshotChoice, snapshotFilterFrom, SNAPSHOT_FILTER_OPTIONS, withNoLock } from '../access.ts';
import { runList } from '../../app/restore.ts';
import { UsageError } from '../../errors.ts';
import { snapshotJson } from './snapshots.ts';

export const lsCommand: Command = {
  name: 'ls',
  summary: 'list files of a snapshot',
  usage: 'Usage: lifeboat ls SNAPSHOT|latest|--at TIME [PATH] [--long] [--no-recursive] [--host H] [--tag T] [--path P] [--no-lock]',
  options: {
    long: { type: 'boolean', short: 'l' },
    'no-recursive': { type: 'boolean' },
    ...SNAPSHOT_FILTER_OPTIONS,
    ...NO_LOCK_OPTION,
    ...AT_OPTION,
  },
  async run(ctx, { values, positionals }) {
    const { choice: ref, rest: [path, extra] } = snapshotChoice(values, positionals, 'ls');
    if (extra !== undefined) throw new UsageError('ls: give a snapshot and at most one path');
    let first = true;
    await runList(withNoLock(accessFromContext(ctx), values), ref, { path, recursive: !values['no-recursive'], filter: snapshotFilterFrom(values) }, (n, snap) => {
      if (first && ctx.global.json) ctx.json({ ...snapshotJson(snap), struct_type: 'snapshot' });
      first = false;
      const node = n.node;
      if (ctx.global.json) {
        ctx.json({ name: node.name, type: node.type, path: n.path, uid: node.uid, gid: node.gid, size: node.size,
          mode: node.mode, mtime: node.mtime, atime: node.atime, ctime: node.ctime, struct_type: 'node' });
      } else if (values.long) {
        ctx.out(`${node.type.padEnd(7)} ${String(node.size ?? 0).padStart(12)} ${(node.mtime ?? '').slice(0, 19).replace('T', ' ')} ${n.path}`);
      } else {
        ctx.out(n.path);
      }
    }, ctx.signal);
  },
};
