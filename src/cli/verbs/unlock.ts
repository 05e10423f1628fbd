import type { Command } from '../command.ts';
import { accessFromContext } from '../access.ts';
import { runUnlock } from '../../app/unlock.ts';

export const unlockCommand: Command = {
  name: 'unlock',
  summary: 'remove stale locks (--remove-all: every lock)',
  usage: ['Usage: lifeboat unlock [--remove-all]', '',
    'Removes locks older than 30 minutes and locks made on this host by processes that are gone.',
    '  --remove-all   remove every lock, also those of running operations (dangerous)'].join('\n'),
  options: { 'remove-all': { type: 'boolean' } },
  async run(ctx, { values }) {
    const out = await runUnlock(accessFromContext(ctx), { removeAll: values['remove-all'] === true }, ctx.signal);
    for (const d of out.removed) ctx.say(`removed ${d}`);
    for (const d of out.kept) ctx.say(`kept ${d} (in use)`);
    ctx.say(`${out.removed.length} locks removed`);
    ctx.json({ message_type: 'unlock', removed: out.removed.length, kept: out.kept.length });
  },
};
