// `lifeboat alerts [--all] [--json]`: the alerts firing now (and, with --all, resolved ones),
// as the daemon and CLI runs with a config last evaluated them.

import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { tryOpenHistory } from '../../app/history/open.ts';
import { UsageError } from '../../errors.ts';
import { printTable } from './snapshots.ts';

export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'list the alerts firing now (--all: resolved ones too)',
  usage: 'Usage: lifeboat [--config FILE] alerts [--all] [--json]\n\nExit code 1 when an alert is firing, like a monitoring check.',
  options: { all: { type: 'boolean' } },
  async run(ctx, { values }) {
    const config = await loadConfigFor(ctx);
    const { history, warning } = tryOpenHistory(config, ctx.io.env);
    if (!history) throw new UsageError(`alerts: ${warning}`);
    try {
      const alerts = history.alerts.list(values.all ? {} : { state: 'firing' });
      ctx.json(alerts.map((a) => ({
        name: a.name, state: a.state, job: a.job ?? null, repository: a.repository ?? null, message: a.message, details: a.details,
        fired_at: a.firedAt.toISOString(), resolved_at: a.resolvedAt?.toISOString() ?? null, last_notified_at: a.lastNotifiedAt?.toISOString() ?? null,
      })));
      if (!ctx.global.json) {
        if (alerts.length === 0) ctx.out(values.all ? 'no alerts recorded' : 'no alert is firing');
        else printTable(ctx.out, ['State', 'Alert', 'Job', 'Repository', 'Since', 'Message'], alerts.map((a) => [
          a.state, a.name, a.job ?? '', a.repository ?? '', (a.state === 'firing' ? a.firedAt : a.resolvedAt ?? a.firedAt).toISOString().replace('T', ' ').slice(0, 16), a.message,
        ]));
      }
      return alerts.some((a) => a.state === 'firing') ? 1 : 0;
    } finally {
      history.close();
    }
  },
};
