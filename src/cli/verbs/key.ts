import type { Command, CommandContext } from '../command.ts';
import { accessFromContext } from '../access.ts';
import { addKeyAt, changePasswordAt, listKeysAt, removeKeyAt } from '../../app/keys.ts';
import type { PasswordSource } from '../../config/password.ts';
import { UsageError } from '../../errors.ts';
import { printTable } from './snapshots.ts';
import { canPrompt, readNewPassword } from '../prompt.ts';

export const keyCommand: Command = {
  name: 'key',
  summary: 'manage keys (passwords): list, add, remove, passwd',
  usage: [
    'Usage: lifeboat key list',
    '       lifeboat key add    [--new-password-file FILE]',
    '       lifeboat key remove ID',
    '       lifeboat key passwd [--new-password-file FILE]',
    '',
    'The new password comes from --new-password-file or LIFEBOAT_NEW_PASSWORD, never from argv.',
  ].join('\n'),
  options: { 'new-password-file': { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [sub, arg] = positionals;
    const access = accessFromContext(ctx);
    switch (sub) {
      case 'list': {
        const keys = await listKeysAt(access, ctx.signal);
        ctx.json(keys.map((k) => ({ current: k.current, id: k.id, user_name: k.username, host_name: k.hostname, created: k.created })));
        printTable(ctx.out, [' ', 'ID', 'User', 'Host', 'Created'],
          keys.map((k) => [k.current ? '*' : ' ', k.id.slice(0, 8), k.username, k.hostname, k.created.slice(0, 19).replace('T', ' ')]));
        return;
      }
      case 'add': {
        const id = await addKeyAt(access, newPassword(ctx, values['new-password-file']), ctx.signal);
        ctx.say(`saved new key with ID ${id}`);
        ctx.json({ message_type: 'key_added', id });
        return;
      }
      case 'remove': {
        if (!arg) throw new UsageError('key remove: give the ID (or a unique prefix) of the key to remove');
        const id = await removeKeyAt(access, arg, ctx.signal);
        ctx.say(`removed key ${id}`);
        ctx.json({ message_type: 'key_removed', id });
        return;
      }
      case 'passwd': {
        const id = await changePasswordAt(access, newPassword(ctx, values['new-password-file']), ctx.signal);
        ctx.say(`saved new password as key ${id}`);
        ctx.json({ message_type: 'key_changed', id });
        return;
      }
      default:
        throw new UsageError(`key: unknown sub-command "${sub ?? ''}" (list, add, remove, passwd)`);
    }
  },
};

function newPassword(ctx: CommandContext, file: unknown): PasswordSource {
  if (typeof file === 'string') return { kind: 'file', path: file };
  const env = ctx.io.env.LIFEBOAT_NEW_PASSWORD ?? ctx.io.env.RESTIC_NEW_PASSWORD;
  if (env) return { kind: 'value', value: env };
  if (canPrompt(ctx.io)) return { kind: 'prompt', ask: (signal) => readNewPassword(ctx.io, 'the new key', signal) };
  throw new UsageError('no new password given', { hint: 'pass --new-password-file FILE or set LIFEBOAT_NEW_PASSWORD' });
}
