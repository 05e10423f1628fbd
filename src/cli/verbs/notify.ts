// `lifeboat notify test [--channel NAME]`: sends a test notification to every configured channel
// (or one) and prints how each answered. Exits 1 when a channel failed, so it fits a deploy
// check. The answers come from the app layer, secrets already removed.

import type { Command } from '../command.ts';
import { UsageError } from '../../errors.ts';
import { loadConfigFor } from '../job-access.ts';
import { tryOpenHistory } from '../../app/history/open.ts';
import { sendTestNotification } from '../../app/notifications/test-notification.ts';
import { printTable } from './snapshots.ts';

export const notifyCommand: Command = {
  name: 'notify',
  summary: 'send a test notification to the configured channels',
  usage: [
    'Usage: lifeboat [--config FILE] notify test [--channel NAME] [--json]',
    '',
    'Sends a test notification to every channel under notifications: (or the one named) and prints',
    'each answer: ok or FAILED, the status (HTTP or SMTP), the attempts (with the channel\'s retries)',
    'and what the receiver said. Exits 1 when a channel failed. Attempts are recorded in the history.',
    '  --channel NAME   only this channel',
  ].join('\n'),
  options: { channel: { type: 'string' } },
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    if (sub === undefined) throw new UsageError('notify: give a sub-command: test', { hint: 'lifeboat notify test [--channel NAME]' });
    if (sub !== 'test') throw new UsageError(`notify: unknown sub-command "${sub}" (test)`);
    if (rest.length > 0) throw new UsageError(`notify test: unexpected argument "${rest[0]}"`);
    const config = await loadConfigFor(ctx);
    const { history, warning } = tryOpenHistory(config, ctx.io.env);
    if (warning) ctx.io.stderr.write(`lifeboat: warning: ${warning}\n`);
    try {
      const channel = values.channel as string | undefined;
      ctx.progress.update(`sending a test notification to ${channel ?? `${config.notifications.length} channel(s)`}…`);
      const report = await sendTestNotification(config, { ...(channel !== undefined ? { channel } : {}), env: ctx.io.env, signal: ctx.signal, ...(history ? { history } : {}) });
      ctx.progress.done();
      const failed = report.outcomes.filter((o) => !o.ok);
      ctx.json({
        notification_id: report.notificationId,
        channels: report.outcomes.map((o) => ({
          name: o.channel, type: o.type, ok: o.ok, status: o.status ?? null, attempts: o.attempts, permanent: o.permanent === true, detail: o.detail ?? null,
        })),
      });
      printTable(ctx.out, ['Channel', 'Type', 'Result', 'Status', 'Attempts', 'Answer'], report.outcomes.map((o) => [
        o.channel, o.type, o.ok ? 'ok' : 'FAILED', o.status !== undefined ? String(o.status) : '-', String(o.attempts), o.detail ?? '',
      ]));
      for (const o of failed) ctx.io.stderr.write(`lifeboat: channel ${o.channel}: ${o.permanent ? 'refused' : 'failed'}: ${o.detail ?? 'no answer'}\n`);
      return failed.length > 0 ? 1 : 0;
    } finally {
      history?.close();
    }
  },
};
