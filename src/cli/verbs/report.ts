// `lifeboat report --period day|week|month [--format …]`: what the daemon sends on its schedule.

import type { Command } from '../command.ts';
import { loadConfigFor } from '../job-access.ts';
import { tryOpenHistory } from '../../app/history/open.ts';
import { makeReport } from '../../app/report-run.ts';
import { renderReport, type ReportFormat, type ReportPeriod } from '../../app/report.ts';
import { snakeKeys } from '../json-keys.ts';
import { UsageError } from '../../errors.ts';

const PERIODS = ['day', 'week', 'month'];
const FORMATS = ['text', 'markdown', 'html', 'json'];

export const reportCommand: Command = {
  name: 'report',
  summary: 'a day\'s, week\'s or month\'s backups: runs, failures, achieved RPO, sizes, growth and cost',
  usage: [
    'Usage: lifeboat [--config FILE] report [--period day|week|month] [--format text|markdown|html|json] [--no-repositories]',
    '',
    'Per job: runs, successes and failures, the achieved RPO (largest gap between successes), the',
    'size and duration trend (an inline SVG chart in HTML). Per repository: growth over the period,',
    'size, and a monthly cost estimate from its price_per_gib_month. From the run history.',
    '  --no-repositories   do not open the repositories (no sizes or cost; fast, no passwords)',
  ].join('\n'),
  options: { period: { type: 'string' }, format: { type: 'string' }, 'no-repositories': { type: 'boolean' } },
  async run(ctx, { values }) {
    const period = (values.period as string | undefined) ?? 'week';
    const format = (values.format as string | undefined) ?? (ctx.global.json ? 'json' : 'text');
    if (!PERIODS.includes(period)) throw new UsageError(`report --period: expected one of ${PERIODS.join(', ')}`);
    if (!FORMATS.includes(format)) throw new UsageError(`report --format: expected one of ${FORMATS.join(', ')}`);
    const config = await loadConfigFor(ctx);
    const { history, warning } = tryOpenHistory(config, ctx.io.env);
    if (!history) throw new UsageError(`report: ${warning}`);
    try {
      const report = await makeReport(config, history, period as ReportPeriod, { readRepositories: values['no-repositories'] !== true, signal: ctx.signal });
      ctx.io.stdout.write(format === 'json' ? `${JSON.stringify(snakeKeys(report), null, 2)}\n` : renderReport(report, format as ReportFormat));
    } finally {
      history.close();
    }
  },
};
