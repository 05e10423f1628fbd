// `lifeboat promote --data-dir DIR`: the standby in DIR leaves recovery and takes writes.

import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { UsageError } from '../../errors.ts';
import { promoteStandby } from '../../app/pitr/standby.ts';
import { stateDirFor } from '../../app/state-dir.ts';
import { serverUserFrom, timeoutFrom } from './restore-pitr.ts';

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'promote a standby built by `lifeboat standby` to a primary',
  usage: [
    'Usage: lifeboat [--config FILE] promote --data-dir DIR [--os-user USER] [--pg-bin DIR] [--timeout SECONDS]',
    '',
    'Promotes the running standby in DIR (pg_ctl promote), waits until it accepts writes and prints',
    'its new timeline. Stop or fence the old primary first (see the runbook). Archiving stays off',
    'in the promoted server until you switch it on for a job of its own.',
  ].join('\n'),
  options: { 'data-dir': { type: 'string' }, 'os-user': { type: 'string' }, 'pg-bin': { type: 'string' }, timeout: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const dataDir = values['data-dir'] as string | undefined;
    if (!dataDir) throw new UsageError('promote: --data-dir DIR is required');
    if (positionals.length > 0) throw new UsageError(`promote: unexpected argument "${positionals[0]}"`);
    // The config only says where the state directory is; promote works without one.
    const config = await loadConfigFor(ctx).catch(() => undefined);
    const r = await promoteStandby(dataDir, serverUserFrom(values), stateDirFor(config, ctx.io.env), timeoutFrom(values, 300), ctx.signal);
    ctx.json({ message_type: 'summary', data_dir: r.dataDir, timeline: r.timeline, job: r.record?.job, port: r.record?.port, seconds: r.seconds });
    ctx.say(`promoted ${r.dataDir}${r.record ? ` (standby of job ${r.record.job}, port ${r.record.port})` : ''}: it accepts writes on timeline ${r.timeline}`);
    return 0;
  },
};
